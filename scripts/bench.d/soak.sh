# shellcheck shell=bash disable=SC2034,SC2154  # globals shared with scripts/bench by design
# The soak part of scripts/bench (sourced by it, never run; only with BENCH_ONLY=soak, never in a
# full run): does the gateway's memory creep under steady load, and does it come back after a
# spike?
#
# One gateway ($launcher, scripts/bench's configuration and fake upstream), with the JVM's GC log
# (-Xlog:gc*, in $out_dir/soak-gc.log), through four phases:
#   steady  wrk c=BENCH_SOAK_CONNECTIONS (16), scripts/bench's plain chat request, for
#           BENCH_SOAK_SECONDS (600); RSS sampled every 10 s
#   spike   BENCH_SOAK_SPIKE_CONNECTIONS (256) connections for BENCH_SOAK_SPIKE_SECONDS (30):
#           three quarters plain, one quarter the 20-chunk stream; RSS every 2 s
#   idle    BENCH_SOAK_IDLE_SECONDS (90) without requests; RSS every 10 s
#   full GC jcmd GC.run (the JDK's jcmd attaches by pid; the image runs with -XX:-UsePerfData,
#           which only hides it from jps), then RSS and the live heap
# Reported: RSS at the start, at the end of every minute, its peaks, after the spike, after the
# idle time and after the full GC; from the GC log, per minute: young and full GCs, the heap
# used after GC (lowest and last: a creeping old generation shows as a rising floor) and the
# committed heap. A young GC with the serial collector logs the whole heap's before->after
# (committed), and the old generation's ("Tenured") after it.
# Takes BENCH_SOAK_SECONDS + ~130 s (12 min by default; BENCH_SOAK_SECONDS=120: 4 min).

soak_seconds=${BENCH_SOAK_SECONDS:-600}
soak_c=${BENCH_SOAK_CONNECTIONS:-16}
soak_spike_c=${BENCH_SOAK_SPIKE_CONNECTIONS:-256}
soak_spike_seconds=${BENCH_SOAK_SPIKE_SECONDS:-30}
soak_idle_seconds=${BENCH_SOAK_IDLE_SECONDS:-90}
declare -A K

