package tollgate.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.call.ManualClock;
import tollgate.json.Json;
import tollgate.json.JsonMeter;
import tollgate.memory.MemoryBudget;
import tollgate.memory.Reservation;
import tollgate.state.Redis;
import tollgate.state.RedisException;
import tollgate.state.RedisServer;
import tollgate.state.SharedState;

/** Two replicas' stores on one real redis-server: what is shared, what stays local, and Redis failing answered from files. */
class ResponseStoreSharedTest {
    @TempDir Path dirA;
    @TempDir Path dirB;
    final ManualClock clock = new ManualClock();
    final Reservation memory = MemoryBudget.unlimited().open();
    RedisServer redis;
    Redis clientA, clientB;
    ResponseStore a, b;

    @BeforeEach
    void start() {
        redis = RedisServer.start();
        clientA = redis.client();
        clientB = redis.client();
        a = new ResponseStore(dirA, ResponseStoreTest.TTL, clock).sharing(SharedResponses.over(SharedState.over(clientA, "a", "tollgate:")));
        b = new ResponseStore(dirB, ResponseStoreTest.TTL, clock).sharing(SharedResponses.over(SharedState.over(clientB, "b", "tollgate:")));
    }

    @AfterEach
    void stop() {
        if (clientA != null) clientA.close();
        if (clientB != null) clientB.close();
        if (redis != null) redis.close();
    }

    static String key(String id) { return "tollgate:resp:{" + id + "}"; }

    long files(Path dir) throws IOException {
        if (!Files.isDirectory(dir.resolve(ResponseStore.DIR))) return 0;
        try (Stream<Path> s = Files.walk(dir.resolve(ResponseStore.DIR))) {
            return s.filter(p -> p.toString().endsWith(ResponseStore.SUFFIX)).count();
        }
    }

    @Test
    void localState_makesNoSharedStore() {
        assertNull(SharedResponses.over(SharedState.local()));
        assertNull(SharedResponses.over(null));
    }

    @Test
    void putOnA_readOnB_expiresWithTheStore_otherAccountNotFound() throws IOException {
        String id = ResponsesOutput.newId("resp_");
        assertTrue(a.put("acct-1", id, ResponseStoreTest.response(id, "hi"), ResponseStoreTest.input("hello"), memory));
        assertEquals("acct-1", redis.command("HGET", key(id), "account"));
        long pttl = (Long) redis.command("PTTL", key(id));
        assertTrue(pttl > 0 && pttl <= ResponseStoreTest.TTL.toMillis(), "PTTL " + pttl);

        ResponseStore.Stored s = b.get("acct-1", id, JsonMeter.NONE);
        assertNotNull(s);
        assertEquals(Json.toString(ResponseStoreTest.response(id, "hi")), Json.toString(s.response()));
        assertEquals("hello", s.input().get(0).get("content"));
        assertEquals(0, files(dirB), "read from Redis, not copied into B's files");
        assertNull(b.get("acct-2", id, JsonMeter.NONE));
        assertFalse(b.delete("acct-2", id));
        assertNotNull(a.get("acct-1", id, JsonMeter.NONE), "another account's delete deleted nothing");

        clock.advanceMillis(ResponseStoreTest.TTL.toMillis());
        assertNull(b.get("acct-1", id, JsonMeter.NONE), "expired by the store's clock even while Redis still has it");
    }

    @Test
    void overTheSharedCap_staysOnItsReplica_butItsDeletionIsSeenEverywhere() throws IOException {
        String id = ResponsesOutput.newId("resp_");
        String big = "x".repeat(SharedResponses.MAX_SHARED_BYTES + 1);
        assertTrue(a.put("acct-1", id, ResponseStoreTest.response(id, "hi"), ResponseStoreTest.input(big), memory));
        assertEquals("acct-1", redis.command("HGET", key(id), "account"));
        assertNull(redis.command("HGET", key(id), "body"), "over 1 MiB: not in Redis");
        assertNull(b.get("acct-1", id, JsonMeter.NONE));
        assertNotNull(a.get("acct-1", id, JsonMeter.NONE));

        assertTrue(b.delete("acct-1", id));
        assertNull(a.get("acct-1", id, JsonMeter.NONE), "deleted on B: gone on A");
        assertEquals(0, files(dirA));
        assertFalse(a.delete("acct-1", id));
    }

