package tollgate.memory;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The gateway's one in-flight memory budget, in bytes of heap: what requests may hold at once
 * beyond the fixed cost of their connections. Every variable-size thing a request holds is
 * reserved here <em>before</em> it is allocated: request bodies as their bytes arrive and again
 * as the parsed tree is built, upstream bodies as they arrive, large stream events. A
 * reservation that does not fit fails at once with a 503 and {@code retry-after}
 * ({@link BudgetExceededException}); nothing waits, and the JVM never meets an
 * {@link OutOfMemoryError} because of what clients or upstreams send.
 *
 * <p>Why one global budget and not a limit per request: a limit per request is not a limit (four
 * thousand half-sent requests, or three 50 MB answers at once, each under its own cap, exhausted
 * the heap). The budget counts live data only; garbage and the connections' own buffers are what
 * the rest of the heap is for (see {@code ServerConfig#memoryBudgetBytes}).
 *
 * <p>Thread-safe and lock-free: one {@link AtomicLong}, a few compare-and-set operations per
 * request.
 */
public final class MemoryBudget {
    /** Seconds a client is told to wait ({@code retry-after}) when the budget is full. */
    public static final int RETRY_AFTER_SECONDS = 1;

    private final long limit;
    private final AtomicLong used = new AtomicLong();

    /** @param limitBytes the most bytes reserved at once; positive */
    public MemoryBudget(long limitBytes) {
        if (limitBytes <= 0) throw new IllegalArgumentException("memory budget must be positive: " + limitBytes);
        this.limit = limitBytes;
    }

    /** A budget that never refuses (tests, tools). */
    public static MemoryBudget unlimited() { return new MemoryBudget(Long.MAX_VALUE / 4); }

    /** A new, empty reservation for one request; close it when the request ends. */
    public Reservation open() { return new Reservation(this); }

    public long limit() { return limit; }

    /** Bytes reserved now, by all requests. */
    public long used() { return used.get(); }

    /** Takes {@code bytes} if they fit under the limit; all or nothing. */
    boolean tryTake(long bytes) {
        while (true) {
            long u = used.get();
            long next = u + bytes;
            if (next > limit) return false;
            if (used.compareAndSet(u, next)) return true;
        }
    }

    void give(long bytes) { used.addAndGet(-bytes); }
}
