package tollgate.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.agent.ApprovalsTest.body;
import static tollgate.agent.ApprovalsTest.calls;
import static tollgate.agent.ApprovalsTest.execution;
import static tollgate.agent.ApprovalsTest.status;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.call.ManualClock;
import tollgate.error.GatewayException;
import tollgate.json.Json;
import tollgate.state.RedisServer;
import tollgate.state.SharedState;

/** Approvals paused on one replica, resumed on another, once (issue 14), over a real redis-server; Redis gone: local files. */
class SharedApprovalsTest {
    static final Duration TTL = ApprovalsTest.TTL;
    @TempDir Path dataA;
    @TempDir Path dataB;
    final ManualClock clock = new ManualClock();

    {
        // Expiry is judged by the server's clock: the replicas' clocks must be near it, as in production.
        clock.advanceMillis(System.currentTimeMillis() - clock.millis());
    }

    /** A replica's approvals: its own data directory, the shared Redis. */
    Approvals replica(Path data, SharedState state) {
        return new Approvals(data, clock, Approvals.DEFAULT_MAX_STATE_BYTES, Approvals.MAX_WAITING_PER_KEY,
                SharedApprovals.of(state, Approvals.GRACE.toMillis()));
    }

    @Test
    void pausedOnA_resumesOnB_once_thenA_says409_andAnotherKey404() throws Exception {
        try (RedisServer r = RedisServer.start();
             SharedState sa = SharedState.open(r.stateConfig("replica-a"));
             SharedState sb = SharedState.open(r.stateConfig("replica-b"))) {
            Approvals a = replica(dataA, sa), b = replica(dataB, sb);
            Execution paused = execution("key_a");
            String id = a.pause(paused, calls(), TTL).approvalId();
            assertEquals(java.util.Set.of("key", "exp", "body"), java.util.Set.copyOf(keys(r.command("HGETALL", "tollgate:ap:{" + id + "}"))));
            long ttl = (Long) r.command("PTTL", "tollgate:ap:{" + id + "}");
            assertTrue(ttl > TTL.toMillis() && ttl <= TTL.toMillis() + Approvals.GRACE.toMillis() + 10_000, "expiry + grace: " + ttl);

            assertEquals(ApprovalsTest.UNKNOWN_BODY, body(() -> b.claim(id, "key_b")), "another key's: 404, and it still waits");
            Execution claimed = b.claim(id, "key_a");
            assertEquals(Json.toString(paused.toJson()), Json.toString(claimed.toJson()));

            assertEquals(409, status(() -> b.claim(id, "key_a")));
            assertEquals(409, status(() -> a.claim(id, "key_a")), "A's own file was not claimed, but Redis says used");
            assertFalse(Files.exists(dataA.resolve("approvals").resolve(id + ".json")), "A's file is retired");
            assertTrue(Files.exists(dataA.resolve("approvals").resolve(id + ".claimed")));
            r.command("FLUSHALL");
            assertEquals(409, status(() -> a.claim(id, "key_a")), "and stays used when Redis forgets it (its file says so)");
            assertEquals(404, status(() -> a.claim(id, "key_b")));
        }
    }

    @Test
    void concurrentResumesOnAAndB_exactlyOneWins_theOthers409() throws Exception {
        try (RedisServer r = RedisServer.start();
             SharedState sa = SharedState.open(r.stateConfig("replica-a"));
             SharedState sb = SharedState.open(r.stateConfig("replica-b"));
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Approvals a = replica(dataA, sa), b = replica(dataB, sb);
            for (int round = 0; round < 20; round++) {
                String id = a.pause(execution("key_a"), calls(), TTL).approvalId();
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Integer>> claims = new ArrayList<>();
                for (Approvals replica : List.of(a, b, a, b)) {
                    claims.add(pool.submit((Callable<Integer>) () -> {
                        go.await();
                        try {
                            replica.claim(id, "key_a");
                            return 200;
                        } catch (GatewayException e) {
                            return e.httpStatus();
                        }
                    }));
                }
                go.countDown();
                List<Integer> got = new ArrayList<>();
                for (Future<Integer> f : claims) got.add(f.get());
                assertEquals(1, got.stream().filter(s -> s == 200).count(), "round " + round + ": " + got);
                assertEquals(3, got.stream().filter(s -> s == 409).count(), "round " + round + ": " + got);
            }
        }
    }

