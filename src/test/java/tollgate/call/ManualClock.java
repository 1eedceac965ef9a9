package tollgate.call;

import java.util.concurrent.atomic.AtomicLong;

/** A {@link Clock} that moves only when told to (or when something sleeps on it): tests without sleeps. */
public final class ManualClock implements Clock {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final AtomicLong millis = new AtomicLong(1_767_225_600_000L); // 2026-01-01T00:00:00Z
    private final AtomicLong slept = new AtomicLong();

    @Override public long nanos() { return nanos.get(); }
    @Override public long millis() { return millis.get(); }

    /** Advances both clocks by {@code n} nanoseconds instead of waiting, and records it. */
    @Override public void sleep(long n) {
        if (n <= 0) return;
        slept.addAndGet(n);
        advanceNanos(n);
    }

    public void advanceMillis(long ms) { advanceNanos(ms * 1_000_000L); }

    public void advanceNanos(long n) {
        nanos.addAndGet(n);
        millis.addAndGet(n / 1_000_000L);
    }

    /** Total nanoseconds callers asked to sleep. */
    public long slept() { return slept.get(); }
}
