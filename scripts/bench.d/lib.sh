# shellcheck shell=bash disable=SC2034,SC2154  # globals shared with scripts/bench by design
# Functions shared by scripts/bench and scripts/bench.d/{providers,streams,soak}.sh (sourced, never run).
# They use the globals of scripts/bench: TOLLGATE_ROOT, out_dir, clk_tck, run_loads, seconds.

say() { printf 'bench: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

apt_install() { # package...
    local sudo=()
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null 2>&1 || return 1
        sudo=(sudo -n)
    fi
    say "installing $* with apt-get"
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "$@" >/dev/null 2>&1 && return 0
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "$@" >/dev/null 2>&1
}

# wait_port FILE PID PATTERN -> prints the port from the first line matching PATTERN (20 s)
wait_port() {
    local file=$1 pid=$2 line i
    for ((i = 0; i < 200; i++)); do
        line=$(grep -m 1 "$3" "$file" 2>/dev/null || true)
        if [ -n "$line" ]; then
            printf '%s' "$line" | sed -n -e 's/.*"port":\([0-9][0-9]*\).*/\1/p' \
                -e 's/.*"url":"http:\/\/[^"]*:\([0-9][0-9]*\)".*/\1/p' | head -n 1
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# forget_pid PID: drop a process that has ended from $pids, so that the clean-up on exit never
# signals another process that got its number since.
forget_pid() {
    local p keep=()
    for p in "${pids[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
    pids=("${keep[@]}")
}

stop() { # pid [seconds]: SIGTERM, then SIGKILL
    local pid=$1 i
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < ${2:-15} * 20; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

cpu_ticks() { # pid -> utime+stime in clock ticks
    local stat
    stat=$(<"/proc/$1/stat")
    stat=${stat##*) }
    # shellcheck disable=SC2086
    set -- $stat
    echo $((${12} + ${13}))
}

# run NAME URL BODY CONNS SECONDS [key] -> sets requests p50 p99 rps non2xx errs
run_wrk() {
    wrk_exec "$@"
    wait "$wrk_pid" || true
    forget_pid "$wrk_pid"
    wrk_parse "$1"
}

# wrk_exec NAME URL BODY CONNS SECONDS [key] -> sets wrk_pid: wrk started in the background, its
# output in $out_dir/NAME.txt; `wait "$wrk_pid"`, then wrk_parse NAME reads the figures. In the
# background so that the soak can sample memory meanwhile, and so that on a signal the bench's
# trap runs at once and its clean-up stops wrk (the pid is timeout's, which passes SIGTERM on).
wrk_exec() {
    local name=$1 url=$2 body=$3 conns=$4 secs=$5 k=${6:-}
    BENCH_BODY_FILE=$body BENCH_KEY=$k timeout $((secs + 30)) \
        wrk -t1 -c"$conns" -d"${secs}s" --timeout 5s --latency \
        -s "$TOLLGATE_ROOT/scripts/bench.d/post.lua" "$url" >"$out_dir/$name.txt" 2>&1 &
    wrk_pid=$!
    pids+=("$wrk_pid")
}

wrk_parse() { # NAME -> sets requests p50 p99 rps non2xx errs
    local name=$1 line
    line=$(grep '^BENCH ' "$out_dir/$name.txt" || true)
    [ -n "$line" ] || die "wrk $name failed: $(tail -n 5 "$out_dir/$name.txt")"
    requests=$(sed -n 's/.* requests=\([0-9]*\).*/\1/p' <<<"$line")
    local dur
    dur=$(sed -n 's/.* duration_us=\([0-9]*\).*/\1/p' <<<"$line")
    p50=$(sed -n 's/.* p50_us=\([0-9]*\).*/\1/p' <<<"$line")
    p99=$(sed -n 's/.* p99_us=\([0-9]*\).*/\1/p' <<<"$line")
    non2xx=$(sed -n 's/.* non2xx=\([0-9]*\).*/\1/p' <<<"$line")
    errs=$(sed -n 's/.* socket_errors=\([0-9]*\).*/\1/p' <<<"$line")
    rps=$(awk -v r="$requests" -v d="$dur" 'BEGIN { printf "%.0f", (d > 0 ? r * 1e6 / d : 0) }')
    case $name in
        warmup-*) ;;
        *) run_loads+=("$name=$(cut -d ' ' -f 1 /proc/loadavg)") ;;
    esac
}

jit_ticks() { # pid -> CPU ticks of the JIT compiler threads so far
    local t sum=0 comm stat
    for t in /proc/"$1"/task/*; do
        comm=$(<"$t/comm") || continue
        case $comm in
            C1\ Compiler* | C2\ Compiler*)
                stat=$(<"$t/stat") || continue
                stat=${stat##*) }
                # shellcheck disable=SC2086
                set -- $stat
                sum=$((sum + ${12} + ${13}))
                ;;
        esac
    done
    echo "$sum"
}
warm() { # pid max-rounds round-function round-seconds -> sets warmed (s), jit_settled
    local pid=$1 max=$2 fn=$3 secs=$4 round j0 j1
    warmed=0 jit_settled=no
    for ((round = 1; round <= max; round++)); do
        j0=$(jit_ticks "$pid")
        "$fn"
        j1=$(jit_ticks "$pid")
        warmed=$((warmed + secs))
        # under 2 % of the round: (ticks / clk_tck) / secs < 1/50
        if (((j1 - j0) * 50 < secs * clk_tck)); then
            jit_settled=yes
            return 0
        fi
    done
}

# check_200 NAME URL BODY KEY|"" [must-contain...]: one request must answer 200 (a benchmark
# of error responses would be worthless) and hold each given fixed string; the answer is kept
# in $work/check-NAME.txt.
check_200() {
    local name=$1 url=$2 body=$3 k=$4 code s auth=()
    shift 4
    [ -n "$k" ] && auth=(-H "Authorization: Bearer $k")
    code=$(curl -s -m 10 -o "$work/check-$name.txt" -w '%{http_code}' "${auth[@]}" \
        -H 'Content-Type: application/json' --data-binary @"$body" "$url" || true)
    [ "$code" = 200 ] || die "$name request -> HTTP $code: $(head -c 300 "$work/check-$name.txt")"
    for s in "$@"; do
        grep -qF -- "$s" "$work/check-$name.txt" ||
            die "$name answer lacks '$s': $(head -c 600 "$work/check-$name.txt")"
    done
}

# ------------------------------------------------------------------ report helpers
# FILE FILTER FIELD -> FIELD's value on the first line of the JSON-lines FILE holding the fixed
# string FILTER (quotes dropped), or nothing: how the parts read the figures of their *Cost.java.
jsonl_get() {
    grep -F -- "$2" "$1" 2>/dev/null | head -n 1 |
        sed -n "s/.*\"$3\":\(\"[^\"]*\"\|[^,}]*\).*/\1/p" | tr -d '"'
}

# run_cost JAVA_FILE OUT NOTES ARG...: runs scripts/bench.d/JAVA_FILE ARG... on the built jar with
# the gateway's JVM options (gateway_jvm_opts first), its figures to $out_dir/OUT.jsonl and its
# errors to OUT.err; when it fails, a note (the end of OUT.err) goes to the array named NOTES.
run_cost() {
    local file=$1 base=$2
    local -n run_cost_notes=$3
    shift 3
    if ! "$JAVA_HOME/bin/java" "${jvm_opts[@]}" -cp "$TOLLGATE_BUILD_DIR/tollgate.jar" \
        "$TOLLGATE_ROOT/scripts/bench.d/$file" "$@" >"$out_dir/$base.jsonl" 2>"$out_dir/$base.err"; then
        run_cost_notes+=("$file failed: $(tail -n 3 "$out_dir/$base.err" | tr '\n' ' ')")
        say "${run_cost_notes[-1]}"
    fi
}

verdict() { # awk condition on $v
    awk -v v="$1" "BEGIN { if ($2) print \"ok\"; else print \"MISSED\" }"
}
mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1e6 }'; }
per_request_ms() { # ticks requests -> CPU ms per request
    awk -v t="$1" -v hz="$clk_tck" -v n="$2" 'BEGIN { printf "%.3f", (n > 0 ? t * 1000 / hz / n : 0) }'
}

report_header() { # (the voice part runs without wrk and Node.js: "none" then)
    printf '\nTollgate bench: %s, %s cores, JDK %s, wrk %s, node %s; %s s per run, wrk -t1\n' \
        "$(date -u +%Y-%m-%dT%H:%MZ)" "$(nproc)" "$TOLLGATE_JAVA_MAJOR" \
        "$(if command -v wrk >/dev/null 2>&1; then { wrk -v 2>&1 || true; } | sed -n 's/^wrk \([^ ]*\).*/\1/p' | head -n 1; else echo none; fi)" \
        "$(if command -v node >/dev/null 2>&1; then node --version; else echo none; fi)" "$seconds"
}
row() { printf '%-50s %-36s %-10s %s\n' "$@"; }

# Numbers on stdin, one per line -> their median (the mean of the middle two for an even count), or n/a.
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.0f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# ------------------------------------------------------------------ processes of the streams and soak parts
# gateway_start NAME CONFIG [EXTRA_JAVA_OPTS] -> sets gw_pid, gw_port: the gateway under test
# ($launcher) with CONFIG on a free port, stdout/stderr in $work/NAME.{out,err}. Extra JVM options
# are added to any TOLLGATE_JAVA_OPTS the bench was given.
gateway_start() {
    local name=$1 cfg=$2 opts=${TOLLGATE_JAVA_OPTS:-}
    [ -n "${3:-}" ] && opts="$opts $3"
    (cd "$work" && TOLLGATE_JAVA_OPTS=$opts exec "$launcher" --config "$cfg" --port 0) \
        </dev/null >"$work/$name.out" 2>"$work/$name.err" &
    gw_pid=$!
    pids+=("$gw_pid")
    gw_port=$(wait_port "$work/$name.out" "$gw_pid" '"event":"listening"') ||
        die "the gateway did not start: $(tail -n 20 "$work/$name.out" "$work/$name.err")"
}

# floor_prepare IMAGE_DIR OPTIONS_FILE -> sets floor_java, floor_opts: FloorServer.java compiled
# once into $work/floor (no javac inside the measured JVM), to be run by the image's JVM, which
# holds exactly the modules it needs, with the gateway's JVM options (same GC, heap and
# TCP_NODELAY); without the start-up archive, which only changes start-up.
floor_prepare() {
    local image=$1 options=$2 line
    floor_java=$JAVA_HOME/bin/java
    [ -x "$image/bin/java" ] && floor_java=$image/bin/java
    floor_opts=()
    while IFS= read -r line || [ -n "$line" ]; do
        line=${line#"${line%%[![:space:]]*}"}
        line=${line%"${line##*[![:space:]]}"}
        case $line in '' | '#'*) continue ;; esac
        floor_opts+=("$line")
    done <"$options"
    [ -f "$work/floor/FloorServer.class" ] && return 0
    javac -d "$work/floor" "$TOLLGATE_ROOT/scripts/bench.d/FloorServer.java" >"$work/javac.log" 2>&1 ||
        die "FloorServer.java did not compile: $(cat "$work/javac.log")"
}

# floor_start NAME MODE(server|proxy) [UPSTREAM_URL [EXTRA_JAVA_OPTION...]] -> sets fl_pid,
# fl_port (after floor_prepare)
floor_start() {
    local name=$1 args=("$2" 0)
    [ -n "${3:-}" ] && args+=("$3")
    shift $(($# < 3 ? $# : 3))
    "$floor_java" "${floor_opts[@]}" "$@" -cp "$work/floor" FloorServer "${args[@]}" \
        </dev/null >"$work/$name.out" 2>&1 &
    fl_pid=$!
    pids+=("$fl_pid")
    fl_port=$(wait_port "$work/$name.out" "$fl_pid" '"listening"') ||
        die "the $2 floor did not start: $(tail -n 20 "$work/$name.out")"
}

# ------------------------------------------------------------------ memory
status_kb() { # pid field(VmRSS|VmHWM) -> kB, read without spawning a process
    local k v _
    [ -r "/proc/$1/status" ] || { echo 0; return 0; }
    while read -r k v _; do
        if [ "$k" = "$2:" ]; then echo "$v"; return 0; fi
    done <"/proc/$1/status"
    echo 0
}
# Resets VmHWM to the current RSS (proc(5), /proc/PID/clear_refs "5"), so that the peak is the
# next run's; returns non-zero where the kernel does not allow it.
hwm_reset() { echo 5 2>/dev/null >"/proc/$1/clear_refs"; }
# rss_sampler PID FILE SECONDS -> sets sampler_pid: appends "<s since start> <VmRSS kB>" to FILE
# every SECONDS until PID exits or the sampler is stopped (stop "$sampler_pid").
rss_sampler() {
    local pid=$1 file=$2 every=$3
    (
        start=${EPOCHREALTIME/[.,]/}
        while kill -0 "$pid" 2>/dev/null; do
            now=${EPOCHREALTIME/[.,]/}
            printf '%s %s\n' "$(((now - start) / 1000000))" "$(status_kb "$pid" VmRSS)"
            sleep "$every"
        done
    ) >>"$file" 2>/dev/null &
    sampler_pid=$!
    pids+=("$sampler_pid")
}
kb_mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
# Times a listen queue overflowed (SYNs dropped, connects retried after 1, 3, 7 s), machine-wide
# since boot: TcpExt ListenOverflows of /proc/net/netstat.
listen_overflows() {
    awk '/^TcpExt:/ { if (!h) { for (i = 2; i <= NF; i++) if ($i == "ListenOverflows") c = i; h = 1 } else print $c + 0 }' \
        /proc/net/netstat 2>/dev/null || echo 0
}

# -> sets jvm_opts: the gateway's JVM options, one per element: those of the image under test
# (conf/jvm.options next to $launcher), else the ones the image is built with.
gateway_jvm_opts() {
    local image options line
    image=$(cd "$(dirname "$(readlink -f "$launcher")")/.." 2>/dev/null && pwd -P) || image=$TOLLGATE_IMAGE
    options=$image/conf/jvm.options
    [ -f "$options" ] || options=$TOLLGATE_ROOT/jlink/jvm.options
    jvm_opts=()
    while IFS= read -r line || [ -n "$line" ]; do
        line=${line#"${line%%[![:space:]]*}"}
        line=${line%"${line##*[![:space:]]}"}
        case $line in '' | '#'*) continue ;; esac
        jvm_opts+=("$line")
    done <"$options"
}