    @Test
    void anErrorReply_orRedisGone_answersFromThisReplicasFilesOnly() throws IOException {
        String id = ResponsesOutput.newId("resp_");
        assertTrue(a.put("acct-1", id, ResponseStoreTest.response(id, "hi"), ResponseStoreTest.input("hello"), memory));
        redis.command("SET", key(id), "not a hash"); // every command on it is now WRONGTYPE
        assertNotNull(a.get("acct-1", id, JsonMeter.NONE));
        assertNull(b.get("acct-1", id, JsonMeter.NONE));
        assertFalse(b.delete("acct-1", id));

        redis.kill();
        String id2 = ResponsesOutput.newId("resp_");
        assertTrue(a.put("acct-1", id2, ResponseStoreTest.response(id2, "hi"), ResponseStoreTest.input("hello"), memory));
        assertNotNull(a.get("acct-1", id2, JsonMeter.NONE));
        assertNull(b.get("acct-1", id2, JsonMeter.NONE));
        assertTrue(a.delete("acct-1", id2));
        assertNull(a.get("acct-1", id2, JsonMeter.NONE));
    }

    /** {@code redis}, whose commands fail as unreachable while {@code down} is set (a network blip). */
    static Redis flaky(Redis redis, AtomicBoolean down) {
        return new Redis() {
            void check() throws RedisException {
                if (down.get()) throw new RedisException(RedisException.Kind.UNAVAILABLE, "test: unreachable");
            }
            @Override public Object call(String... command) throws RedisException { check(); return redis.call(command); }
            @Override public List<Object> pipeline(List<String[]> commands) throws RedisException { check(); return redis.pipeline(commands); }
            @Override public Object eval(tollgate.state.Script s, List<String> keys, List<String> args) throws RedisException {
                check();
                return redis.eval(s, keys, args);
            }
            @Override public boolean up() { return !down.get() && redis.up(); }
            @Override public void onHealth(Consumer<Boolean> listener) { redis.onHealth(listener); }
            @Override public void close() { redis.close(); }
        };
    }

    @Test
    void deletedWhileRedisWasUnreachable_isNeverReadBackFromRedis_andItsDeletionReachesRedisLater() throws IOException {
        AtomicBoolean down = new AtomicBoolean();
        ResponseStore flakyA = new ResponseStore(dirA, ResponseStoreTest.TTL, clock)
                .sharing(SharedResponses.over(SharedState.over(flaky(clientA, down), "a", "tollgate:")));
        String id = ResponsesOutput.newId("resp_");
        assertTrue(flakyA.put("acct-1", id, ResponseStoreTest.response(id, "hi"), ResponseStoreTest.input("hello"), memory));
        down.set(true);
        assertTrue(flakyA.delete("acct-1", id), "the local file was there: deleted");
        down.set(false);
        assertNull(flakyA.get("acct-1", id, JsonMeter.NONE), "deleted here: not fetched back from Redis's copy");
        assertNull(b.get("acct-1", id, JsonMeter.NONE), "the deletion reached Redis once it answered again");
        assertFalse(flakyA.delete("acct-1", id));
    }

    @Test
    void droppedAtTheAccountsCap_isGoneFromRedisToo() throws IOException {
        ResponseStore small = new ResponseStore(dirA, ResponseStoreTest.TTL, clock, 2, ResponseStore.MAX_BYTES_PER_ACCOUNT)
                .sharing(SharedResponses.over(SharedState.over(clientA, "a", "tollgate:")));
        String first = ResponsesOutput.newId("resp_");
        assertTrue(small.put("acct-1", first, ResponseStoreTest.response(first, "hi"), ResponseStoreTest.input("hello"), memory));
        for (int i = 0; i < 2; i++) {
            clock.advanceMillis(1000);
            String id = ResponsesOutput.newId("resp_");
            assertTrue(small.put("acct-1", id, ResponseStoreTest.response(id, "hi"), ResponseStoreTest.input("hello"), memory));
        }
        assertEquals(2, files(dirA));
        assertNull(small.get("acct-1", first, JsonMeter.NONE), "dropped to make room: not read back from Redis");
        assertNull(b.get("acct-1", first, JsonMeter.NONE), "nor on another replica");
        assertNull(redis.command("HGET", key(first), "body"), "its body no longer held in Redis");
    }
}
