package tollgate;

import sun.misc.Signal;
import tollgate.config.ConfigException;
import tollgate.log.Log;

/**
 * {@code SIGHUP} reloads the config (issue 13), as daemons do ({@code systemctl reload}), instead
 * of ending the process with status 129, the JVM's default. The JDK has no supported API for
 * signals; {@code sun.misc.Signal} ({@code jdk.unsupported}) is the one there is, and the JVM runs
 * each handler on a thread of its own, so a slow reload holds no signal.
 */
final class Hangup {
    private Hangup() { throw new AssertionError(); }

    /** From now on, {@code SIGHUP} runs {@link Gateway#reload}; its outcome is logged there. */
    static void reloads(Gateway gateway) {
        try {
            Signal.handle(new Signal("HUP"), signal -> {
                Log.info("reload_requested", "by", "SIGHUP");
                try {
                    gateway.reload();
                } catch (ConfigException e) {
                    // logged as config_reload_failed by the reload; the gateway goes on as it was
                } catch (RuntimeException e) {
                    Log.error("config_reload_failed", "error", String.valueOf(e.getMessage()), "changed", "unknown");
                }
            });
        } catch (IllegalArgumentException e) {
            // No SIGHUP here (not a POSIX system), or the JVM keeps it (-Xrs): POST /admin/reload still works.
            Log.warn("sighup_not_handled", "reason", e.getMessage());
        }
    }
}
