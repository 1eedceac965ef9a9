package tollgate.voice;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;

/**
 * Open realtime sessions, in total and per client key, against {@code voice.max_sessions} and
 * {@code voice.max_sessions_per_key}. Lock-free; a key's counter is removed when its last session
 * ends, so the map holds only keys with sessions open.
 */
final class SessionCounts {
    private final int maxTotal;
    private final int maxPerKey;
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentHashMap<String, AtomicInteger> perKey = new ConcurrentHashMap<>();

    SessionCounts(int maxTotal, int maxPerKey) {
        this.maxTotal = maxTotal;
        this.maxPerKey = maxPerKey;
    }

    /** One open session; closing it gives its places back. */
    final class Slot implements AutoCloseable {
        private final String keyId;
        private boolean closed;

        private Slot(String keyId) { this.keyId = keyId; }

        @Override
        public void close() {
            if (closed) return;
            closed = true;
            total.decrementAndGet();
            perKey.computeIfPresent(keyId, (k, n) -> n.decrementAndGet() == 0 ? null : n);
        }
    }

    /**
     * Takes a place for a session of {@code keyId}.
     *
     * @throws GatewayException 503 when the gateway has {@code max_sessions} open, 429 when the key has its maximum
     */
    Slot open(String keyId) {
        if (total.incrementAndGet() > maxTotal) {
            total.decrementAndGet();
            throw new GatewayException(ErrorKind.GATEWAY_BUSY, "The gateway has its maximum of " + maxTotal
                    + " realtime sessions open; try again shortly.").withHeaders("retry-after", "1");
        }
        boolean[] refused = {false};
        perKey.compute(keyId, (k, n) -> {
            if (n == null) n = new AtomicInteger();
            if (n.get() >= maxPerKey) {
                refused[0] = true;
                return n.get() == 0 ? null : n;
            }
            n.incrementAndGet();
            return n;
        });
        if (refused[0]) {
            total.decrementAndGet();
            throw new GatewayException(ErrorKind.POLICY_RATE_LIMITED, "This key has its maximum of " + maxPerKey
                    + " concurrent realtime sessions open; end one first.").withHeaders("retry-after", "1");
        }
        return new Slot(keyId);
    }

    /** Sessions open now. */
    int total() { return total.get(); }
}
