# shellcheck shell=bash disable=SC2034,SC2154  # globals shared with scripts/bench by design
# The providers part of scripts/bench (sourced by it, never run): what translating to another
# provider's API adds on top of the OpenAI-compatible pass-through.
#
# The one gateway the bench starts serves three providers on the same fake upstream
# (scripts/bench.d/fake-upstream.js), each with its own model:
#   bench-model      -> up   (kind openai,    {up}/v1/chat/completions, pass-through)
#   bench-anthropic  -> anth (kind anthropic, {up}/anthropic/v1/messages: request translated to
#                       Anthropic Messages, answer and named SSE events translated back)
#   bench-mistral    -> mist (kind mistral,   {up}/mistral/v1/chat/completions: stream_options
#                       dropped, usage taken from the finish chunk)
# Clients always send the same OpenAI request (only "model" differs). Direct runs send the
# fake upstream the kind's own format. The warm-up rounds of scripts/bench include these
# requests. Then, plain and streamed, for each kind: c=1 p50/p99 direct and through the gateway,
# and the gateway's req/s and CPU/request at c=32. Reported per kind: added p50 (gateway -
# direct), the translation's extra (added p50 of the kind - added p50 of openai; target within
# 20 us) and the CPU/request difference from openai.
#
# BENCH_ONLY=providers scripts/bench runs only this (fake upstream, gateway, warm-up, these runs);
# BENCH_PROVIDERS=off leaves it out (and the two providers out of the gateway's configuration,
# e.g. for BENCH_LAUNCHER builds that predate the anthropic and mistral kinds).

prov_kinds="openai anthropic mistral"
declare -A prov_model=([openai]=bench-model [anthropic]=bench-anthropic [mistral]=bench-mistral)
declare -A P
prov_on=1
case ${BENCH_PROVIDERS:-on} in
    off | 0 | no) prov_on=0 ;;
esac
# Runs of BENCH_WARMUP_SECONDS that providers_warm_round adds to a warm-up round.
prov_warm_runs=$((prov_on * 4))

# JSON fragments for the gateway configuration (with their leading comma), after $up_port is known.
providers_config_providers() {
    [ "$prov_on" = 1 ] || return 0
    printf ',\n    "anth": {"kind": "anthropic", "base_url": "http://127.0.0.1:%s/anthropic/v1", "api_key": "sk-ant-bench"}' "$up_port"
    printf ',\n    "mist": {"kind": "mistral", "base_url": "http://127.0.0.1:%s/mistral/v1", "api_key": "bench"}' "$up_port"
}
providers_config_models() {
    [ "$prov_on" = 1 ] || return 0
    printf ',\n    {"id": "bench-anthropic", "provider": "anth", "upstream": "mock-model"}'
    printf ',\n    {"id": "bench-mistral", "provider": "mist", "upstream": "mock-model"}'
}

# Request bodies and URLs; one request of each kind and mode must answer 200 with the expected
# text, directly and through the gateway. Needs $work/{gw,up}-{plain,stream}.json, $direct_url,
# $gateway_url, $up_port, $key.
providers_prepare() {
    [ "$prov_on" = 1 ] || return 0
    local kind mode
    declare -gA prov_direct_url=(
        [openai]=$direct_url
        [anthropic]="http://127.0.0.1:$up_port/anthropic/v1/messages"
        [mistral]="http://127.0.0.1:$up_port/mistral/v1/chat/completions"
    )
    for mode in plain stream; do
        for kind in $prov_kinds; do
            sed "s/\"bench-model\"/\"${prov_model[$kind]}\"/" "$work/gw-$mode.json" >"$work/prov-$kind-gw-$mode.json"
        done
        cp "$work/up-$mode.json" "$work/prov-openai-up-$mode.json"
    done
    # Mistral rejects stream_options: the direct request goes without it, as the gateway sends it.
    cp "$work/up-plain.json" "$work/prov-mistral-up-plain.json"
    printf '%s\n' '{"model":"mock-model","stream":true,"messages":[{"role":"user","content":"Say hello."}],"max_tokens":32}' \
        >"$work/prov-mistral-up-stream.json"
    printf '%s\n' '{"model":"mock-model","max_tokens":32,"messages":[{"role":"user","content":"Say hello."}]}' \
        >"$work/prov-anthropic-up-plain.json"
    printf '%s\n' '{"model":"mock-model","max_tokens":32,"stream":true,"messages":[{"role":"user","content":"Say hello."}]}' \
        >"$work/prov-anthropic-up-stream.json"

    local answer='Hello! This is a fixed answer from the fake upstream.'
    for kind in $prov_kinds; do
        check_200 "prov-$kind-plain-direct" "${prov_direct_url[$kind]}" "$work/prov-$kind-up-plain.json" "" "$answer"
        check_200 "prov-$kind-stream-direct" "${prov_direct_url[$kind]}" "$work/prov-$kind-up-stream.json" "" 'tok18 '
        check_200 "prov-$kind-plain-gateway" "$gateway_url" "$work/prov-$kind-gw-plain.json" "$key" \
            '"chat.completion"' "$answer"
        check_200 "prov-$kind-stream-gateway" "$gateway_url" "$work/prov-$kind-gw-stream.json" "$key" \
            '"chat.completion.chunk"' '"tok0 "' '"tok18 "' '"finish_reason":"stop"' 'data: [DONE]'
    done
}

