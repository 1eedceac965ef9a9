package tollgate.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import tollgate.agent.ApprovalFiles.Meta;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.log.Log;
import tollgate.state.Redis;
import tollgate.state.RedisException;
import tollgate.state.Script;
import tollgate.state.SharedState;

/**
 * Paused executions in Redis (issue 14, "an approval paused on one resumes on the other"), so that
 * {@code POST /v1/chat/resume} works on any replica; {@link Approvals} keeps its files as well
 * (the durable copy, and what serves when Redis is unreachable). Keys, an approval's in one hash
 * slot:
 * <pre>
 *   &lt;prefix&gt;ap:{&lt;approval id&gt;}          hash: key (key id), exp (expiry, epoch ms), body (the
 *                                     waiting file's content); PX = time to expiry + {@link Approvals#GRACE}
 *   &lt;prefix&gt;ap:{&lt;approval id&gt;}:claimed  hash: key, at (claim time, epoch ms, the server's clock); PX = GRACE
 * </pre>
 * A claim is one script ({@link #CLAIM}): of any number of claims on any replicas exactly one
 * finds the waiting hash and deletes it, leaving the claimed marker for the 409s. Expiry is
 * judged by the server's clock ({@code TIME}), so that replicas with skewed clocks agree.
 */
final class SharedApprovals {
    /**
     * Largest paused execution put in Redis, in bytes: a larger one (base64 images in the
     * conversation) stays in this replica's file only and is resumed here, so that Redis keeps
     * small values and every reply stays under the client's cap.
     */
    static final int MAX_SHARED_BYTES = 4 * 1024 * 1024;

    /** KEYS[1] the waiting hash; ARGV key id, expiry ms, body, time to live ms. */
    static final Script PUT = Script.of("approval_put", """
            redis.call('HSET', KEYS[1], 'key', ARGV[1], 'exp', ARGV[2], 'body', ARGV[3])
            redis.call('PEXPIRE', KEYS[1], ARGV[4])
            return 1
            """);

    /**
     * KEYS[1] the waiting hash, KEYS[2] the claimed marker; ARGV key id, grace ms. Answers
     * {@code {'claimed', body}}, {@code {'used', at}}, {@code {'expired', exp}}, {@code {'other'}}
     * (another key's: 404) or {@code {'none'}} (not in Redis: the local file decides).
     */
    static final Script CLAIM = Script.of("approval_claim", """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local w = redis.call('HMGET', KEYS[1], 'key', 'exp')
            if w[1] then
              if w[1] ~= ARGV[1] then return {'other'} end
              if now > tonumber(w[2]) then return {'expired', w[2]} end
              local body = redis.call('HGET', KEYS[1], 'body')
              redis.call('DEL', KEYS[1])
              redis.call('HSET', KEYS[2], 'key', w[1], 'at', tostring(now))
              redis.call('PEXPIRE', KEYS[2], ARGV[2])
              return {'claimed', body}
            end
            local c = redis.call('HMGET', KEYS[2], 'key', 'at')
            if c[1] then
              if c[1] ~= ARGV[1] then return {'other'} end
              return {'used', c[2]}
            end
            return {'none'}
            """);

    /** What a claim in Redis found. */
    enum Found { CLAIMED, USED, EXPIRED, OTHER, NONE }

    /** A claim's answer: {@code value} is the body (CLAIMED), the claim time (USED) or the expiry (EXPIRED) in ms. */
    record Claim(Found found, String value) {}

    /** Most claims made from files while Redis was unreachable kept to be told to it once back. */
    static final int MAX_UNTOLD = 10_000;

    private final SharedState state;
    private final Redis redis;
    private final long graceMs;
    /** Approvals claimed from this replica's files while Redis was unreachable: {id, key id}, told to Redis once it is back. */
    private final java.util.concurrent.ConcurrentLinkedQueue<String[]> untold = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final java.util.concurrent.atomic.AtomicInteger untoldCount = new java.util.concurrent.atomic.AtomicInteger();

    SharedApprovals(SharedState state, long graceMs) {
        this.state = state;
        this.redis = state.redis();
        this.graceMs = graceMs;
        state.onHealth(up -> {
            if (up && !untold.isEmpty()) Thread.ofVirtual().name("tollgate-approvals-tell").start(this::tell);
        });
    }

    /**
     * {@code id} was claimed from this replica's file while Redis could not be asked: once it is
     * back, its copy there (if it has one) is claimed too, so that another replica cannot resume
     * it a second time. Kept in memory only (up to {@link #MAX_UNTOLD}): a restart before Redis
     * is back forgets it.
     */
    void claimedUnshared(String id, String keyId) {
        if (untoldCount.incrementAndGet() > MAX_UNTOLD) {
            untoldCount.decrementAndGet();
            Log.warn("approval_claim_not_shared", "approval_id", id, "meaning", "too many claims wait for Redis to be back");
            return;
        }
        untold.add(new String[] {id, keyId});
        if (redis.up()) tell(); // it came back meanwhile
    }

