package tollgate.metrics;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import tollgate.http.HttpCall;

/**
 * The last {@link #CAPACITY} requests for {@code GET /admin/requests}: a ring of entries made
 * once and overwritten in place, each under its own lock (a writer and a reader of the same
 * entry; writers of different requests never share one). An entry keeps references to values
 * the request already made (its id, the access-log fields) rather than copies, and never any
 * prompt or answer text.
 */
final class RecentRequests {
    static final int CAPACITY = 200;
    /** Longest model name kept, in chars: the access line clips it too, but later. */
    static final int MAX_MODEL_CHARS = 256;

    /** One request, overwritten by the request {@link #CAPACITY} later. */
    static final class Entry {
        final ReentrantLock lock = new ReentrantLock();
        long seq = -1;
        long endedMs;
        String requestId;
        String endpoint;
        String key;
        Object model;
        Object deployment;
        int status;
        boolean stream;
        Object tokensIn;
        Object tokensOut;
        Object cost;
        Object credits;
        long durationNanos;
        long ttftNanos;

        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("ts", Instant.ofEpochMilli(endedMs).toString());
            m.put("request_id", requestId);
            m.put("endpoint", endpoint);
            m.put("key", key);
            m.put("model", model);
            m.put("deployment", deployment);
            m.put("status", status);
            m.put("stream", stream);
            m.put("tokens_in", tokensIn instanceof Number n ? n.longValue() : 0L);
            m.put("tokens_out", tokensOut instanceof Number n ? n.longValue() : 0L);
            m.put("cost_usd", cost);
            m.put("credits", credits instanceof Number n ? n.longValue() : 0L);
            m.put("duration_ms", durationNanos / 1000 / 1000.0);
            m.put("ttft_ms", ttftNanos < 0 ? null : ttftNanos / 1000 / 1000.0);
            return m;
        }
    }

    private final Entry[] ring = new Entry[CAPACITY];
    private final AtomicLong next = new AtomicLong();

    RecentRequests() {
        for (int i = 0; i < CAPACITY; i++) ring[i] = new Entry();
    }

    /** Keeps {@code call}, which ended at {@code endedMs} with {@code status}; {@code ttftNanos} < 0: not streamed. */
    void add(HttpCall call, String endpoint, long endedMs, int status, long durationNanos, long ttftNanos) {
        long seq = next.getAndIncrement();
        Entry e = ring[(int) (seq % CAPACITY)];
        Object model = call.logField("model");
        if (model instanceof String s && s.length() > MAX_MODEL_CHARS) model = s.substring(0, MAX_MODEL_CHARS) + "…";
        Object stream = call.logField("stream");
        e.lock.lock();
        try {
            e.seq = seq;
            e.endedMs = endedMs;
            e.requestId = call.requestId();
            e.endpoint = endpoint;
            e.key = call.keyName();
            e.model = model instanceof String ? model : null;
            e.deployment = call.logField("deployment") instanceof String d ? d : null;
            e.status = status == 0 ? 499 : status; // nothing was sent: the client left first (nginx's 499)
            e.stream = stream instanceof Boolean b ? b : call.streamed();
            e.tokensIn = call.logField("prompt_tokens");
            e.tokensOut = call.logField("completion_tokens");
            e.cost = call.logField("cost"); // an exact JSON number, or null when unknown
            e.credits = call.logField("credits");
            e.durationNanos = durationNanos;
            e.ttftNanos = ttftNanos;
        } finally {
            e.lock.unlock();
        }
    }

    /** The newest {@code limit} entries, newest first. */
    List<Object> newest(int limit) {
        long last = next.get() - 1;
        List<Object> out = new ArrayList<>(Math.min(limit, CAPACITY));
        for (long seq = last; seq >= 0 && seq > last - Math.min(limit, CAPACITY); seq--) {
            Entry e = ring[(int) (seq % CAPACITY)];
            e.lock.lock();
            try {
                if (e.seq == seq) out.add(e.toJson()); // else already overwritten by a newer one
            } finally {
                e.lock.unlock();
            }
        }
        return out;
    }
}
