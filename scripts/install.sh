#!/bin/sh
# Installs Tollgate from an unpacked release tarball (made by scripts/package) on a Linux host:
#
#   sudo ./install.sh [--prefix DIR] [--root DIR] [--no-systemd] [--dry-run]
#
#   --prefix DIR   where the runtime image goes (default /opt/tollgate), a directory of its own:
#                  one that holds anything else is refused; the systemd unit is rewritten to run
#                  DIR/bin/tollgate
#   --root DIR     install under DIR instead of / (a staging tree, a container image, a test):
#                  every path below is prefixed with it, and systemd is not told
#   --no-systemd   leave out the unit; create DIR/var/lib/tollgate for a data directory instead
#   --dry-run      print what would be done, change nothing
#
# What it does (each step printed as it runs):
#   1. the image (bin/tollgate, a JVM, the gateway) -> PREFIX, replacing an earlier version; a
#      conf/jvm.options edited there is kept
#   2. /usr/local/bin/tollgate -> PREFIX/bin/tollgate (unless that name is taken by something else)
#   3. /etc/tollgate/tollgate.json: the default config, only if there is none (an existing one is
#      never overwritten; the new default goes next to it as tollgate.json.dist), and
#      /etc/tollgate/env (mode 0600): a template for keys, only if there is none
#   4. /etc/systemd/system/tollgate.service (conf/tollgate.service) and the data directory
#      /var/lib/private/tollgate (mode 0700; systemd's DynamicUser= reaches it as /var/lib/tollgate)
#   5. systemctl daemon-reload (only on a running systemd and without --root); it does not
#      enable or start the service: the next steps printed at the end say how
# Exit status: 0 done, 1 bad arguments or a step failed, 2 not run from an unpacked tarball.
set -eu

prefix=/opt/tollgate root='' systemd=1 dry=0
while [ $# -gt 0 ]; do
    case $1 in
        --prefix) [ $# -ge 2 ] || { echo "install: --prefix needs a directory" >&2; exit 1; }; prefix=$2; shift ;;
        --prefix=*) prefix=${1#--prefix=} ;;
        --root) [ $# -ge 2 ] || { echo "install: --root needs a directory" >&2; exit 1; }; root=$2; shift ;;
        --root=*) root=${1#--root=} ;;
        --no-systemd) systemd=0 ;;
        --dry-run) dry=1 ;;
        -h | --help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "install: unknown option $1 (see ./install.sh --help)" >&2; exit 1 ;;
    esac
    shift