    /** Claims in Redis what was claimed here while it was unreachable; stops at the first failure. */
    private void tell() {
        String[] c;
        while ((c = untold.peek()) != null) {
            try {
                redis.eval(CLAIM, List.of(waitingKey(c[0]), claimedKey(c[0])), List.of(c[1], Long.toString(graceMs)));
            } catch (RedisException e) {
                if (e.unavailable()) return; // the next time it is back
            }
            if (untold.remove(c)) untoldCount.decrementAndGet();
        }
    }

    /** Null when state is local. */
    static SharedApprovals of(SharedState state, long graceMs) {
        return state == null || !state.shared() ? null : new SharedApprovals(state, graceMs);
    }

    private String waitingKey(String id) { return state.key("ap:{" + id + "}"); }

    private String claimedKey(String id) { return state.key("ap:{" + id + "}:claimed"); }

    /**
     * Puts a paused execution (its waiting file's {@code bytes}) in Redis; false (logged) when it
     * is too large or Redis is unreachable: it is then resumable on this replica only.
     */
    boolean put(Meta m, byte[] bytes, long nowMs) {
        if (bytes.length > MAX_SHARED_BYTES) {
            Log.warn("approval_not_shared", "approval_id", m.approvalId(), "bytes", bytes.length,
                    "meaning", "larger than " + MAX_SHARED_BYTES + " bytes: it can be resumed on this replica only");
            return false;
        }
        long ttl = Math.max(1, m.expiresAtMs() - nowMs) + graceMs;
        try {
            redis.eval(PUT, List.of(waitingKey(m.approvalId())), List.of(m.keyId(), Long.toString(m.expiresAtMs()),
                    new String(bytes, StandardCharsets.UTF_8), Long.toString(ttl)));
            return true;
        } catch (RedisException e) {
            Log.warn("approval_not_shared", "approval_id", m.approvalId(), "error", e.getMessage(),
                    "meaning", "Redis is unreachable: it can be resumed on this replica only");
            return false;
        }
    }

    /**
     * What a claim in Redis ({@link #find}) means: the execution when this claim won it there;
     * null when Redis does not hold it (the file decides then). Throws what a file would: 404
     * another key's, 410 expired, 409 used. {@code retire} is given the id when it was claimed
     * (by this claim or another replica's): this replica's file of it is used too.
     */
    Execution settle(Claim c, String id, Consumer<String> retire) {
        switch (c.found()) {
            case CLAIMED -> {
                retire.accept(id); // this replica's copy, if it paused it: used now
                try {
                    Map<String, Object> json = ApprovalFiles.parse(c.value().getBytes(StandardCharsets.UTF_8),
                            "approval " + id + " from Redis");
                    return Execution.fromJson(json.get("execution"));
                } catch (IOException | IllegalArgumentException e) {
                    Log.error("approval_unreadable", "approval_id", id, "error", e.toString());
                    throw new GatewayException(ErrorKind.GATEWAY_INTERNAL, "The approval's saved state could not be read.", null, 0, e);
                }
            }
            case USED -> {
                retire.accept(id); // claimed on another replica: never here again
                long at = millis(c.value());
                throw new GatewayException(ErrorKind.CALLER_CONFLICT, "This approval was used already"
                        + (at > 0 ? " (at " + Instant.ofEpochMilli(at) + ")" : "") + "; an approval works once.", "approval_id");
            }
            case EXPIRED -> throw new GatewayException(ErrorKind.CALLER_GONE, "This approval expired at "
                    + Instant.ofEpochMilli(millis(c.value())) + "; the paused execution cannot be resumed.", "approval_id");
            case OTHER -> throw new GatewayException(ErrorKind.CALLER_NOT_FOUND, Approvals.UNKNOWN, "approval_id");
            default -> {
                return null;
            }
        }
    }

    private static long millis(String s) {
        try {
            return s == null ? 0 : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /**
     * What Redis holds of {@code id} for {@code keyId}, claiming it when it waits there.
     *
     * @return what Redis holds, or null when it cannot say (unreachable, or an error reply,
     *     logged): the local file decides then, as without shared state
     */
    Claim find(String id, String keyId) {
        Object reply;
        try {
            reply = redis.eval(CLAIM, List.of(waitingKey(id), claimedKey(id)), List.of(keyId, Long.toString(graceMs)));
        } catch (RedisException e) {
            if (!e.unavailable()) Log.warn("approval_claim_not_shared", "approval_id", id, "error", e.getMessage());
            return null;
        }
        if (!(reply instanceof List<?> l) || l.isEmpty() || !(l.get(0) instanceof String what)) return null;
        String value = l.size() > 1 && l.get(1) instanceof String v ? v : null;
        return switch (what) {
            case "claimed" -> value == null ? null : new Claim(Found.CLAIMED, value);
            case "used" -> new Claim(Found.USED, value);
            case "expired" -> new Claim(Found.EXPIRED, value);
            case "other" -> new Claim(Found.OTHER, null);
            default -> new Claim(Found.NONE, null);
        };
    }
}
