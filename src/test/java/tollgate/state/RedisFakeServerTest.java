package tollgate.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** The client against a fake RESP server: what a real Redis will not do on demand. */
class RedisFakeServerTest {

    /** Replies by the first argument of {@code GET}: raw RESP. */
    private static FakeRedis serving(Map<String, String> replies) throws Exception {
        return new FakeRedis((n, c, out) -> {
            String reply = c.get(0).equals("HELLO") ? FakeRedis.HELLO3 : replies.get(c.get(1));
            if (reply == null) return false;
            FakeRedis.write(out, reply);
            return true;
        });
    }

    @Test
    void everyResp3TypeIsDecodedAsTheContractSays() throws Exception {
        Map<String, String> r = new LinkedHashMap<>();
        r.put("simple", "+OK\r\n");
        r.put("bulk", "$6\r\nh\u00e9llo\r\n");   // é is two bytes in UTF-8
        r.put("empty", "$0\r\n\r\n");
        r.put("verbatim", "=15\r\ntxt:Some string\r\n");
        r.put("integer", ":-9223372036854775808\r\n");
        r.put("null", "_\r\n");
        r.put("null2bulk", "$-1\r\n");
        r.put("null2array", "*-1\r\n");
        r.put("true", "#t\r\n");
        r.put("false", "#f\r\n");
        r.put("double", ",1.23\r\n");
        r.put("inf", ",inf\r\n");
        r.put("-inf", ",-inf\r\n");
        r.put("nan", ",nan\r\n");
        r.put("big", "(3492890328409238509324850943850943825024385\r\n");
        r.put("array", "*3\r\n:1\r\n*2\r\n+a\r\n_\r\n$1\r\nb\r\n");
        r.put("set", "~2\r\n+x\r\n+y\r\n");
        r.put("map", "%2\r\n+first\r\n:1\r\n+second\r\n%1\r\n+in\r\n#t\r\n");
        r.put("attribute", "|1\r\n+ttl\r\n:3600\r\n:42\r\n");
        r.put("pushfirst", ">3\r\n+message\r\n+chan\r\n+hi\r\n+after push\r\n");
        r.put("error", "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
        r.put("bulkerror", "!21\r\nSYNTAX invalid syntax\r\n");
        try (FakeRedis f = serving(r); Redis c = RedisClient.open(f.config(null, 2000))) {
            assertEquals("OK", c.call("GET", "simple"));
            assertEquals("h\u00e9llo", c.call("GET", "bulk"));
            assertEquals("", c.call("GET", "empty"));
            assertEquals("Some string", c.call("GET", "verbatim"));
            assertEquals(Long.MIN_VALUE, c.call("GET", "integer"));
            assertNull(c.call("GET", "null"));
            assertNull(c.call("GET", "null2bulk"));
            assertNull(c.call("GET", "null2array"));
            assertEquals(Boolean.TRUE, c.call("GET", "true"));
            assertEquals(Boolean.FALSE, c.call("GET", "false"));
            assertEquals(1.23, c.call("GET", "double"));
            assertEquals(Double.POSITIVE_INFINITY, c.call("GET", "inf"));
            assertEquals(Double.NEGATIVE_INFINITY, c.call("GET", "-inf"));
            assertTrue(((Double) c.call("GET", "nan")).isNaN());
            assertEquals(new BigInteger("3492890328409238509324850943850943825024385"), c.call("GET", "big"));
            assertEquals(Arrays.asList(1L, Arrays.asList("a", null), "b"), c.call("GET", "array"));
            assertEquals(List.of("x", "y"), c.call("GET", "set"));
            Object map = c.call("GET", "map");
            assertEquals(new LinkedHashMap<>(Map.of("first", 1L, "second", Map.of("in", true))), map);
            assertEquals(List.of("first", "second"), List.copyOf(((Map<?, ?>) map).keySet()), "the server's order");
            assertEquals(42L, c.call("GET", "attribute"), "an attribute describes the reply that follows");
            assertEquals("after push", c.call("GET", "pushfirst"), "a push is never a command's reply");
            RedisException e = assertThrows(RedisException.class, () -> c.call("GET", "error"));
            assertEquals(RedisException.Kind.SERVER, e.kind());
            assertEquals("WRONGTYPE", e.prefix());
            RedisException b = assertThrows(RedisException.class, () -> c.call("GET", "bulkerror"));
            assertEquals("SYNTAX", b.prefix());
            assertEquals("SYNTAX invalid syntax", b.getMessage());
            assertEquals(1, f.connections(), "one connection served every reply");
            assertTrue(c.up());
        }
    }

    @Test
    void oversizeRepliesAreRefusedAndTheirConnectionClosed() throws Exception {
        Map<String, String> r = new LinkedHashMap<>();
        r.put("ok", "+OK\r\n");
        r.put("bulk", "$" + (Resp.MAX_BULK_BYTES + 1) + "\r\nabc");
        r.put("array", "*" + (Resp.MAX_AGGREGATE_ELEMENTS + 1) + "\r\n:1\r\n");
        r.put("map", "%" + (Resp.MAX_AGGREGATE_ELEMENTS / 2 + 1) + "\r\n");
        r.put("deep", "*1\r\n".repeat(Resp.MAX_DEPTH + 2) + ":1\r\n");
        r.put("line", "+" + "x".repeat(Resp.MAX_LINE_BYTES + 1) + "\r\n");
        try (FakeRedis f = serving(r); Redis c = RedisClient.open(f.config(null, 2000))) {
            int connections = 0;
            for (String what : List.of("bulk", "array", "map", "deep", "line")) {
                assertEquals("OK", c.call("GET", "ok"));
                connections++;
                RedisException e = assertThrows(RedisException.class, () -> c.call("GET", what), what);
                assertEquals(RedisException.Kind.UNAVAILABLE, e.kind(), what);
                assertTrue(e.getMessage().startsWith("Redis reply refused: "), e.getMessage());
                assertEquals(connections, f.connections(), what);
            }
            assertEquals("OK", c.call("GET", "ok"));
            assertEquals(6, f.connections(), "each refused reply's connection was closed, never reused");
            assertTrue(c.up(), "the server answered: it is not down");
        }
    }

    @Test
    void aServerThatNeverAnswersTimesOut_theConnectionIsDropped_andTheNextCommandWorks() throws Exception {
        List<Boolean> health = new CopyOnWriteArrayList<>();
        try (FakeRedis f = new FakeRedis((n, c, out) -> {
                if (c.get(0).equals("HELLO")) FakeRedis.write(out, FakeRedis.HELLO3);
                else if (n == 1) return true; // the first connection never answers a command
                else FakeRedis.write(out, "+PONG\r\n");
                return true;
            }); Redis c = RedisClient.open(f.config(null, 300))) {
            c.onHealth(health::add);
            RedisException e = assertThrows(RedisException.class, () -> c.call("PING"));
            assertEquals(RedisException.Kind.TIMEOUT, e.kind());
            assertTrue(e.unavailable());
            assertTrue(e.getMessage().contains("did not answer within 300 ms"), e.getMessage());
            assertFalse(c.up());
            assertEquals("PONG", c.call("PING"));
            assertEquals(2, f.connections(), "the timed-out connection is not reused: its late reply would be the next command's");
            assertTrue(c.up());
            assertEquals(List.of(false, true), health);
        }
    }

    @Test
    void halfAReplyThenClose_isUnavailable_andTheNextCommandReconnects() throws Exception {
        try (FakeRedis f = new FakeRedis((n, c, out) -> {
                if (c.get(0).equals("HELLO")) {
                    FakeRedis.write(out, FakeRedis.HELLO3);
                    return true;
                }
                if (n == 1) {
                    FakeRedis.write(out, "*2\r\n$5\r\nhel");
                    return false;
                }
                FakeRedis.write(out, "$5\r\nhello\r\n");
                return true;
            }); Redis c = RedisClient.open(f.config(null, 2000))) {
            RedisException e = assertThrows(RedisException.class, () -> c.call("GET", "k"));
            assertEquals(RedisException.Kind.UNAVAILABLE, e.kind());
            assertTrue(e.getMessage().startsWith("lost the connection to Redis at 127.0.0.1:" + f.port()), e.getMessage());
            assertFalse(c.up());
            assertEquals("hello", c.call("GET", "k"));
            assertTrue(c.up());
        }
    }

    @Test
    void aResp2OnlyServerGetsAuthAfterItsHelloFails_andMapsComeAsFlatArrays() throws Exception {
        try (FakeRedis f = new FakeRedis((n, c, out) -> {
                switch (c.get(0)) {
                    // Redis 5 quotes the arguments: the client must never repeat this message.
                    case "HELLO" -> FakeRedis.write(out, "-ERR unknown command `HELLO`, with args beginning with: `3`, `AUTH`, `default`, `pw-123`,\r\n");
                    case "AUTH" -> FakeRedis.write(out, c.get(1).equals("pw-123") ? "+OK\r\n" : "-ERR invalid password\r\n");
                    case "HGETALL" -> FakeRedis.write(out, "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n");
                    default -> FakeRedis.write(out, "+PONG\r\n");
                }
                return true;
            }); Redis c = RedisClient.open(f.config("pw-123", 2000))) {
            assertEquals("PONG", c.call("PING"));
            assertEquals(List.of("a", "1", "b", "2"), c.call("HGETALL", "h"));
            assertEquals(List.of(List.of("HELLO", "3", "AUTH", "default", "pw-123"), List.of("AUTH", "pw-123"), List.of("PING"),
                    List.of("HGETALL", "h")), f.received());
        }
    }

    @Test
    void aRefusedPasswordIsNeverQuoted() throws Exception {
        try (FakeRedis f = new FakeRedis((n, c, out) -> {
                if (c.get(0).equals("HELLO")) FakeRedis.write(out, "-ERR unknown command 'HELLO', with args beginning with: '3' 'AUTH' 'default' 'pw-bad-9'\r\n");
                else FakeRedis.write(out, "-ERR invalid password\r\n");
                return true;
            }); Redis c = RedisClient.open(f.config("pw-bad-9", 2000))) {
            RedisException e = assertThrows(RedisException.class, () -> c.call("PING"));
            assertEquals(RedisException.Kind.UNAVAILABLE, e.kind());
            assertEquals("Redis at 127.0.0.1:" + f.port() + " refused the password of state.redis_url (ERR)", e.getMessage());
            assertFalse(c.up());
            assertEquals(2, f.received().size(), "HELLO then AUTH, and no command after a refused AUTH");
        }
    }

    @Test
    void aPushBetweenPipelinedRepliesIsSkipped() throws Exception {
        try (FakeRedis f = new FakeRedis((n, c, out) -> {
                if (c.get(0).equals("HELLO")) FakeRedis.write(out, FakeRedis.HELLO3);
                else FakeRedis.write(out, ">2\r\n+invalidate\r\n*1\r\n+k\r\n:" + c.get(1) + "\r\n");
                return true;
            }); Redis c = RedisClient.open(f.config(null, 2000))) {
            assertEquals(List.of(1L, 2L, 3L), c.pipeline(List.of(new String[] {"ECHO", "1"}, new String[] {"ECHO", "2"},
                    new String[] {"ECHO", "3"})));
        }
    }

    @Test
    void aCommandIsCheckedBeforeAnythingIsWritten() throws Exception {
        try (FakeRedis f = serving(Map.of("k", "+OK\r\n")); Redis c = RedisClient.open(f.config(null, 2000))) {
            assertThrows(IllegalArgumentException.class, () -> c.pipeline(List.of(new String[] {"GET", "k"}, new String[0])));
            assertThrows(NullPointerException.class, () -> c.call("GET", null));
            assertEquals("OK", c.call("GET", "k"));
            assertEquals(List.of(List.of("HELLO", "3"), List.of("GET", "k")), f.received());
        }
    }

    @Test
    void aPooledConnectionTheServerClosedWhileIdleIsNotUsed() throws Exception {
        List<Boolean> health = new CopyOnWriteArrayList<>();
        try (FakeRedis f = new FakeRedis((n, c, out) -> {
                // Like a server's idle timeout or a proxy: each connection serves one command, then it is closed.
                FakeRedis.write(out, c.get(0).equals("HELLO") ? FakeRedis.HELLO3 : "+PONG\r\n");
                return c.get(0).equals("HELLO");
            }); RedisClient c = (RedisClient) RedisClient.open(f.config(null, 2000))) {
            c.onHealth(health::add);
            assertEquals("PONG", c.call("PING"));
            await(() -> f.closedConnections() >= 1, "the server side closed the connection");
            c.idleSince(System.nanoTime() - RedisConnection.IDLE_CHECK_NANOS - 1);
            assertEquals("PONG", c.call("PING"), "a connection idle long enough is checked before reuse");
            assertEquals(2, f.connections());
            assertEquals(List.of(), health, "the server never went away");
        }
    }

    @Test
    void whileRedisIsDownOneCommandAtATimeReconnects_theOthersFailAtOnce() throws Exception {
        java.util.concurrent.CountDownLatch answer = new java.util.concurrent.CountDownLatch(1);
        try (FakeRedis f = new FakeRedis((n, c, out) -> {
                if (n == 1) {
                    FakeRedis.write(out, c.get(0).equals("HELLO") ? FakeRedis.HELLO3 : "");
                    return c.get(0).equals("HELLO"); // closes on the first command: Redis went away
                }
                if (c.get(0).equals("HELLO")) {
                    try {
                        answer.await(); // the reconnecting command's handshake waits for the test
                    } catch (InterruptedException e) {
                        return false;
                    }
                    FakeRedis.write(out, FakeRedis.HELLO3);
                } else {
                    FakeRedis.write(out, "+PONG\r\n");
                }
                return true;
            }); Redis c = RedisClient.open(new tollgate.config.StateConfig("127.0.0.1", f.port(), false, null, null, 0, "t",
                    "tollgate:", 2, java.time.Duration.ofMillis(2000), java.time.Duration.ofMillis(30_000), null, null))) {
            assertThrows(RedisException.class, () -> c.call("PING"));
            assertFalse(c.up());
            List<Object> first = new CopyOnWriteArrayList<>();
            Thread prober = Thread.ofVirtual().start(() -> {
                try {
                    first.add(c.call("PING"));
                } catch (RedisException e) {
                    first.add(e);
                }
            });
            try {
                await(() -> f.received().size() >= 3, "HELLO, PING, then the prober's HELLO");
                RedisException e = assertThrows(RedisException.class, () -> c.call("PING"));
                assertEquals(RedisException.Kind.UNAVAILABLE, e.kind());
                assertEquals("Redis at 127.0.0.1:" + f.port() + " is unreachable (reconnecting)", e.getMessage());
            } finally {
                answer.countDown();
            }
            prober.join();
            assertEquals(List.of("PONG"), first);
            assertTrue(c.up());
            assertEquals(2, f.connections(), "the command that failed at once did not connect");
        }
    }

    @Test
    void aLargePipelineToAServerThatStoppedReadingTimesOut() throws Exception {
        java.util.concurrent.CountDownLatch testOver = new java.util.concurrent.CountDownLatch(1);
        try (FakeRedis f = new FakeRedis((n, c, out) -> {
                if (c.get(0).equals("HELLO")) {
                    FakeRedis.write(out, FakeRedis.HELLO3);
                    return true;
                }
                try {
                    // Stops reading until the test is over: the client's writes fill the socket buffers,
                    // and only the client's own watchdog can end its write.
                    testOver.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return false;
            }); Redis c = RedisClient.open(f.config(null, 300))) {
            String big = "x".repeat(1024 * 1024);
            List<String[]> commands = new java.util.ArrayList<>();
            for (int i = 0; i < 64; i++) commands.add(new String[] {"SET", "k" + i, big});
            RedisException e = assertThrows(RedisException.class, () -> c.pipeline(commands));
            assertEquals(RedisException.Kind.TIMEOUT, e.kind(), e.getMessage());
            assertEquals("Redis at 127.0.0.1:" + f.port() + " did not take the commands within 300 ms", e.getMessage());
            assertFalse(c.up());
        } finally {
            testOver.countDown();
        }
    }

    @Test
    void anInterruptedCommandFailsWithoutMarkingRedisDown() throws Exception {
        List<Boolean> health = new CopyOnWriteArrayList<>();
        try (FakeRedis f = new FakeRedis((n, c, out) -> {
                if (c.get(0).equals("HELLO")) FakeRedis.write(out, FakeRedis.HELLO3);
                else if (c.get(0).equals("PING")) FakeRedis.write(out, "+PONG\r\n");
                return true; // BLPOP: no answer
            }); Redis c = RedisClient.open(f.config(null, 5000))) {
            c.onHealth(health::add);
            assertEquals("PONG", c.call("PING"));
            List<RedisException> failures = new CopyOnWriteArrayList<>();
            Thread waiting = Thread.ofVirtual().start(() -> {
                try {
                    c.call("BLPOP", "q", "0");
                } catch (RedisException e) {
                    failures.add(e);
                }
            });
            await(() -> f.received().size() >= 3, "HELLO, PING, then BLPOP");
            waiting.interrupt();
            waiting.join();
            assertEquals("interrupted while waiting for Redis", failures.get(0).getMessage());
            assertEquals(RedisException.Kind.UNAVAILABLE, failures.get(0).kind());
            assertTrue(c.up());
            assertEquals(List.of(), health);
            assertEquals("PONG", c.call("PING"));
        }
    }

    /** Waits for what the fake server sees, at most {@link #AWAIT_NANOS}: a bounded wait, never a hang. */
    static void await(BooleanSupplier done, String what) throws InterruptedException {
        long deadline = System.nanoTime() + AWAIT_NANOS;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("not within 10 s: " + what);
            Thread.sleep(5);
        }
    }

    /** How long {@link #await} waits, in nanoseconds: 10 s. */
    static final long AWAIT_NANOS = 10_000_000_000L;
}
