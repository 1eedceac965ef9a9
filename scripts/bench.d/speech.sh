# shellcheck shell=bash disable=SC2034,SC2154  # globals shared with scripts/bench by design
# The speech part (n) of scripts/bench (sourced by it, never run): the speech proxy (issue 10)
# against a fake Deepgram (scripts/bench.d/SpeechUpstream.java, run by the JDK's source launcher).
#
#   upload: POST /v1/listen with a 10 MiB audio body (wrk, c=1 and c=4), direct to the fake and through
#           the gateway (speech-to-text: the body streamed upstream, the transcript back);
#   tts:    POST /v1/speak answered with 10 MiB of audio streamed back (wrk, c=1 and c=4), both ways;
#           target: through the gateway >= 80 % of direct, in interleaved rounds (median of 3);
#   floor:  the same through a plain JDK streaming proxy (SpeechUpstream.java proxy: the JDK
#           server and HttpClient with the gateway's JVM options and read buffer, no gateway
#           logic), to tell what the gateway adds from what the JDK's stacks cost;
#   heap:   32 uploads held in flight at once (the fake stops reading each after 256 KiB), heap
#           after a full GC (jcmd GC.heap_info) minus the idle heap, per upload, for 16 MiB and
#           for 64 MiB files; target: the same for both (what an upload holds is its buffers,
#           not its file).
#
# BENCH_ONLY=speech scripts/bench runs only this (about 4 minutes with BENCH_SECONDS=10);
# BENCH_SPEECH=off leaves it out of a full run. BENCH_SPEECH_MB (10) sets the upload and answer size.

speech_on=1
case ${BENCH_SPEECH:-on} in
    off | 0 | no) speech_on=0 ;;
esac
speech_notes=()
declare -gA speech_fig=()

