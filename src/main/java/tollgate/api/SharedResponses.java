package tollgate.api;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import tollgate.log.Log;
import tollgate.state.Redis;
import tollgate.state.RedisException;
import tollgate.state.Script;
import tollgate.state.SharedState;

/**
 * The stored responses in Redis as well (issue 14), so that {@code previous_response_id},
 * {@code GET} and {@code DELETE /responses/{id}} work on every replica sharing one Redis;
 * {@link ResponseStore}'s files stay the durable copy, and what serves when Redis is unreachable.
 * One hash per response:
 * <pre>
 *   &lt;prefix&gt;resp:{&lt;resp id&gt;}   hash: account (its key id), body (the stored file's bytes, absent
 *                             when over {@link #MAX_SHARED_BYTES}), deleted (1 once deleted on any
 *                             replica); PX = what is left of the store's TTL
 * </pre>
 * A deletion leaves the hash, without its body, marked deleted until it would have expired: a
 * replica that holds the file finds the mark and drops its copy too.
 *
 * <p>Contract: made only when state is shared (local state never calls Redis); no method
 * throws: Redis unreachable or an error reply answers as if Redis knew nothing (the local file
 * decides), never a 5xx.
 */
final class SharedResponses {
    /**
     * Largest stored file put in Redis, in bytes: a larger one (long conversations, base64
     * images) is only on the replica that made it, so that Redis keeps small values.
     */
    static final int MAX_SHARED_BYTES = 1024 * 1024;

    /** KEYS[1] the hash; ARGV account, time to live ms, body ('' when not shared). */
    static final Script PUT = Script.of("response_put", """
            redis.call('DEL', KEYS[1])
            redis.call('HSET', KEYS[1], 'account', ARGV[1])
            if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'body', ARGV[3]) end
            redis.call('PEXPIRE', KEYS[1], ARGV[2])
            return 1
            """);

    /** KEYS[1] the hash; ARGV account. 1 when the account's response was there and is now marked deleted. */
    static final Script DELETE = Script.of("response_delete", """
            local h = redis.call('HMGET', KEYS[1], 'account', 'deleted')
            if h[1] ~= ARGV[1] or h[2] then return 0 end
            redis.call('HDEL', KEYS[1], 'body')
            redis.call('HSET', KEYS[1], 'deleted', '1')
            return 1
            """);

    /** What Redis says of a response for one account. */
    enum Found { UNKNOWN, DELETED, ELSEWHERE, BODY }

    /** What a deletion in Redis did: {@link #UNKNOWN} when Redis could not be told (unreachable, an error reply). */
    enum Deleted { YES, NO, UNKNOWN }

    /** {@code body} is set when {@code found} is {@link Found#BODY}. */
    record Entry(Found found, byte[] body) {
        static final Entry UNKNOWN = new Entry(Found.UNKNOWN, null);
    }

    private final Redis redis;
    private final SharedState state;
    private final AtomicBoolean toldTooBig = new AtomicBoolean();
    private final AtomicBoolean toldError = new AtomicBoolean();

    private SharedResponses(SharedState state) {
        this.state = state;
        this.redis = state.redis();
    }

    /** Over {@code state}, or null when state is local. */
    static SharedResponses over(SharedState state) {
        return state != null && state.shared() ? new SharedResponses(state) : null;
    }

    private String key(String id) {
        return state.key("resp:{" + id + "}");
    }

    /** Puts the stored file {@code bytes[0, length)} of {@code account}'s {@code id}, kept {@code ttlMs}. */
    void put(String account, String id, byte[] bytes, int length, long ttlMs) {
        if (ttlMs <= 0) return;
        String body = "";
        if (length <= MAX_SHARED_BYTES) {
            body = new String(bytes, 0, length, StandardCharsets.UTF_8);
        } else if (toldTooBig.compareAndSet(false, true)) {
            Log.warn("response_not_shared", "response_id", id, "bytes", length, "max_bytes", MAX_SHARED_BYTES,
                    "meaning", "stored responses this large are found on the replica that made them only (told once)");
        }
        try {
            redis.eval(PUT, List.of(key(id)), List.of(account, Long.toString(ttlMs), body));
        } catch (RedisException e) {
            failed("written", id, e);
        }
    }

    /** What Redis knows of {@code account}'s {@code id}. */
    Entry get(String account, String id) {
        try {
            Object r = redis.call("HMGET", key(id), "account", "deleted", "body");
            if (!(r instanceof List<?> h) || h.size() != 3 || !account.equals(h.get(0))) return Entry.UNKNOWN;
            if (h.get(1) != null) return new Entry(Found.DELETED, null);
            if (!(h.get(2) instanceof String body)) return new Entry(Found.ELSEWHERE, null);
            return new Entry(Found.BODY, body.getBytes(StandardCharsets.UTF_8));
        } catch (RedisException e) {
            failed("read", id, e);
            return Entry.UNKNOWN;
        }
    }

    /** Whether {@code account}'s {@code id} was deleted on some replica (two small fields, never the body); false when Redis cannot say. */
    boolean deleted(String account, String id) {
        try {
            Object r = redis.call("HMGET", key(id), "account", "deleted");
            return r instanceof List<?> h && h.size() == 2 && account.equals(h.get(0)) && h.get(1) != null;
        } catch (RedisException e) {
            failed("read", id, e);
            return false;
        }
    }

    /** Marks {@code account}'s {@code id} deleted: YES when it was there (and not yet deleted). */
    Deleted delete(String account, String id) {
        try {
            return Long.valueOf(1).equals(redis.eval(DELETE, List.of(key(id)), List.of(account))) ? Deleted.YES : Deleted.NO;
        } catch (RedisException e) {
            failed("deleted", id, e);
            return Deleted.UNKNOWN;
        }
    }

    /** Unreachable: SharedState says degraded already; an error reply is told once (it would repeat on every request). */
    private void failed(String op, String id, RedisException e) {
        if (!e.unavailable() && toldError.compareAndSet(false, true)) {
            Log.warn("response_not_shared", "op", op, "response_id", id, "error", String.valueOf(e.getMessage()),
                    "meaning", "Redis answered an error: this replica's files only (told once)");
        }
    }
}
