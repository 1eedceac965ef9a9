# shellcheck shell=bash disable=SC2034,SC2154  # globals shared with scripts/bench by design
# The voice part (o) of scripts/bench (sourced by it, never run): realtime voice sessions (issue 11)
# relayed by the gateway's WebSocket listener to a fake OpenAI realtime upstream.
#
# Programs (single-file Java, compiled once into $work/voice so that no javac runs inside a
# measured JVM; each also runs as it is with the JDK's source launcher):
#   scripts/bench.d/VoiceUpstream.java  fake: answers each input_audio_buffer.append at once with a
#                                       response.output_audio.delta of the same size carrying the
#                                       append's event_id; floor: the JDK floor relay (below)
#   scripts/bench.d/VoiceLoad.java      N sessions on raw sockets (an RFC 6455 client of its own),
#                                       each sending a 20 ms audio append (960 bytes of PCM16 as
#                                       1,280 base64 chars, ~1.3 KB of JSON) every 20 ms, measuring
#                                       each frame's round trip and whether it came back within
#                                       100 ms of its scheduled time
#
#   latency:  BENCH_VOICE_LATENCY_N sessions (100) on three paths: direct (client -> fake), JDK
#             floor (client -> VoiceUpstream.java floor -> fake: a raw-socket WebSocket server side,
#             java.net.http.WebSocket upstream, the relay's shape, no gateway logic; run by the
#             image's JVM with the gateway's conf/jvm.options) and gateway (client -> voice listener
#             -> fake), all three from one load generator, interleaved in 2 s slots (one path
#             sends at a time, the others' sessions stay open and idle), so that the three see the
#             same machine; warm-up rounds (BENCH_WARMUP_SECONDS per path) until the JIT compiler
#             threads of every process and of the load generator are idle (at most
#             BENCH_VOICE_WARMUP_ROUNDS, default 5), then BENCH_SECONDS per path. Round trip
#             p50/p90/p99/max; the gateway adds (gateway - direct) = two relay passes; half of it
#             is "per message per direction", target <= 200 us at p99.
#   sessions: a fresh gateway with -Xmx256m after its conf/jvm.options (TOLLGATE_JAVA_OPTS, which
#             bin/tollgate appends last, so it wins), sessions ramped in steps (BENCH_VOICE_STEPS,
#             default 100,250,500,1000,1500,2000), audio both ways at real time (BENCH_VOICE_PERIOD_MS,
#             default 20: one 20 ms frame each way per period; 200 holds many sessions at a tenth of
#             real time, what the heap holds when the cores cannot carry the full rate); each step held for
#             BENCH_SECONDS after 2 s to settle (the first step after a warm-up of at most 2
#             rounds): sessions up, messages/s each way, late frames
#             (> 100 ms after their scheduled time; a step "keeps up" with <= BENCH_VOICE_LATE_PCT,
#             default 1 %), round trip p50/p99, CPU % of the gateway, the fake and the load
#             generator (/proc/PID/stat over the window; 200 % = both cores), the gateway's RSS and
#             its heap after a full GC (jcmd GC.run, GC.heap_info); a step fails on a refused
#             handshake, a closed session, an error event, an OutOfMemoryError in the gateway's
#             output or its exit, or late frames over the limit, and stepping stops there.
#             Target: >= 1,000 sessions held (with the heap capped at 256 MB).
#
# BENCH_ONLY=voice scripts/bench runs only this (~3-5 minutes with BENCH_SECONDS=10; no wrk, no
# Node.js); BENCH_VOICE=off leaves it out of a full run.

voice_on=1
case ${BENCH_VOICE:-on} in
    off | 0 | no) voice_on=0 ;;
esac
voice_notes=()
declare -gA V=()
voice_up_key="sk-upstream-bench-0123456789"

# A port nothing listens on, from 20000-31999 (below Linux's ephemeral range, so no client socket
# holds it by the time the gateway binds).
voice_free_port() {
    local p i probe
    for ((i = 0; i < 100; i++)); do
        p=$((20000 + RANDOM % 12000))
        if ! { exec {probe}<>"/dev/tcp/127.0.0.1/$p"; } 2>/dev/null; then
            echo "$p"
            return 0
        fi
        exec {probe}>&-
    done
    return 1
}

