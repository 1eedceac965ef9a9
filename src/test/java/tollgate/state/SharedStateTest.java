package tollgate.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import tollgate.config.EffectiveConfig;
import tollgate.config.StateConfig;

/** SharedState over the real client: shared, degraded while Redis is away, shared again when it is back. */
class SharedStateTest {

    @Test
    void localStateHasNoRedis() {
        try (SharedState s = SharedState.open(StateConfig.DEFAULTS)) {
            assertFalse(s.shared());
            assertFalse(s.degraded());
            assertNull(s.redis());
            assertNull(s.url());
            assertEquals("tollgate:rl:{k1}:rpm", s.key("rl:{k1}:rpm"));
        }
    }

    @Test
    void degradedWhileRedisIsAway_sharedAgainWhenItIsBack() throws Exception {
        try (RedisServer r = RedisServer.start("state-pw-1"); SharedState s = SharedState.open(r.stateConfig("gw-a"))) {
            assertTrue(s.shared());
            assertFalse(s.degraded(), "not degraded before the first command");
            assertEquals("gw-a", s.replicaId());
            assertEquals("redis://:" + EffectiveConfig.MASK + "@127.0.0.1:" + r.port(), s.url());
            assertEquals("OK", s.redis().call("SET", s.key("x"), "1"));
            assertEquals("1", r.command("GET", "tollgate:x"));
            r.kill();
            RedisException e = assertThrows(RedisException.class, () -> s.redis().call("GET", s.key("x")));
            assertTrue(e.unavailable());
            assertFalse(e.getMessage().contains("state-pw-1"), e.getMessage());
            assertTrue(s.degraded());
            r.restart();
            assertNull(s.redis().call("GET", s.key("x")));
            assertFalse(s.degraded());
        }
    }
}
