package tollgate.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The numbers of {@code GET /admin/stats} (the dashboard's): totals since start, and a ring of
 * {@link #BUCKETS} time buckets of {@link #BUCKET_MS} each (10 minutes) with what happened in
 * them, including the latency and time-to-first-token bins the percentiles of the last
 * {@link #PERCENTILE_WINDOW_MS} are read from. A bucket is reused for a later interval by the
 * first write that finds it stale; a write racing that reset may be lost or counted in the new
 * interval (a dashboard figure, not a bill: the ledger is the bill).
 */
final class Stats {
    static final long BUCKET_MS = 10_000;
    static final int BUCKETS = 60;
    static final long PERCENTILE_WINDOW_MS = 5 * 60_000;

    /** One interval. */
    static final class Bucket {
        volatile long start = Long.MIN_VALUE;
        final ReentrantLock reset = new ReentrantLock();
        final LongAdder requests = new LongAdder();
        final LongAdder errors = new LongAdder();
        final LongAdder tokensIn = new LongAdder();
        final LongAdder tokensOut = new LongAdder();
        final DoubleAdder cost = new DoubleAdder();
        final DoubleAdder savings = new DoubleAdder();
        final AtomicLongArray latency = new AtomicLongArray(Bins.COUNT);
        final AtomicLongArray ttft = new AtomicLongArray(Bins.COUNT);
    }

    final LongAdder requests = new LongAdder();
    final LongAdder errors = new LongAdder();
    final LongAdder clientErrors = new LongAdder();
    final LongAdder tokensIn = new LongAdder();
    final LongAdder tokensOut = new LongAdder();
    final LongAdder credits = new LongAdder();
    final DoubleAdder cost = new DoubleAdder();
    final DoubleAdder savings = new DoubleAdder();
    private final Bucket[] ring = new Bucket[BUCKETS];

    Stats() {
        for (int i = 0; i < BUCKETS; i++) ring[i] = new Bucket();
    }

    static long startOf(long ms) { return ms - Math.floorMod(ms, BUCKET_MS); }

    /** The bucket of {@code nowMs}, reset first if it still holds an older interval. */
    Bucket bucket(long nowMs) {
        long start = startOf(nowMs);
        Bucket b = ring[(int) Math.floorMod(start / BUCKET_MS, (long) BUCKETS)];
        if (b.start != start) reset(b, start);
        return b;
    }

    private static void reset(Bucket b, long start) {
        b.reset.lock();
        try {
            if (b.start >= start) return; // another thread did; or a late write of an older interval
            b.requests.reset();
            b.errors.reset();
            b.tokensIn.reset();
            b.tokensOut.reset();
            b.cost.reset();
            b.savings.reset();
            for (int i = 0; i < Bins.COUNT; i++) {
                b.latency.set(i, 0);
                b.ttft.set(i, 0);
            }
            b.start = start;
        } finally {
            b.reset.unlock();
        }
    }

    /** One answered HTTP request. {@code ttftNanos} < 0: not streamed. */
    void request(long nowMs, int status, boolean error, long durationNanos, long ttftNanos) {
        requests.increment();
        if (error) errors.increment();
        else if (status >= 400 && status < 500) clientErrors.increment();
        Bucket b = bucket(nowMs);
        b.requests.increment();
        if (error) b.errors.increment();
        b.latency.incrementAndGet(Bins.of(durationNanos / 1000));
        if (ttftNanos >= 0) b.ttft.incrementAndGet(Bins.of(ttftNanos / 1000));
    }

    /** One ledger record's usage. */
    void usage(long nowMs, long in, long out, double usd, double saved, long charged) {
        tokensIn.add(in);
        tokensOut.add(out);
        cost.add(usd);
        savings.add(saved);
        credits.add(charged);
        Bucket b = bucket(nowMs);
        b.tokensIn.add(in);
        b.tokensOut.add(out);
        b.cost.add(usd);
        b.savings.add(saved);
    }

    /** The JSON of /admin/stats without the gauges (in_flight, streams) and the header fields, which the caller adds. */
    Map<String, Object> toJson(long nowMs, Map<String, Object> totals) {
        totals.put("requests", requests.sum());
        totals.put("errors", errors.sum());
        totals.put("client_errors", clientErrors.sum());
        totals.put("tokens_in", tokensIn.sum());
        totals.put("tokens_out", tokensOut.sum());
        totals.put("cost_usd", cost.sum());
        totals.put("credits", credits.sum());
        totals.put("savings_usd", savings.sum());
        long current = startOf(nowMs);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("totals", totals);
        Bucket last = live(current - BUCKET_MS);
        out.put("rps", last == null ? 0.0 : last.requests.sum() / (BUCKET_MS / 1000.0));
        long[] latency = new long[Bins.COUNT], ttft = new long[Bins.COUNT];
        List<Object> series = new ArrayList<>(BUCKETS);
        for (int i = BUCKETS - 1; i >= 0; i--) {
            long start = current - i * BUCKET_MS;
            Bucket b = live(start);
            Map<String, Object> point = new LinkedHashMap<>();
            point.put("t", start);
            point.put("requests", b == null ? 0 : b.requests.sum());
            point.put("errors", b == null ? 0 : b.errors.sum());
            point.put("tokens_in", b == null ? 0 : b.tokensIn.sum());
            point.put("tokens_out", b == null ? 0 : b.tokensOut.sum());
            point.put("cost_usd", b == null ? 0.0 : b.cost.sum());
            point.put("savings_usd", b == null ? 0.0 : b.savings.sum());
            series.add(point);
            if (b != null && start > current - PERCENTILE_WINDOW_MS) {
                Bins.addTo(b.latency, latency);
                Bins.addTo(b.ttft, ttft);
            }
        }
        out.put("latency_ms", percentiles(latency));
        out.put("ttft_ms", percentiles(ttft));
        out.put("series", series);
        return out;
    }

    /** The bucket holding the interval starting at {@code start}, or null when it holds another (nothing was recorded then). */
    private Bucket live(long start) {
        Bucket b = ring[(int) Math.floorMod(start / BUCKET_MS, (long) BUCKETS)];
        return b.start == start ? b : null;
    }

    private static Map<String, Object> percentiles(long[] bins) {
        long total = 0;
        for (long n : bins) total += n;
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("p50", Bins.quantile(bins, total, 0.50));
        p.put("p90", Bins.quantile(bins, total, 0.90));
        p.put("p99", Bins.quantile(bins, total, 0.99));
        return p;
    }
}