speech_main() {
    local mb=${BENCH_SPEECH_MB:-10} bytes sp_pid sp_port cfg round r name
    bytes=$((mb * 1024 * 1024))
    "$JAVA_HOME/bin/java" "$TOLLGATE_ROOT/scripts/bench.d/SpeechUpstream.java" 0 "$bytes" \
        </dev/null >"$work/speech-upstream.out" 2>&1 &
    sp_pid=$!
    pids+=("$sp_pid")
    sp_port=$(wait_port "$work/speech-upstream.out" "$sp_pid" '"listening"') ||
        die "the fake Deepgram did not start: $(tail -n 20 "$work/speech-upstream.out")"
    cfg=$work/speech.json
    mkdir -p "$work/speech-data"
    cat >"$cfg" <<JSON
{
  "server": {"port": 0, "access_log": true},
  "data_dir": "$work/speech-data",
  "keys": [{"name": "bench", "key": "$key"}],
  "providers": {"dg": {"kind": "deepgram", "base_url": "http://127.0.0.1:$sp_port/v1", "api_key": "dg-bench"}},
  "models": [
    {"id": "nova-2", "provider": "dg", "pricing": {"audio_minute": "0.0043"}, "capabilities": ["stt"]},
    {"id": "aura-asteria-en", "provider": "dg", "pricing": {"character": "0.000015"}, "capabilities": ["tts"]}
  ],
  "speech": {"max_upload_bytes": $((128 * 1024 * 1024))}
}
JSON
    gateway_start speech-gateway "$cfg"
    gateway_jvm_opts
    "$JAVA_HOME/bin/java" "${jvm_opts[@]}" -Djdk.httpclient.bufsize="${BENCH_SPEECH_FLOOR_BUFSIZE:-4096}" \
        "$TOLLGATE_ROOT/scripts/bench.d/SpeechUpstream.java" proxy 0 "http://127.0.0.1:$sp_port" \
        </dev/null >"$work/speech-floor.out" 2>&1 &
    local fl=$!
    pids+=("$fl")
    local fl_port
    fl_port=$(wait_port "$work/speech-floor.out" "$fl" '"listening"') ||
        die "the JDK floor proxy did not start: $(tail -n 20 "$work/speech-floor.out")"
    head -c "$bytes" /dev/urandom >"$work/upload.bin"
    printf '%s\n' '{"text":"Hello from the speech bench."}' >"$work/speak.json"
    local direct="http://127.0.0.1:$sp_port/v1" via="http://127.0.0.1:$gw_port/v1" floor="http://127.0.0.1:$fl_port/v1"
    speech_check "listen-direct" "$direct/listen?model=nova-2" "$work/upload.bin" audio/wav "" "bench $bytes bytes"
    speech_check "listen-gateway" "$via/listen?model=nova-2" "$work/upload.bin" audio/wav "$key" "bench $bytes bytes"
    speech_check "listen-floor" "$floor/listen?model=nova-2" "$work/upload.bin" audio/wav "" "bench $bytes bytes"
    speech_check "speak-floor" "$floor/speak?model=aura-asteria-en&encoding=mp3" "$work/speak.json" application/json "" ""
    speech_check "speak-direct" "$direct/speak?model=aura-asteria-en&encoding=mp3" "$work/speak.json" application/json "" ""
    speech_check "speak-gateway" "$via/speak?model=aura-asteria-en&encoding=mp3" "$work/speak.json" application/json "$key" ""

    say "speech: warm-up, then 3 interleaved rounds of ${seconds} s per case at c=1 and c=4"
    BENCH_CONTENT_TYPE=audio/wav run_wrk warmup-listen "$via/listen?model=nova-2" "$work/upload.bin" 4 "$warmup" "$key"
    run_wrk warmup-speak "$via/speak?model=aura-asteria-en&encoding=mp3" "$work/speak.json" 4 "$warmup" "$key"
    local c
    for round in 1 2 3; do
        for c in 1 4; do
        for r in direct floor gateway; do
            local base=$direct k=""
            [ "$r" = floor ] && base=$floor
            [ "$r" = gateway ] && base=$via k=$key
            name="speech-listen-c$c-$r-$round"
            BENCH_CONTENT_TYPE=audio/wav run_wrk "$name" "$base/listen?model=nova-2" "$work/upload.bin" "$c" "$seconds" "$k"
            speech_fig[$name]=$rps
            [ "$non2xx$errs" = 00 ] || speech_notes+=("$name: $non2xx non-2xx, $errs socket errors")
            name="speech-speak-c$c-$r-$round"
            run_wrk "$name" "$base/speak?model=aura-asteria-en&encoding=mp3" "$work/speak.json" "$c" "$seconds" "$k"
            speech_fig[$name]=$rps
            [ "$non2xx$errs" = 00 ] || speech_notes+=("$name: $non2xx non-2xx, $errs socket errors")
        done
        done
    done
    speech_fig[mb]=$mb
    # Both sizes far above what the loopback's socket buffers take (a few MiB), so that in both
    # the gateway is mid-upload when measured; a smaller file would sit whole in kernel buffers.
    speech_heap "$sp_port" 16
    speech_heap "$sp_port" 64
    stop "$fl"
    forget_pid "$fl"
    stop "$gw_pid"
    forget_pid "$gw_pid"
    stop "$sp_pid"
    forget_pid "$sp_pid"
}

# speech_check NAME URL BODY CONTENT-TYPE KEY|"" MUST-CONTAIN|"": one request must answer 200.
speech_check() {
    local auth=() code
    [ -n "$5" ] && auth=(-H "Authorization: Token $5")
    code=$(curl -s -m 60 -o "$work/check-$1.out" -w '%{http_code}' "${auth[@]}" -H "Content-Type: $4" \
        --data-binary @"$3" "$2" || true)
    [ "$code" = 200 ] || die "speech $1 -> HTTP $code: $(head -c 300 "$work/check-$1.out")"
    [ -z "$6" ] || grep -qF -- "$6" "$work/check-$1.out" || die "speech $1 answer lacks '$6': $(head -c 300 "$work/check-$1.out")"
}

# heap_used PID -> kB of heap in use after a full GC
heap_used() {
    "$JAVA_HOME/bin/jcmd" "$1" GC.run >/dev/null 2>&1 || return 1
    "$JAVA_HOME/bin/jcmd" "$1" GC.heap_info 2>/dev/null | sed -n 's/.* used \([0-9]*\)K.*/\1/p' | head -n 1
}

