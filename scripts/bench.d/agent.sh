# shellcheck shell=bash disable=SC2034,SC2154  # globals shared with scripts/bench by design
# The agent part (p) of scripts/bench (sourced by it, never run): what the gateway itself adds to
# a step of the agent loop (issue 12).
#
# One fake on loopback (scripts/bench.d/agent-upstream.js), answering at once, is both the model
# (an OpenAI-compatible upstream that calls the tool bench_lookup when the last message is the
# user's, and answers in text when it is the tool's result) and the tool's endpoint (POST /tool).
# One gateway: its default settings, one model on the fake, one `http` tool on /tool. Four
# requests, the same user message each:
#   plain          one step, no gateway tools                           (a)
#   plain-stream   the same, streamed
#   loop           tools: [{"type":"gateway","name":"bench_lookup"}]:    (b)
#                  model call -> tool call -> model call -> answer
#   loop-stream    the same, streamed                                   (c)
# What is fair to compare them with: a client running the same loop itself, with the same load
# generator (wrk, scripts/bench.d/chain.lua), directly against the fake: the model's first call,
# the tool call and the model's second call in sequence on one connection, with the very bodies
# the gateway sent (the fake captures the first of each kind). The gateway's loop pays one more
# hop (client -> gateway) and its own work; the client's pays nothing else. So:
#   added by the gateway to a loop   = loop (through the gateway) - the direct chain of 3 calls
#   added to a one-step request      = plain (through the gateway) - one direct call
#   added per further step           = the first - the second: what one more step (a tool call
#                                      and a model call, each recorded) costs in the gateway
#                                      beyond the hop and the per-request work every request pays.
# Not "loop - 2 x plain": that counts the client's hop and the request's parsing twice and the
# tool call not at all.
# Latency at c=1, in BENCH_AGENT_ROUNDS interleaved rounds (each case direct and through the
# gateway back to back, paired; the median over the rounds): p50 and p99 of whole loops, timed
# alike on both sides by chain.lua (raw, not wrk's corrected figures). Throughput at c=16
# (BENCH_AGENT_CONNS): requests or loops per second and wrk's p50/p99 through the gateway; the
# direct chain's loops/s (its requests / 3) and mean loop time (connections / loops per second:
# no per-loop timing is possible with interleaved connections). CPU: the gateway process's
# user+sys time over the requests (loops) it served, at c=1 and c=16; per further step, the
# loop's minus the one-step request's.
#
# BENCH_ONLY=agent scripts/bench runs only this (~4 min with BENCH_SECONDS=5, most of it the
# warm-up); BENCH_AGENT=off leaves it out of a full run.

agent_on=1
case ${BENCH_AGENT:-on} in
    off | 0 | no) agent_on=0 ;;
esac
agent_cases="plain plain-stream loop loop-stream"
agent_notes=()
declare -gA AG=()

# chain_run NAME URL CONNS SECONDS TIMED(0|1) KEY|"" SPEC -> what wrk_parse sets, and, timed,
# chain_p50 chain_p99 chains (scripts/bench.d/chain.lua; SPEC: "PATH=BODY_FILE ...")
chain_run() {
    local name=$1 url=$2 conns=$3 secs=$4 timed=$5 k=$6 spec=$7 line
    BENCH_CHAIN=$spec BENCH_CHAIN_TIMED=$timed BENCH_KEY=$k timeout $((secs + 30)) \
        wrk -t1 -c"$conns" -d"${secs}s" --timeout 5s --latency \
        -s "$TOLLGATE_ROOT/scripts/bench.d/chain.lua" "$url" >"$out_dir/$name.txt" 2>&1 &
    wrk_pid=$!
    pids+=("$wrk_pid")
    wait "$wrk_pid" || true
    forget_pid "$wrk_pid"
    wrk_parse "$name"
    [ "$timed" = 1 ] || return 0
    line=$(grep '^CHAIN ' "$out_dir/$name.txt" || true)
    [ -n "$line" ] || die "wrk $name printed no chain figures: $(tail -n 5 "$out_dir/$name.txt")"
    chains=$(sed -n 's/.* chains=\([0-9]*\).*/\1/p' <<<"$line")
    chain_p50=$(sed -n 's/.* p50_us=\([0-9]*\).*/\1/p' <<<"$line")
    chain_p99=$(sed -n 's/.* p99_us=\([0-9]*\).*/\1/p' <<<"$line")
}

