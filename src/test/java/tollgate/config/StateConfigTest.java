package tollgate.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.json.Json;

/** The {@code state} section: {@code redis_url} parsed, bad values named at start-up, the password never shown. */
class StateConfigTest {
    @TempDir Path dir;

    private GatewayConfig load(String state, Map<String, String> env) {
        return ConfigLoader.parse(("{\"state\": " + state + "}").getBytes(StandardCharsets.UTF_8), "config", dir, env,
                ConfigLoader.Overrides.NONE, line -> { });
    }

    private StateConfig state(String state) {
        return load(state, Map.of()).ops().state();
    }

    private String problem(String state) {
        ConfigException e = assertThrows(ConfigException.class, () -> state(state));
        return e.getMessage();
    }

    @Test
    void anUnsetVariableOrNoSectionMeansLocalState() {
        StateConfig unset = load("{\"redis_url\": \"${TOLLGATE_REDIS_URL}\", \"replica_id\": \"gw-1\"}", Map.of()).ops().state();
        assertFalse(unset.shared());
        assertNull(unset.safeUrl());
        assertEquals("gw-1", unset.replicaId());
        assertFalse(state("{}").shared());
        assertFalse(ConfigLoader.parse("{}".getBytes(StandardCharsets.UTF_8), "config", dir, Map.of(), ConfigLoader.Overrides.NONE,
                line -> { }).ops().state().shared());
        StateConfig set = load("{\"redis_url\": \"${TOLLGATE_REDIS_URL}\"}", Map.of("TOLLGATE_REDIS_URL", "redis://10.0.0.5")).ops().state();
        assertTrue(set.shared());
        assertEquals("10.0.0.5", set.host());
        assertEquals(StateConfig.DEFAULT_PORT, set.port());
        assertEquals(0, set.db());
        assertEquals(StateConfig.DEFAULT_KEY_PREFIX, set.keyPrefix());
        assertEquals(StateConfig.DEFAULT_POOL_SIZE, set.poolSize());
        assertEquals(Duration.ofMillis(StateConfig.DEFAULT_TIMEOUT_MS), set.timeout());
        assertTrue(set.replicaId().matches("[A-Za-z0-9._-]+-[0-9a-f]{8}"), set.replicaId());
    }

    @Test
    void urlsOfEveryShape() {
        StateConfig a = state("{\"redis_url\": \"rediss://gw:p%40ss:w0rd@redis.example:6380/3\", \"pool_size\": 4, \"timeout_ms\": 250}");
        assertEquals("redis.example", a.host());
        assertEquals(6380, a.port());
        assertTrue(a.tls());
        assertEquals("gw", a.user());
        assertEquals("p@ss:w0rd", a.password());
        assertEquals(3, a.db());
        assertEquals(4, a.poolSize());
        assertEquals(Duration.ofMillis(250), a.timeout());
        assertEquals("rediss://gw:" + EffectiveConfig.MASK + "@redis.example:6380/3", a.safeUrl());
        StateConfig b = state("{\"redis_url\": \"redis://:only-pw@[::1]\"}");
        assertEquals("::1", b.host());
        assertNull(b.user());
        assertEquals("only-pw", b.password());
        assertEquals("redis://:" + EffectiveConfig.MASK + "@[::1]:6379", b.safeUrl());
        StateConfig c = state("{\"redis_url\": \"redis://pw-alone@h\"}");
        assertNull(c.user());
        assertEquals("pw-alone", c.password());
        assertFalse(state("{\"redis_url\": \"valkey://h:1/0\"}").tls());
        for (StateConfig s : new StateConfig[] {a, b, c}) {
            assertFalse(s.toString().contains(s.password()), s.toString());
        }
    }

