# shellcheck shell=bash disable=SC2034,SC2154  # globals shared with scripts/bench by design
# The routing part (k) of scripts/bench (sourced by it, never run): what choosing the model
# (neo-mode) costs a request, next to asking for a model by its id.
#
# In-process, one thread, no network: scripts/bench.d/RoutingCost.java, run by the JDK on the
# built jar with the gateway's JVM options (the image's conf/jvm.options: G1, -Xms32m), raw
# figures in $out_dir/routing-cost.jsonl:
#   - the decision alone: Router.plan for neo-mode/balanced over a catalog of 500 models on 10
#     fake providers (qualities, prices, windows, capabilities varied deterministically), for a
#     one-message request without taskHint (task inference runs), with taskHint, and with tools
#     (the capability filter drops the models without them); and the first over 10 models.
#     Every call timed alone (System.nanoTime; the timer's overhead is measured and subtracted),
#     BENCH_ROUTING_CALLS timed calls per case (default 200000) after BENCH_ROUTING_WARMUP
#     (default 100000): p50, p99, p99.9, max. Target: p99 <= 20 us with 500 models.
#   - the whole Dispatcher.dispatch with a provider that answers at once in the same process:
#     model "neo-mode" against the model neo-mode picks asked for by its id, over 10 and 500
#     models, in interleaved batches: median wall time, CPU and bytes allocated per dispatch, and
#     what neo-mode adds (median over the batches of the paired difference). Target: <= 10 us.
# Over HTTP (a full run only, unless BENCH_ROUTING_HTTP=on; BENCH_ROUTING_HTTP=off leaves it out):
#   a gateway serving the same 500 models from 10 openai-kind providers, all on the fake
#   upstream; after a warm-up, c=1 in BENCH_ROUTING_ROUNDS (5) interleaved rounds of
#   BENCH_SECONDS / rounds each: "neo-mode" against the model it picks by its id. Reported: p50
#   of each, the median of the paired differences, and gateway CPU per request. Wall-clock noise
#   here is tens of us: the in-process figures are the ones the targets are for. (Set it off for
#   BENCH_LAUNCHER builds that predate neo-mode and models[].quality.)
#
# BENCH_ONLY=routing scripts/bench runs only this, in-process (about 45 s after the build);
# BENCH_ROUTING=off leaves it out of a full run.

routing_on=1
case ${BENCH_ROUTING:-on} in
    off | 0 | no) routing_on=0 ;;
esac
declare -A RT
routing_notes=()

routing_main() {
    local t_start=$SECONDS
    : "${clk_tck:=$(getconf CLK_TCK)}"
    gateway_jvm_opts
    RT[load_start]=$(cut -d ' ' -f 1-3 /proc/loadavg)
    say "routing: RoutingCost.java (in-process plan and dispatch, one thread, ~45 s)"
    run_cost RoutingCost.java routing-cost routing_notes "${BENCH_ROUTING_CALLS:-200000}" "${BENCH_ROUTING_WARMUP:-100000}"
    RT[load_inproc]=$(cut -d ' ' -f 1-3 /proc/loadavg)
    RT[inproc_seconds]=$((SECONDS - t_start))
    RT[http]=0
    case ${BENCH_ROUTING_HTTP:-auto} in
        on | 1 | yes) routing_http ;;
        auto) [ -n "$only" ] || routing_http ;;
    esac
    RT[seconds]=$((SECONDS - t_start))
}

routing_get() { jsonl_get "$out_dir/routing-cost.jsonl" "$@"; } # FILTER FIELD (jsonl_get)

us1() { awk -v n="$1" -v f="${2:-%.1f}" 'BEGIN { if (n == "") print "n/a"; else printf f, n / 1000 }'; }

# ------------------------------------------------------------------ over HTTP
routing_http_round() {
    run_wrk warmup-routing-neo "$routing_url" "$work/routing-neo.json" 8 "$warmup" "$key"
    run_wrk warmup-routing-direct "$routing_url" "$work/routing-direct.json" 8 "$warmup" "$key"
}

