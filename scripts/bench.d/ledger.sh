# shellcheck shell=bash disable=SC2034,SC2154  # globals shared with scripts/bench by design
# The ledger part (l) of scripts/bench (sourced by it, never run): what the usage journal's
# commit path costs, and how fast it makes records durable with group commit (issue 9: at least
# 50,000 records/s on this machine).
#
# scripts/bench.d/JournalCost.java on the built jar, 200-byte records into fresh journals in the
# bench's scratch directory (the same disk as a gateway's data directory here): one appender
# with append(record, false) for 2 s (a stream's record: written, not fsynced), then 1, 16 and
# 256 appending virtual threads, 5 s each, every append returning once fsynced. Reports
# records/s, fsyncs/s, records per fsync and p50/p99 append latency; raw lines in
# $out_dir/journal-cost.jsonl. The one-appender sync line is what a lone non-streamed request
# waits for its record (one fsync); the others show group commit at work.
#
# BENCH_ONLY=ledger scripts/bench runs only this (about 20 s after the build); BENCH_LEDGER=off
# leaves it out of a full run. Alone, on a built jar:
#   java -cp "$TOLLGATE_BUILD_DIR/tollgate.jar" scripts/bench.d/JournalCost.java DIR

ledger_on=1
case ${BENCH_LEDGER:-on} in
    off | 0 | no) ledger_on=0 ;;
esac
ledger_notes=()

ledger_main() {
    say "ledger: JournalCost.java (journal commit cost and group commit throughput, ~20 s)"
    LG_load=$(cut -d ' ' -f 1-3 /proc/loadavg)
    mkdir -p "$work/journal"
    if ! "$JAVA_HOME/bin/java" -cp "$TOLLGATE_BUILD_DIR/tollgate.jar" "$TOLLGATE_ROOT/scripts/bench.d/JournalCost.java" \
        "$work/journal" >"$out_dir/journal-cost.jsonl" 2>"$out_dir/journal-cost.err"; then
        ledger_notes+=("JournalCost.java failed: $(tail -n 3 "$out_dir/journal-cost.err" | tr '\n' ' ')")
        say "${ledger_notes[-1]}"
    fi
}

# MODE THREADS FIELD -> FIELD of the line for that mode (sync, unsynced) and that many threads
ledger_get() {
    grep -F "\"mode\":\"$1\",\"threads\":$2," "$out_dir/journal-cost.jsonl" 2>/dev/null | head -n 1 |
        sed -n "s/.*\"$3\":\([^,}]*\).*/\1/p"
}

ledger_report() {
    local n best
    echo
    echo "ledger: the usage journal's commit path (scripts/bench.d/JournalCost.java: 200-byte records)"
    printf '%-50s %-36s %-10s %s\n' figure measured target verdict
    printf '%-50s %-36s %-10s %s\n' ------ -------- ------ -------
    printf '%-50s %-36s\n' "1 appender, sync: append p50/p99" \
        "$(ledger_get sync 1 p50_us) / $(ledger_get sync 1 p99_us) us"
    printf '%-50s %-36s\n' "1 appender, unsynced (streams): append p50/p99" \
        "$(ledger_get unsynced 1 p50_us) / $(ledger_get unsynced 1 p99_us) us"
    for n in 1 16 256; do
        printf '%-50s %-36s\n' "$n appenders, sync: records/s, per fsync" \
            "$(ledger_get sync "$n" records_per_s) /s, $(ledger_get sync "$n" records_per_commit)"
    done
    best=$(sed -n 's/.*"best_records_per_s":\([0-9]*\).*/\1/p' "$out_dir/journal-cost.jsonl" 2>/dev/null | head -n 1)
    printf '%-50s %-36s %-10s %s\n' "best records/s" "${best:-n/a}" ">= 50000" \
        "$( [ -n "$best" ] && [ "$best" -ge 50000 ] && echo ok || echo MISSED)"
    echo "  load average (1, 5, 15 min) at its start: $LG_load"
    local note
    for note in "${ledger_notes[@]}"; do echo "  note: $note"; done
}
