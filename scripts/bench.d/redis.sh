# shellcheck shell=bash disable=SC2034,SC2154  # globals shared with scripts/bench by design
# The redis part (r) of scripts/bench (sourced by it, never run): what a Redis-backed limit check
# adds to a request (issue 14, "Several replicas"; target: <= 150 us p99 on loopback).
#
# Starts its own redis-server on a free loopback port (--save "" --appendonly no), then
# scripts/bench.d/RedisCost.java on the built jar with the gateway's JVM options: one admission
# of a key with rpm and tpm limits (one EVALSHA, both buckets) timed one by one, after a warm-up,
# by 1 and by 8 concurrent callers (BENCH_REDIS_CHECKS each, default 40,000), and the same on
# local buckets; p50/p99/p999 in $out_dir/redis-cost.jsonl. For scale, a PING round trip by
# redis-benchmark (C, one client) when it is installed: the floor of the loopback and the server
# on this machine now.
#
# BENCH_ONLY=redis scripts/bench runs only this (about a minute after the build; needs neither
# wrk nor Node.js, and is skipped with a note where redis-server is absent); BENCH_REDIS=off
# leaves it out of a full run.

redis_on=1
case ${BENCH_REDIS:-on} in
    off | 0 | no) redis_on=0 ;;
esac
redis_notes=()
RDS_FLOOR=''

redis_main() {
    local server=${TOLLGATE_REDIS_SERVER:-$(command -v redis-server || echo /usr/bin/redis-server)} port='' i rpid
    if [ ! -x "$server" ]; then
        redis_notes+=("redis-server not found (apt-get install redis-server, or TOLLGATE_REDIS_SERVER): not measured")
        say "${redis_notes[-1]}"
        return 0
    fi
    gateway_jvm_opts
    RDS_LOAD=$(cut -d ' ' -f 1-3 /proc/loadavg)
    port=$(voice_free_port) || die "no free port for redis-server"
    "$server" --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
        --dir "$work" >"$work/redis-server.log" 2>&1 &
    rpid=$!
    pids+=("$rpid")
    for ((i = 0; i < 100; i++)); do
        { exec 9<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null && { exec 9>&-; break; }
        kill -0 "$rpid" 2>/dev/null || break
        sleep 0.1
    done
    say "redis: RedisCost.java against redis-server on 127.0.0.1:$port (~1 min)"
    run_cost RedisCost.java redis-cost redis_notes "$port" "${BENCH_REDIS_CHECKS:-40000}"
    if command -v redis-benchmark >/dev/null 2>&1; then
        RDS_FLOOR=$(redis-benchmark -p "$port" -n 20000 -c 1 --precision 3 ping 2>/dev/null | tr '\r' '\n' |
            awk '/latency summary/ { getline; getline; printf "p50 %.0f us, p99 %.0f us\n", $4 * 1000, $6 * 1000; exit }')
    fi
    stop "$rpid" 5
    forget_pid "$rpid"
    RDS_LOAD_AFTER=$(cut -d ' ' -f 1-3 /proc/loadavg)
}

redis_get() { jsonl_get "$out_dir/redis-cost.jsonl" "$@"; } # FILTER FIELD (jsonl_get)

redis_report() {
    local f=$out_dir/redis-cost.jsonl c n p99
    printf '\nredis: a Redis-backed limit check (scripts/bench.d/RedisCost.java: rpm+tpm in one EVALSHA, loopback)\n'
    row "figure" "measured" "target" "verdict"
    row "------" "--------" "------" "-------"
    if [ -s "$f" ] && grep -q '"case":"redis"' "$f"; then
        for n in 1 8; do
            for c in local redis; do
                p99=$(redis_get "\"case\":\"$c\",\"callers\":$n," p99_us)
                row "$c admit, $n caller(s): p50 / p99 / p999" "$(redis_get "\"case\":\"$c\",\"callers\":$n," p50_us) / $p99 / $(redis_get "\"case\":\"$c\",\"callers\":$n," p999_us) us" \
                    "$([ "$c" = redis ] && echo '<= 150 us')" "$([ "$c" = redis ] && verdict "$p99" 'v != "" && v <= 150')"
            done
        done
        row "  checks per case; refused" "$(redis_get '"case":"redis","callers":1,' checks); $(redis_get '"case":"redis","callers":1,' refused)" "" ""
        [ -n "$RDS_FLOOR" ] && row "floor: PING by redis-benchmark -c 1 (C client)" "$RDS_FLOOR" "" ""
        printf 'load average before: %s, after: %s\n' "$RDS_LOAD" "$RDS_LOAD_AFTER"
    else
        row "redis admit" "n/a" "<= 150 us" "not measured"
    fi
    for n in "${redis_notes[@]}"; do printf 'note: %s\n' "$n"; done
}
