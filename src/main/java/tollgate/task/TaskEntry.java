package tollgate.task;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import tollgate.call.Cancellation;

/**
 * One task while the gateway runs: what the index needs without reading its file (owner, order,
 * status), the tail of its events log, and its run's handle. Every change of the task's file or
 * events happens under {@link #lock}; {@link #changed} is signalled after each, which is what
 * event followers wait on (no polling).
 */
final class TaskEntry {
    final String id;
    final String keyId;
    final long createdMs;
    final ReentrantLock lock = new ReentrantLock();
    final Condition changed = lock.newCondition();

    // Under lock; volatile where read without it (listing, counting, sweeps).
    volatile TaskStatus status;
    volatile long endedMs;
    volatile long approvalExpiresMs;
    /** The task as last written, while it has not ended (an ended task is read from its file). */
    Task live;
    /** Id of the last event written (events are numbered from 1). */
    long lastEventId;
    /** Length of the events log up to its last complete event. */
    long eventBytes;
    /** Progress events were dropped past {@link TaskEvents#MAX_PROGRESS_BYTES} (said once). */
    boolean progressTruncated;
    /** The running run's cancellation, or null when it is not running here. */
    Cancellation running;
    /** A client asked to cancel it while it ran. */
    boolean cancelRequested;
    /** The gateway is shutting down: event followers end (they resume with Last-Event-ID). */
    volatile boolean closing;

    TaskEntry(String id, String keyId, long createdMs, TaskStatus status) {
        this.id = id;
        this.keyId = keyId;
        this.createdMs = createdMs;
        this.status = status;
    }

    /** Wakes everyone waiting on this task (followers, a cancel waiting for the run to stop). */
    void signal() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
