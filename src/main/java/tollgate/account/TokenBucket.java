package tollgate.account;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A per-minute limit as a token bucket of {@code limit} units that refills continuously over a
 * minute, kept as one number: the generic cell rate algorithm's "theoretical arrival time"
 * ({@code tat}, ITU-T I.371), the moment the bucket would be full again. Taking {@code n} units
 * moves it {@code n} emission intervals later; it is refused when that would put it more than
 * a window ahead of now. One compare-and-set per take, no lock, no timer thread.
 *
 * <p>The remaining units and the time until the bucket is full again are what OpenAI's
 * {@code x-ratelimit-remaining-*} and {@code x-ratelimit-reset-*} headers report.
 */
public final class TokenBucket {
    /** The window the limit is per, in nanoseconds. */
    public static final long WINDOW_NANOS = 60_000_000_000L;

    private final long limit;
    /** Nanoseconds one unit takes to refill. */
    private final double interval;
    private final AtomicLong tat;

    /** A full bucket of {@code limit} units a minute (≥ 1) at {@code now} (nanoseconds of a monotonic clock). */
    public TokenBucket(long limit, long now) {
        if (limit < 1) throw new IllegalArgumentException("limit " + limit);
        this.limit = limit;
        this.interval = (double) WINDOW_NANOS / limit;
        this.tat = new AtomicLong(now);
    }

    public long limit() { return limit; }

    /**
     * Takes {@code n} units now if the bucket holds them.
     *
     * @return 0 when taken, else the nanoseconds until they could be (≥ 1)
     */
    public long take(long n, long now) {
        long cost = units(n);
        while (true) {
            long t = tat.get();
            long next = Math.max(t, now) + cost;
            long over = next - now - WINDOW_NANOS;
            if (over > 0) return over;
            if (tat.compareAndSet(t, next)) return 0;
        }
    }

    /**
     * Corrects an earlier take by {@code delta} units once the real amount is known: more (the
     * bucket may go below empty, so that the next requests wait) or fewer (given back, never
     * beyond full).
     */
    public void adjust(long delta, long now) {
        if (delta == 0) return;
        long cost = units(Math.abs(delta));
        while (true) {
            long t = tat.get();
            long next = delta > 0 ? Math.max(t, now) + cost : Math.max(now, t - cost);
            if (t <= now && delta < 0) return; // already full
            if (tat.compareAndSet(t, next)) return;
        }
    }

    /** Units that could be taken now (0 to limit). */
    public long remaining(long now) {
        long ahead = Math.max(0, tat.get() - now);
        return Math.max(0, Math.min(limit, (long) ((WINDOW_NANOS - ahead) / interval)));
    }

    /** Nanoseconds until the bucket is full again (0: it is). */
    public long resetNanos(long now) {
        return Math.max(0, tat.get() - now);
    }

    private long units(long n) {
        double ns = n * interval;
        return ns >= Long.MAX_VALUE / 4 ? Long.MAX_VALUE / 4 : (long) Math.ceil(ns);
    }
}
