package tollgate.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.config.ConfigLoader.Overrides;

/** The documented key default ({@code TOLLGATE_API_KEY} without a {@code keys} section), and {@code server.*} limits. */
class KeysAndLimitsConfigTest {
    static final String KEY = "sk-exported-0123456789";

    @Test
    void noKeysSection_usesTollgateApiKey() {
        ConfigLoaderTest.Loaded l = ConfigLoaderTest.load("{}", Map.of("TOLLGATE_API_KEY", KEY), Overrides.NONE);
        assertEquals(1, l.config().keys().size());
        assertEquals("env", l.config().keys().get(0).name());
        assertArrayEquals(KeyConfig.hash(KEY), l.config().keys().get(0).sha256());
        assertEquals(List.of(), l.log());
    }

    @Test
    void noKeysSectionAndNoVariable_leavesNoKey_soOneIsGenerated() {
        ConfigLoaderTest.Loaded l = ConfigLoaderTest.load("{}", Map.of(), Overrides.NONE);
        assertEquals(List.of(), l.config().keys());
        assertEquals(List.of("{\"level\":\"info\",\"event\":\"key_skipped\",\"name\":\"env\",\"reason\":\"TOLLGATE_API_KEY is not set\"}"),
                l.log());
    }

    @Test
    void keysThatIgnoreASetTollgateApiKey_areWarnedAbout() {
        ConfigLoaderTest.Loaded l = ConfigLoaderTest.load("{\"keys\": [{\"name\": \"ci\", \"key\": \"sk-ci-0123456789abcdef\"}]}",
                Map.of("TOLLGATE_API_KEY", KEY), Overrides.NONE);
        assertEquals(1, l.config().keys().size());
        assertEquals(List.of("{\"level\":\"warn\",\"event\":\"env_key_unused\",\"variable\":\"TOLLGATE_API_KEY\",\"reason\":"
                + "\"the config lists keys and none of them is ${TOLLGATE_API_KEY}, so clients sending it are refused\"}"), l.log());
    }

    @Test
    void aTooShortTollgateApiKey_isNamedInTheError() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoaderTest.load("{}", Map.of("TOLLGATE_API_KEY", "short"), Overrides.NONE));
        assertEquals("config: keys (default: TOLLGATE_API_KEY).key: too short for an API key (5 characters, at least 16 required)",
                e.getMessage());
    }

    @Test
    void limits_haveDocumentedDefaults_andAreRead() {
        assertEquals(ServerLimits.defaults(), ConfigLoaderTest.parse("{}").server().limits());
        ServerLimits l = ConfigLoaderTest.parse("""
                {"server": {"max_connections": 50, "request_timeout_ms": 4000, "idle_timeout_ms": 9000,
                  "write_timeout_ms": 1500, "memory_budget_bytes": 1048576, "max_header_bytes": 4096,
                  "max_headers": 20, "max_url_bytes": 1024}}""").server().limits();
        assertEquals(new ServerLimits(50, Duration.ofMillis(4000), Duration.ofMillis(9000), Duration.ofMillis(1500),
                1048576, 4096, 20, 1024), l);
        assertEquals(1048576, l.memoryBudget());
    }

    @Test
    void limits_outOfRange_stopStartUpWithTheValue() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoaderTest.parse("{\"server\": {\"request_timeout_ms\": 10}}"));
        assertTrue(e.getMessage().startsWith("config: server.request_timeout_ms: expected"), e.getMessage());
        assertTrue(e.getMessage().endsWith("got 10"), e.getMessage());
    }

    @Test
    void autoBudget_isWhatTheHeapHasLeftAfterTheConnections_atLeastAQuarter() {
        ServerLimits d = ServerLimits.defaults();
        // 3/4 of 2 GiB less 6,144 connections x 88 KiB
        assertEquals(1_610_612_736L - 553_648_128L, d.memoryBudget(2L << 30));
        assertEquals(268_435_456L, d.memoryBudget(1L << 30), "3/4 of 1 GiB less the connections is under a quarter");
        assertEquals(67_108_864L, d.memoryBudget(256L << 20), "a quarter of a small heap");
        assertEquals(1234, new ServerLimits(10, d.requestTimeout(), d.idleTimeout(), d.writeTimeout(), 1234,
                d.maxHeaderBytes(), d.maxHeaders(), d.maxUrlBytes()).memoryBudget(1L << 30), "as configured");
    }
}
