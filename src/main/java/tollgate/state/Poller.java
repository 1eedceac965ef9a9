package tollgate.state;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import tollgate.log.Log;

/**
 * One virtual thread that makes a Redis round trip every interval until closed: the shared
 * breakers' (route) and the shared tasks' inbox and leases (task), issue 14. A round trip that
 * finds Redis unreachable ({@link RedisException}) is skipped without a word: {@link SharedState}
 * already logs {@code state_degraded}, and the next tick tries again. Any other failure is logged
 * under the poller's event and the loop goes on, so that one bad reply never stops the sharing.
 * {@link #wake} makes the next round trip now rather than at the next tick.
 */
public final class Poller implements AutoCloseable {
    /** One round trip. */
    @FunctionalInterface
    public interface Poll {
        void poll() throws RedisException;
    }

    /** How long {@link #close} waits for a round trip under way, in intervals. */
    static final int CLOSE_WAIT_INTERVALS = 4;

    private final Thread thread;
    private final long intervalMs;
    private final String failedEvent;
    private final Poll poll;
    private volatile boolean closed;

    /**
     * @param name        the thread's name
     * @param intervalMs  the time between round trips, in milliseconds
     * @param failedEvent the log event of a failure other than Redis being unreachable
     */
    public Poller(String name, long intervalMs, String failedEvent, Poll poll) {
        this.intervalMs = intervalMs;
        this.failedEvent = failedEvent;
        this.poll = poll;
        this.thread = Thread.ofVirtual().name(name).unstarted(this::run);
    }

    /** Starts polling. */
    public void start() { thread.start(); }

    /** Makes the next round trip now (a change to publish) rather than at the next tick. */
    public void wake() { LockSupport.unpark(thread); }

    private void run() {
        while (!closed) {
            try {
                poll.poll();
            } catch (RedisException e) {
                // Unreachable: SharedState says so (state_degraded); the next tick tries again.
            } catch (RuntimeException e) {
                Log.warn(failedEvent, "error", String.valueOf(e.getMessage()));
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(intervalMs));
        }
    }

    /** Stops polling: waits at most {@link #CLOSE_WAIT_INTERVALS} intervals for a round trip under way. */
    @Override
    public void close() {
        closed = true;
        wake();
        try {
            thread.join(intervalMs * CLOSE_WAIT_INTERVALS); // returns at once when it never started
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