# voice_load NAME [VoiceLoad options...] -> the load generator's output in $out_dir/voice-NAME.txt, its
# VOICE lines into V[<label>.<step>.<key>] and V[<label>.steps] (the steps it reported, in order),
# where label is the line's path name.
voice_load() {
    local name=$1 line tok step label
    shift
    # In the background, so that the bench's trap runs (and stops it) at once on a signal.
    timeout 900 "$JAVA_HOME/bin/java" -XX:+UseSerialGC -Xms256m -Xmx1g -XX:+ExitOnOutOfMemoryError \
        -Dvoice.period.ms="${voice_period_ms:-20}" -cp "$work/voice" \
        VoiceLoad --clk-tck "$clk_tck" "$@" </dev/null >"$out_dir/voice-$name.txt" 2>&1 &
    local pid=$!
    pids+=("$pid")
    wait "$pid" || voice_notes+=("load generator $name exited with $?: $(tail -n 3 "$out_dir/voice-$name.txt" | tr '\n' ' ')")
    forget_pid "$pid"
    V[loads]+="$name=$(cut -d ' ' -f 1 /proc/loadavg) "
    grep -q '^VOICE ' "$out_dir/voice-$name.txt" ||
        die "voice: the load generator ($name) reported nothing: $(tail -n 20 "$out_dir/voice-$name.txt")"
    while IFS= read -r line; do
        step='' label=''
        for tok in $line; do
            case $tok in
                label=*) label=${tok#label=} ;;
                step=*) step=${tok#step=}; V[$label.steps]+="$step " ;;
                *=*) [ -n "$step" ] && V[$label.$step.${tok%%=*}]=${tok#*=} ;;
            esac
        done
    done < <(grep '^VOICE ' "$out_dir/voice-$name.txt")
}

# voice_gateway NAME [EXTRA_JAVA_OPTS] -> gw_pid, gw_port, and the voice listener up on $voice_port
voice_gateway() {
    local i
    gateway_start "$1" "$work/voice.json" "${2:-}"
    for ((i = 0; i < 200; i++)); do
        grep -q '"event":"voice_listening"' "$work/$1.out" 2>/dev/null && return 0
        kill -0 "$gw_pid" 2>/dev/null || break
        sleep 0.1
    done
    die "the gateway's voice listener did not start: $(tail -n 20 "$work/$1.out" "$work/$1.err")"
}

