package tollgate.http;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Sends {@code : ping} SSE comments on streams that have been silent for the heartbeat
 * interval (e.g. while the upstream is still thinking). A comment line is ignored by SSE
 * clients (WHATWG HTML §9.2.6) but keeps proxies from timing the connection out, and a failed
 * write is how a client that went away is noticed — which cancels the upstream call.
 *
 * <p>One virtual thread for all streams, not one per stream.
 */
final class Heartbeats implements AutoCloseable {
    /** The finest tick, so that a short test interval does not spin. */
    static final Duration MIN_TICK = Duration.ofMillis(10);
    /** The coarsest tick, so that a long interval is still honoured within a second. */
    static final Duration MAX_TICK = Duration.ofSeconds(1);

    private final Set<SseWriter> streams = ConcurrentHashMap.newKeySet();
    private final long intervalNanos;
    private final Thread ticker;

    Heartbeats(Duration interval) {
        this.intervalNanos = interval.toNanos();
        long tickNanos = Math.clamp(intervalNanos / 4, MIN_TICK.toNanos(), MAX_TICK.toNanos());
        this.ticker = Thread.ofVirtual().name("tollgate-heartbeats").start(() -> loop(tickNanos));
    }

    void register(SseWriter w) { streams.add(w); }

    void unregister(SseWriter w) { streams.remove(w); }

    int active() { return streams.size(); }

    private void loop(long tickNanos) {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                Thread.sleep(Duration.ofNanos(tickNanos));
                for (SseWriter w : streams) {
                    // Each ping on its own short-lived virtual thread: a client that stopped
                    // reading blocks its ping's write, never this loop and the other streams.
                    if (w.idleFor(intervalNanos)) Thread.startVirtualThread(() -> ping(w));
                }
            }
        } catch (InterruptedException stop) {
            // close() was called.
        }
    }

    private void ping(SseWriter w) {
        try {
            w.pingIfIdle(intervalNanos);
        } catch (RuntimeException e) {
            streams.remove(w);
            tollgate.log.Log.error("heartbeat_failed", "exception", e.toString());
        }
    }

    @Override
    public void close() { ticker.interrupt(); }
}
