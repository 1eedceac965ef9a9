package tollgate.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The client against a real redis-server (skipped without one). */
class RedisClientTest {

    @Test
    void callsDecodeRepliesAndThrowErrorReplies() throws Exception {
        try (RedisServer r = RedisServer.start(); Redis c = r.client()) {
            assertEquals("PONG", c.call("PING"));
            assertEquals("OK", c.call("SET", "k", "héllo wörld"));
            assertEquals("héllo wörld", c.call("GET", "k"));
            assertNull(c.call("GET", "missing"));
            assertEquals(5L, c.call("INCRBY", "n", "5"));
            assertEquals(java.util.Arrays.asList("héllo wörld", null), c.call("MGET", "k", "missing"));
            c.call("HSET", "h", "a", "1", "b", "2");
            // RESP3 after HELLO 3: a map in the server's order.
            assertEquals(Map.of("a", "1", "b", "2"), c.call("HGETALL", "h"));
            RedisException e = assertThrows(RedisException.class, () -> c.call("INCRBY", "k", "1"));
            assertEquals(RedisException.Kind.SERVER, e.kind());
            assertEquals("ERR", e.prefix());
            assertFalse(e.unavailable());
            RedisException w = assertThrows(RedisException.class, () -> c.call("HGET", "k", "x"));
            assertEquals("WRONGTYPE", w.prefix());
            assertTrue(c.up());
        }
    }

    @Test
    void pipelineReturnsErrorRepliesInPlace() throws Exception {
        try (RedisServer r = RedisServer.start(); Redis c = r.client()) {
            List<String[]> cmds = new ArrayList<>();
            cmds.add(new String[] {"SET", "s", "text"});
            cmds.add(new String[] {"INCR", "s"});
            cmds.add(new String[] {"INCRBY", "n", "2"});
            cmds.add(new String[] {"PEXPIRE", "n", "60000", "NX"});
            List<Object> out = c.pipeline(cmds);
            assertEquals(4, out.size());
            assertEquals("OK", out.get(0));
            RedisException e = assertInstanceOf(RedisException.class, out.get(1));
            assertEquals("ERR", e.prefix());
            assertEquals(2L, out.get(2));
            assertEquals(1L, out.get(3));
            assertEquals(List.of(), c.pipeline(List.of()));
        }
    }

    @Test
    void evalRunsTheScriptAndReloadsItAfterTheCacheIsFlushed() throws Exception {
        Script add = Script.of("add", "return redis.call('INCRBY', KEYS[1], ARGV[1])");
        try (RedisServer r = RedisServer.start(); Redis c = r.client()) {
            assertEquals(3L, c.eval(add, List.of("x"), List.of("3")));
            assertEquals(add.sha1(), r.command("SCRIPT", "LOAD", add.source()));
            assertEquals(7L, c.eval(add, List.of("x"), List.of("4")));
            assertEquals("OK", r.command("SCRIPT", "FLUSH"));
            assertEquals(List.of(0L), r.command("SCRIPT", "EXISTS", add.sha1()));
            assertEquals(8L, c.eval(add, List.of("x"), List.of("1")));
            assertEquals(List.of(1L), r.command("SCRIPT", "EXISTS", add.sha1()));
            Script bad = Script.of("bad", "return redis.call('NOPE')");
            RedisException e = assertThrows(RedisException.class, () -> c.eval(bad, List.of(), List.of()));
            assertEquals(RedisException.Kind.SERVER, e.kind());
        }
    }

    @Test
    void aKilledServerIsUnavailableAndARestartedOneIsUsedAgain() throws Exception {
        try (RedisServer r = RedisServer.start(); Redis c = r.client()) {
            List<Boolean> health = new CopyOnWriteArrayList<>();
            c.onHealth(health::add);
            assertEquals("OK", c.call("SET", "a", "1"));
            r.kill();
            RedisException e = assertThrows(RedisException.class, () -> c.call("GET", "a"));
            assertTrue(e.unavailable(), e.getMessage());
            assertFalse(c.up());
            assertEquals(List.of(false), health);
            RedisException again = assertThrows(RedisException.class, () -> c.call("GET", "a"));
            assertEquals(RedisException.Kind.UNAVAILABLE, again.kind());
            assertTrue(again.getMessage().contains("127.0.0.1:" + r.port()), again.getMessage());
            r.restart();
            assertNull(c.call("GET", "a"), "a restarted server without persistence is empty");
            assertTrue(c.up());
            assertEquals(List.of(false, true), health);
        }
    }

    @Test
    void passwordsAreSentAndAWrongOneIsAClearUnavailable() throws Exception {
        try (RedisServer r = RedisServer.start("s3cret pass")) {
            try (Redis c = r.client()) {
                assertEquals("PONG", c.call("PING"));
            }
            var bad = new tollgate.config.StateConfig(r.host(), r.port(), false, null, "wrong-password-xyz", 0, "t", "tollgate:", 2,
                    java.time.Duration.ofMillis(500), java.time.Duration.ofMillis(1000), null, null);
            try (Redis c = RedisClient.open(bad)) {
                RedisException e = assertThrows(RedisException.class, () -> c.call("PING"));
                assertEquals(RedisException.Kind.UNAVAILABLE, e.kind());
                assertTrue(e.getMessage().contains("WRONGPASS"), e.getMessage());
                assertFalse(e.getMessage().contains("wrong-password-xyz"), e.getMessage());
                assertFalse(c.up());
            }
            var none = new tollgate.config.StateConfig(r.host(), r.port(), false, null, null, 0, "t", "tollgate:", 2,
                    java.time.Duration.ofMillis(500), java.time.Duration.ofMillis(1000), null, null);
            try (Redis c = RedisClient.open(none)) {
                RedisException e = assertThrows(RedisException.class, () -> c.call("PING"));
                assertEquals(RedisException.Kind.UNAVAILABLE, e.kind());
                assertTrue(e.getMessage().contains("requires a password"), e.getMessage());
            }
        }
    }

    @Test
    void aClosedClientIsUnavailable() throws Exception {
        try (RedisServer r = RedisServer.start()) {
            Redis c = r.client();
            assertEquals("PONG", c.call("PING"));
            c.close();
            RedisException e = assertThrows(RedisException.class, () -> c.call("PING"));
            assertEquals(RedisException.Kind.UNAVAILABLE, e.kind());
        }
    }
}
