# shellcheck shell=bash disable=SC2034,SC2154  # globals shared with scripts/bench by design
# The accounting part (m) of scripts/bench (sourced by it, never run): what keys, limits, credits
# and the ledger add to a request (issue 9; target: <= 10 us on the hot path).
#
# In-process, one thread, no network: scripts/bench.d/AccountingCost.java on the built jar with
# the gateway's JVM options; raw figures in $out_dir/accounting-cost.jsonl. A whole
# Dispatcher.dispatch of a stream against a provider in the same process, bare (no key, no
# ledger) and accounted (Authorization looked up, allow/deny globs, RPM and TPM buckets, credit
# hold and charge, the record written to a real journal in a temporary directory), in
# interleaved batches: median wall and thread-CPU time and bytes per request, and the median of
# the paired differences. Then a non-streamed request, whose record waits for its fsync: the
# price of durability on this disk (a wait, not work; it is shared by every record written
# meanwhile under load, see the ledger part (l)).
#
# BENCH_ONLY=accounting scripts/bench runs only this (about a minute after the build);
# BENCH_ACCOUNTING=off leaves it out of a full run.

accounting_on=1
case ${BENCH_ACCOUNTING:-on} in
    off | 0 | no) accounting_on=0 ;;
esac
accounting_notes=()

accounting_main() {
    gateway_jvm_opts
    ACC_LOAD=$(cut -d ' ' -f 1-3 /proc/loadavg)
    say "accounting: AccountingCost.java (in-process, one thread, ~1 min)"
    run_cost AccountingCost.java accounting-cost accounting_notes "${BENCH_ACCOUNTING_OPS:-5000}"
}

accounting_get() { jsonl_get "$out_dir/accounting-cost.jsonl" "$@"; } # FILTER FIELD (jsonl_get)

accounting_report() {
    local f=$out_dir/accounting-cost.jsonl c added cpu bytes
    printf '\naccounting: what keys, limits, credits and the ledger add (scripts/bench.d/AccountingCost.java: in-process, one thread)\n'
    row "figure" "measured" "target" "verdict"
    row "------" "--------" "------" "-------"
    if [ -s "$f" ] && grep -q '"part":"accounting_added"' "$f"; then
        for c in bare accounted bare_non_stream durable_non_stream; do
            row "$c: wall / CPU per request, allocated" "$(us1 "$(accounting_get "\"case\":\"$c\"," ns_per_op)") / $(us1 "$(accounting_get "\"case\":\"$c\"," cpu_ns_per_op)") us, $(accounting_get "\"case\":\"$c\"," bytes_per_op) B" "" ""
        done
        added=$(accounting_get '"part":"accounting_added","case":"accounted"' added_ns)
        cpu=$(accounting_get '"part":"accounting_added","case":"accounted"' added_cpu_ns)
        bytes=$(accounting_get '"part":"accounting_added","case":"accounted"' added_bytes)
        row "accounting added to a request (wall, CPU)" "$(us1 "$added" %+.1f) / $(us1 "$cpu" %+.1f) us, $bytes B" "<= 10 us" \
            "$(verdict "$(us1 "$added")" 'v != "n/a" && v <= 10')"
        added=$(accounting_get '"part":"accounting_added","case":"durable_non_stream"' added_ns)
        cpu=$(accounting_get '"part":"accounting_added","case":"durable_non_stream"' added_cpu_ns)
        row "non-streamed: waiting for its record's fsync (wall, CPU)" "$(us1 "$added" %+.1f) / $(us1 "$cpu" %+.1f) us" "" "(the disk)"
        for c in bare accounted; do
            row "32 threads, $c: requests/s, process CPU each" "$(accounting_get "\"part\":\"accounting_concurrent\",\"case\":\"$c\"," requests_per_s) /s, $(us1 "$(accounting_get "\"part\":\"accounting_concurrent\",\"case\":\"$c\"," process_cpu_ns_per_op)") us" "" ""
        done
        printf 'load average before: %s; %s\n' "$ACC_LOAD" "$(grep -F '"part":"accounting_check"' "$f")"
    else
        row "accounting" "n/a" "<= 10 us" "not measured"
    fi
    for n in "${accounting_notes[@]}"; do printf 'note: %s\n' "$n"; done
}