    @Test
    void expiredByTheServersClock_is410OnEveryReplica() throws Exception {
        try (RedisServer r = RedisServer.start();
             SharedState sa = SharedState.open(r.stateConfig("replica-a"));
             SharedState sb = SharedState.open(r.stateConfig("replica-b"))) {
            Approvals a = replica(dataA, sa), b = replica(dataB, sb);
            String id = a.pause(execution("key_a"), calls(), TTL).approvalId();
            r.command("HSET", "tollgate:ap:{" + id + "}", "exp", "1000"); // 1970: expired by any clock
            GatewayException e = org.junit.jupiter.api.Assertions.assertThrows(GatewayException.class, () -> b.claim(id, "key_a"));
            assertEquals(410, e.httpStatus());
            assertEquals("This approval expired at 1970-01-01T00:00:01Z; the paused execution cannot be resumed.", e.getMessage());
            assertEquals(410, status(() -> a.claim(id, "key_a")));
        }
    }

    @Test
    void redisGone_pauseAndClaimUseTheLocalFile_withoutErrors_andTheOtherReplicaCannotKnowIt() throws Exception {
        try (RedisServer r = RedisServer.start();
             SharedState sa = SharedState.open(r.stateConfig("replica-a"));
             SharedState sb = SharedState.open(r.stateConfig("replica-b"))) {
            Approvals a = replica(dataA, sa), b = replica(dataB, sb);
            r.kill();
            Execution paused = execution("key_a");
            String id = a.pause(paused, calls(), TTL).approvalId();
            assertEquals(404, status(() -> b.claim(id, "key_a")), "not in Redis: B knows nothing of it (no 5xx)");
            assertEquals(Json.toString(paused.toJson()), Json.toString(a.claim(id, "key_a").toJson()));
            assertEquals(409, status(() -> a.claim(id, "key_a")));
        }
    }

    @Test
    void claimedFromTheFileWhileRedisDidNotAnswer_isClaimedInRedisOnceItAnswers_soBCannotResumeItAgain() throws Exception {
        try (RedisServer r = RedisServer.start();
             SharedState sa = SharedState.open(r.stateConfig("replica-a"));
             SharedState sb = SharedState.open(r.stateConfig("replica-b"))) {
            Approvals a = replica(dataA, sa), b = replica(dataB, sb);
            String id = a.pause(execution("key_a"), calls(), TTL).approvalId(); // in Redis too
            // Redis holds every command for 5 s: A's claim times out there (500 ms) and is decided by its file.
            r.command("CLIENT", "PAUSE", "5000", "ALL");
            a.claim(id, "key_a");
            assertTrue(sa.degraded());
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (sa.degraded()) { // answers again once the pause is over; any command of A's tells it so
                if (System.nanoTime() > deadline) throw new AssertionError("Redis did not answer A again");
                try {
                    sa.redis().call("PING");
                } catch (tollgate.state.RedisException stillPaused) {
                    Thread.sleep(50);
                }
            }
            while (!Long.valueOf(1).equals(r.command("EXISTS", "tollgate:ap:{" + id + "}:claimed"))) {
                if (System.nanoTime() > deadline) throw new AssertionError("A's claim was not told to Redis");
                Thread.sleep(20);
            }
            assertEquals(409, status(() -> b.claim(id, "key_a")), "B must not resume what A resumed while Redis did not answer");
        }
    }

    private static List<Object> keys(Object hgetall) {
        List<Object> keys = new ArrayList<>();
        if (hgetall instanceof List<?> flat) for (int i = 0; i < flat.size(); i += 2) keys.add(flat.get(i));
        else if (hgetall instanceof java.util.Map<?, ?> m) keys.addAll(m.keySet());
        return keys;
    }
}
