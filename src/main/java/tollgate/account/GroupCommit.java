package tollgate.account;

import java.io.IOException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Leader/follower group commit for one file ({@link Journal}'s): the offset up to which the file
 * is durable, whether an fsync is running, and the first failure. An appender that needs its
 * record durable calls {@link #awaitDurable}: if an fsync is running it waits for it; if that
 * one did not cover its record (it began before the record was written) and none is running, it
 * leads the next itself, for everything written so far. Under load one fsync thus covers many
 * records; when idle a lone record is fsynced at once by its own thread, with no hand-off.
 *
 * <p>A failed fsync fails the commit for good, and is never retried: after a failed fsync the
 * kernel may have dropped the dirty pages, and a retry that "succeeds" would hide the loss. Waits
 * are uninterruptible (the interrupt status is kept) and use {@link ReentrantLock} (virtual
 * threads unmount while they wait); the lock is never held across I/O.
 */
final class GroupCommit {
    /** Makes the file durable up to what was written when it began. */
    @FunctionalInterface
    interface Fsync {
        void run() throws IOException;
    }

    private final Fsync fsync;
    private final LongSupplier written;
    private final Consumer<Throwable> firstFailure;
    private final Supplier<RuntimeException> failed;

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when an fsync ends (or the commit fails): waiters re-check. */
    private final Condition ended = lock.newCondition();
    /** Offset up to which the file is durable. Under lock. */
    private long synced;
    /** True while a leader is in fsync. Under lock. */
    private boolean syncing;
    /** Set once, under lock, by the first failure; read without it too. */
    private volatile IOException failure;
    private volatile long commits;

    /**
     * @param synced       the offset already durable
     * @param written      the end of what is written now (read by each leader before its fsync)
     * @param firstFailure told of the first failure, once, outside the lock (to log it)
     * @param failed       the exception an appender gets once the commit has failed
     */
    GroupCommit(long synced, Fsync fsync, LongSupplier written, Consumer<Throwable> firstFailure,
                Supplier<RuntimeException> failed) {
        this.synced = synced;
        this.fsync = fsync;
        this.written = written;
        this.firstFailure = firstFailure;
        this.failed = failed;
    }

    /** Returns once the file is durable up to {@code end}, leading fsyncs as needed; throws {@code failed} after a failure. */
    void awaitDurable(long end) {
        while (true) {
            lock.lock();
            try {
                while (synced < end && syncing && failure == null) ended.awaitUninterruptibly();
                // Durable before any failure: it stays durable, the append succeeded.
                if (synced >= end) return;
                if (failure != null) throw failed.get();
                syncing = true; // no fsync in progress: lead one
            } finally {
                lock.unlock();
            }
            lead();
        }
    }

    /**
     * The leader's fsync: everything written before it starts (at least the leader's own record)
     * becomes durable. Writers are not held up by it; it covers only what was written before it
     * began, which is why the target is read first.
     */
    private void lead() {
        long target = written.getAsLong();
        Throwable error = null;
        try {
            fsync.run();
        } catch (IOException | RuntimeException | Error e) {
            error = e;
        }
        boolean first = false;
        lock.lock();
        try {
            syncing = false;
            if (error == null) {
                synced = Math.max(synced, target);
                commits++;
            } else {
                // In the same critical section as syncing = false: a waiter woken now must see
                // the failure, not take the lead and retry the fsync.
                first = setFailure(error);
            }
            ended.signalAll();
        } finally {
            lock.unlock();
        }
        if (error != null) {
            if (first) firstFailure.accept(error);
            if (error instanceof RuntimeException re) throw re;
            if (error instanceof Error err) throw err;
        }
    }

    /** Fails the commit for good (a failed write: first failure wins), wakes every waiter. */
    void fail(Throwable cause) {
        boolean first;
        lock.lock();
        try {
            first = setFailure(cause);
            ended.signalAll();
        } finally {
            lock.unlock();
        }
        if (first) firstFailure.accept(cause);
    }

    /** Records the first failure; true if this was it. Under lock. */
    private boolean setFailure(Throwable cause) {
        if (failure != null) return false;
        failure = cause instanceof IOException io ? io : new IOException("journal I/O failed: " + cause, cause);
        return true;
    }

    /** The first failure, or null. */
    IOException failure() { return failure; }

    /** Returns once no leader is in fsync (before the file's descriptor may be closed). */
    void awaitIdle() {
        lock.lock();
        try {
            while (syncing) ended.awaitUninterruptibly();
        } finally {
            lock.unlock();
        }
    }

    /** Fsyncs done. */
    long commits() { return commits; }
}
