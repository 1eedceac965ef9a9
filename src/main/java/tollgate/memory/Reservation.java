package tollgate.memory;

import java.util.concurrent.atomic.AtomicLong;
import tollgate.json.JsonMeter;

/**
 * What one request holds of the {@link MemoryBudget}. Grows with {@link #reserve} before the
 * request allocates, shrinks with {@link #release} when something it held becomes garbage, and
 * gives everything back at {@link #close()} (the request's end, whatever way it ends).
 *
 * <p>Used by the request's thread and, for an upstream body gathered on the HTTP client's thread,
 * by that thread while the request's thread waits; the count is atomic so either may call.
 * Also a {@link JsonMeter}: a parse charges the tree it builds as it builds it.
 */
public final class Reservation implements AutoCloseable, JsonMeter {
    private final MemoryBudget budget;
    private final AtomicLong held = new AtomicLong();

    Reservation(MemoryBudget budget) {
        this.budget = budget;
    }

    /**
     * Reserves {@code bytes} more.
     *
     * @throws BudgetExceededException if they do not fit in the budget now (nothing is taken)
     */
    public void reserve(long bytes) {
        if (bytes <= 0) return;
        if (!budget.tryTake(bytes)) throw new BudgetExceededException(bytes, budget);
        held.addAndGet(bytes);
    }

    /** Gives back {@code bytes} (at most what is held). */
    public void release(long bytes) {
        if (bytes <= 0) return;
        while (true) {
            long h = held.get();
            long n = Math.min(h, bytes);
            if (n == 0) return;
            if (held.compareAndSet(h, h - n)) {
                budget.give(n);
                return;
            }
        }
    }

    @Override
    public void charge(long bytes) { reserve(bytes); }

    /** Bytes held now. */
    public long held() { return held.get(); }

    /** Gives everything back; safe to call more than once. */
    @Override
    public void close() {
        long h = held.getAndSet(0);
        if (h > 0) budget.give(h);
    }
}
