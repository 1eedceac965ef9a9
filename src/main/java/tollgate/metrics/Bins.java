package tollgate.metrics;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Log-linear bins of microseconds for the percentiles of {@code /admin/stats}: exact below 16 µs,
 * then 8 bins per power of two (a value is reported within 1/16 of itself, 6.25 %), up to
 * 2^41 µs (~25 days; longer lands in the last bin). 312 counters per window bucket, allocated
 * once: recording is one array increment.
 */
final class Bins {
    private Bins() { throw new AssertionError(); }

    /** Values below this many µs have a bin each. */
    static final int LINEAR = 16;
    /** Bins per power of two above {@link #LINEAR}. */
    static final int PER_OCTAVE = 8;
    /** Highest power of two binned. */
    static final int MAX_EXPONENT = 40;
    static final int COUNT = LINEAR + (MAX_EXPONENT - 3) * PER_OCTAVE;

    static int of(long micros) {
        if (micros < LINEAR) return (int) Math.max(0, micros);
        int e = 63 - Long.numberOfLeadingZeros(micros); // >= 4
        int sub = (int) ((micros >>> (e - 3)) & (PER_OCTAVE - 1));
        return Math.min(COUNT - 1, LINEAR + (e - 4) * PER_OCTAVE + sub);
    }

    /** The smallest value, in µs, of bin {@code i}. */
    static long lower(int i) {
        if (i < LINEAR) return i;
        int e = (i - LINEAR) / PER_OCTAVE + 4;
        int sub = (i - LINEAR) % PER_OCTAVE;
        return (long) (PER_OCTAVE + sub) << (e - 3);
    }

    /** The middle of bin {@code i}, in milliseconds: what a percentile falling in it is reported as. */
    static double middleMillis(int i) {
        if (i < LINEAR) return i / 1000.0;
        return (lower(i) + lower(i + 1)) / 2 / 1000.0;
    }

    /**
     * The {@code p}-quantile (0-1) of the summed bins, in ms, by the nearest-rank method; null
     * when there are no values.
     */
    static Double quantile(long[] summed, long total, double p) {
        if (total == 0) return null;
        long rank = Math.max(1, (long) Math.ceil(p * total));
        long seen = 0;
        for (int i = 0; i < summed.length; i++) {
            seen += summed[i];
            if (seen >= rank) return Math.round(middleMillis(i) * 1000) / 1000.0;
        }
        return Math.round(middleMillis(summed.length - 1) * 1000) / 1000.0;
    }

    static void addTo(AtomicLongArray bins, long[] sum) {
        for (int i = 0; i < sum.length; i++) sum[i] += bins.get(i);
    }
}