voice_main() {
    local n=${BENCH_VOICE_LATENCY_N:-100} steps=${BENCH_VOICE_STEPS:-100,250,500,1000,1500,2000}
    local late=${BENCH_VOICE_LATE_PCT:-1} rounds=${BENCH_VOICE_WARMUP_ROUNDS:-5} vu_pid vu_port fl_pid fl_port hard
    steps=${steps// /,}
    V[load0]=$(cut -d ' ' -f 1-3 /proc/loadavg)
    # Descriptors: one per session in the load generator and the fake, two in the process in the middle.
    hard=$(ulimit -Hn)
    [ "$hard" = unlimited ] && hard=1048576
    ulimit -Sn "$hard" 2>/dev/null || true
    mkdir -p "$work/voice"
    "$JAVA_HOME/bin/javac" -d "$work/voice" "$TOLLGATE_ROOT/scripts/bench.d/VoiceUpstream.java" \
        "$TOLLGATE_ROOT/scripts/bench.d/VoiceLoad.java" >"$work/voice-javac.log" 2>&1 ||
        die "the voice bench programs did not compile: $(cat "$work/voice-javac.log")"

    "$JAVA_HOME/bin/java" -XX:+UseSerialGC -Xms256m -Xmx1g -cp "$work/voice" VoiceUpstream fake 0 "$voice_up_key" \
        </dev/null >"$work/voice-upstream.out" 2>&1 &
    vu_pid=$!
    pids+=("$vu_pid")
    vu_port=$(wait_port "$work/voice-upstream.out" "$vu_pid" '"listening"') ||
        die "the fake realtime upstream did not start: $(tail -n 20 "$work/voice-upstream.out")"

    voice_port=$(voice_free_port) || die "no free port for the voice listener"
    mkdir -p "$work/voice-data"
    cat >"$work/voice.json" <<JSON
{
  "server": {"port": 0},
  "data_dir": "$work/voice-data",
  "keys": [{"name": "bench", "key": "$key"}],
  "providers": {"up": {"kind": "openai", "base_url": "http://127.0.0.1:$vu_port/v1", "api_key": "$voice_up_key"}},
  "models": [
    {"id": "bench-realtime", "provider": "up", "upstream": "bench-realtime-upstream",
     "pricing": {"audio_minute": "0.04"}, "capabilities": ["realtime"]}
  ],
  "voice": {"port": $voice_port, "max_sessions": 10000, "max_sessions_per_key": 10000}
}
JSON
    local direct="ws://127.0.0.1:$vu_port/v1/realtime?model=bench-realtime-upstream"
    local via="ws://127.0.0.1:$voice_port/v1/realtime?model=bench-realtime"

    # ---------------------------------------------------------------- latency: direct, floor, gateway
    # The three paths in one load generator, interleaved in slots of 2 s (only one sends at a time),
    # so that all three see the same machine.
    gateway_jvm_opts
    local floor_java=$JAVA_HOME/bin/java image
    image=$(cd "$(dirname "$(readlink -f "$launcher")")/.." 2>/dev/null && pwd -P) || image=$TOLLGATE_IMAGE
    [ -x "$image/bin/java" ] && floor_java=$image/bin/java
    "$floor_java" "${jvm_opts[@]}" -cp "$work/voice" VoiceUpstream floor 0 "ws://127.0.0.1:$vu_port" "$voice_up_key" \
        </dev/null >"$work/voice-floor.out" 2>&1 &
    fl_pid=$!
    pids+=("$fl_pid")
    fl_port=$(wait_port "$work/voice-floor.out" "$fl_pid" '"listening"') ||
        die "the JDK floor relay did not start: $(tail -n 20 "$work/voice-floor.out")"
    voice_gateway voice-latency-gateway
    say "voice: latency at $n sessions per path, direct / JDK floor / gateway interleaved: warm-up (rounds of ${warmup} s per path), then ${seconds} s per path"
    voice_load latency --path "direct=$direct" --path "floor=ws://127.0.0.1:$fl_port/v1/realtime?model=bench-realtime-upstream" \
        --path "gateway=$via" --key "direct=$voice_up_key" --key "gateway=$key" \
        --steps "$n" --seconds "$seconds" --warmup "$warmup" --warmup-rounds "$rounds" --max-late-pct "$late" \
        --watch "gateway=$gw_pid" --watch "floor=$fl_pid" --watch "upstream=$vu_pid" \
        --log "$work/voice-latency-gateway.out" --log "$work/voice-latency-gateway.err"
    cp "$work/voice-latency-gateway.out" "$out_dir/voice-latency-gateway.log" 2>/dev/null || true
    stop "$gw_pid"
    forget_pid "$gw_pid"
    stop "$fl_pid"
    forget_pid "$fl_pid"

    # ---------------------------------------------------------------- sessions at real-time rate
    say "voice: sessions at real-time rate, gateway with -Xmx256m, steps $steps, ${seconds} s each"
    voice_gateway voice-sessions-gateway -Xmx256m
    V[sessions.xmx]=$({ tr '\0' ' ' <"/proc/$gw_pid/cmdline" | grep -o -- '-Xmx[^ ]*' || true; } | tail -n 1)
    # The first step starts with a warm-up too (at most 2 rounds): a cold JIT is not what is measured.
    voice_period_ms=${BENCH_VOICE_PERIOD_MS:-20}
    voice_load sessions --path "sessions=$via" --key "sessions=$key" --steps "$steps" --seconds "$seconds" --max-late-pct "$late" \
        --warmup "$warmup" --warmup-rounds "$((rounds < 2 ? rounds : 2))" \
        --watch "gateway=$gw_pid" --watch "upstream=$vu_pid" --jcmd "$JAVA_HOME/bin/jcmd" --histo "$out_dir/voice-sessions-histogram" \
        --log "$work/voice-sessions-gateway.out" --log "$work/voice-sessions-gateway.err"
    cp "$work/voice-sessions-gateway.out" "$out_dir/voice-sessions-gateway.log" 2>/dev/null || true
    cp "$work/voice-sessions-gateway.err" "$out_dir/voice-sessions-gateway.err" 2>/dev/null || true
    V[sessions.gw_alive]=$(kill -0 "$gw_pid" 2>/dev/null && echo yes || echo no)
    stop "$gw_pid"
    forget_pid "$gw_pid"
    stop "$vu_pid"
    forget_pid "$vu_pid"
    cp "$work/voice-upstream.out" "$out_dir/voice-upstream.log" 2>/dev/null || true
    V[late]=$late
    V[n]=$n
}

# The figures of one latency run, "p50 / p90 / p99 / max us".
voice_rtt() { printf '%s / %s / %s / %s us' "${V[$1.$2.p50_us]:-?}" "${V[$1.$2.p90_us]:-?}" "${V[$1.$2.p99_us]:-?}" "${V[$1.$2.max_us]:-?}"; }

voice_report() {
    local n=${V[n]:-100} d f g p
    printf '\nvoice: realtime sessions (issue 11) against a fake OpenAI realtime upstream (scripts/bench.d/VoiceUpstream.java),\n'
    printf 'load from scripts/bench.d/VoiceLoad.java: a 20 ms audio append (~1.3 KB JSON text) per session every 20 ms, answered\n'
    printf 'at once by an audio delta of the same size; round trip = client -> ... -> fake -> ... -> client\n'
    row "figure" "measured" "target" "verdict"
    row "------" "--------" "------" "-------"
    row "round trip p50/p90/p99/max, $n sessions: direct" "$(voice_rtt direct "$n")" "" ""
    row "  through the JDK floor relay" "$(voice_rtt floor "$n")" "" ""
    row "  through the gateway" "$(voice_rtt gateway "$n")" "" ""
    d=direct.$n f=floor.$n g=gateway.$n
    local add50 add99 half50 half99
    add50=$(awk -v a="${V[$g.p50_us]:-0}" -v b="${V[$d.p50_us]:-0}" 'BEGIN { print a - b }')
    add99=$(awk -v a="${V[$g.p99_us]:-0}" -v b="${V[$d.p99_us]:-0}" 'BEGIN { print a - b }')
    half50=$(awk -v x="$add50" 'BEGIN { printf "%.0f", x / 2 }')
    half99=$(awk -v x="$add99" 'BEGIN { printf "%.0f", x / 2 }')
    row "gateway adds to the round trip p50/p99" "$add50 / $add99 us" "" ""
    row "relay-added per message, one way p50/p99" "$half50 / $half99 us" "<= 200 us p99" "$(verdict "$half99" 'v <= 200')"
    row "  JDK stacks (floor - direct), round trip" \
        "$(awk -v a="${V[$f.p50_us]:-0}" -v b="${V[$d.p50_us]:-0}" -v c="${V[$f.p99_us]:-0}" -v e="${V[$d.p99_us]:-0}" 'BEGIN { printf "%+d / %+d us", a - b, c - e }')" "" ""
    row "  Tollgate's code (gateway - floor), round trip" \
        "$(awk -v a="${V[$g.p50_us]:-0}" -v b="${V[$f.p50_us]:-0}" -v c="${V[$g.p99_us]:-0}" -v e="${V[$f.p99_us]:-0}" 'BEGIN { printf "%+d / %+d us", a - b, c - e }')" "" ""
    for p in floor gateway; do
        local r=$p.$n cpu
        cpu=${V[$r.cpu_${p}_pct]:-0}
        row "  $p CPU: % of a core, per relayed msg" \
            "$cpu %, $(awk -v c="$cpu" -v u="${V[$r.up_msgs_per_s]:-0}" -v w="${V[$r.down_msgs_per_s]:-0}" 'BEGIN { printf "%.1f", (u + w > 0 ? c * 1e4 / (u + w) : 0) }') us" "" ""
    done
    row "late frames (> 100 ms) direct/floor/gateway" "${V[$d.late_pct]:-?} / ${V[$f.late_pct]:-?} / ${V[$g.late_pct]:-?} %" "" ""
    printf 'paths measured interleaved (2 s slots, one path sending at a time), %s s each; warm-up %s s per path (JIT settled: %s);\n' \
        "$seconds" "${V[$g.warmed_s]:-?}" "${V[$g.jit_settled]:-?}"
    printf 'CPU %% of the fake upstream direct / floor / gateway: %s / %s / %s; of the load generator: %s / %s / %s;\n' \
        "${V[$d.cpu_upstream_pct]:-?}" "${V[$f.cpu_upstream_pct]:-?}" "${V[$g.cpu_upstream_pct]:-?}" \
        "${V[$d.cpu_self_pct]:-?}" "${V[$f.cpu_self_pct]:-?}" "${V[$g.cpu_self_pct]:-?}"
    printf 'the three processes together in the gateway'"'"'s slots: %s %% of the machine'"'"'s 200 %% (a p99 near saturation is queueing)\n' \
        "$(awk -v a="${V[$g.cpu_gateway_pct]:-0}" -v b="${V[$g.cpu_upstream_pct]:-0}" -v c="${V[$g.cpu_self_pct]:-0}" 'BEGIN { print a + b + c }')"
    for r in "$d" "$f" "$g"; do
        [ "${V[$r.held]:-no}" = yes ] || voice_notes+=("latency, ${r%.*}: not held (failures ${V[$r.failures]:-?}, late ${V[$r.late_pct]:-?} %)")
    done

    printf '\nsessions at %s (%s frames/s each way per session), gateway %s, %s s per step, late limit %s %%:\n' \
        "$([ "${BENCH_VOICE_PERIOD_MS:-20}" = 20 ] && echo 'real-time rate' || echo "a frame of 20 ms audio every ${BENCH_VOICE_PERIOD_MS} ms")" \
        "$((1000 / ${BENCH_VOICE_PERIOD_MS:-20}))" \
        "${V[sessions.xmx]:-?}" "$seconds" "${V[late]:-1}"
    printf '(up: sessions connected / keeping up, i.e. at most the late limit of their frames late; msgs/s: appends sent /\n'
    printf 'audio deltas received by the clients; CPU: %% of one core over the window, 200 %% = the whole machine)\n'
    printf '%-6s %-11s %-13s %-7s %-13s %-14s %-13s %-8s %-5s %s\n' "step" "up" "msgs/s" "late %" "rtt p50/p99" \
        "CPU gw/fake/ld" "RSS/heap MB" "heap/ses" "held" "failures"
    local s held=0 idle
    for s in ${V[sessions.steps]:-}; do
        local k=sessions.$s heap per
        heap=${V[$k.heap_kb]:--1}
        idle=${V[$k.idle_heap_kb]:--1}
        per=$(awk -v h="$heap" -v i="$idle" -v n="$s" 'BEGIN { if (h < 0 || i < 0) print "n/a"; else printf "%.0f kB", (h - i) / n }')
        printf '%-6s %-11s %-13s %-7s %-13s %-14s %-13s %-8s %-5s %s\n' "$s" "${V[$k.sessions_up]}/${V[$k.keeping_up]}" \
            "${V[$k.up_msgs_per_s]}/${V[$k.down_msgs_per_s]}" "${V[$k.late_pct]}" \
            "$(awk -v a="${V[$k.p50_us]}" -v b="${V[$k.p99_us]}" 'BEGIN { if (a < 0) print "n/a"; else printf "%.1f/%.1f ms", a / 1000, b / 1000 }')" \
            "${V[$k.cpu_gateway_pct]}/${V[$k.cpu_upstream_pct]}/${V[$k.cpu_self_pct]} %" \
            "$(awk -v r="${V[$k.rss_kb]}" -v h="$heap" 'BEGIN { printf "%.0f/%s", r / 1024, (h < 0 ? "n/a" : sprintf("%.0f", h / 1024)) }')" \
            "$per" "${V[$k.held]}" "${V[$k.failures]}"
        [ "${V[$k.held]}" = yes ] && held=$s
        [ "${V[$k.oom]:-0}" = 1 ] && voice_notes+=("step $s: OutOfMemoryError in the gateway's output")
        [ "${V[$k.alive]:-1}" = 0 ] && voice_notes+=("step $s: the gateway exited")
    done
    printf 'idle heap after a full GC before the first step: %s MB\n' \
        "$(awk -v i="${idle:--1}" 'BEGIN { print (i < 0 ? "n/a" : sprintf("%.1f", i / 1024)) }')"
    if [ "${BENCH_VOICE_PERIOD_MS:-20}" = 20 ]; then
        row "sessions held at real time, ${V[sessions.xmx]:-?}" "$held" ">= 1000" "$(verdict "$held" 'v >= 1000')"
    else # the target is at real time: at another rate this is the heap's figure, not the target's
        row "sessions held, a frame per ${BENCH_VOICE_PERIOD_MS} ms, ${V[sessions.xmx]:-?}" "$held" "" ""
    fi
    { grep -h '^EXAMPLE ' "$out_dir"/voice-*.txt 2>/dev/null || true; } | sort -u | head -n 5 | sed 's/^EXAMPLE /example: /'
    printf 'load average (1, 5, 15 min) at the start: %s; at the end: %s; 1-min after each run: %s\n' \
        "${V[load0]:-?}" "$(cut -d ' ' -f 1-3 /proc/loadavg)" "${V[loads]:-}"
    local note
    for note in "${voice_notes[@]}"; do printf 'note: %s\n' "$note"; done
    printf 'raw outputs: %s/voice-*\n' "$out_dir"
}
