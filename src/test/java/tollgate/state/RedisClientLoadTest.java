package tollgate.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import tollgate.config.StateConfig;

/** A real redis-server under many virtual threads, ACL users and databases, and killed mid-load. */
class RedisClientLoadTest {

    private static StateConfig config(RedisServer r, String user, String password, int db, int pool) {
        return new StateConfig(r.host(), r.port(), false, user, password, db, "t", StateConfig.DEFAULT_KEY_PREFIX, pool,
                Duration.ofMillis(2000), Duration.ofMillis(1000), null, null);
    }

    private static long stat(RedisServer r, String name) {
        for (String line : ((String) r.command("INFO", "stats")).split("\r\n")) {
            if (line.startsWith(name + ":")) return Long.parseLong(line.substring(name.length() + 1));
        }
        throw new AssertionError(name + " not in INFO stats");
    }

    @Test
    void manyVirtualThreadsShareABoundedPool() throws Exception {
        int threads = 64;
        int each = 50;
        int pool = 4;
        Script add = Script.of("add", "return redis.call('INCRBY', KEYS[1], ARGV[1])");
        try (RedisServer r = RedisServer.start(); Redis c = RedisClient.open(config(r, null, null, 0, pool))) {
            long before = stat(r, "total_connections_received");
            List<Throwable> errors = new CopyOnWriteArrayList<>();
            List<Thread> all = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                all.add(Thread.ofVirtual().start(() -> {
                    try {
                        for (int i = 0; i < each; i++) {
                            c.call("INCR", "n");
                            c.eval(add, List.of("e"), List.of("2"));
                            List<Object> p = c.pipeline(List.of(new String[] {"INCR", "p"}, new String[] {"SET", "t" + id, Integer.toString(i)}));
                            if (!"OK".equals(p.get(1))) throw new AssertionError(p);
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                }));
            }
            for (Thread t : all) t.join();
            // INFO's own connection counts once: the client opened at most its pool's worth.
            long opened = stat(r, "total_connections_received") - before - 1;
            assertEquals(List.of(), errors);
            assertEquals(Integer.toString(threads * each), r.command("GET", "n"));
            assertEquals(Integer.toString(2 * threads * each), r.command("GET", "e"));
            assertEquals(Integer.toString(threads * each), r.command("GET", "p"));
            assertTrue(opened >= 1 && opened <= pool, "connections opened: " + opened);
            assertTrue(((RedisClient) c).idleCount() <= pool);
        }
    }

    @Test
    void aServerKilledUnderLoadFailsEveryCommandFast_thenTheClientReconnects() throws Exception {
        try (RedisServer r = RedisServer.start(); Redis c = RedisClient.open(config(r, null, null, 0, 8))) {
            List<Boolean> health = new CopyOnWriteArrayList<>();
            c.onHealth(health::add);
            AtomicInteger ok = new AtomicInteger();
            AtomicInteger unavailable = new AtomicInteger();
            List<Throwable> other = new CopyOnWriteArrayList<>();
            List<Thread> all = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                all.add(Thread.ofVirtual().start(() -> {
                    for (int i = 0; i < 200; i++) {
                        try {
                            c.call("INCR", "n");
                            ok.incrementAndGet();
                        } catch (RedisException e) {
                            if (e.unavailable()) unavailable.incrementAndGet();
                            else other.add(e);
                        }
                    }
                }));
                if (t == 7) r.kill();
            }
            for (Thread t : all) t.join();
            assertEquals(List.of(), other);
            assertEquals(16 * 200, ok.get() + unavailable.get());
            assertTrue(unavailable.get() > 0);
            assertFalse(c.up());
            // A reply read just before the kill may report "up" after another thread reported "down".
            assertEquals(false, health.get(health.size() - 1), health.toString());
            int changes = health.size();
            r.restart();
            assertEquals(1L, c.call("INCR", "n"), "a restarted server without persistence starts empty");
            assertTrue(c.up());
            assertEquals(List.of(true), health.subList(changes, health.size()));
        }
    }

    @Test
    void anAclUserAndADatabase() throws Exception {
        try (RedisServer r = RedisServer.start("admin-pw")) {
            assertEquals("OK", r.command("ACL", "SETUSER", "gw", "on", ">gw-pass", "~tollgate:*", "+@all"));
            try (Redis c = RedisClient.open(config(r, "gw", "gw-pass", 2, 2))) {
                assertEquals("OK", c.call("SET", "tollgate:k", "v"));
                RedisException e = assertThrows(RedisException.class, () -> c.call("SET", "other", "v"));
                assertEquals(RedisException.Kind.SERVER, e.kind());
                assertEquals("NOPERM", e.prefix());
                assertTrue(c.up());
            }
            assertEquals(0L, r.command("EXISTS", "tollgate:k"), "the key is in database 2, not 0");
            try (Redis c = RedisClient.open(config(r, "gw", "gw-pass", 2, 2))) {
                assertEquals("v", c.call("GET", "tollgate:k"), "SELECT 2 on every connection");
            }
            try (Redis c = RedisClient.open(config(r, "gw", "not-gw-pass", 0, 2))) {
                RedisException e = assertThrows(RedisException.class, () -> c.call("PING"));
                assertEquals(RedisException.Kind.UNAVAILABLE, e.kind());
                assertEquals("Redis at 127.0.0.1:" + r.port() + " refused the user name or password of state.redis_url (WRONGPASS)",
                        e.getMessage());
                // What state_degraded logs: the reason, so a refused password does not read like a server that is down.
                assertFalse(c.up());
                assertEquals(e.getMessage(), c.lastFailure());
            }
            try (Redis c = RedisClient.open(config(r, "gw", "gw-pass", 15, 2))) {
                assertEquals("PONG", c.call("PING"));
            }
        }
    }
}
