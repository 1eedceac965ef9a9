# shellcheck shell=bash
# Tollgate build environment. Sourced (never run) by scripts/build, run, test, smoke and bench.
#
# Finds a JDK >= 21 that has jlink and javac, and Apache Maven; exports JAVA_HOME, PATH and
#   TOLLGATE_ROOT       repository root
#   TOLLGATE_BUILD_DIR  Maven build directory (default $TOLLGATE_ROOT/target; set it to keep
#                       parallel builds of one checkout apart, it is passed to Maven as
#                       -Dtollgate.build.dir)
#   TOLLGATE_IMAGE      the jlink runtime image ($TOLLGATE_BUILD_DIR/image)
#   TOLLGATE_MVN        the mvn command to use
#   TOLLGATE_JAVA_MAJOR feature version of the chosen JDK
#
# JDK:   $JAVA_HOME if it qualifies, else the newest qualifying JDK under /usr/lib/jvm (and the
#        usual macOS/SDKMAN places), else the `java` on PATH.
# Maven: `mvn` on PATH (or $TOLLGATE_MVN), else a copy cached under
#        ${XDG_CACHE_HOME:-~/.cache}/tollgate/, else Apache Maven $TOLLGATE_MAVEN_VERSION is
#        downloaded once from Maven Central into that cache and checked against its SHA-512.
#
# Quiet unless TOLLGATE_VERBOSE=1. When something is missing it says what and how to get it,
# then exits 1 (or returns 1 when sourced from an interactive shell).

TOLLGATE_MIN_JAVA=21
# Pinned Maven used when none is installed; the SHA-512 is the one published next to the archive.
: "${TOLLGATE_MAVEN_VERSION:=3.9.16}"
TOLLGATE_MAVEN_PINNED_VERSION=3.9.16
TOLLGATE_MAVEN_PINNED_SHA512=831a8591fe20c8243b1dbe7d71e3244f31d1665b0804b2e825e38cbbe5ce0cafb8338851f90780735568773e0a6cd07bbec107cda0b896b008b861075358b6f6
: "${TOLLGATE_MAVEN_REPO:=https://repo.maven.apache.org/maven2}"

tg_log() {
    if [ "${TOLLGATE_VERBOSE:-0}" = 1 ]; then printf 'env: %s\n' "$*" >&2; fi
    return 0
}

tg_err() { printf '%s\n' "$@" >&2; }

# Prints the feature version (21, 25, ...) of the JDK at $1, or fails.
tg_java_major() {
    local home=$1 v='' line
    [ -x "$home/bin/java" ] || return 1
    if [ -r "$home/release" ]; then
        while IFS= read -r line || [ -n "$line" ]; do
            case $line in
                JAVA_VERSION=*) v=${line#JAVA_VERSION=}; v=${v//\"/}; break ;;
            esac
        done <"$home/release"
    fi
    if [ -z "$v" ]; then
        v=$("$home/bin/java" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1)
    fi
    case $v in 1.*) v=${v#1.} ;; esac
    v=${v%%[!0-9]*}
    [ -n "$v" ] || return 1
    printf '%s\n' "$v"
}

# Succeeds if $1 is a JDK >= TOLLGATE_MIN_JAVA with java, javac and jlink; prints its version.
tg_jdk_ok() {
    local home=$1 major
    [ -n "$home" ] && [ -d "$home" ] || return 1
    [ -x "$home/bin/javac" ] && [ -x "$home/bin/jlink" ] || return 1
    major=$(tg_java_major "$home") || return 1
    [ "$major" -ge "$TOLLGATE_MIN_JAVA" ] 2>/dev/null || return 1
    printf '%s\n' "$major"
}

