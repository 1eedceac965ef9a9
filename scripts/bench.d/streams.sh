# shellcheck shell=bash disable=SC2034,SC2154  # globals shared with scripts/bench by design
# The streams part of scripts/bench (sourced by it, never run): how many slow, long streams the
# gateway holds at once, what each relayed chunk costs it in CPU, memory and delay.
#
# For each N in BENCH_STREAMS_N (default "100 1000 5000"), with fresh processes per N:
#   - a drip upstream (scripts/bench.d/drip-upstream.js): OpenAI streams of
#     BENCH_STREAMS_CHUNKS (100) content chunks, one per interval, each stamped with its send time;
#   - the client (scripts/bench.d/stream-client.js) holds N streams open for at least
#     BENCH_STREAMS_SECONDS (20; a slot whose stream ends opens the next one), opened over a
#     1-2 s ramp, and measures each chunk's delay (read time - send time, CLOCK_MONOTONIC);
#   - three paths, one after the other: direct (client -> drip upstream), gateway (client ->
#     $launcher -> drip upstream, model of kind openai) and floor (client -> FloorServer.java
#     proxy, which copies the streamed bytes, on the image's JVM with its conf/jvm.options).
# The gateway and the floor each get a warm-up first (rounds of 50 streams at 10 ms, until the
# JIT compiler threads are idle, at most BENCH_STREAMS_WARMUP_ROUNDS, default 8), then VmHWM is
# reset (/proc/PID/clear_refs), so that their figures are the measured run's: CPU (utime+stime
# over the run / chunks the client received), RSS sampled every 0.5 s (peak) and VmHWM.
#
# Chunk interval: 2 cores cannot relay 1,000 streams x 30 chunks/s, so every N gets the same
# total chunk rate, BENCH_STREAMS_RATE chunks/s (default 3000: N=100 -> 33 ms, as OpenAI streams
# a fast model; 1000 -> 333 ms; 5000 -> 1667 ms). Measured on the 2-core machine with 500
# streams: direct (Node client and upstream alone, ~55 us of their CPU per chunk) p99 1.8 ms at
# 5,000 chunks/s, 11 ms at 10,000/s, 30 ms at 20,000/s, unloaded; the proxy floor (load 4-6 from
# other work) p99 17 ms at 5,000/s and saturated at 10,000/s (p50 19 ms), the gateway likewise.
# 3,000/s leaves room for the process in the middle and for other work on the machine.
# BENCH_STREAMS_INTERVAL_MS overrides: one number for every N, or "N:ms,N:ms".
# Duration: N=5000 at 1667 ms is one stream per slot, ~170 s per path; the whole part ~15 min
# (N=100 ~2 min, N=1000 ~3 min, N=5000 ~10 min, warm-ups included).
#
# BENCH_ONLY=streams scripts/bench runs only this; BENCH_STREAMS=off leaves it out of a full run.

streams_on=1
case ${BENCH_STREAMS:-on} in
    off | 0 | no) streams_on=0 ;;
esac
streams_ns=${BENCH_STREAMS_N:-100 1000 5000}
streams_ns=${streams_ns//,/ }
streams_rate=${BENCH_STREAMS_RATE:-3000}
streams_chunks=${BENCH_STREAMS_CHUNKS:-100}
streams_seconds=${BENCH_STREAMS_SECONDS:-20}
declare -A S

streams_interval() { # N -> chunk interval in ms for N streams
    local n=$1 spec=${BENCH_STREAMS_INTERVAL_MS:-} item
    case $spec in
        '') awk -v n="$n" -v r="$streams_rate" 'BEGIN { printf "%.0f", n * 1000 / r }' ;;
        *:*)
            for item in ${spec//,/ }; do
                if [ "${item%%:*}" = "$n" ]; then echo "${item#*:}"; return 0; fi
            done
            awk -v n="$n" -v r="$streams_rate" 'BEGIN { printf "%.0f", n * 1000 / r }'
            ;;
        *) echo "$spec" ;;
    esac
}

# Descriptors: N client sockets, N inbound + N upstream sockets in the process in the middle.
# The soft limit is raised to the hard one for everything this bench starts.
streams_fds() {
    local hard
    hard=$(ulimit -Hn)
    [ "$hard" = unlimited ] && hard=1048576
    ulimit -Sn "$hard" 2>/dev/null || true
    streams_fd_limit=$(ulimit -Sn)
}
# PID NEED -> a note if the process may open fewer than NEED descriptors.
streams_check_fds() {
    local lim
    lim=$(awk '/^Max open files/ { print $4 }' "/proc/$1/limits" 2>/dev/null || echo 0)
    [ "$lim" = unlimited ] && return 0
    if [ "${lim:-0}" -lt "$2" ]; then
        streams_notes+=("pid $1 ($3) may open $lim descriptors, needs ~$2: raise 'ulimit -Hn'")
    fi
}