routing_http() {
    local own_up=0 models p providers='' cfg=$work/routing-gateway.json round kind t0 t1 secs rounds=${BENCH_ROUTING_ROUNDS:-5}
    if [ -z "${up_port:-}" ]; then # BENCH_ONLY=routing: the bench has not started the fake upstream
        node "$TOLLGATE_ROOT/scripts/bench.d/fake-upstream.js" 0 >"$work/routing-upstream.log" 2>&1 &
        up_pid=$!
        pids+=("$up_pid")
        own_up=1
        up_port=$(wait_port "$work/routing-upstream.log" "$up_pid" '"listening"') ||
            die "the fake upstream did not start: $(cat "$work/routing-upstream.log")"
    fi
    if ! models=$("$JAVA_HOME/bin/java" -cp "$TOLLGATE_BUILD_DIR/tollgate.jar" \
        "$TOLLGATE_ROOT/scripts/bench.d/RoutingCost.java" --models-json 500 2>"$out_dir/routing-models.err"); then
        routing_notes+=("over HTTP: left out, RoutingCost.java --models-json failed: $(tail -n 2 "$out_dir/routing-models.err" | tr '\n' ' ')")
        return 0
    fi
    for p in 0 1 2 3 4 5 6 7 8 9; do
        providers+="${providers:+,}"$'\n    '"\"p$p\": {\"kind\": \"openai\", \"base_url\": \"http://127.0.0.1:$up_port/v1\"}"
    done
    mkdir -p "$work/routing-data"
    cat >"$cfg" <<JSON
{
  "server": {"port": 0, "access_log": true},
  "data_dir": "$work/routing-data",
  "keys": [{"name": "bench", "key": "$key"}],
  "providers": {$providers
  },
  "models": $models
}
JSON
    gateway_start routing-http "$cfg"
    routing_url=http://127.0.0.1:$gw_port/v1/chat/completions
    local msg='"messages":[{"role":"user","content":"Give me three ideas for a weekend trip near Lyon, with a one-line reason for each."}],"max_tokens":64'
    printf '{"model":"neo-mode",%s}\n' "$msg" >"$work/routing-neo.json"
    check_200 routing-neo "$routing_url" "$work/routing-neo.json" "$key" '"route"'
    RT[http.chosen]=$(sed -n 's/.*"route":{[^}]*"model":"\([^"]*\)".*/\1/p' "$work/check-routing-neo.txt")
    [ -n "${RT[http.chosen]}" ] || die "routing: no route.model in the neo-mode answer: $(head -c 600 "$work/check-routing-neo.txt")"
    printf '{"model":"%s",%s}\n' "${RT[http.chosen]}" "$msg" >"$work/routing-direct.json"
    check_200 routing-direct "$routing_url" "$work/routing-direct.json" "$key" '"chat.completion"'

    warm "$gw_pid" "${BENCH_WARMUP_ROUNDS:-8}" routing_http_round $((2 * warmup))
    RT[http.warmed]="$warmed s (JIT settled: $jit_settled)"
    secs=$((seconds / rounds))
    [ "$secs" -ge 1 ] || secs=1
    say "routing over HTTP: warmed up for $warmed s, measuring c=1 in $rounds interleaved rounds of 2 x $secs s"
    for kind in neo direct; do RT[http.$kind.ticks]=0 RT[http.$kind.requests]=0 RT[http.$kind.bad]=0; done
    for ((round = 1; round <= rounds; round++)); do
        for kind in $(rotate "$round" neo direct); do
            t0=$(cpu_ticks "$gw_pid")
            run_wrk "routing-$kind-c1-r$round" "$routing_url" "$work/routing-$kind.json" 1 "$secs" "$key"
            t1=$(cpu_ticks "$gw_pid")
            RT[http.$kind.p50.$round]=$p50 RT[http.$kind.p99.$round]=$p99
            RT[http.$kind.ticks]=$((${RT[http.$kind.ticks]} + t1 - t0))
            RT[http.$kind.requests]=$((${RT[http.$kind.requests]} + requests))
            RT[http.$kind.bad]=$((${RT[http.$kind.bad]} + non2xx + errs))
        done
    done
    RT[http]=1 RT[http.rounds]=$rounds
    cp "$work/routing-http.out" "$out_dir/routing-gateway.log" 2>/dev/null || true
    stop "$gw_pid"
    forget_pid "$gw_pid"
    if [ "$own_up" = 1 ]; then
        stop "$up_pid"
        forget_pid "$up_pid"
        up_port=''
    fi
}

