package tollgate.account;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import tollgate.call.ManualClock;
import tollgate.error.GatewayException;
import tollgate.state.Redis;
import tollgate.state.RedisException;
import tollgate.state.Script;
import tollgate.state.SharedState;

/**
 * Degraded mode without a server (issue 14): when Redis cannot be reached, a request is admitted
 * or refused by this replica's own buckets and balance (never let through unlimited, never
 * failed), each such request is counted, and a down Redis is tried at most once a second.
 */
class SharedLimitsFallbackTest {
    final ManualClock clock = new ManualClock();

    /** A Redis that is down (or answers every script with an error reply), counting what it was asked. */
    static final class DownRedis implements Redis {
        final AtomicInteger calls = new AtomicInteger();
        final RedisException.Kind kind;

        DownRedis(RedisException.Kind kind) { this.kind = kind; }

        private RedisException fail() {
            calls.incrementAndGet();
            return new RedisException(kind, kind == RedisException.Kind.SERVER ? "WRONGTYPE Operation against a key" : "refused");
        }

        @Override public Object call(String... command) throws RedisException { throw fail(); }
        @Override public List<Object> pipeline(List<String[]> commands) throws RedisException { throw fail(); }
        @Override public Object eval(Script script, List<String> keys, List<String> args) throws RedisException { throw fail(); }
        @Override public boolean up() { return kind == RedisException.Kind.SERVER; }
        @Override public void onHealth(Consumer<Boolean> listener) { }
        @Override public void close() { }
    }

    static KeyRecord key(Long credits, long rpm, long tpm) {
        return new KeyRecord("key_1", "alice", "00", "sk-tollgate-abcdef", 0, 0, false, credits, List.of(), List.of(), rpm, tpm, 0,
                Map.of());
    }

    @Test
    void redisDown_theLocalBucketsDecide_andEachFallbackIsCounted() {
        DownRedis redis = new DownRedis(RedisException.Kind.UNAVAILABLE);
        SharedLimits shared = new SharedLimits(SharedState.over(redis, "r1", "t:"), clock);
        Account a = new Account(key(null, 2, 0), true, 0, clock.nanos());
        List<List<String>> headers = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Charge c = new Charge(a, 1000, clock, shared);
            c.onLimits(headers::add);
            c.admit(List.of("m"), false, 10);
            c.settle(0, 10);
            c.close();
        }
        Charge third = new Charge(a, 1000, clock, shared);
        GatewayException e = assertThrows(GatewayException.class, () -> third.admit(List.of("m"), false, 10),
                "the local limit holds: degraded is never unlimited");
        assertEquals(429, e.httpStatus());
        assertEquals("Rate limit reached for this key: 2 requests per minute. Try again in 30s.", e.getMessage());
        assertEquals(List.of("x-ratelimit-limit-requests", "2", "x-ratelimit-remaining-requests", "0",
                "x-ratelimit-reset-requests", "1m0s"), headers.get(1));
        assertEquals(1, redis.calls.get(), "a down Redis is tried once, then not again within the probe interval");
        assertEquals(3, shared.fallbacks());
        assertTrue(shared.degraded());
        clock.advanceNanos(SharedLimits.PROBE_INTERVAL_NANOS);
        assertThrows(GatewayException.class, () -> new Charge(a, 1000, clock, shared).admit(List.of("m"), false, 10));
        assertEquals(2, redis.calls.get(), "tried again after the probe interval");
    }

    @Test
    void redisDown_theLocalBalanceHolds() {
        DownRedis redis = new DownRedis(RedisException.Kind.UNAVAILABLE);
        SharedLimits shared = new SharedLimits(SharedState.over(redis, "r1", "t:"), clock);
        Account a = new Account(key(10L, 0, 0), true, 7, clock.nanos());
        Charge c = new Charge(a, 1000, clock, shared);
        c.cover(new BigDecimal("0.003"));
        assertEquals(3, a.held());
        Charge d = new Charge(a, 1000, clock, shared);
        GatewayException e = assertThrows(GatewayException.class, () -> d.cover(new BigDecimal("0.001")));
        assertEquals(402, e.httpStatus());
        assertEquals("Insufficient credits: this request may cost up to 1 credits and the key's balance is 3 (3 held by requests in "
                + "flight). Add credits to continue.", e.getMessage());
        c.settle(2, 0);
        c.close();
        assertEquals(1, a.balance());
        assertEquals(0, a.held());
    }

    @Test
    void anErrorReply_isServedOnLocalState_too() {
        DownRedis redis = new DownRedis(RedisException.Kind.SERVER);
        SharedLimits shared = new SharedLimits(SharedState.over(redis, "r1", "t:"), clock);
        Account a = new Account(key(5L, 1, 100), true, 0, clock.nanos());
        Charge c = new Charge(a, 1000, clock, shared);
        c.admit(List.of("m"), false, 10);
        c.cover(new BigDecimal("0.002"));
        c.settle(2, 10);
        c.close();
        assertEquals(3, a.balance());
        assertThrows(GatewayException.class, () -> new Charge(a, 1000, clock, shared).admit(List.of("m"), false, 10));
        assertTrue(shared.fallbacks() >= 3, "admission, hold and settlement fell back: " + shared.fallbacks());
    }

    @Test
    void aRedisThatAnswersEveryRequestWithAnError_isLoggedOncePerInterval_notOncePerRequest() {
        DownRedis redis = new DownRedis(RedisException.Kind.SERVER);
        SharedLimits shared = new SharedLimits(SharedState.over(redis, "r1", "t:"), clock);
        Account a = new Account(key(null, 1000, 0), true, 0, clock.nanos());
        for (int i = 0; i < 50; i++) new Charge(a, 1000, clock, shared).admit(List.of("m"), false, 10);
        assertEquals(50, redis.calls.get(), "every request still asks Redis: it is up, only its answers are errors");
        assertEquals(1, shared.scriptFailureLines(), "one state_script_failed line for 50 failures in the interval");
        clock.advanceNanos(SharedLimits.SCRIPT_LOG_INTERVAL_NANOS);
        new Charge(a, 1000, clock, shared).admit(List.of("m"), false, 10);
        assertEquals(2, shared.scriptFailureLines(), "the next interval gets its line");
    }
}