# JSON summary FILE PREFIX -> S[PREFIX.key.sub]=value for every field (null -> n/a), and
# S[PREFIX.fail_summary] = "reason:count ...".
streams_parse() {
    local k v
    while IFS='=' read -r k v; do S[$2.$k]=$v; done < <(node -e '
        const fs = require("fs");
        let o = {};
        try { o = JSON.parse(fs.readFileSync(process.argv[1], "utf8").trim().split("\n").pop()); } catch (e) {}
        const out = (p, v) => {
          if (v !== null && typeof v === "object") { for (const k of Object.keys(v)) out(p ? p + "." + k : k, v[k]); }
          else console.log(p + "=" + (v === null ? "n/a" : v));
        };
        out("", o);
        console.log("fail_summary=" + Object.entries(o.fail_reasons || {}).map(([k, v]) => k + ":" + v).join(" "));
    ' "$1")
}

# N PATH URL [MODEL KEY] -> client run; S[N.PATH.*] from its summary (and the middle process's
# CPU and memory when $mid_pid is set).
streams_client() {
    local n=$1 path=$2 url=$3 model=${4:-mock-model} k=${5:-} iv t0='' t1='' f
    local -a extra=(--model "$model")
    [ -n "$k" ] && extra+=(--key "$k")
    iv=${S[$n.interval]}
    f=$out_dir/streams-$n-$path
    curl -s -m 5 -o /dev/null "http://127.0.0.1:$drip_port/stats" || true # starts the upstream's count anew
    local lo0
    lo0=$(listen_overflows)
    if [ -n "${mid_pid:-}" ]; then
        hwm_reset "$mid_pid" || streams_notes+=("VmHWM could not be reset: it includes the warm-up")
        S[$n.$path.rss_before]=$(status_kb "$mid_pid" VmRSS)
        : >"$f.rss"
        rss_sampler "$mid_pid" "$f.rss" 0.5
        t0=$(cpu_ticks "$mid_pid")
        gc_from=$(wc -l <"$out_dir/streams-$n-$path-gc.log" 2>/dev/null || echo 0)
    fi
    # A stream lasts (chunks + 1) intervals; the run ends at most one stream after --seconds.
    local limit
    limit=$(awk -v s="$streams_seconds" -v i="$iv" -v c="$streams_chunks" 'BEGIN { printf "%d", s + 2 * (c + 1) * i / 1000 + 120 }')
    # In the background, so that the bench's trap runs (and stops it) at once on a signal.
    timeout "$limit" node "$TOLLGATE_ROOT/scripts/bench.d/stream-client.js" "$url" "$n" --interval "$iv" \
        --chunks "$streams_chunks" --seconds "$streams_seconds" "${extra[@]}" >"$f.json" 2>"$f.err" &
    local client=$!
    pids+=("$client")
    wait "$client" || true
    forget_pid "$client"
    streams_parse "$f.json" "$n.$path"
    curl -s -m 5 -o "$f.upstream.json" "http://127.0.0.1:$drip_port/stats" || true
    S[$n.$path.up_late_p99]=$(sed -n 's/.*"late_ms":{"p50":[^,]*,"p99":\([^,]*\),.*/\1/p' "$f.upstream.json" 2>/dev/null)
    S[$n.$path.load]=$(cut -d ' ' -f 1 /proc/loadavg)
    S[$n.$path.overflows]=$(($(listen_overflows) - lo0))
    if [ -n "${mid_pid:-}" ]; then
        if kill -0 "$mid_pid" 2>/dev/null && t1=$(cpu_ticks "$mid_pid" 2>/dev/null); then
            S[$n.$path.hwm]=$(status_kb "$mid_pid" VmHWM)
            S[$n.$path.cpu_us]=$(awk -v t=$((t1 - t0)) -v hz="$clk_tck" -v c="${S[$n.$path.chunks]:-0}" \
                'BEGIN { printf "%.1f", (c > 0 ? t * 1e6 / hz / c : 0) }')
        else
            S[$n.$path.hwm]=0 S[$n.$path.cpu_us]=n/a
            streams_notes+=("N=$n $path: the process died during the run (see $out_dir/streams-$n-$path.log)")
        fi
        stop "$sampler_pid" 1
        forget_pid "$sampler_pid"
        S[$n.$path.rss_peak]=$(awk 'BEGIN { m = 0 } $2 > m { m = $2 } END { print m }' "$f.rss")
        # GC pauses of the measured run (the log's lines after the warm-up's): what a long
        # chunk delay may come from. "... Pause Young (Allocation Failure) 20M->5M(31M) 1.234ms"
        S[$n.$path.gc]=$(tail -n +$((gc_from + 1)) "$out_dir/streams-$n-$path-gc.log" 2>/dev/null | awk '
            / Pause / { n++; ms = $NF + 0; t += ms; if (ms > m) m = ms; if (match($0, /\([0-9]+[KMG]\) /)) c = substr($0, RSTART + 1, RLENGTH - 3) }
            END { printf "%d pauses, max %.0f ms, total %.1f s, heap committed %s", n, m, t / 1000, (c == "" ? "?" : c) }')
    fi
}

# Warm-up round for warm(): 50 streams of 100 chunks at 10 ms, for 3 s (5,000 chunks/s).
streams_warm_round() {
    node "$TOLLGATE_ROOT/scripts/bench.d/stream-client.js" "$warm_url" 50 --interval 10 --chunks 100 \
        --seconds 3 --model "$warm_model" ${warm_key:+--key "$warm_key"} >>"$out_dir/streams-warmup.txt" 2>&1 || true
}

streams_one_n() { # N
    local n=$1 iv cfg
    iv=$(streams_interval "$n")
    S[$n.interval]=$iv
    say "streams: N=$n, chunk interval $iv ms ($(awk -v n="$n" -v i="$iv" 'BEGIN { printf "%.0f", n * 1000 / i }') chunks/s): direct, gateway, floor"
    node "$TOLLGATE_ROOT/scripts/bench.d/drip-upstream.js" 0 "$iv" "$streams_chunks" >"$work/drip-$n.log" 2>&1 &
    drip_pid=$!
    pids+=("$drip_pid")
    drip_port=$(wait_port "$work/drip-$n.log" "$drip_pid" '"listening"') || die "the drip upstream did not start: $(cat "$work/drip-$n.log")"
    streams_check_fds "$drip_pid" $((n + 256)) "drip upstream"
    local direct=http://127.0.0.1:$drip_port/v1/chat/completions

    mid_pid=''
    streams_client "$n" direct "$direct"

    # Through the gateway.
    cfg=$work/streams-$n.json
    cat >"$cfg" <<JSON
{
  "server": {"port": 0, "access_log": true},
  "data_dir": "$work/data",
  "keys": [{"name": "bench", "key": "$key"}],
  "providers": {"drip": {"kind": "openai", "base_url": "http://127.0.0.1:$drip_port/v1"}},
  "models": [{"id": "bench-stream", "provider": "drip", "upstream": "mock-model"}]
}
JSON
    gateway_start "streams-gateway-$n" "$cfg" "-Xlog:gc:file=$out_dir/streams-$n-gateway-gc.log:uptime"
    streams_check_fds "$gw_pid" $((2 * n + 512)) gateway
    local gw=http://127.0.0.1:$gw_port/v1/chat/completions
    printf '%s\n' '{"model":"bench-stream","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Hi"}],"drip_interval_ms":1,"drip_chunks":3}' >"$work/streams-check.json"
    check_200 "streams-gateway-$n" "$gw" "$work/streams-check.json" "$key" ' w3 t=' '"finish_reason":"stop"' 'data: [DONE]'
    warm_url=$gw warm_model=bench-stream warm_key=$key
    warm "$gw_pid" "${BENCH_STREAMS_WARMUP_ROUNDS:-8}" streams_warm_round 4
    S[$n.gateway.warmed]="$warmed s (JIT settled: $jit_settled)"
    mid_pid=$gw_pid
    streams_client "$n" gateway "$gw" bench-stream "$key"
    cp "$work/streams-gateway-$n.out" "$out_dir/streams-$n-gateway.log" 2>/dev/null || true
    cat "$work/streams-gateway-$n.err" >>"$out_dir/streams-$n-gateway.log" 2>/dev/null || true
    stop "$gw_pid"
    forget_pid "$gw_pid"

    # Through the JDK proxy floor (bytes copied, no parsing).
    floor_start "streams-floor-$n" proxy "$direct" "-Xlog:gc:file=$out_dir/streams-$n-floor-gc.log:uptime"
    streams_check_fds "$fl_pid" $((2 * n + 512)) floor
    local fl=http://127.0.0.1:$fl_port/v1/chat/completions
    sed 's/"bench-stream"/"mock-model"/' "$work/streams-check.json" >"$work/streams-check-up.json"
    check_200 "streams-floor-$n" "$fl" "$work/streams-check-up.json" "" ' w3 t=' 'data: [DONE]'
    warm_url=$fl warm_model=mock-model warm_key=''
    warm "$fl_pid" "${BENCH_STREAMS_WARMUP_ROUNDS:-8}" streams_warm_round 4
    S[$n.floor.warmed]="$warmed s (JIT settled: $jit_settled)"
    mid_pid=$fl_pid
    streams_client "$n" floor "$fl"
    cp "$work/streams-floor-$n.out" "$out_dir/streams-$n-floor.log" 2>/dev/null || true
    stop "$fl_pid"
    forget_pid "$fl_pid"
    mid_pid=''
    stop "$drip_pid"
    forget_pid "$drip_pid"
}

streams_main() {
    local t_start=$SECONDS n
    streams_notes=()
    : "${clk_tck:=$(getconf CLK_TCK)}"
    streams_fds
    local image
    image=$(cd "$(dirname "$(readlink -f "$launcher")")/.." && pwd -P)
    local options=$image/conf/jvm.options
    [ -f "$options" ] || options=$TOLLGATE_ROOT/jlink/jvm.options
    floor_prepare "$image" "$options"
    streams_load_start=$(cut -d ' ' -f 1-3 /proc/loadavg)
    for n in $streams_ns; do
        local t_n=$SECONDS
        streams_one_n "$n"
        S[$n.seconds]=$((SECONDS - t_n))
    done
    streams_took=$((SECONDS - t_start))
}

# The report: one table row per N and path, then the issue's targets with their verdicts.
streams_report() {
    local n p d50 d99 a50 a99 cpu rss line fmt='%-6s %-8s %-9s %-12s %-15s %-15s %-10s %-15s %-9s %s\n'
    printf '\nstreams: N concurrent streams of %s chunks (+ finish, usage, [DONE]) held >= %s s; total %s chunks/s unless set; delays over the chunks sent after the ramp + 1 s\n' \
        "$streams_chunks" "$streams_seconds" "$streams_rate"
    printf "$fmt" N path interval "ok/failed" "delay p50/p99" "added p50/p99" "CPU/chunk" "RSS peak/HWM" "up late" "load"
    printf "$fmt" "" "" "" "" "ms" "ms vs direct" "us" "MB" "p99 ms" "1 min"
    for n in $streams_ns; do
        for p in direct gateway floor; do
            d50=${S[$n.$p.delay_ms.p50]:-n/a} d99=${S[$n.$p.delay_ms.p99]:-n/a}
            if [ "$p" = direct ]; then
                a50=- cpu=- rss=-
            else
                a50=$(awk -v a="$d50" -v b="${S[$n.direct.delay_ms.p50]:-n/a}" -v c="$d99" -v d="${S[$n.direct.delay_ms.p99]:-n/a}" \
                    'BEGIN { if (a == "n/a" || b == "n/a" || c == "n/a" || d == "n/a") print "n/a"; else printf "%+.2f/%+.2f", a - b, c - d }')
                cpu=${S[$n.$p.cpu_us]:-n/a}
                rss="$(kb_mb "${S[$n.$p.rss_peak]:-0}")/$(kb_mb "${S[$n.$p.hwm]:-0}")"
            fi
            printf "$fmt" "$n" "$p" "${S[$n.$p.interval_ms]:-n/a} ms" "${S[$n.$p.streams_ok]:-0}/${S[$n.$p.streams_failed]:-n/a}" \
                "$d50/$d99" "$a50" "$cpu" "$rss" "${S[$n.$p.up_late_p99]:-n/a}" "${S[$n.$p.load]:-}"
        done
    done
    row "figure" "measured" "target" "verdict"
    for n in $streams_ns; do
        line=$(awk -v g="${S[$n.gateway.cpu_us]:-n/a}" -v f="${S[$n.floor.cpu_us]:-n/a}" \
            'BEGIN { if (g == "n/a" || f == "n/a" || f <= 0) print "n/a"; else printf "%.0f", 100 * g / f }')
        row "N=$n gateway CPU/chunk vs floor's" "${S[$n.gateway.cpu_us]:-n/a} vs ${S[$n.floor.cpu_us]:-n/a} us ($line %)" "<= 110 %" \
            "$(verdict "$line" 'v != "n/a" && v <= 110')"
    done
    for n in $streams_ns; do
        rss=$(kb_mb "$(streams_peak_kb "$n" gateway)")
        case $n in
            1000) row "N=1000 gateway RSS peak" "$rss MB" "<= 256 MB" "$(verdict "$rss" 'v <= 256')" ;;
            5000)
                row "N=5000 streams held: ok/failed, RSS peak" "${S[$n.gateway.streams_ok]:-0}/${S[$n.gateway.streams_failed]:-n/a}, $rss MB" \
                    "0 failed, <= 512 MB" "$(verdict "${S[$n.gateway.streams_failed]:-1} $rss" 'split(v, a, " ") && a[1] == 0 && a[2] <= 512')"
                ;;
        esac
        if [ "$n" = 100 ]; then
            a99=$(awk -v c="${S[100.gateway.delay_ms.p99]:-n/a}" -v d="${S[100.direct.delay_ms.p99]:-n/a}" \
                'BEGIN { if (c == "n/a" || d == "n/a") print "n/a"; else printf "%.2f", c - d }')
            row "N=100 added chunk delay p99 (gateway - direct)" "$a99 ms" "<= 2 ms" "$(verdict "$a99" 'v != "n/a" && v <= 2')"
        fi
        row "N=$n RSS warmed idle -> peak, gateway" "$(streams_growth "$n" gateway)" "" ""
        row "N=$n RSS warmed idle -> peak, floor" "$(streams_growth "$n" floor)" "" ""
    done
    for n in $streams_ns; do
        for p in direct gateway floor; do
            [ -n "${S[$n.$p.fail_summary]:-}" ] && printf 'N=%s %s: failed streams by reason: %s\n' "$n" "$p" "${S[$n.$p.fail_summary]}"
        done
        printf 'N=%s: %s s; warm-up gateway %s, floor %s; delay max (all chunks, ramp included) direct/gateway/floor: %s/%s/%s ms\n' \
            "$n" "${S[$n.seconds]:-?}" "${S[$n.gateway.warmed]:-?}" "${S[$n.floor.warmed]:-?}" \
            "${S[$n.direct.delay_all_ms.max]:-n/a}" "${S[$n.gateway.delay_all_ms.max]:-n/a}" "${S[$n.floor.delay_all_ms.max]:-n/a}"
        printf 'N=%s GC during the run: gateway %s; floor %s\n' "$n" "${S[$n.gateway.gc]:-?}" "${S[$n.floor.gc]:-?}"
        printf 'N=%s listen queue overflows (SYNs dropped, machine-wide) during the run, direct/gateway/floor: %s/%s/%s\n' \
            "$n" "${S[$n.direct.overflows]:-?}" "${S[$n.gateway.overflows]:-?}" "${S[$n.floor.overflows]:-?}"
    done
    local note
    for note in "${streams_notes[@]}"; do printf 'note: %s\n' "$note"; done | sort -u
    printf 'streams part: %s s; descriptors (soft limit): %s; launcher: %s\n' "$streams_took" "$streams_fd_limit" "$launcher"
    printf 'load average (1, 5, 15 min) at the start of the streams part: %s; at its end: %s\n' "$streams_load_start" "$(cut -d ' ' -f 1-3 /proc/loadavg)"
    printf 'raw outputs: %s/streams-*\n' "$out_dir"
}

# The larger of the sampled peak and VmHWM, in kB.
streams_peak_kb() {
    local a=${S[$1.$2.rss_peak]:-0} b=${S[$1.$2.hwm]:-0}
    if [ "$a" -gt "$b" ]; then echo "$a"; else echo "$b"; fi
}

# N PATH -> "A -> B MB (+C KB per stream)": RSS just before the measured run (after the warm-up)
# and its peak during it.
streams_growth() {
    local a=${S[$1.$2.rss_before]:-0} b
    b=$(streams_peak_kb "$1" "$2")
    awk -v a="$a" -v b="$b" -v n="$1" 'BEGIN { printf "%.1f -> %.1f MB (%+.1f KB per stream)", a / 1024, b / 1024, (b - a) / n }'
}