tg_find_jdk() {
    local cand major best='' best_major=0 java_on_path
    if [ -n "${JAVA_HOME:-}" ]; then
        if major=$(tg_jdk_ok "$JAVA_HOME"); then
            TOLLGATE_JAVA_MAJOR=$major
            tg_log "JDK $major at JAVA_HOME=$JAVA_HOME"
            return 0
        fi
        tg_log "JAVA_HOME=$JAVA_HOME is not a JDK >= $TOLLGATE_MIN_JAVA with jlink; looking elsewhere"
    fi
    local -a cands=()
    for cand in /usr/lib/jvm/*/ /usr/java/*/ /opt/java/*/ /Library/Java/JavaVirtualMachines/*/Contents/Home/ \
        "$HOME"/.sdkman/candidates/java/*/; do
        [ -d "$cand" ] && cands+=("${cand%/}")
    done
    if java_on_path=$(command -v java 2>/dev/null); then
        java_on_path=$(readlink -f "$java_on_path" 2>/dev/null || printf '%s' "$java_on_path")
        cands+=("${java_on_path%/bin/java}")
    fi
    for cand in "${cands[@]}"; do
        major=$(tg_jdk_ok "$cand") || continue
        if [ "$major" -gt "$best_major" ]; then best=$cand; best_major=$major; fi
    done
    if [ -z "$best" ]; then
        tg_err "No JDK >= $TOLLGATE_MIN_JAVA found (looked at \$JAVA_HOME${JAVA_HOME:+ ($JAVA_HOME)}, /usr/lib/jvm/* and the java on PATH; it needs javac and jlink)." \
            "Install one, e.g. Temurin $TOLLGATE_MIN_JAVA+, and set JAVA_HOME."
        return 1
    fi
    JAVA_HOME=$best
    TOLLGATE_JAVA_MAJOR=$best_major
    tg_log "JDK $best_major at $best"
}

tg_sha512_of() {
    if command -v sha512sum >/dev/null 2>&1; then
        sha512sum "$1" | cut -d ' ' -f 1
    elif command -v shasum >/dev/null 2>&1; then
        shasum -a 512 "$1" | cut -d ' ' -f 1
    else
        openssl dgst -sha512 -r "$1" | cut -d ' ' -f 1
    fi
}

tg_fetch() { # url file
    if command -v curl >/dev/null 2>&1; then
        curl -fsSL --retry 3 --connect-timeout 20 --max-time 600 -o "$2" "$1"
    elif command -v wget >/dev/null 2>&1; then
        wget -q --tries=3 --timeout=60 -O "$2" "$1"
    else
        tg_err "Neither curl nor wget is installed, so Apache Maven cannot be downloaded."
        return 1
    fi
}

tg_download_maven() { # cache_dir -> installs $cache_dir/apache-maven-$V
    local cache=$1 v=$TOLLGATE_MAVEN_VERSION tmp url want got
    local how="Install Maven 3.9+ (e.g. 'apt-get install maven') or put its bin/ on PATH, then re-run."
    url="$TOLLGATE_MAVEN_REPO/org/apache/maven/apache-maven/$v/apache-maven-$v-bin.tar.gz"
    mkdir -p "$cache" || { tg_err "Cannot create $cache. $how"; return 1; }
    tmp=$(mktemp -d "$cache/.download.XXXXXX") || return 1
    printf 'env: Maven not found; downloading Apache Maven %s from Maven Central (first run only) ...\n' "$v" >&2
    if ! tg_fetch "$url" "$tmp/maven.tar.gz"; then
        rm -rf "$tmp"
        tg_err "Could not download Apache Maven $v from Maven Central. $how"
        return 1
    fi
    if [ "$v" = "$TOLLGATE_MAVEN_PINNED_VERSION" ]; then
        want=$TOLLGATE_MAVEN_PINNED_SHA512
    elif tg_fetch "$url.sha512" "$tmp/maven.sha512"; then
        want=$(cut -d ' ' -f 1 <"$tmp/maven.sha512" | tr -d '\r\n')
    else
        rm -rf "$tmp"
        tg_err "Could not download the checksum of Apache Maven $v. $how"
        return 1
    fi
    got=$(tg_sha512_of "$tmp/maven.tar.gz")
    if [ -z "$got" ] || [ "$got" != "$want" ]; then
        rm -rf "$tmp"
        tg_err "Apache Maven $v download failed its SHA-512 check (got ${got:-nothing}). $how"
        return 1
    fi
    if ! tar -xzf "$tmp/maven.tar.gz" -C "$tmp" || [ ! -x "$tmp/apache-maven-$v/bin/mvn" ]; then
        rm -rf "$tmp"
        tg_err "Could not unpack Apache Maven $v into $cache. $how"
        return 1
    fi
    # Another build may have won the race; either copy is fine.
    mv "$tmp/apache-maven-$v" "$cache/apache-maven-$v" 2>/dev/null || true
    rm -rf "$tmp"
    [ -x "$cache/apache-maven-$v/bin/mvn" ]
}

tg_find_maven() {
    local cache="${XDG_CACHE_HOME:-$HOME/.cache}/tollgate" m
    if [ -n "${TOLLGATE_MVN:-}" ] && [ -x "$TOLLGATE_MVN" ]; then
        tg_log "Maven: $TOLLGATE_MVN (TOLLGATE_MVN)"
        return 0
    fi
    if m=$(command -v mvn 2>/dev/null); then
        TOLLGATE_MVN=$m
        tg_log "Maven: $m (PATH)"
        return 0
    fi
    for m in "$cache/apache-maven-$TOLLGATE_MAVEN_VERSION/bin/mvn" "$cache"/apache-maven-3.*/bin/mvn; do
        if [ -x "$m" ]; then
            TOLLGATE_MVN=$m
            tg_log "Maven: $m (cache)"
            return 0
        fi
    done
    tg_download_maven "$cache" || return 1
    TOLLGATE_MVN="$cache/apache-maven-$TOLLGATE_MAVEN_VERSION/bin/mvn"
    tg_log "Maven: $TOLLGATE_MVN (downloaded)"
}