    @Test
    void badUrlsAreNamed_andThePasswordIsNeverQuoted() {
        String scheme = problem("{\"redis_url\": \"http://u:secret-pw-1@h:6379\"}");
        assertTrue(scheme.contains("state.redis_url: has scheme 'http'; expected redis://"), scheme);
        String db = problem("{\"redis_url\": \"redis://:secret-pw-2@h/16\"}");
        assertTrue(db.contains("state.redis_url: has database '16'; expected a number 0-15"), db);
        String notDb = problem("{\"redis_url\": \"redis://:secret-pw-3@h/x\"}");
        assertTrue(notDb.contains("state.redis_url: has database 'x'"), notDb);
        String query = problem("{\"redis_url\": \"redis://:secret-pw-4@h?db=1\"}");
        assertTrue(query.contains("state.redis_url: has a query or fragment"), query);
        String noHost = problem("{\"redis_url\": \"redis:///0\"}");
        assertTrue(noHost.contains("state.redis_url: names no host"), noHost);
        String notUrl = problem("{\"redis_url\": \"redis://:secret pw 5@h\"}");
        assertTrue(notUrl.contains("state.redis_url: is not a URL"), notUrl);
        for (String m : new String[] {scheme, db, notDb, query, noHost, notUrl}) {
            assertFalse(m.contains("secret"), m);
        }
        assertTrue(problem("{\"pool_size\": 0}").contains("state.pool_size"));
        assertTrue(problem("{\"key_prefix\": \"a b\"}").contains("state.key_prefix"));
        assertTrue(problem("{\"replica_id\": \"no/slash\"}").contains("state.replica_id"));
        assertTrue(problem("{\"redis\": \"x\"}").contains("unknown key"));
    }

    @Test
    void anUnreadableTrustStoreFailsAtStartUp() throws Exception {
        String missing = problem("{\"redis_url\": \"rediss://h\", \"tls_truststore\": \"nope.p12\"}");
        assertTrue(missing.contains("state.tls_truststore: " + dir.resolve("nope.p12") + ": no such file"), missing);
        Files.writeString(dir.resolve("bad.p12"), "not a store");
        String bad = problem("{\"redis_url\": \"rediss://h\", \"tls_truststore\": \"bad.p12\", \"tls_truststore_password\": \"store-secret-6\"}");
        assertTrue(bad.contains("state.tls_truststore: " + dir.resolve("bad.p12") + ": not a PKCS#12 trust store"), bad);
        assertFalse(bad.contains("store-secret-6"), bad);
    }

    @Test
    void checkConfigShowsStateUnderItsKeys_withThePasswordMasked() {
        GatewayConfig config = load("{\"redis_url\": \"${TOLLGATE_REDIS_URL}\", \"replica_id\": \"gw-2\"}",
                Map.of("TOLLGATE_REDIS_URL", "redis://admin:redis-secret-7@redis.internal:6390/1"));
        String json = Json.toString(EffectiveConfig.of(config, Map.of("TOLLGATE_REDIS_URL", "redis://admin:redis-secret-7@redis.internal:6390/1")));
        assertFalse(json.contains("redis-secret-7"), json);
        assertTrue(json.contains("\"state\":{\"redis_url\":\"redis://admin:" + EffectiveConfig.MASK + "@redis.internal:6390/1\","
                + "\"replica_id\":\"gw-2\",\"key_prefix\":\"tollgate:\",\"pool_size\":8,\"timeout_ms\":500,\"connect_timeout_ms\":1000,"
                + "\"tls_truststore\":null,\"tls_truststore_password\":null}"), json);
        String local = Json.toString(EffectiveConfig.of(state0(), Map.of()));
        assertTrue(local.contains("\"state\":{\"redis_url\":null,"), local);
        // The responses section is in the output too (ops is taken apart under the file's keys).
        assertTrue(local.contains("\"responses\":{\"store_ttl_ms\":2592000000}"), local);
    }

    private GatewayConfig state0() {
        return load("{\"replica_id\": \"gw-3\"}", Map.of());
    }
}
