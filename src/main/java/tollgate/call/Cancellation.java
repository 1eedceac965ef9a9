package tollgate.call;

import java.util.concurrent.locks.ReentrantLock;

/**
 * Aborts one call's upstream wait from another thread: a failed write to the client (a
 * heartbeat or a chunk) that shows the client has gone. A provider {@link #onCancel registers} what unblocks it (closing the
 * upstream body stream, cancelling the pending response future) before it blocks; the action
 * runs at most once, at {@link #cancel()} or at once if cancel already happened.
 */
public final class Cancellation {
    private final ReentrantLock lock = new ReentrantLock();
    private Runnable action;
    private boolean cancelled;

    /** Replaces the action to run on cancel; runs it now if already cancelled. */
    public void onCancel(Runnable newAction) {
        boolean runNow;
        lock.lock();
        try {
            runNow = cancelled;
            action = runNow ? null : newAction;
        } finally {
            lock.unlock();
        }
        if (runNow) newAction.run();
    }

    /** Cancels once; later calls do nothing. */
    public void cancel() {
        Runnable toRun;
        lock.lock();
        try {
            if (cancelled) return;
            cancelled = true;
            toRun = action;
            action = null;
        } finally {
            lock.unlock();
        }
        if (toRun != null) toRun.run();
    }

    public boolean isCancelled() {
        lock.lock();
        try {
            return cancelled;
        } finally {
            lock.unlock();
        }
    }
}