# PHASE SECONDS EVERY -> samples "<s since the gateway started> <phase> <VmRSS kB>" into
# $soak_rss every EVERY s for SECONDS s, or until every pid in soak_wait has exited.
soak_sample() {
    local phase=$1 secs=$2 every=$3 end p alive
    end=$((SECONDS + secs))
    while :; do
        printf '%s %s %s\n' "$(soak_now)" "$phase" "$(status_kb "$gw_pid" VmRSS)" >>"$soak_rss"
        alive=0
        for p in "${soak_wait[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
        if [ "${#soak_wait[@]}" -gt 0 ]; then [ "$alive" = 1 ] || break; else [ "$SECONDS" -lt "$end" ] || break; fi
        sleep "$every"
    done
}
soak_now() { local now=${EPOCHREALTIME//[.,]/}; echo $(((now - soak_t0) / 1000000)); }

soak_main() {
    local t_start=$SECONDS url
    soak_rss=$out_dir/soak-rss.txt
    soak_gc=$out_dir/soak-gc.log
    : >"$soak_rss"
    soak_load_start=$(cut -d ' ' -f 1-3 /proc/loadavg)
    soak_t0=${EPOCHREALTIME//[.,]/}
    # The JVM's uptime in the GC log starts with this exec (a few ms later).
    gateway_start soak "$config" "-Xlog:gc*:file=$soak_gc:uptime,level,tags"
    url=http://127.0.0.1:$gw_port/v1/chat/completions
    check_200 soak-plain "$url" "$work/gw-plain.json" "$key"
    check_200 soak-stream "$url" "$work/gw-stream.json" "$key" 'data: [DONE]'
    sleep 1
    K[rss.start]=$(status_kb "$gw_pid" VmRSS)
    soak_wait=()
    soak_sample start 0 1

    say "soak: steady c=$soak_c for $soak_seconds s, then a spike of c=$soak_spike_c for $soak_spike_seconds s, then $soak_idle_seconds s idle"
    K[steady.from]=$(soak_now)
    wrk_exec soak-steady "$url" "$work/gw-plain.json" "$soak_c" "$soak_seconds" "$key"
    soak_wait=("$wrk_pid")
    soak_sample steady "$soak_seconds" 10
    wait "$wrk_pid" || true
    forget_pid "$wrk_pid"
    wrk_parse soak-steady
    K[steady.rps]=$rps K[steady.requests]=$requests K[steady.non2xx]=$non2xx K[steady.errs]=$errs K[steady.p99]=$p99
    K[steady.to]=$(soak_now)
    K[rss.steady_end]=$(status_kb "$gw_pid" VmRSS)

    local plain_c=$((soak_spike_c * 3 / 4)) stream_c=$((soak_spike_c - soak_spike_c * 3 / 4)) w1 w2 lo0
    lo0=$(listen_overflows)
    wrk_exec soak-spike-plain "$url" "$work/gw-plain.json" "$plain_c" "$soak_spike_seconds" "$key"
    w1=$wrk_pid
    wrk_exec soak-spike-stream "$url" "$work/gw-stream.json" "$stream_c" "$soak_spike_seconds" "$key"
    w2=$wrk_pid
    soak_wait=("$w1" "$w2")
    soak_sample spike "$soak_spike_seconds" 2
    wait "$w1" || true
    wait "$w2" || true
    forget_pid "$w1"
    forget_pid "$w2"
    wrk_parse soak-spike-plain
    K[spike.plain.rps]=$rps K[spike.non2xx]=$non2xx K[spike.errs]=$errs K[spike.plain.p99]=$p99
    wrk_parse soak-spike-stream
    K[spike.stream.rps]=$rps K[spike.non2xx]=$((K[spike.non2xx] + non2xx)) K[spike.errs]=$((K[spike.errs] + errs))
    K[spike.to]=$(soak_now)
    K[spike.overflows]=$(($(listen_overflows) - lo0))
    K[rss.after_spike]=$(status_kb "$gw_pid" VmRSS)

    soak_wait=()
    soak_sample idle "$soak_idle_seconds" 10
    K[rss.after_idle]=$(status_kb "$gw_pid" VmRSS)
    K[hwm]=$(status_kb "$gw_pid" VmHWM)

    # A full GC by the JDK's jcmd: what the heap holds once everything dead is gone.
    local jcmd=$JAVA_HOME/bin/jcmd
    K[full_gc]=no
    if [ -x "$jcmd" ] && timeout 30 "$jcmd" "$gw_pid" GC.run >"$out_dir/soak-jcmd.txt" 2>&1; then
        K[full_gc]=yes
        sleep 2
        timeout 30 "$jcmd" "$gw_pid" GC.heap_info >>"$out_dir/soak-jcmd.txt" 2>&1 || true
        K[rss.after_gc]=$(status_kb "$gw_pid" VmRSS)
        printf '%s %s %s\n' "$(soak_now)" after-gc "${K[rss.after_gc]}" >>"$soak_rss"
    fi
    cp "$work/soak.out" "$out_dir/soak-gateway.log" 2>/dev/null || true
    cat "$work/soak.err" >>"$out_dir/soak-gateway.log" 2>/dev/null || true
    stop "$gw_pid"
    forget_pid "$gw_pid"
    soak_took=$((SECONDS - t_start))
}

# The GC log -> "<uptime s> <Young|Full> <heap after kB> <committed kB> <tenured after kB>" per GC.
soak_gcs() {
    awk '
        function kb(s,  n, u) { n = s + 0; u = substr(s, length(s)); return u == "G" ? n * 1048576 : u == "M" ? n * 1024 : n }
        /\]\[gc,heap *\] GC\([0-9]+\) Tenured:/ {
            match($0, /GC\([0-9]+\)/); id = substr($0, RSTART, RLENGTH)
            s = $0; sub(/.*->/, "", s); sub(/\(.*/, "", s); ten[id] = kb(s)
        }
        /\]\[gc *\] GC\([0-9]+\) Pause (Young|Full)/ {
            match($0, /GC\([0-9]+\)/); id = substr($0, RSTART, RLENGTH)
            t = substr($1, 2) + 0
            type = ($0 ~ /Pause Young/) ? "Young" : "Full"
            if (match($0, /[0-9]+[KMG]->[0-9]+[KMG]\([0-9]+[KMG]\)/)) {
                s = substr($0, RSTART, RLENGTH)
                split(s, a, /->|\(|\)/)
                printf "%.1f %s %d %d %d\n", t, type, kb(a[2]), kb(a[3]), ten[id]
            }
        }' "$soak_gc" 2>/dev/null
}

soak_report() {
    local gcs=$work/soak-gcs.txt fmt='%-12s %-8s %-18s %-10s %-24s %-14s %s\n'
    # To a file: a 10-minute soak logs ~10,000 GCs, too many for an awk -v argument.
    soak_gcs >"$gcs"
    printf '\nsoak: gateway under wrk c=%s (plain chat) for %s s, then c=%s (%s plain + %s stream) for %s s, then %s s idle\n' \
        "$soak_c" "$soak_seconds" "$soak_spike_c" $((soak_spike_c * 3 / 4)) $((soak_spike_c - soak_spike_c * 3 / 4)) \
        "$soak_spike_seconds" "$soak_idle_seconds"
    printf "$fmt" "time (s)" "phase" "RSS MB end/max" "GCs y/f" "heap after GC MB min/last" "tenured MB" "heap committed MB"
    # One row per minute of the gateway's life, and one per phase boundary.
    awk -v gcs="$gcs" -v fmt="$fmt" '
        BEGIN {
            while ((getline line < gcs) > 0) {
                if (split(line, f, " ") == 5) { gt[++g] = f[1]; gty[g] = f[2]; gaf[g] = f[3]; gco[g] = f[4]; gte[g] = f[5] }
            }
        }
        { t[++r] = $1; ph[r] = $2; rss[r] = $3 }
        END {
            from = 0; j = 1
            for (i = 1; i <= r; i++) {
                last = (i == r) || ph[i + 1] != ph[i] || int(t[i + 1] / 60) != int(t[i] / 60)
                if (!last) continue
                mx = 0; for (k = j; k <= i; k++) if (rss[k] > mx) mx = rss[k]
                y = 0; fu = 0; mn = -1; la = 0; te = 0; co = 0
                for (k = 1; k <= g; k++) {
                    if ((j > 1 && gt[k] <= from) || gt[k] > t[i]) continue
                    if (gty[k] == "Young") y++; else fu++
                    if (mn < 0 || gaf[k] < mn) mn = gaf[k]
                    la = gaf[k]; te = gte[k]; if (gco[k] > co) co = gco[k]
                }
                printf fmt, from "-" t[i], ph[i], sprintf("%.1f/%.1f", rss[i] / 1024, mx / 1024), y "/" fu,
                    (mn < 0 ? "-" : sprintf("%.1f/%.1f", mn / 1024, la / 1024)), (mn < 0 ? "-" : sprintf("%.1f", te / 1024)),
                    (co == 0 ? "-" : sprintf("%.1f", co / 1024))
                from = t[i]; j = i + 1
            }
        }' "$soak_rss"
    local steady_first steady_last
    # RSS creep: the steady phase's first full minute against its last.
    read -r steady_first steady_last < <(awk -v a="${K[steady.from]}" -v b="${K[steady.to]}" '
        $2 == "steady" { if ($1 >= a + 60 && first == "") first = $3; if ($1 <= b) last = $3 }
        END { print (first == "" ? 0 : first), (last == "" ? 0 : last) }' "$soak_rss")
    row "figure" "measured" "target" "verdict"
    row "RSS at start (after 2 requests, 1 s)" "$(kb_mb "${K[rss.start]}") MB" "" ""
    if [ "$steady_first" = 0 ]; then
        row "RSS steady: at the end (no minute to compare)" "$(kb_mb "$steady_last") MB" "" ""
    else
        row "RSS steady: after 1 min / at the end" "$(kb_mb "$steady_first") / $(kb_mb "$steady_last") MB ($(awk -v a="$steady_first" -v b="$steady_last" 'BEGIN { printf "%+.1f", (b - a) / 1024 }') MB)" "" ""
    fi
    row "RSS peak (VmHWM over the whole soak)" "$(kb_mb "${K[hwm]}") MB" "" ""
    row "RSS right after the spike / after idle" "$(kb_mb "${K[rss.after_spike]}") / $(kb_mb "${K[rss.after_idle]}") MB" "" ""
    if [ "${K[full_gc]}" = yes ]; then
        local live
        live=$(awk '$2 == "Full" { l = $3 } END { printf "%.1f", l / 1024 }' "$gcs")
        row "after a full GC (jcmd GC.run): live heap, RSS" "$live MB, $(kb_mb "${K[rss.after_gc]}") MB" "" ""
    else
        row "full GC by jcmd" "failed: $(head -n 2 "$out_dir/soak-jcmd.txt" 2>/dev/null | tr '\n' ' ')" "" ""
    fi
    row "steady: req/s, p99; non-2xx, socket errors" "${K[steady.rps]} req/s, ${K[steady.p99]} us; ${K[steady.non2xx]}, ${K[steady.errs]}" "" ""
    row "spike: req/s plain+stream, p99; non-2xx, sock err" \
        "${K[spike.plain.rps]} + ${K[spike.stream.rps]} req/s, ${K[spike.plain.p99]} us; ${K[spike.non2xx]}, ${K[spike.errs]}" "" ""
    row "spike: listen queue overflows (machine-wide)" "${K[spike.overflows]}" "" ""
    printf 'soak part: %s s; load average (1, 5, 15 min) at its start: %s; at its end: %s\n' "$soak_took" "$soak_load_start" "$(cut -d ' ' -f 1-3 /proc/loadavg)"
    printf 'raw outputs: %s/soak-* (RSS samples: soak-rss.txt; GC log: soak-gc.log)\n' "$out_dir"
}
