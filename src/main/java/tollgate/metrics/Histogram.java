package tollgate.metrics;

import java.util.concurrent.atomic.LongAdder;

/**
 * A Prometheus histogram with fixed buckets: one {@link LongAdder} per bucket (not cumulative
 * while recording: one increment per observation), summed into the cumulative {@code le}
 * buckets when rendered, so that {@code +Inf} always equals {@code _count}. Observations are in
 * nanoseconds, rendered in seconds (Prometheus' base unit).
 */
final class Histogram {
    /** Request duration and time to first token, seconds: Prometheus' default buckets, then a model's long answers. */
    static final double[] LATENCY_SECONDS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};
    /** Ledger fsync, seconds: from a fast NVMe (~100 µs) to a stalled disk. */
    static final double[] FSYNC_SECONDS = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1};

    private final long[] upperNanos;
    private final String[] le;
    /** One per bucket, the last for observations above every bound ({@code +Inf}). */
    private final LongAdder[] counts;
    private final LongAdder sumNanos = new LongAdder();

    Histogram(double[] boundsSeconds) {
        upperNanos = new long[boundsSeconds.length];
        le = new String[boundsSeconds.length + 1];
        counts = new LongAdder[boundsSeconds.length + 1];
        for (int i = 0; i < boundsSeconds.length; i++) {
            upperNanos[i] = Math.round(boundsSeconds[i] * 1e9);
            le[i] = java.math.BigDecimal.valueOf(boundsSeconds[i]).stripTrailingZeros().toPlainString(); // 0.0001, not 1.0E-4
        }
        le[boundsSeconds.length] = "+Inf";
        for (int i = 0; i < counts.length; i++) counts[i] = new LongAdder();
    }

    /** Counts one observation of {@code nanos} (negative counts as 0). */
    void observe(long nanos) {
        long v = Math.max(0, nanos);
        int i = 0;
        while (i < upperNanos.length && v > upperNanos[i]) i++; // le: "less than or equal"
        counts[i].increment();
        sumNanos.add(v);
    }

    /** Observations so far. */
    long count() {
        long n = 0;
        for (LongAdder c : counts) n += c.sum();
        return n;
    }

    /** The family's samples for one label set ({@code labels} as {@link Exposition#labels} makes them). */
    void render(Exposition out, String name, String labels) {
        String bucket = name + "_bucket";
        long cumulative = 0;
        for (int i = 0; i < counts.length; i++) {
            cumulative += counts[i].sum();
            out.sample(bucket, labels, "le", le[i], cumulative);
        }
        out.sample(name + "_sum", labels, sumNanos.sum() / 1e9);
        out.sample(name + "_count", labels, cumulative);
    }
}
