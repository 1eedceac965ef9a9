package tollgate.call;

/**
 * Where the gateway reads time: injected into whatever measures or waits (backoff, circuit
 * breakers, latency tracking), so that tests drive time by hand instead of sleeping.
 *
 * <p>Contract: {@link #nanos()} is monotonic (never goes back; only differences mean anything,
 * like {@link System#nanoTime()}); {@link #millis()} is wall-clock epoch milliseconds;
 * {@link #sleep(long)} waits at least the given nanoseconds or until interrupted. All three are
 * safe to call from any thread.
 */
public interface Clock {
    /** Monotonic nanoseconds. */
    long nanos();

    /** Wall-clock milliseconds since the epoch. */
    long millis();

    /** Blocks the calling (virtual) thread for {@code nanos}; a manual clock advances instead. */
    void sleep(long nanos) throws InterruptedException;

    /** The machine's clocks. */
    Clock SYSTEM = new Clock() {
        @Override public long nanos() { return System.nanoTime(); }
        @Override public long millis() { return System.currentTimeMillis(); }
        @Override public void sleep(long nanos) throws InterruptedException {
            if (nanos > 0) Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
        }
    };
}
