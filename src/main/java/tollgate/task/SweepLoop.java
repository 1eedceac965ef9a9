package tollgate.task;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Runs a sweep every {@code every} on one virtual thread until {@link #stop}: the thread waits
 * on a condition rather than sleeping, so that a stop ends it at once instead of a period later.
 * Split from {@link Tasks}, whose periodic sweep (expired approvals, retention) it runs.
 */
final class SweepLoop {
    private final Duration every;
    private final Runnable sweep;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition stopped = lock.newCondition();
    private boolean stopping;

    SweepLoop(Duration every, Runnable sweep) {
        this.every = every;
        this.sweep = sweep;
    }

    /** Starts the thread, named {@code name}; the first sweep is one period from now. */
    void start(String name) {
        Thread.ofVirtual().name(name).start(this::run);
    }

    /** Ends the thread (a sweep under way finishes first); no sweep starts after this returns. */
    void stop() {
        lock.lock();
        try {
            stopping = true;
            stopped.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        while (true) {
            lock.lock();
            try {
                long left = every.toNanos();
                while (!stopping && left > 0) left = stopped.awaitNanos(left);
                if (stopping) return;
            } catch (InterruptedException interrupted) {
                return;
            } finally {
                lock.unlock();
            }
            sweep.run();
        }
    }
}
