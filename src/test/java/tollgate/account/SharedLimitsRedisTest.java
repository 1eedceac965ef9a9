package tollgate.account;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tollgate.call.Clock;
import tollgate.error.GatewayException;
import tollgate.state.RedisServer;
import tollgate.state.SharedState;

/**
 * Two replicas (two {@link SharedState}s with their own accounts of one key) against one real
 * redis-server (issue 14, "Several replicas"): a limit and a balance hold across both, exactly.
 */
class SharedLimitsRedisTest {
    RedisServer redis;
    SharedState stateA, stateB;
    SharedLimits a, b;

    @BeforeEach
    void start() {
        redis = RedisServer.start();
        stateA = SharedState.open(redis.stateConfig("replica-a"));
        stateB = SharedState.open(redis.stateConfig("replica-b"));
        a = new SharedLimits(stateA, Clock.SYSTEM);
        b = new SharedLimits(stateB, Clock.SYSTEM);
    }

    @AfterEach
    void stop() {
        stateA.close();
        stateB.close();
        redis.close();
    }

    static KeyRecord key(Long credits, long rpm, long tpm) {
        return new KeyRecord("key_1", "alice", "00", "sk-tollgate-abcdef", 0, 0, false, credits, List.of(), List.of(), rpm, tpm, 0,
                Map.of());
    }

    static Account account(KeyRecord k, long spent) {
        return new Account(k, true, spent, Clock.SYSTEM.nanos());
    }

