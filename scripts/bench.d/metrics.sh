# shellcheck shell=bash disable=SC2034,SC2154  # globals shared with scripts/bench by design
# The metrics part (q) of scripts/bench (sourced by it, never run): what the metrics cost
# (issue 13; target: <= 1 us per request on the hot path, nothing allocated).
#
# In-process, no network: scripts/bench.d/MetricsCost.java on the built jar with the gateway's
# JVM options; raw figures in $out_dir/metrics-cost.jsonl.
#   - hot path: what one answered request adds (the end of its HTTP call: requests counter,
#     duration histogram, the dashboard's time bucket and percentile bins, the ring of recent
#     requests; and its ledger record's tokens, cost, credits and savings), over 64 label
#     combinations already seen: median wall and thread-CPU ns and bytes allocated per request
#     in one thread, then in 2 threads at once. The CPU figure is the one to read on a loaded
#     machine (the wall one then counts the time other processes had the core).
#   - render: GET /metrics's rendering once 500 models x 10 keys have all been used (5,000 label
#     combinations, 500 deployments): median wall and CPU ms, and the page's size.
#
# BENCH_ONLY=metrics scripts/bench runs only this (about 30 s after the build; needs neither wrk
# nor Node.js); BENCH_METRICS=off leaves it out of a full run.

metrics_on=1
case ${BENCH_METRICS:-on} in
    off | 0 | no) metrics_on=0 ;;
esac
metrics_notes=()

metrics_main() {
    gateway_jvm_opts
    MET_LOAD=$(cut -d ' ' -f 1-3 /proc/loadavg)
    say "metrics: MetricsCost.java (in-process, ~30 s)"
    run_cost MetricsCost.java metrics-cost metrics_notes "${BENCH_METRICS_OPS:-200000}"
    MET_LOAD_AFTER=$(cut -d ' ' -f 1-3 /proc/loadavg)
}

metrics_get() { jsonl_get "$out_dir/metrics-cost.jsonl" "$@"; } # FILTER FIELD (jsonl_get)

metrics_report() {
    local f=$out_dir/metrics-cost.jsonl cpu
    printf '\nmetrics: what the metrics cost (scripts/bench.d/MetricsCost.java: in-process)\n'
    row "figure" "measured" "target" "verdict"
    row "------" "--------" "------" "-------"
    if [ -s "$f" ] && grep -q '"part":"metrics_render"' "$f"; then
        cpu=$(metrics_get '"threads":1,' cpu_ns_per_request)
        row "hot path, 1 thread: wall / CPU per request" "$(metrics_get '"threads":1,' ns_per_request) / $cpu ns" "<= 1000 ns CPU" \
            "$(verdict "$cpu" 'v != "" && v <= 1000')"
        row "hot path: bytes allocated per request" "$(metrics_get '"threads":1,' bytes_per_request) B" "0 B" \
            "$(verdict "$(metrics_get '"threads":1,' bytes_per_request)" 'v != "" && v < 1')"
        cpu=$(metrics_get '"threads":2,' cpu_ns_per_request)
        row "hot path, 2 threads at once: wall / CPU" "$(metrics_get '"threads":2,' ns_per_request) / $cpu ns" "<= 1000 ns CPU" \
            "$(verdict "$cpu" 'v != "" && v <= 1000')"
        row "GET /metrics render, 500 models x 10 keys" "$(metrics_get metrics_render ms_p50) ms wall, $(metrics_get metrics_render cpu_ms_p50) ms CPU" "" ""
        row "  its page" "$(metrics_get metrics_render bytes) B, $(metrics_get metrics_render lines) lines" "" ""
        printf 'load average before: %s, after: %s\n' "$MET_LOAD" "$MET_LOAD_AFTER"
    else
        row "metrics" "n/a" "<= 1 us" "not measured"
    fi
    for n in "${metrics_notes[@]}"; do printf 'note: %s\n' "$n"; done
}