# CASE -> the direct chain's spec: the calls a client makes itself for that case.
agent_direct_spec() {
    local c=$work/agent-capture m=/v1/chat/completions
    case $1 in
        plain) echo "$m=$c/plain.json" ;;
        plain-stream) echo "$m=$c/plain-stream.json" ;;
        loop) echo "$m=$c/step1.json /tool=$c/tool.json $m=$c/step2.json" ;;
        loop-stream) echo "$m=$c/step1-stream.json /tool=$c/tool.json $m=$c/step2-stream.json" ;;
    esac
}
# -> the mean time in us of one synchronous 512-byte write (O_DSYNC: as an fsync after each
# write) over the preallocated blocks of a file in the gateway's data directory's file system, as
# the ledger's journal writes (account/Journal: records over preallocated zeros, so an fsync
# flushes data only): what a record that waits for its fsync waits for with nothing to share the
# fsync with; or n/a.
agent_dsync_us() {
    local f=$work/agent-data/dsync.test n=${BENCH_AGENT_DSYNC_WRITES:-100} t0 t1
    if ! dd if=/dev/zero of="$f" bs=512 count="$n" conv=fsync status=none 2>/dev/null; then
        rm -f "$f"
        echo n/a
        return 0
    fi
    t0=${EPOCHREALTIME//[.,]/}
    dd if=/dev/zero of="$f" bs=512 count="$n" conv=notrunc oflag=dsync status=none 2>/dev/null || t0=
    t1=${EPOCHREALTIME//[.,]/}
    rm -f "$f"
    if [ -n "$t0" ]; then echo $(((t1 - t0) / n)); else echo n/a; fi
}
agent_calls() { case $1 in loop*) echo 3 ;; *) echo 1 ;; esac; } # requests per direct chain

# One warm-up round (scripts/bench's warm): every case through the gateway at c=8, then a second
# of direct calls.
agent_round() {
    local c
    for c in $agent_cases; do run_wrk "warmup-agent-$c" "$agent_gw_url" "$work/agent-$c.json" 8 "$warmup" "$key"; done
    run_wrk warmup-agent-direct "$agent_up_base/v1/chat/completions" "$work/agent-capture/step1.json" 8 1
}