    /** Runs {@code n} tasks at once (released together) on virtual threads, half on each replica; their results. */
    static <T> List<T> together(int n, java.util.function.IntFunction<T> task) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        List<Future<T>> fs = new ArrayList<>();
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < n; i++) {
                int k = i;
                fs.add(ex.submit(() -> {
                    go.await();
                    return task.apply(k);
                }));
            }
            go.countDown();
            List<T> out = new ArrayList<>();
            for (Future<T> f : fs) out.add(f.get());
            return out;
        }
    }

    @Test
    void anRpmLimitOfN_admitsExactlyNof2N_acrossTwoReplicas() throws Exception {
        int n = 10;
        Account onA = account(key(null, n, 0), 0), onB = account(key(null, n, 0), 0);
        List<String> outcomes = together(2 * n, i -> {
            Charge c = new Charge(i % 2 == 0 ? onA : onB, 1000, Clock.SYSTEM, i % 2 == 0 ? a : b);
            try {
                c.admit(List.of("m"), false, 10);
                return "ok";
            } catch (GatewayException e) {
                assertEquals(429, e.httpStatus());
                assertTrue(e.getMessage().startsWith("Rate limit reached for this key: 10 requests per minute. Try again in "),
                        e.getMessage());
                return "429";
            } finally {
                c.close();
            }
        });
        assertEquals(n, outcomes.stream().filter("ok"::equals).count(), outcomes.toString());
        assertEquals(0, a.fallbacks() + b.fallbacks(), "every admission was decided in Redis");
        // The next one, on either replica, is refused, and its headers are the shared bucket's.
        List<List<String>> headers = new ArrayList<>();
        Charge c = new Charge(onB, 1000, Clock.SYSTEM, b);
        c.onLimits(headers::add);
        GatewayException e = org.junit.jupiter.api.Assertions.assertThrows(GatewayException.class, () -> c.admit(List.of("m"), false, 1));
        List<String> h = List.of(e.headers());
        long retry = Long.parseLong(h.get(h.indexOf("retry-after") + 1));
        assertTrue(retry >= 1 && retry <= 6, "one request's interval is 6 s: " + retry);
        assertEquals(List.of("x-ratelimit-limit-requests", "10", "x-ratelimit-remaining-requests", "0"), headers.get(0).subList(0, 4));
        assertTrue(redis.command("PTTL", "tollgate:rl:{key_1}:rpm") instanceof Long ttl && ttl > 0 && ttl <= 60_001,
                "the bucket's key lapses when the bucket is full again");
    }

    @Test
    void tokensPerMinute_areTakenWithTheRequest_andCorrectedAtSettlement() {
        Account onA = account(key(null, 0, 100), 0), onB = account(key(null, 0, 100), 0);
        Charge first = new Charge(onA, 1000, Clock.SYSTEM, a);
        first.admit(List.of("m"), false, 60);
        Charge refused = new Charge(onB, 1000, Clock.SYSTEM, b);
        GatewayException e = org.junit.jupiter.api.Assertions.assertThrows(GatewayException.class,
                () -> refused.admit(List.of("m"), false, 60));
        assertTrue(e.getMessage().startsWith("Rate limit reached for this key: 100 tokens per minute."), e.getMessage());
        first.settle(0, 10); // it used 10 of the 60 it took: 50 given back, on every replica
        first.close();
        Charge second = new Charge(onB, 1000, Clock.SYSTEM, b);
        second.admit(List.of("m"), false, 60);
        second.close();
    }

    @Test
    void aBalanceCannotBeOverspent_acrossTwoReplicas() throws Exception {
        // 100 credits; each request holds 10 (0.010 USD at 1000 credits/USD) and is charged 10.
        Account onA = account(key(100L, 0, 0), 0), onB = account(key(100L, 0, 0), 0);
        assertEquals(2, a.reconcile(List.of(onA), true) + b.reconcile(List.of(onB), true));
        AtomicInteger refused = new AtomicInteger();
        List<Boolean> served = together(40, i -> {
            boolean onReplicaA = i % 2 == 0;
            try (Charge c = new Charge(onReplicaA ? onA : onB, 1000, Clock.SYSTEM, onReplicaA ? a : b)) {
                c.cover(new BigDecimal("0.010"));
                c.settle(10, 0);
                return true;
            } catch (GatewayException e) {
                assertEquals(402, e.httpStatus());
                refused.incrementAndGet();
                return false;
            }
        });
        assertEquals(10, served.stream().filter(x -> x).count());
        assertEquals(30, refused.get());
        assertEquals(100, onA.spent() + onB.spent());
        assertEquals(Map.of("replica-a", Long.toString(onA.spent()), "replica-b", Long.toString(onB.spent())),
                hash("tollgate:cr:{key_1}:spent"));
        assertEquals(Map.of(), hash("tollgate:cr:{key_1}:holds"), "every hold was dropped at settlement");
        try (Charge c = new Charge(onA, 1000, Clock.SYSTEM, a)) {
            GatewayException e = org.junit.jupiter.api.Assertions.assertThrows(GatewayException.class, () -> c.cover(new BigDecimal("0.001")));
            assertEquals("Insufficient credits: this request may cost up to 1 credits and the key's balance is 0. Add credits to continue.",
                    e.getMessage());
        }
    }

    @Test
    void aReplayedReconciliation_neverChargesTwice() {
        Account onA = account(key(100L, 0, 0), 30), onB = account(key(100L, 0, 0), 20); // their journals' totals
        for (int i = 0; i < 3; i++) {
            assertEquals(1, a.reconcile(List.of(onA), i == 0));
            assertEquals(1, b.reconcile(List.of(onB), i != 0));
        }
        assertEquals(Map.of("replica-a", "30", "replica-b", "20"), hash("tollgate:cr:{key_1}:spent"));
        try (Charge c = new Charge(onA, 1000, Clock.SYSTEM, a)) {
            c.cover(new BigDecimal("0.050"));
            // 100 - 30 - 20 = 50 is all there is: 1 more cannot be held on the other replica now.
            try (Charge d = new Charge(onB, 1000, Clock.SYSTEM, b)) {
                org.junit.jupiter.api.Assertions.assertThrows(GatewayException.class, () -> d.cover(new BigDecimal("0.001")));
            }
            c.settle(5, 0);
        }
        a.reconcile(List.of(onA), false); // e.g. Redis came back: the journal's 35, once
        a.reconcile(List.of(onA), false);
        assertEquals(Map.of("replica-a", "35", "replica-b", "20"), hash("tollgate:cr:{key_1}:spent"));
        // A settlement's total never lowers what a later one set (two settling at once).
        assertEquals(55, a.settle("key_1", null, 34, false), "what both replicas charged");
        assertEquals("35", hash("tollgate:cr:{key_1}:spent").get("replica-a"));
    }

    @Test
    void aHoldOfADeadReplica_lapses() {
        Account onA = account(key(10L, 0, 0), 0), onB = account(key(10L, 0, 0), 0);
        Charge dying = new Charge(onA, 1000, Clock.SYSTEM, a);
        dying.cover(new BigDecimal("0.010")); // all 10 held, never settled: the replica "dies"
        try (Charge c = new Charge(onB, 1000, Clock.SYSTEM, b)) {
            org.junit.jupiter.api.Assertions.assertThrows(GatewayException.class, () -> c.cover(new BigDecimal("0.001")));
        }
        // Its expiry passes (set in the past, as the clock would): the next reserve drops it.
        redis.command("ZADD", "tollgate:cr:{key_1}:holdexp", "1", hash("tollgate:cr:{key_1}:holds").keySet().iterator().next());
        try (Charge c = new Charge(onB, 1000, Clock.SYSTEM, b)) {
            c.cover(new BigDecimal("0.010"));
            c.settle(10, 0);
        }
        assertEquals(Map.of("replica-b", "10"), hash("tollgate:cr:{key_1}:spent"));
        assertFalse(stateA.degraded());
    }

    @Test
    void redisKilledMidLoad_requestsGoOnLocally_thenItIsReconciled() throws Exception {
        Account onA = account(key(1_000_000L, 100_000, 0), 0);
        assertEquals(1, a.reconcile(List.of(onA), true));
        for (int i = 0; i < 50; i++) serve(onA, a);
        assertEquals("50", hash("tollgate:cr:{key_1}:spent").get("replica-a"));
        redis.kill();
        for (int i = 0; i < 50; i++) serve(onA, a); // never an exception: local limits and balance
        assertTrue(stateA.degraded());
        assertTrue(a.fallbacks() >= 1);
        assertEquals(100, onA.spent());
        redis.restart(); // empty: as a Redis that lost its data
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (stateA.degraded() && System.nanoTime() < deadline) { // the next probe finds it back
            serve(onA, a);
            Thread.sleep(50);
        }
        assertFalse(stateA.degraded());
        assertEquals(Long.toString(onA.spent()), hash("tollgate:cr:{key_1}:spent").get("replica-a"),
                "the journal's total is in Redis again (one reconciliation or settlement; never more)");
    }

    @Test
    void aRedisThatLostItsData_withoutDroppingAConnection_isToldTheTotalsAgain() {
        Account onA = account(key(100L, 0, 0), 0), onB = account(key(100L, 0, 0), 0);
        assertEquals(2, a.reconcile(List.of(onA), true) + b.reconcile(List.of(onB), true));
        assertEquals(0, a.restore(List.of(onA)), "nothing lost yet: nothing to do");
        try (Charge c = new Charge(onA, 1000, Clock.SYSTEM, a)) {
            c.cover(new BigDecimal("0.060"));
            c.settle(60, 0);
        }
        // An eviction, a failover to a lagging replica, a restart behind a proxy: no connection fails.
        redis.command("FLUSHALL");
        assertFalse(stateA.degraded());
        assertEquals(1, a.restore(List.of(onA)), "the marker is gone: A's journal total is set again");
        assertEquals(0, a.restore(List.of(onA)));
        assertEquals(Map.of("replica-a", "60"), hash("tollgate:cr:{key_1}:spent"));
        try (Charge d = new Charge(onB, 1000, Clock.SYSTEM, b)) {
            GatewayException e = org.junit.jupiter.api.Assertions.assertThrows(GatewayException.class,
                    () -> d.cover(new BigDecimal("0.050")));
            assertEquals("Insufficient credits: this request may cost up to 50 credits and the key's balance is 40."
                    + " Add credits to continue.", e.getMessage());
        }
        assertTrue(redis.command("PTTL", "tollgate:cr:replica:{replica-a}") instanceof Long ttl && ttl > 0,
                "a replica's marker lapses once the replica is gone");
    }

    @Test
    void aSettlementThatDidNotReachRedis_isSetByTheWatcher_notLeftBehind() {
        // A's settlement meets a failure that changes no health (a full pool: TIMEOUT waiting
        // for a connection), so no reconciliation follows from a health change.
        java.util.concurrent.atomic.AtomicBoolean failSettle = new java.util.concurrent.atomic.AtomicBoolean();
        tollgate.state.Redis real = stateA.redis();
        tollgate.state.Redis flaky = new Scripted(real, (s, k, a) -> {
            if (s == SharedScripts.SETTLE && failSettle.getAndSet(false)) {
                throw new tollgate.state.RedisException(tollgate.state.RedisException.Kind.TIMEOUT, "no free Redis connection");
            }
            return real.eval(s, k, a);
        });
        SharedLimits a2 = new SharedLimits(SharedState.over(flaky, "replica-a", "tollgate:"), Clock.SYSTEM);
        Account onA = account(key(100L, 0, 0), 0), onB = account(key(100L, 0, 0), 0);
        assertEquals(2, a2.reconcile(List.of(onA), true) + b.reconcile(List.of(onB), true));
        try (Charge c = new Charge(onA, 1000, Clock.SYSTEM, a2)) {
            c.cover(new BigDecimal("0.060"));
            failSettle.set(true);
            c.settle(60, 0);
        }
        assertEquals(60, onA.spent(), "charged in A's journal");
        assertFalse(stateA.degraded());
        assertEquals(1, hash("tollgate:cr:{key_1}:holds").size(), "the hold is still in Redis");
        assertEquals(1, a2.watch(List.of(onA)), "the watcher's next look sets A's total");
        assertEquals(Map.of(), hash("tollgate:cr:{key_1}:holds"), "and drops the hold (not 30 minutes later)");
        assertEquals(Map.of("replica-a", "60", "replica-b", "0"), hash("tollgate:cr:{key_1}:spent"));
        assertEquals(0, a2.watch(List.of(onA)), "once");
        try (Charge d = new Charge(onB, 1000, Clock.SYSTEM, b)) {
            GatewayException e = org.junit.jupiter.api.Assertions.assertThrows(GatewayException.class,
                    () -> d.cover(new BigDecimal("0.050")));
            assertEquals(402, e.httpStatus());
            d.cover(new BigDecimal("0.040"));
        }
    }

    @Test
    void twoRunningGatewaysWithOneReplicaId_areSaid() {
        Account onA = account(key(100L, 0, 0), 0);
        assertEquals(1, a.reconcile(List.of(onA), true));
        assertEquals(0, a.watch(List.of(onA)));
        assertFalse(a.replicaIdClash());
        // A second process under the same state.replica_id (one config copied to every replica).
        try (SharedState again = SharedState.open(redis.stateConfig("replica-a"))) {
            SharedLimits twin = new SharedLimits(again, Clock.SYSTEM);
            assertEquals(1, twin.reconcile(List.of(account(key(100L, 0, 0), 0)), true));
            assertEquals(0, a.watch(List.of(onA)));
            assertTrue(a.replicaIdClash(), "the first one sees the other's marker over its own");
        }
        assertFalse(b.replicaIdClash());
    }

    @Test
    void aForeignReplyOfAScript_fallsBackToLocalState_neverAnException() {
        // A proxy or a server that only looks like Redis answers strings where numbers belong.
        tollgate.state.Redis odd = new Scripted(stateA.redis(),
                (s, k, a) -> s == SharedScripts.SETTLE ? "many" : List.of("ok", "x", "y", "z", "w", "v"));
        SharedLimits a2 = new SharedLimits(SharedState.over(odd, "replica-a", "tollgate:"), Clock.SYSTEM);
        Account onA = account(key(100L, 1, 0), 0);
        try (Charge c = new Charge(onA, 1000, Clock.SYSTEM, a2)) {
            c.admit(List.of("m"), false, 1);
            c.cover(new BigDecimal("0.010"));
            c.settle(10, 0);
            assertEquals(90L, c.balance(), "this replica's own balance");
        }
        assertEquals(3, a2.fallbacks());
        // The local bucket decided: its one request per minute is taken.
        try (Charge c = new Charge(onA, 1000, Clock.SYSTEM, a2)) {
            assertEquals(429, org.junit.jupiter.api.Assertions.assertThrows(GatewayException.class,
                    () -> c.admit(List.of("m"), false, 1)).httpStatus());
        }
    }

    @Test
    void aHoldWhoseReplyWasLost_isDroppedAtSettlement_notLeftToLapse() {
        // The server runs the reserve script, then its reply does not arrive in time.
        tollgate.state.Redis real = stateA.redis();
        java.util.concurrent.atomic.AtomicBoolean loseReply = new java.util.concurrent.atomic.AtomicBoolean(true);
        tollgate.state.Redis late = new Scripted(real, (s, k, a) -> {
            Object r = real.eval(s, k, a);
            if (s == SharedScripts.RESERVE && loseReply.getAndSet(false)) {
                throw new tollgate.state.RedisException(tollgate.state.RedisException.Kind.TIMEOUT, "did not answer in time");
            }
            return r;
        });
        SharedLimits a2 = new SharedLimits(SharedState.over(late, "replica-a", "tollgate:"), Clock.SYSTEM);
        Account onA = account(key(10L, 0, 0), 0), onB = account(key(10L, 0, 0), 0);
        try (Charge c = new Charge(onA, 1000, Clock.SYSTEM, a2)) {
            c.cover(new BigDecimal("0.010")); // held in Redis, though A was not told
            assertEquals(1, hash("tollgate:cr:{key_1}:holds").size());
            c.settle(0, 0); // the request failed: nothing charged
        }
        assertEquals(Map.of(), hash("tollgate:cr:{key_1}:holds"), "the hold went with its request");
        try (Charge d = new Charge(onB, 1000, Clock.SYSTEM, b)) {
            d.cover(new BigDecimal("0.010")); // the whole balance, at once (not 30 minutes later)
        }
    }

    @Test
    void aRequestSettledWhileAForcedReconciliationRuns_isNotUndoneByIt() {
        // Redis was unreachable at start-up: the forced reconciliation runs once it is back,
        // while requests are served. One settles between the journal's total being read and
        // the forced set reaching Redis.
        tollgate.state.Redis real = stateA.redis();
        java.util.concurrent.atomic.AtomicReference<SharedLimits> self = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean racing = new java.util.concurrent.atomic.AtomicBoolean(true);
        Account onA = account(key(10L, 0, 0), 5);
        tollgate.state.Redis racy = new Scripted(real, (s, k, a) -> {
            if (s == SharedScripts.SETTLE && "1".equals(a.get(3)) && racing.getAndSet(false)) serve(onA, self.get());
            return real.eval(s, k, a);
        });
        SharedLimits a2 = new SharedLimits(SharedState.over(racy, "replica-a", "tollgate:"), Clock.SYSTEM);
        self.set(a2);
        assertEquals(1, a2.reconcile(List.of(onA), true));
        assertEquals(6, onA.spent());
        assertEquals(Map.of("replica-a", "6"), hash("tollgate:cr:{key_1}:spent"), "the journal's total, the request's credit included");
    }

    @Test
    void aReconciliationRefusedByAnErrorReply_isRunAgain_notTakenAsDone() {
        // A restarted Redis answers -LOADING while it reads its data: the totals were not set.
        tollgate.state.Redis real = stateA.redis();
        java.util.concurrent.atomic.AtomicBoolean loading = new java.util.concurrent.atomic.AtomicBoolean(true);
        tollgate.state.Redis starting = new Scripted(real, (s, k, a) -> {
            if (loading.get()) {
                throw new tollgate.state.RedisException(tollgate.state.RedisException.Kind.SERVER,
                        "LOADING Redis is loading the dataset in memory");
            }
            return real.eval(s, k, a);
        });
        SharedLimits a2 = new SharedLimits(SharedState.over(starting, "replica-a", "tollgate:"), Clock.SYSTEM);
        Account onA = account(key(10L, 0, 0), 7);
        assertEquals(-1, a2.reconcile(List.of(onA), true), "not done: Accounts forces it again");
        assertEquals(Map.of(), hash("tollgate:cr:{key_1}:spent"));
        loading.set(false);
        assertEquals(1, a2.watch(List.of(onA)));
        assertEquals(Map.of("replica-a", "7"), hash("tollgate:cr:{key_1}:spent"), "set by the next watch");
    }

    /** What a test's Redis answers to EVALSHA. */
    interface Eval {
        Object eval(tollgate.state.Script s, List<String> keys, List<String> args) throws tollgate.state.RedisException;
    }

    /** A real client whose script runs go through {@code eval} (lost replies, foreign answers, failures that change no health). */
    record Scripted(tollgate.state.Redis real, Eval scripts) implements tollgate.state.Redis {
        @Override public Object call(String... c) throws tollgate.state.RedisException { return real.call(c); }
        @Override public List<Object> pipeline(List<String[]> c) throws tollgate.state.RedisException { return real.pipeline(c); }
        @Override public Object eval(tollgate.state.Script s, List<String> k, List<String> a) throws tollgate.state.RedisException {
            return scripts.eval(s, k, a);
        }
        @Override public boolean up() { return real.up(); }
        @Override public void onHealth(java.util.function.Consumer<Boolean> l) { real.onHealth(l); }
        @Override public void close() { real.close(); }
    }

    /** One request of one credit: admitted, held, settled. */
    private static void serve(Account account, SharedLimits limits) {
        try (Charge c = new Charge(account, 1000, Clock.SYSTEM, limits)) {
            c.admit(List.of("m"), false, 1);
            c.cover(new BigDecimal("0.001"));
            c.settle(1, 1);
        }
    }

    @SuppressWarnings("unchecked")
    private Map<String, String> hash(String key) {
        Object r = redis.command("HGETALL", key);
        Map<String, String> m = new java.util.TreeMap<>();
        if (r instanceof List<?> l) for (int i = 0; i + 1 < l.size(); i += 2) m.put((String) l.get(i), (String) l.get(i + 1));
        else if (r instanceof Map<?, ?> mm) mm.forEach((k, v) -> m.put((String) k, (String) v));
        return m;
    }
}
