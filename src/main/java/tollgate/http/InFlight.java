package tollgate.http;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import tollgate.error.GatewayException;
import tollgate.log.Log;

/**
 * Every exchange in progress, and the one virtual thread that watches them all (no thread or
 * timer per request). Each tick it:
 * <ul>
 *   <li>cuts writes to clients that have blocked longer than the write timeout
 *       ({@link WriteGuard}): a client that stopped reading a stream holds nothing for long;</li>
 *   <li>sends {@code : ping} comments on streams silent for the heartbeat interval: a comment
 *       line is ignored by SSE clients (WHATWG HTML §9.2.6) but keeps proxies from timing the
 *       connection out, and a failed write is how a client that went away is noticed while the
 *       upstream is still thinking, which cancels the upstream call.</li>
 * </ul>
 * At shutdown it {@linkplain #cutAll ends} what is still running at the drain deadline.
 */
final class InFlight implements AutoCloseable {
    /** The finest tick, so that a short test interval does not spin. */
    static final Duration MIN_TICK = Duration.ofMillis(10);
    /** The coarsest tick, so that a long interval is still honoured within a second. */
    static final Duration MAX_TICK = Duration.ofSeconds(1);

    private final Set<HttpCall> calls = ConcurrentHashMap.newKeySet();
    private final long heartbeatNanos;
    private final long writeTimeoutNanos;
    private final Thread ticker;

    InFlight(Duration heartbeat, Duration writeTimeout) {
        this.heartbeatNanos = heartbeat.toNanos();
        this.writeTimeoutNanos = writeTimeout.toNanos();
        long tickNanos = Math.clamp(Math.min(heartbeatNanos, writeTimeoutNanos) / 4, MIN_TICK.toNanos(), MAX_TICK.toNanos());
        this.ticker = Thread.ofVirtual().name("tollgate-in-flight").start(() -> loop(tickNanos));
    }

    void add(HttpCall call) { calls.add(call); }

    void remove(HttpCall call) { calls.remove(call); }

    /** Exchanges in progress. */
    int size() { return calls.size(); }

    /** Streams open. */
    int streams() {
        int n = 0;
        for (HttpCall c : calls) if (c.sse() != null) n++;
        return n;
    }

    /**
     * Ends every exchange still running (the drain deadline): each gets {@code reason}, as an
     * error event if its stream has started, else as its HTTP answer once its upstream call has
     * been cancelled.
     */
    void cutAll(GatewayException reason) {
        for (HttpCall c : calls) c.abort(reason);
    }

    private void loop(long tickNanos) {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                Thread.sleep(Duration.ofNanos(tickNanos));
                long now = System.nanoTime();
                for (HttpCall c : calls) {
                    if (c.writes().cutIfStuck(now, writeTimeoutNanos)) {
                        c.log("write_timeout", true);
                        continue;
                    }
                    SseWriter w = c.sse();
                    // Each ping on its own short-lived virtual thread: a client that stopped
                    // reading blocks its ping's write, never this loop and the other streams.
                    if (w != null && w.idleFor(heartbeatNanos)) Thread.startVirtualThread(() -> ping(c, w));
                }
            }
        } catch (InterruptedException stop) {
            // close() was called.
        }
    }

    private void ping(HttpCall c, SseWriter w) {
        try {
            w.pingIfIdle(heartbeatNanos);
        } catch (RuntimeException e) {
            Log.error("heartbeat_failed", "request_id", c.requestId(), "exception", e.toString());
        }
    }

    @Override
    public void close() { ticker.interrupt(); }
}