# speech_heap UPSTREAM_PORT MIB: 32 uploads of MIB held in flight -> speech_fig[heap-MIB] (kB per upload)
speech_heap() {
    local port=$1 mib=$2 n=32 i idle busy held curls=()
    head -c $((mib * 1024 * 1024)) /dev/urandom >"$work/heap-upload.bin"
    idle=$(heap_used "$gw_pid") || { speech_notes+=("jcmd could not attach to the gateway"); return 0; }
    curl -s -m 5 -X POST "http://127.0.0.1:$port/hold" >/dev/null
    for ((i = 0; i < n; i++)); do
        curl -s -m 120 -o /dev/null -X POST -T "$work/heap-upload.bin" -H "Authorization: Bearer $key" \
            -H 'Content-Type: audio/wav' "http://127.0.0.1:$gw_port/v1/listen?model=nova-2" &
        curls+=($!)
    done
    for ((i = 0; i < 300; i++)); do
        held=$(curl -s -m 5 "http://127.0.0.1:$port/status" | sed -n 's/.*"held":\([0-9]*\).*/\1/p')
        [ "${held:-0}" -ge "$n" ] && break
        sleep 0.1
    done
    sleep 1 # the rest of each upload fills the socket buffers up to the gateway's read
    busy=$(heap_used "$gw_pid")
    curl -s -m 5 -X POST "http://127.0.0.1:$port/release" >/dev/null
    for i in "${curls[@]}"; do wait "$i" || true; done
    speech_fig[heap-$mib]=$(awk -v b="$busy" -v i="$idle" -v n="$n" 'BEGIN { printf "%.0f", (b - i) / n }')
    speech_fig[held-$mib]=${held:-0}
    speech_fig[idle-$mib]=$idle
}

speech_report() {
    local mb=${speech_fig[mb]:-10} r d g ratio
    printf '\nspeech: the speech proxy against a fake Deepgram (scripts/bench.d/SpeechUpstream.java), %s MiB bodies\n' "$mb"
    row "figure" "measured" "target" "verdict"
    row "------" "--------" "------" "-------"
    local f c
    for c in 1 4; do
    for r in listen speak; do
        d=$(for i in 1 2 3; do echo "${speech_fig[speech-$r-c$c-direct-$i]:-0}"; done | median)
        f=$(for i in 1 2 3; do echo "${speech_fig[speech-$r-c$c-floor-$i]:-0}"; done | median)
        g=$(for i in 1 2 3; do echo "${speech_fig[speech-$r-c$c-gateway-$i]:-0}"; done | median)
        ratio=$(awk -v d="$d" -v g="$g" 'BEGIN { printf "%.0f", (d > 0 ? 100 * g / d : 0) }')
        row "$r c=$c: direct / JDK floor / gateway req/s" "$d / $f / $g" "" ""
        row "$r c=$c: the same in MiB/s" "$(awk -v d="$d" -v f="$f" -v g="$g" -v m="$mb" 'BEGIN { printf "%.0f / %.0f / %.0f", d * m, f * m, g * m }')" "" ""
        row "$r c=$c: gateway / direct" "$ratio %" ">= 80 %" "$(verdict "$ratio" 'v >= 80')"
        row "$r c=$c: JDK floor / direct, gateway / JDK floor" "$(awk -v d="$d" -v f="$f" -v g="$g" 'BEGIN { printf "%.0f %%, %.0f %%", (d > 0 ? 100 * f / d : 0), (f > 0 ? 100 * g / f : 0) }')" "" ""
        printf 'rounds (%s c=%s, direct/floor/gateway): %s\n' "$r" "$c" "$(for i in 1 2 3; do printf '%s/%s/%s ' "${speech_fig[speech-$r-c$c-direct-$i]:-?}" "${speech_fig[speech-$r-c$c-floor-$i]:-?}" "${speech_fig[speech-$r-c$c-gateway-$i]:-?}"; done)"
    done
    done
    for m in 16 64; do
        row "heap per upload in flight, $m MiB file (32 held)" "${speech_fig[heap-$m]:-n/a} kB (idle ${speech_fig[idle-$m]:-?} kB, held ${speech_fig[held-$m]:-?})" "" ""
    done
    row "heap per upload: 64 MiB over 16 MiB" "$(awk -v a="${speech_fig[heap-16]:-0}" -v b="${speech_fig[heap-64]:-0}" 'BEGIN { printf "%+.0f kB", b - a }')" "~0" \
        "$(verdict "$(awk -v a="${speech_fig[heap-16]:-0}" -v b="${speech_fig[heap-64]:-0}" 'BEGIN { d = b - a; print (d < 0 ? -d : d) }')" 'v <= 64')"
    for n in "${speech_notes[@]}"; do printf 'note: %s\n' "$n"; done
}