done
case $prefix in
    /*) prefix=${prefix%/} ;;
    *) echo "install: --prefix must be an absolute path, got $prefix" >&2; exit 1 ;;
esac
[ -n "$prefix" ] || { echo "install: --prefix must not be /" >&2; exit 1; }
# The prefix goes into the unit's ExecStart= (which splits at spaces) through sed (where '&' and
# '#' are special): plain path characters only.
case $prefix in
    *[!A-Za-z0-9/._+-]*) echo "install: --prefix may hold only letters, digits and / . _ + -, got $prefix" >&2; exit 1 ;;
esac
if [ -n "$root" ]; then
    case $root in
        /*) root=${root%/} ;;
        *) root=$(pwd)/$root ;;
    esac
fi

here=$(cd "$(dirname "$0")" && pwd)
if [ ! -x "$here/image/bin/tollgate" ] || [ ! -f "$here/conf/tollgate.json" ]; then
    echo "install: run this from an unpacked release tarball (image/, conf/ next to it); make one with scripts/package" >&2
    exit 2
fi
if [ "$dry" = 0 ] && [ -z "$root" ] && [ "$(id -u)" != 0 ]; then
    echo "install: writing to $prefix and /etc needs root: run it with sudo (or try --dry-run, or --root DIR)" >&2
    exit 1
fi

dest=$root$prefix
etc=$root/etc/tollgate
unit=$root/etc/systemd/system/tollgate.service

# run CMD ARGS...: print it, and run it unless --dry-run.
run() {
    printf '+ %s\n' "$*"
    [ "$dry" = 1 ] || "$@"
}
say() { printf 'install: %s\n' "$*"; }

# ------------------------------------------------------------------ 1. the image
# PREFIX is replaced whole: refuse a directory that holds anything but an earlier Tollgate image,
# so that a habitual "--prefix /usr/local" (or /usr, /opt) cannot delete what else is in it.
if [ -e "$dest" ] && [ -n "$(ls -A "$dest" 2>/dev/null || echo unreadable)" ] \
        && ! { [ -f "$dest/bin/tollgate" ] && [ ! -L "$dest/bin/tollgate" ] && [ -f "$dest/conf/jvm.options" ]; }; then
    echo "install: $dest exists and is not a Tollgate installation: refusing to replace it (the image is installed" \
        "as the whole of --prefix; choose a directory of its own, such as /opt/tollgate)" >&2
    exit 1
fi
# Copied next to the old one and swapped in, so that a failed copy leaves the old one working.
kept_options=
if [ -f "$dest/conf/jvm.options" ] && ! cmp -s "$dest/conf/jvm.options" "$here/image/conf/jvm.options"; then
    kept_options=$dest/conf/jvm.options
fi
run mkdir -p "$(dirname "$dest")"
run rm -rf "$dest.new"
run cp -R "$here/image" "$dest.new"
[ -f "$here/README.md" ] && run cp "$here/README.md" "$dest.new/README.md"
if [ -n "$kept_options" ]; then
    say "keeping the edited $prefix/conf/jvm.options (this version's is conf/jvm.options.dist)"
    run cp "$dest.new/conf/jvm.options" "$dest.new/conf/jvm.options.dist"
    run cp "$kept_options" "$dest.new/conf/jvm.options"
fi
if [ -e "$dest" ]; then
    run rm -rf "$dest.old"
    run mv "$dest" "$dest.old"
    run mv "$dest.new" "$dest"
    run rm -rf "$dest.old"
else
    run mv "$dest.new" "$dest"
fi

# ------------------------------------------------------------------ 2. the command
link=$root/usr/local/bin/tollgate
if [ -L "$link" ] || [ ! -e "$link" ]; then
    run mkdir -p "$root/usr/local/bin"
    run ln -sfn "$prefix/bin/tollgate" "$link"
else
    say "$link exists and is not a symlink: left alone (run $prefix/bin/tollgate)"
fi

# ------------------------------------------------------------------ 3. the config
run mkdir -p "$etc"
if [ -e "$etc/tollgate.json" ]; then
    say "keeping the existing /etc/tollgate/tollgate.json; this version's default is tollgate.json.dist"
    run cp "$here/conf/tollgate.json" "$etc/tollgate.json.dist"
else
    run cp "$here/conf/tollgate.json" "$etc/tollgate.json"
    run chmod 0644 "$etc/tollgate.json"
fi
if [ ! -e "$etc/env" ]; then
    printf '+ write %s (mode 0600)\n' "$etc/env"
    if [ "$dry" = 0 ]; then
        (
            umask 077
            cat >"$etc/env" <<'EOF'
# Environment of the tollgate service (systemd EnvironmentFile=): VAR=value, one per line.
# The key clients send (at least 16 characters); without it (and without "keys" in the config)
# the gateway generates one on first start and prints it once (journalctl -u tollgate).
#TOLLGATE_API_KEY=
# Guards the admin API (/admin/...); unset, the admin API is off.
#TOLLGATE_ADMIN_TOKEN=
# Upstream providers: one whose key is unset is disabled.
#OPENAI_API_KEY=
#ANTHROPIC_API_KEY=
#MISTRAL_API_KEY=
#DEEPGRAM_API_KEY=
# Request spans to an OpenTelemetry collector (README, "Tracing").
#TOLLGATE_OTLP_ENDPOINT=http://127.0.0.1:4318/v1/traces
EOF
        )
    fi
fi

# ------------------------------------------------------------------ 4. the unit and the data directory
if [ "$systemd" = 1 ]; then
    run mkdir -p "$(dirname "$unit")"
    printf '+ write %s (ExecStart=%s/bin/tollgate)\n' "$unit" "$prefix"
    if [ "$dry" = 0 ]; then
        sed "s#/opt/tollgate#$prefix#g" "$here/conf/tollgate.service" >"$unit.tmp"
        chmod 0644 "$unit.tmp"
        mv -f "$unit.tmp" "$unit"
    fi
    # DynamicUser= keeps state in /var/lib/private/<name> (0700 root above it) and links
    # /var/lib/<name> to it at start; systemd gives the directory to the service's user.
    if [ ! -d "$root/var/lib/private" ]; then
        run mkdir -p "$root/var/lib/private"
        run chmod 0700 "$root/var/lib/private"
    fi
    if [ ! -e "$root/var/lib/private/tollgate" ] && [ ! -e "$root/var/lib/tollgate" ]; then
        run mkdir -p "$root/var/lib/private/tollgate"
        run chmod 0700 "$root/var/lib/private/tollgate"
    fi
    data=/var/lib/tollgate
else
    if [ ! -e "$root/var/lib/tollgate" ]; then
        run mkdir -p "$root/var/lib/tollgate"
        run chmod 0700 "$root/var/lib/tollgate"
    fi
    data=/var/lib/tollgate
fi
if [ "$systemd" = 1 ] && [ -z "$root" ] && [ "$dry" = 0 ] && [ -d /run/systemd/system ]; then
    run systemctl daemon-reload
fi

# ------------------------------------------------------------------ next steps
version=$("$dest/bin/tollgate" --version 2>/dev/null || echo tollgate)
[ "$dry" = 1 ] && version=$("$here/image/bin/tollgate" --version 2>/dev/null || echo tollgate)
if [ "$dry" = 1 ]; then say "dry run: nothing was changed"; else say "installed $version in ${root}$prefix"; fi
cat <<EOF

Next steps:
  1. Keys: edit /etc/tollgate/env (TOLLGATE_API_KEY, provider keys such as OPENAI_API_KEY).
  2. Config: /etc/tollgate/tollgate.json (check it: tollgate check-config --config /etc/tollgate/tollgate.json).
EOF
if [ "$systemd" = 1 ]; then
    cat <<EOF
  3. Start it:   systemctl enable --now tollgate
     Logs:       journalctl -u tollgate -f
     Reload:     systemctl reload tollgate      (re-reads the config)
  4. Try it:     curl -s http://127.0.0.1:8080/healthz
EOF
else
    cat <<EOF
  3. Start it:   TOLLGATE_DATA_DIR=$data $prefix/bin/tollgate --config /etc/tollgate/tollgate.json
  4. Try it:     curl -s http://127.0.0.1:8080/healthz
EOF
fi