# True if the runtime image is missing or older than any build input.
tg_image_stale() {
    local stamp="$TOLLGATE_BUILD_DIR/image.stamp" newer
    [ -x "$TOLLGATE_IMAGE/bin/tollgate" ] && [ -f "$stamp" ] || return 0
    newer=$(cd "$TOLLGATE_ROOT" && find src pom.xml jlink scripts/build scripts/env.sh -newer "$stamp" -print -quit 2>/dev/null)
    [ -n "$newer" ]
}

# Runs Maven with the project's build directory and quiet defaults for the JDK in use.
tg_mvn() {
    "$TOLLGATE_MVN" -Dtollgate.build.dir="$TOLLGATE_BUILD_DIR" "$@"
}

# Builds the jars (mvn package -DskipTests) when JAR is missing, saying so as WHO; false when it
# is still missing afterwards.
tg_ensure_jar() { # who jar
    [ -f "$2" ] && return 0
    echo "$1: $2 is missing; building it (mvn package -DskipTests)"
    tg_mvn -B -q -DskipTests package 2>&1 | sed -e $'s/\x1b\\[0m//g' -e '/^$/d' >&2 || true
    [ -f "$2" ]
}

tg_setup_env() {
    TOLLGATE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P) || return 1
    : "${TOLLGATE_BUILD_DIR:=$TOLLGATE_ROOT/target}"
    TOLLGATE_IMAGE=$TOLLGATE_BUILD_DIR/image
    tg_find_jdk || return 1
    PATH="$JAVA_HOME/bin:$PATH"
    tg_find_maven || return 1
    # Maven 3.9's bundled libraries call sun.misc.Unsafe and native code; on JDK 24+ every
    # call prints a warning. They are Maven's, not ours: silence them.
    if [ "$TOLLGATE_JAVA_MAJOR" -ge 24 ]; then
        case " ${MAVEN_OPTS:-} " in
            *sun-misc-unsafe-memory-access*) ;;
            *) MAVEN_OPTS="${MAVEN_OPTS:+$MAVEN_OPTS }--sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED" ;;
        esac
        export MAVEN_OPTS
    fi
    export JAVA_HOME PATH TOLLGATE_ROOT TOLLGATE_BUILD_DIR TOLLGATE_IMAGE TOLLGATE_MVN TOLLGATE_JAVA_MAJOR
}

if ! tg_setup_env; then
    case $- in
        *i*) return 1 ;;
        *) exit 1 ;;
    esac
fi