agent_main() {
    local cap=$work/agent-capture ag_up_pid ag_up_port cfg c f round secs t0 t1 name rounds conns
    rounds=${BENCH_AGENT_ROUNDS:-5} conns=${BENCH_AGENT_CONNS:-16}
    AG[rounds]=$rounds AG[conns]=$conns AG[load_start]=$(cut -d ' ' -f 1-3 /proc/loadavg)
    mkdir -p "$cap" "$work/agent-data"
    node "$TOLLGATE_ROOT/scripts/bench.d/agent-upstream.js" 0 "$cap" >"$work/agent-upstream.log" 2>&1 &
    ag_up_pid=$!
    pids+=("$ag_up_pid")
    ag_up_port=$(wait_port "$work/agent-upstream.log" "$ag_up_pid" '"listening"') ||
        die "the agent fake upstream did not start: $(cat "$work/agent-upstream.log")"
    cfg=$work/agent.json
    cat >"$cfg" <<JSON
{
  "server": {"port": 0, "access_log": true},
  "data_dir": "$work/agent-data",
  "keys": [{"name": "bench", "key": "$key"}],
  "providers": {"up": {"kind": "openai", "base_url": "http://127.0.0.1:$ag_up_port/v1"}},
  "models": [{"id": "bench-agent", "provider": "up", "upstream": "mock-model"}],
  "tools": [{"name": "bench_lookup", "type": "http", "url": "http://127.0.0.1:$ag_up_port/tool",
             "description": "Looks up the weather in a city.",
             "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]
}
JSON
    gateway_start agent-gateway "$cfg"
    local base='"model":"bench-agent","messages":[{"role":"user","content":"What is the weather in Paris?"}],"max_tokens":32'
    local stream='"stream":true,"stream_options":{"include_usage":true}'
    local tools='"tools":[{"type":"gateway","name":"bench_lookup"}]'
    printf '{%s}\n' "$base" >"$work/agent-plain.json"
    printf '{%s,%s}\n' "$base" "$stream" >"$work/agent-plain-stream.json"
    printf '{%s,%s}\n' "$base" "$tools" >"$work/agent-loop.json"
    printf '{%s,%s,%s}\n' "$base" "$tools" "$stream" >"$work/agent-loop-stream.json"
    local gw_url="http://127.0.0.1:$gw_port/v1/chat/completions" up_base="http://127.0.0.1:$ag_up_port"
    local answer='It is 21 degrees and sunny in Paris right now.'
    check_200 agent-plain "$gw_url" "$work/agent-plain.json" "$key" '"chat.completion"' "$answer"
    check_200 agent-plain-stream "$gw_url" "$work/agent-plain-stream.json" "$key" '"content":"now."' 'data: [DONE]'
    # The loop must have run the tool (outcome ok) and made two model calls.
    local tool_ok='"type":"tool","tool":"bench_lookup","call_id":"call_bench_0001","duration_ms":'
    check_200 agent-loop "$gw_url" "$work/agent-loop.json" "$key" "$answer" '"finish_reason":"tool_calls","tool_calls":1' "$tool_ok"
    check_200 agent-loop-stream "$gw_url" "$work/agent-loop-stream.json" "$key" '"content":"now."' "$tool_ok" 'data: [DONE]'
    for c in loop loop-stream; do
        grep -q '"type":"tool","tool":"bench_lookup","call_id":"call_bench_0001","duration_ms":[0-9]*,"outcome":"ok"' \
            "$work/check-agent-$c.txt" || die "agent $c: the tool did not run ok: $(head -c 800 "$work/check-agent-$c.txt")"
    done
    for f in plain plain-stream step1 step2 step1-stream step2-stream tool; do
        [ -s "$cap/$f.json" ] || die "the agent fake upstream captured no $f request (see $cap)"
    done
    for c in $agent_cases; do # every direct call answers 200 too
        for f in $(agent_direct_spec "$c"); do
            check_200 "agent-direct-$c-$(basename "${f#*=}" .json)" "$up_base${f%%=*}" "${f#*=}" ""
        done
    done

    agent_gw_url=$gw_url agent_up_base=$up_base
    warm "$gw_pid" "${BENCH_WARMUP_ROUNDS:-8}" agent_round $((4 * warmup + 1))
    AG[warmed]=$warmed AG[jit]=$jit_settled
    secs=$((seconds / rounds))
    [ "$secs" -ge 1 ] || secs=1
    AG[secs]=$secs
    say "agent: warmed up for $warmed s (JIT settled: $jit_settled); c=1: $rounds interleaved rounds of 8 runs of $secs s, then c=$conns: 8 runs of $seconds s"

    # c=1, interleaved and paired: each round measures every case, direct then through the gateway.
    AG[dsync0]=$(agent_dsync_us)
    for ((round = 1; round <= rounds; round++)); do
        # shellcheck disable=SC2086 # the cases are words
        for c in $(rotate "$round" $agent_cases); do
            chain_run "agent-$c-c1-direct-r$round" "$up_base/" 1 "$secs" 1 "" "$(agent_direct_spec "$c")"
            AG[$c.direct.p50.$round]=$chain_p50 AG[$c.direct.p99.$round]=$chain_p99
            AG[$c.bad]=$((${AG[$c.bad]:-0} + non2xx + errs))
            t0=$(cpu_ticks "$gw_pid")
            chain_run "agent-$c-c1-gateway-r$round" "http://127.0.0.1:$gw_port/" 1 "$secs" 1 "$key" \
                "/v1/chat/completions=$work/agent-$c.json"
            t1=$(cpu_ticks "$gw_pid")
            AG[$c.gw.p50.$round]=$chain_p50 AG[$c.gw.p99.$round]=$chain_p99
            AG[$c.c1.ticks]=$((${AG[$c.c1.ticks]:-0} + t1 - t0)) AG[$c.c1.requests]=$((${AG[$c.c1.requests]:-0} + requests))
            AG[$c.bad]=$((${AG[$c.bad]:-0} + non2xx + errs))
        done
    done
    AG[dsync1]=$(agent_dsync_us)
    AG[dsync]=$(printf '%s\n' "${AG[dsync0]}" "${AG[dsync1]}" | grep -v n/a | median)
    # c=16: throughput and CPU.
    for c in $agent_cases; do
        chain_run "agent-$c-c$conns-direct" "$up_base/" "$conns" "$seconds" 0 "" "$(agent_direct_spec "$c")"
        AG[$c.direct.rps]=$(awk -v r="$rps" -v n="$(agent_calls "$c")" 'BEGIN { printf "%.0f", r / n }')
        AG[$c.bad]=$((${AG[$c.bad]:-0} + non2xx + errs))
        t0=$(cpu_ticks "$gw_pid")
        run_wrk "agent-$c-c$conns-gateway" "$gw_url" "$work/agent-$c.json" "$conns" "$seconds" "$key"
        t1=$(cpu_ticks "$gw_pid")
        AG[$c.gw.rps]=$rps AG[$c.gw.p50]=$p50 AG[$c.gw.p99]=$p99
        AG[$c.cN.ticks]=$((t1 - t0)) AG[$c.cN.requests]=$requests
        AG[$c.bad]=$((${AG[$c.bad]:-0} + non2xx + errs))
    done
    AG[rss]=$(status_kb "$gw_pid" VmRSS)
    AG[load_end]=$(cut -d ' ' -f 1-3 /proc/loadavg)
    cp "$work/agent-gateway.out" "$out_dir/agent-gateway.log" 2>/dev/null || true
    grep -q '"level":"\(warn\|error\)"' "$work/agent-gateway.out" 2>/dev/null &&
        agent_notes+=("the gateway logged warnings or errors: see $out_dir/agent-gateway.log")
    stop "$gw_pid"
    forget_pid "$gw_pid"
    stop "$ag_up_pid"
    forget_pid "$ag_up_pid"
}

# The median over the rounds of AG[KEY.<round>].
agent_median() {
    local r n=${AG[rounds]}
    for ((r = 1; r <= n; r++)); do printf '%s\n' "${AG[$1.$r]}"; done | median
}
# CASE -> per round, one a line: gateway p50 - direct p50 of CASE, in us.
agent_added() {
    local r n=${AG[rounds]}
    for ((r = 1; r <= n; r++)); do printf '%d\n' $((${AG[$1.gw.p50.$r]} - ${AG[$1.direct.p50.$r]})); done
}
# LOOP ONE -> per round, one a line: (added to LOOP) - (added to ONE), in us.
agent_step_added() {
    local r n=${AG[rounds]}
    for ((r = 1; r <= n; r++)); do
        printf '%d\n' $(((${AG[$1.gw.p50.$r]} - ${AG[$1.direct.p50.$r]}) - (${AG[$2.gw.p50.$r]} - ${AG[$2.direct.p50.$r]})))
    done
}

agent_report() {
    local c label tag added rounds_txt cpu1 cpuN loop one bad=0 conns=${AG[conns]}
    declare -A lbl=([plain]="(a) chat:" [plain-stream]="(a') chat stream:" [loop]="(b) loop:" [loop-stream]="(c) loop stream:")
    printf '\nagent: the agent loop (model call, http tool call, model call) through one gateway, against a fake model and tool answering at once (scripts/bench.d/agent-upstream.js)\n'
    row "figure" "measured" "target" "verdict"
    row "------" "--------" "------" "-------"
    for c in $agent_cases; do
        label=${lbl[$c]}
        row "$label c=1 p50 direct/gateway (+added)" \
            "$(agent_median "$c.direct.p50") / $(agent_median "$c.gw.p50") us ($(printf %+d "$(agent_added "$c" | median)") us)" "" ""
        row "$label c=1 p99 direct/gateway" "$(agent_median "$c.direct.p99") / $(agent_median "$c.gw.p99") us" "" ""
        row "$label c=$conns $([ "$(agent_calls "$c")" = 3 ] && echo loops || echo req)/s direct/gateway" \
            "${AG[$c.direct.rps]} / ${AG[$c.gw.rps]} ($(awk -v g="${AG[$c.gw.rps]}" -v d="${AG[$c.direct.rps]}" 'BEGIN { printf "%.0f", (d > 0 ? 100 * g / d : 0) }') %)" "" ""
        row "$label c=$conns p50/p99 gateway; mean direct" \
            "${AG[$c.gw.p50]} / ${AG[$c.gw.p99]} us; $(awk -v r="${AG[$c.direct.rps]}" -v c="$conns" 'BEGIN { printf "%.0f", (r > 0 ? c * 1e6 / r : 0) }') us" "" ""
        cpu1=$(per_request_ms "${AG[$c.c1.ticks]}" "${AG[$c.c1.requests]}")
        cpuN=$(per_request_ms "${AG[$c.cN.ticks]}" "${AG[$c.cN.requests]}")
        row "$label gateway CPU/$([ "$(agent_calls "$c")" = 3 ] && echo loop || echo request) c=1 / c=$conns" "$cpu1 / $cpuN ms" "" ""
        AG[$c.cpu1]=$cpu1 AG[$c.cpuN]=$cpuN
        bad=$((bad + ${AG[$c.bad]:-0}))
    done
    for loop in loop loop-stream; do
        one=${loop/loop/plain}
        tag=$([ "$loop" = loop ] && echo "(b) - (a)" || echo "(c) - (a')")
        rounds_txt=$(agent_step_added "$loop" "$one" | tr '\n' ' ')
        added=$(agent_step_added "$loop" "$one" | median)
        row "per further step, $tag: added p50 c=1" "$(printf %+d "$added") us (rounds: ${rounds_txt% })" "" ""
        row "per further step, $tag: CPU c=1 / c=$conns" \
            "$(awk -v a="${AG[$loop.cpu1]}" -v b="${AG[$one.cpu1]}" 'BEGIN { printf "%+.3f", a - b }') / $(awk -v a="${AG[$loop.cpuN]}" -v b="${AG[$one.cpuN]}" 'BEGIN { printf "%+.3f", a - b }') ms" "" ""
    done
    row "this disk: one synced 512 B write (mean)" "${AG[dsync]} us (dd oflag=dsync over preallocated blocks; before / after the c=1 rounds: ${AG[dsync0]} / ${AG[dsync1]} us)" "" ""
    row "gateway RSS after the agent runs" "$(kb_mb "${AG[rss]}") MB" "" ""
    printf '%s\n' \
        "how to read it: \"direct\" is a client running the same calls itself against the fake, with the same" \
        "  load generator and the very bodies the gateway sent (a loop: the model's first call, the tool call," \
        "  the model's second call, in sequence on one connection; scripts/bench.d/chain.lua). added = gateway -" \
        "  direct, paired per round, median of ${AG[rounds]} rounds of ${AG[secs]} s at c=1 (p50/p99 timed alike on both sides" \
        "  by chain.lua, raw). The gateway's loop pays one client hop and one request's parsing and answer, as a" \
        "  one-step request does, then per further step a tool call and a model call made from the JVM (each" \
        "  model call admitted, charged and recorded in the ledger before the loop goes on): so per further" \
        "  step = added(loop) - added(one step), not loop - 2 x one step (that would count the client hop and" \
        "  parsing twice and the tool call not at all). A non-streamed model call's answer waits for its ledger" \
        "  record's fsync (account/Ledger.needsSync): each step of (a) and (b) waits for one (\"this disk\" above:" \
        "  other programs' I/O moves it a lot); streamed calls' records do not wait. CPU: the gateway's" \
        "  user+sys time / requests it served. c=$conns direct loops/s = its requests/s / 3; its mean loop =" \
        "  $conns / loops per second (no loop can be timed with interleaved connections)."
    printf 'warm-up at c=8: %s s (JIT settled: %s); load average (1, 5, 15 min) before the agent part: %s; after: %s\n' \
        "${AG[warmed]}" "${AG[jit]}" "${AG[load_start]}" "${AG[load_end]}"
    if [ "$bad" -gt 0 ]; then
        printf 'WARNING: %d non-2xx responses or socket errors in the agent runs (see %s/agent-*.txt): those figures are not to be trusted\n' \
            "$bad" "$out_dir"
    fi
    for n in "${agent_notes[@]}"; do printf 'note: %s\n' "$n"; done
}