# KEY -> the median over the HTTP rounds of RT[KEY.<round>].
routing_round_median() {
    local r
    for ((r = 1; r <= ${RT[http.rounds]}; r++)); do printf '%s\n' "${RT[$1.$r]}"; done | median
}

# ------------------------------------------------------------------ report
# Rows for the report table (columns as scripts/bench's: figure, measured, target, verdict).
routing_report() {
    local f=$out_dir/routing-cost.jsonl c label filter p50 p99 p999 max n d_ns n_ns added cpu_d cpu_n b_d b_n note
    printf '\nrouting: what neo-mode'\''s choice costs (scripts/bench.d/RoutingCost.java: in-process, one thread, no network)\n'
    row "figure" "measured" "target" "verdict"
    row "------" "--------" "------" "-------"
    if [ -s "$f" ] && grep -q '"part":"plan"' "$f"; then
        for c in "neo-plain-inferred 500" "neo-plain-hint 500" "neo-tools-inferred 500" "neo-plain-inferred 10"; do
            # shellcheck disable=SC2086
            set -- $c
            filter="\"part\":\"plan\",\"case\":\"$1\",\"catalog\":$2,"
            case $1 in
                neo-plain-inferred) label="inferred" ;;
                neo-plain-hint) label="taskHint" ;;
                neo-tools-inferred) label="tools" ;;
            esac
            p50=$(routing_get "$filter" p50_ns) p99=$(routing_get "$filter" p99_ns)
            p999=$(routing_get "$filter" p999_ns) max=$(routing_get "$filter" max_ns)
            if [ "$2" = 500 ]; then
                row "plan 500 models, $label: p50/p99/p99.9/max" "$(us1 "$p50") / $(us1 "$p99") / $(us1 "$p999") / $(us1 "$max") us" \
                    "p99<=20 us" "$(verdict "$(us1 "$p99")" 'v != "n/a" && v <= 20')"
            else
                row "plan 10 models, $label: p50/p99/p99.9/max" "$(us1 "$p50") / $(us1 "$p99") / $(us1 "$p999") / $(us1 "$max") us" "" ""
            fi
        done
        for n in 10 500; do
            filter="\"part\":\"dispatch\",\"catalog\":$n,"
            d_ns=$(routing_get "$filter\"model\":\"bench-" ns_per_op) n_ns=$(routing_get "$filter\"model\":\"neo-mode\"" ns_per_op)
            cpu_d=$(routing_get "$filter\"model\":\"bench-" cpu_ns_per_op) cpu_n=$(routing_get "$filter\"model\":\"neo-mode\"" cpu_ns_per_op)
            b_d=$(routing_get "$filter\"model\":\"bench-" bytes_per_op) b_n=$(routing_get "$filter\"model\":\"neo-mode\"" bytes_per_op)
            added=$(routing_get "\"part\":\"dispatch_added\",\"catalog\":$n," added_ns)
            row "dispatch, $n models: direct/neo-mode (+added)" "$(us1 "$d_ns") / $(us1 "$n_ns") us ($(us1 "$added" %+.1f) us)" "<= 10 us" \
                "$(verdict "$(us1 "$added")" 'v != "n/a" && v <= 10')"
            row "  CPU, allocated per dispatch: direct/neo-mode" "$(us1 "$cpu_d") / $(us1 "$cpu_n") us, $b_d / $b_n B" "" ""
        done
        printf 'plan: neo-mode/balanced, one user message (task inferred: %s), the same with taskHint, with tools (%s of 500 models fit);\n' \
            "$(routing_get '"case":"neo-plain-inferred","catalog":500,' task)" "$(routing_get '"case":"neo-tools-inferred","catalog":500,' capable)"
        printf '  %s timed calls per case, timer overhead %s ns subtracted from each; during the timed calls: %s GCs (%s ms),\n  thread CPU / wall time %s %% (below 100: it waited for a core)\n' \
            "$(routing_get '"case":"neo-plain-inferred","catalog":500,' calls)" "$(routing_get '"part":"timer"' overhead_ns)" \
            "$(routing_get '"part":"plan_gc"' collections)" "$(routing_get '"part":"plan_gc"' gc_ms)" \
            "$(routing_get '"part":"plan_gc"' thread_cpu_percent)"
        printf 'dispatch: in-process provider answering at once; direct = the model neo-mode picks (%s of 10, %s of 500)\n' \
            "$(routing_get '"part":"dispatch_added","catalog":10,' direct_model)" "$(routing_get '"part":"dispatch_added","catalog":500,' direct_model)"
    else
        printf 'routing: no in-process figures (see %s/routing-cost.err)\n' "$out_dir"
    fi
    if [ "${RT[http]:-0}" = 1 ]; then
        local neo50 dir50 neo99 dir99 extras='' r
        neo50=$(routing_round_median http.neo.p50) dir50=$(routing_round_median http.direct.p50)
        neo99=$(routing_round_median http.neo.p99) dir99=$(routing_round_median http.direct.p99)
        for ((r = 1; r <= ${RT[http.rounds]}; r++)); do extras+="$((${RT[http.neo.p50.$r]} - ${RT[http.direct.p50.$r]})) "; done
        added=$(printf '%s\n' $extras | median)
        row "HTTP 500 models, c=1 p50 direct/neo-mode" "$dir50 / $neo50 us ($(printf %+d "$added") us)" "" ""
        row "HTTP 500 models, c=1 p99 direct/neo-mode" "$dir99 / $neo99 us" "" ""
        cpu_d=$(per_request_ms "${RT[http.direct.ticks]}" "${RT[http.direct.requests]}")
        cpu_n=$(per_request_ms "${RT[http.neo.ticks]}" "${RT[http.neo.requests]}")
        row "HTTP 500 models, gateway CPU/request c=1" "$cpu_d / $cpu_n ms" "" ""
        printf 'HTTP: direct = %s (what neo-mode picked); added p50 = median of the rounds'\'' neo - direct: %s us; warm-up %s\n' \
            "${RT[http.chosen]}" "${extras% }" "${RT[http.warmed]}"
        if [ $((${RT[http.neo.bad]} + ${RT[http.direct.bad]})) -gt 0 ]; then
            printf 'WARNING: %d non-2xx responses or socket errors in the routing HTTP runs (see %s/routing-*.txt)\n' \
                $((${RT[http.neo.bad]} + ${RT[http.direct.bad]})) "$out_dir"
        fi
    fi
    for note in "${routing_notes[@]}"; do printf 'note: %s\n' "$note"; done
    printf 'routing part: %s s (in-process %s s); load average (1, 5, 15 min) at its start: %s; after the in-process run: %s\n' \
        "${RT[seconds]:-?}" "${RT[inproc_seconds]:-?}" "${RT[load_start]:-?}" "${RT[load_inproc]:-?}"
    printf 'raw outputs: %s/routing-*\n' "$out_dir"
}
