# shellcheck shell=bash disable=SC2034,SC2154  # globals shared with scripts/bench by design
# Functions shared by scripts/bench and scripts/bench.d/providers.sh (sourced, never run).
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
    local name=$1 url=$2 body=$3 conns=$4 secs=$5 k=${6:-} line
    BENCH_BODY_FILE=$body BENCH_KEY=$k timeout $((secs + 30)) \
        wrk -t1 -c"$conns" -d"${secs}s" --timeout 5s --latency \
        -s "$TOLLGATE_ROOT/scripts/bench.d/post.lua" "$url" >"$out_dir/$name.txt" 2>&1 || true
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
verdict() { # awk condition on $v
    awk -v v="$1" "BEGIN { if ($2) print \"ok\"; else print \"MISSED\" }"
}
mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1e6 }'; }
per_request_ms() { # ticks requests -> CPU ms per request
    awk -v t="$1" -v hz="$clk_tck" -v n="$2" 'BEGIN { printf "%.3f", (n > 0 ? t * 1000 / hz / n : 0) }'
}

report_header() {
    printf '\nTollgate bench: %s, %s cores, JDK %s, wrk %s, node %s; %s s per run, wrk -t1\n' \
        "$(date -u +%Y-%m-%dT%H:%MZ)" "$(nproc)" "$TOLLGATE_JAVA_MAJOR" \
        "$(wrk -v 2>&1 | sed -n 's/^wrk \([^ ]*\).*/\1/p' | head -n 1)" "$(node --version)" "$seconds"
}
row() { printf '%-50s %-36s %-10s %s\n' "$@"; }

# Numbers on stdin, one per line -> their median (the mean of the middle two for an even count), or n/a.
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.0f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
