package tollgate.metrics;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A deadline for one blocking write on the calling thread: past it the thread is interrupted.
 * {@code com.sun.net.httpserver} gives a handler no socket to time out, but its writes end in a
 * blocking {@code SocketChannel.write}, and an interrupt closes an interruptible channel under a
 * blocked writer ({@code java.nio.channels.InterruptibleChannel}), so the write fails at once.
 * The main listener does this with {@code http.WriteGuard}; this is the small version for the
 * metrics listener, whose handler thread ends with the exchange (one virtual thread per
 * exchange), so an interrupt that arrives as the write completes dies with that thread.
 */
final class WriteDeadline implements AutoCloseable {
    /** Set once, by whichever comes first: the end of the write or the deadline. */
    private final AtomicBoolean over = new AtomicBoolean();
    private volatile boolean cut;
    private final Thread timer;

    /** Starts the deadline for the calling thread. */
    WriteDeadline(Duration timeout) {
        Thread writer = Thread.currentThread();
        timer = Thread.ofVirtual().name("tollgate-metrics-deadline").start(() -> {
            try {
                Thread.sleep(timeout);
            } catch (InterruptedException done) {
                return; // the write finished in time
            }
            if (over.compareAndSet(false, true)) {
                cut = true;
                writer.interrupt();
            }
        });
    }

    /** Whether the deadline passed and the writer was (or is being) interrupted. */
    boolean passed() { return cut; }

    /** Ends the deadline once the write returned or failed. */
    @Override
    public void close() {
        if (over.compareAndSet(false, true)) timer.interrupt();
        else Thread.interrupted(); // the interrupt was for the write that just ended
    }
}