# Added to scripts/bench's gateway warm-up round: the other kinds, plain and streamed, at c=8.
providers_warm_round() {
    [ "$prov_on" = 1 ] || return 0
    local kind mode
    for kind in anthropic mistral; do
        for mode in plain stream; do
            run_wrk "warmup-$kind-$mode" "$gateway_url" "$work/prov-$kind-gw-$mode.json" 8 "$warmup" "$key"
        done
    done
}

providers_measure() {
    [ "$prov_on" = 1 ] || return 0
    local kind mode t0 t1 name
    say "providers: measuring c=1 in ${BENCH_PROVIDER_ROUNDS:-5} interleaved rounds, then 6 runs of ${seconds} s at c=32"
    for kind in anthropic mistral; do # the fake upstream's other paths (the bench warmed openai's)
        run_wrk "warmup-direct-$kind" "${prov_direct_url[$kind]}" "$work/prov-$kind-up-stream.json" 8 1
    done
    # c=1 in interleaved rounds: each round measures every kind, direct and through the gateway,
    # back to back, so that a kind's extra over openai is taken within one round (paired), and
    # the machine's drift between runs (tens of us at p50 here) falls out of the difference.
    # Reported: the median over the rounds, and each round's figure.
    local rounds=${BENCH_PROVIDER_ROUNDS:-5} round secs
    secs=$((seconds / rounds))
    [ "$secs" -ge 1 ] || secs=1
    for mode in plain stream; do
        for ((round = 1; round <= rounds; round++)); do
            # Each round starts with another kind, so that no kind always runs first (or last).
            for kind in $(rotate "$round" $prov_kinds); do
                name=prov-$kind-$mode
                run_wrk "$name-c1-direct-r$round" "${prov_direct_url[$kind]}" "$work/prov-$kind-up-$mode.json" 1 "$secs"
                P[$name.c1.direct.p50.$round]=$p50 P[$name.c1.direct.p99.$round]=$p99
                P[$name.c1.direct.bad]=$((${P[$name.c1.direct.bad]:-0} + non2xx + errs))
                run_wrk "$name-c1-gateway-r$round" "$gateway_url" "$work/prov-$kind-gw-$mode.json" 1 "$secs" "$key"
                P[$name.c1.gw.p50.$round]=$p50 P[$name.c1.gw.p99.$round]=$p99
                P[$name.c1.gw.bad]=$((${P[$name.c1.gw.bad]:-0} + non2xx + errs))
            done
        done
        for kind in $prov_kinds; do
            name=prov-$kind-$mode
            t0=$(cpu_ticks "$gw_pid")
            run_wrk "$name-c32-gateway" "$gateway_url" "$work/prov-$kind-gw-$mode.json" 32 "$seconds" "$key"
            t1=$(cpu_ticks "$gw_pid")
            P[$name.c32.gw.rps]=$rps P[$name.c32.gw.requests]=$requests P[$name.c32.gw.ticks]=$((t1 - t0))
            P[$name.c32.gw.bad]=$((non2xx + errs))
        done
    done
    # The translations' own CPU cost, in one thread without network: the difference between the
    # kinds that the wall-clock runs above cannot resolve (TranslationCost.java).
    "$JAVA_HOME/bin/java" -cp "$TOLLGATE_BUILD_DIR/tollgate.jar" "$TOLLGATE_ROOT/scripts/bench.d/TranslationCost.java" \
        >"$out_dir/translation-cost.jsonl" 2>&1 || say "TranslationCost.java failed: $(tail -n 3 "$out_dir/translation-cost.jsonl")"
}

