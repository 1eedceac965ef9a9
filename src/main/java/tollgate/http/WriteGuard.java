package tollgate.http;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * The write-progress timeout of one exchange: a write to the client that blocks longer than the
 * timeout (the client stopped reading; its receive window and our send buffer are full) is cut.
 *
 * <p>How it is cut: {@code com.sun.net.httpserver} gives a handler no access to its socket, but
 * its writes end in a blocking {@code SocketChannel.write}, and a thread interrupted while blocked
 * on an interruptible channel closes the channel and gets {@code ClosedByInterruptException}
 * ({@code java.nio.channels.InterruptibleChannel}). So the {@link InFlight} ticker
 * {@linkplain #cutIfStuck interrupts} the writing thread; the write fails, the exchange is dead,
 * and the caller treats it as a client that went away (the upstream call is cancelled).
 *
 * <pre>
 *   IDLE ──begin()──▶ WRITING(since) ──end()──▶ IDLE
 *                          │
 *                          └── stuck for the timeout: cutIfStuck() ──▶ CUT (for good; the writer is interrupted)
 * </pre>
 *
 * The state and the interrupt change under one small lock, and {@link #end} clears the interrupt
 * under it too, so an interrupt never outlives the write it was meant for.
 */
final class WriteGuard {
    private static final long IDLE = 0;
    private static final long CUT = -1;

    private final AtomicLong since = new AtomicLong(IDLE); // start of the write in progress (never 0 or -1)
    private final ReentrantLock lock = new ReentrantLock();
    private final LongSupplier nanoClock;
    private Thread writer;

    WriteGuard(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /** Before a write that may block. Returns false if the exchange was cut (do not write). */
    boolean begin() {
        lock.lock();
        try {
            if (since.get() == CUT) return false;
            long now = nanoClock.getAsLong();
            writer = Thread.currentThread();
            since.set(now == IDLE || now == CUT ? 1 : now);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** After the write returned or failed. Returns false if it was cut meanwhile. */
    boolean end() {
        lock.lock();
        try {
            writer = null;
            if (since.get() == CUT) {
                Thread.interrupted(); // the cut's interrupt was for this write only
                return false;
            }
            since.set(IDLE);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Whether the exchange was cut. */
    boolean cut() { return since.get() == CUT; }

    /** Called by the ticker: cuts a write in progress for longer than {@code timeoutNanos}. */
    boolean cutIfStuck(long now, long timeoutNanos) {
        long s = since.get();
        if (s == IDLE || s == CUT || now - s < timeoutNanos) return false;
        lock.lock();
        try {
            if (since.get() != s) return false; // it finished, or another write began
            since.set(CUT);
            if (writer != null) writer.interrupt();
            return true;
        } finally {
            lock.unlock();
        }
    }
}
