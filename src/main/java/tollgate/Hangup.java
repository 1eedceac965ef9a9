package tollgate;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import sun.misc.Signal;
import tollgate.config.ConfigException;
import tollgate.log.Log;

/**
 * {@code SIGHUP} reloads the config (issue 13), as daemons do ({@code systemctl reload}), instead
 * of ending the process with status 129, the JVM's default. The JDK has no supported API for
 * signals; {@code sun.misc.Signal} ({@code jdk.unsupported}) is the one there is, and the JVM runs
 * each handler on a (platform) thread of its own, so a slow reload holds no signal.
 *
 * <p>Signals that come while a reload runs are coalesced ({@link #coalesced}): one more reload
 * follows, which reads the file as it is by then, and the rest return at once. Otherwise a burst
 * of {@code kill -HUP} (a script in a loop, several {@code systemctl reload}) would leave a
 * platform thread per signal waiting for the reload lock, each then reloading in turn.
 */
final class Hangup {
    private Hangup() { throw new AssertionError(); }

    /** From now on, {@code SIGHUP} runs {@link Gateway#reload}; its outcome is logged there. */
    static void reloads(Gateway gateway) {
        Runnable reload = coalesced(() -> {
            try {
                gateway.reload();
            } catch (ConfigException e) {
                // logged as config_reload_failed by the reload; the gateway goes on as it was
            } catch (RuntimeException e) {
                Log.error("config_reload_failed", "error", String.valueOf(e.getMessage()), "changed", "unknown");
            }
        });
        try {
            Signal.handle(new Signal("HUP"), signal -> {
                Log.info("reload_requested", "by", "SIGHUP");
                reload.run();
            });
        } catch (IllegalArgumentException e) {
            // No SIGHUP here (not a POSIX system), or the JVM keeps it (-Xrs): POST /admin/reload still works.
            Log.warn("sighup_not_handled", "reason", e.getMessage());
        }
    }

    /**
     * {@code reload}, run by at most one caller at a time and waited for by at most one more:
     * a call that finds another already waiting returns at once, since the waiting one's run
     * starts after it and so reads what it would have read. At most two threads are held.
     */
    static Runnable coalesced(Runnable reload) {
        ReentrantLock running = new ReentrantLock();
        AtomicBoolean waiting = new AtomicBoolean();
        return () -> {
            if (!waiting.compareAndSet(false, true)) return; // one is already waiting: it will do
            running.lock();
            try {
                waiting.set(false); // from here a new signal queues a further run
                reload.run();
            } finally {
                running.unlock();
            }
        };
    }
}