# N WORD... -> the words rotated left by N-1 (N counts from 1).
rotate() {
    local n=$1
    shift
    local words=("$@") i
    for ((i = 0; i < ${#words[@]}; i++)); do printf '%s ' "${words[((i + n - 1) % ${#words[@]})]}"; done
}

# The median over the rounds of P[KEY.<round>].
round_median() {
    local r
    for ((r = 1; r <= ${BENCH_PROVIDER_ROUNDS:-5}; r++)); do printf '%s\n' "${P[$1.$r]}"; done | median
}

# KIND MODE -> per round: (gateway - direct p50 of KIND) - (the same of openai), in us.
paired_extras() {
    local r k=prov-$1-$2 o=prov-openai-$2
    for ((r = 1; r <= ${BENCH_PROVIDER_ROUNDS:-5}; r++)); do
        printf '%d ' $(((${P[$k.c1.gw.p50.$r]} - ${P[$k.c1.direct.p50.$r]}) - (${P[$o.c1.gw.p50.$r]} - ${P[$o.c1.direct.p50.$r]})))
    done
}

# Rows for the report table (columns as scripts/bench's: figure, measured, target, verdict).
providers_report() {
    [ "$prov_on" = 1 ] || return 0
    local mode kind label name d50 g50 d99 g99 add50 extra extras cpu base_cpu bad=0 bad_runs=() k
    printf '%s\n' "providers: same OpenAI request through one gateway to three provider kinds (direct: the kind's own format)"
    for mode in plain stream; do
        label=$([ "$mode" = plain ] && echo chat || echo stream)
        base_cpu=$(per_request_ms "${P[prov-openai-$mode.c32.gw.ticks]}" "${P[prov-openai-$mode.c32.gw.requests]}")
        for kind in $prov_kinds; do
            name=prov-$kind-$mode
            d50=$(round_median "$name.c1.direct.p50") g50=$(round_median "$name.c1.gw.p50")
            d99=$(round_median "$name.c1.direct.p99") g99=$(round_median "$name.c1.gw.p99")
            add50=$((g50 - d50))
            row "$kind $label c=1 p50 direct/gateway (+added)" "$d50 / $g50 us ($(printf %+d "$add50") us)" "" ""
            row "$kind $label c=1 p99 direct/gateway (+added)" "$d99 / $g99 us ($(printf %+d $((g99 - d99))) us)" "" ""
            cpu=$(per_request_ms "${P[$name.c32.gw.ticks]}" "${P[$name.c32.gw.requests]}")
            if [ "$kind" = openai ]; then
                row "$kind $label c=32 gateway req/s, CPU/request" "${P[$name.c32.gw.rps]} req/s, $cpu ms" "" ""
            else
                extras=$(paired_extras "$kind" "$mode")
                extra=$(printf '%s\n' $extras | median)
                row "$kind $label: added p50 - openai's (median of rounds)" \
                    "$(printf %+d "$extra") us (rounds: $(printf '%s ' $extras | sed 's/ $//'))" "<= 20 us" "$(verdict "$extra" 'v <= 20')"
                row "$kind $label c=32 gateway req/s, CPU/request" \
                    "${P[$name.c32.gw.rps]} req/s, $cpu ms ($(awk -v a="$cpu" -v b="$base_cpu" 'BEGIN { printf "%+.3f ms", a - b }') vs openai)" "" ""
            fi
            for k in "$name.c1.direct" "$name.c1.gw" "$name.c32.gw"; do
                if [ "${P[$k.bad]}" -gt 0 ]; then
                    bad=$((bad + ${P[$k.bad]}))
                    bad_runs+=("$k=${P[$k.bad]}")
                fi
            done
        done
    done
    local line base_ns ns
    for mode in chat stream; do
        base_ns=$(sed -n "s/.*\"kind\":\"openai\",\"mode\":\"$mode\",\"ns_per_op\":\([0-9]*\).*/\1/p" "$out_dir/translation-cost.jsonl" 2>/dev/null)
        for kind in $prov_kinds; do
            ns=$(sed -n "s/.*\"kind\":\"$kind\",\"mode\":\"$mode\",\"ns_per_op\":\([0-9]*\).*/\1/p" "$out_dir/translation-cost.jsonl" 2>/dev/null)
            [ -n "$ns" ] && [ -n "$base_ns" ] || continue
            line="$(awk -v n="$ns" 'BEGIN { printf "%.1f", n / 1000 }') us"
            if [ "$kind" = openai ]; then
                row "$kind $mode: translation CPU, one thread" "$line" "" ""
            else
                extra=$(awk -v a="$ns" -v b="$base_ns" 'BEGIN { printf "%+.1f", (a - b) / 1000 }')
                row "$kind $mode: translation CPU, one thread" "$line ($extra us vs openai)" "<= 20 us" \
                    "$(verdict "$extra" 'v <= 20')"
            fi
        done
    done
    if [ "$bad" -gt 0 ]; then
        printf 'WARNING: %d non-2xx responses or socket errors in the providers runs (%s; see %s/prov-*.txt): those figures are not to be trusted\n' \
            "$bad" "${bad_runs[*]}" "$out_dir"
    fi
}
