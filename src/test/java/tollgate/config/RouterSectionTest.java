package tollgate.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tollgate.config.ConfigLoader.Overrides;

/** The {@code router} and {@code groups} sections and {@code models[].quality}: defaults, values, and errors that name the path. */
class RouterSectionTest {
    private static final String BASE = "\"providers\": {\"echo\": {\"kind\": \"echo\"}, \"up\": {\"kind\": \"openai\", "
            + "\"base_url\": \"http://127.0.0.1:9/v1\"}}, \"models\": [{\"id\": \"e\", \"provider\": \"echo\"}, "
            + "{\"id\": \"m\", \"provider\": \"up\", \"quality\": {\"general\": 70, \"vision\": 10}}]";

    private static GatewayConfig load(String extra) {
        return ConfigLoaderTest.load("{" + BASE + (extra.isEmpty() ? "" : ", " + extra) + "}", Map.of(), Overrides.NONE).config();
    }

    private static String error(String extra) {
        return assertThrows(ConfigException.class, () -> load(extra)).getMessage();
    }

    @Test
    void absentSections_areTheDefaults() {
        GatewayConfig c = load("");
        assertEquals(RouterConfig.defaults(), c.router());
        assertEquals(List.of(), c.groups());
        assertEquals(Map.of("general", 70, "vision", 10), c.models().get(1).quality());
        assertEquals(Map.of(), c.models().get(0).quality());
    }

    @Test
    void everyRouterField_isRead() {
        RouterConfig r = load("\"router\": {\"retries\": 3, \"backoff_ms\": 10, \"max_backoff_ms\": 40, \"max_retry_after_ms\": 0, "
                + "\"baseline_model\": \"m\", \"policies\": {\"frugal\": {\"min_quality\": 1}, \"premium\": {\"min_quality\": 99}}, "
                + "\"default_output_tokens\": 7, \"breaker\": {\"window_ms\": 100, \"min_requests\": 2, \"failure_percent\": 25, "
                + "\"cooldown_ms\": 5}}").router();
        assertEquals(new RouterConfig(3, Duration.ofMillis(10), Duration.ofMillis(40), Duration.ZERO, "m",
                Map.of("frugal", 1, "balanced", 75, "premium", 99), 7,
                new RouterConfig.Breaker(Duration.ofMillis(100), 2, 0.25, Duration.ofMillis(5))), r);
    }

    @Test
    void groups_areReadWithTheirMembers() {
        List<GroupConfig> g = load("\"groups\": [{\"id\": \"123E4567-E89B-12D3-A456-426614174000\", \"name\": \"fast\", "
                + "\"strategy\": \"weighted\", \"deployments\": [{\"model\": \"m\", \"weight\": 3}, "
                + "{\"provider\": \"up\", \"upstream\": \"other\"}]}, "
                + "{\"id\": \"00000000-0000-0000-0000-000000000001\", \"deployments\": [{\"model\": \"e\"}]}]").groups();
        assertEquals(List.of(
                new GroupConfig("123e4567-e89b-12d3-a456-426614174000", "fast", "weighted", List.of(
                        new GroupConfig.Member("m", null, null, 3), new GroupConfig.Member(null, "up", "other", 1))),
                new GroupConfig("00000000-0000-0000-0000-000000000001", null, "priority",
                        List.of(new GroupConfig.Member("e", null, null, 1)))), g);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "\"router\": {\"retries\": 11}|config: router.retries: expected an integer 0-10, got 11",
            "\"router\": {\"retry\": 1}|config: router: unknown key \"retry\" (known keys: retries, backoff_ms, max_backoff_ms, max_retry_after_ms, baseline_model, policies, default_output_tokens, breaker)",
            "\"router\": {\"backoff_ms\": 50, \"max_backoff_ms\": 10}|config: router.max_backoff_ms: must be at least backoff_ms (50)",
            "\"router\": {\"baseline_model\": \"gpt-9\"}|config: router.baseline_model: no model \"gpt-9\" is configured",
            "\"router\": {\"policies\": {\"cheap\": {}}}|config: router.policies: unknown key \"cheap\" (known keys: frugal, balanced, premium)",
            "\"router\": {\"policies\": {\"frugal\": {\"min_quality\": 101}}}|config: router.policies.frugal.min_quality: expected an integer 0-100, got 101",
            "\"router\": {\"breaker\": {\"failure_percent\": 0}}|config: router.breaker.failure_percent: expected an integer 1-100, got 0",
            "\"groups\": [{\"id\": \"not-a-uuid\", \"deployments\": [{\"model\": \"m\"}]}]|config: groups[0].id: expected a UUID like 123e4567-e89b-12d3-a456-426614174000, got \"not-a-uuid\"",
            "\"groups\": [{\"id\": \"00000000-0000-0000-0000-000000000001\", \"strategy\": \"random\", \"deployments\": [{\"model\": \"m\"}]}]|config: groups[0].strategy: expected one of priority, weighted, least-latency, least-busy, cheapest, got \"random\"",
            "\"groups\": [{\"id\": \"00000000-0000-0000-0000-000000000001\"}]|config: groups[0].deployments: required: at least one deployment",
            "\"groups\": [{\"id\": \"00000000-0000-0000-0000-000000000001\", \"deployments\": [{\"model\": \"x\"}]}]|config: groups[0].deployments[0].model: no model \"x\" is configured",
            "\"groups\": [{\"id\": \"00000000-0000-0000-0000-000000000001\", \"deployments\": [{\"model\": \"m\", \"provider\": \"up\"}]}]|config: groups[0].deployments[0]: give either model, or provider and upstream, not both",
            "\"groups\": [{\"id\": \"00000000-0000-0000-0000-000000000001\", \"deployments\": [{\"provider\": \"up\"}]}]|config: groups[0].deployments[0]: required: model, or provider and upstream",
            "\"groups\": [{\"id\": \"00000000-0000-0000-0000-000000000001\", \"deployments\": [{\"provider\": \"nope\", \"upstream\": \"u\"}]}]|config: groups[0].deployments[0].provider: no provider \"nope\" is configured",
            "\"groups\": [{\"id\": \"00000000-0000-0000-0000-000000000001\", \"deployments\": [{\"model\": \"m\", \"weight\": 0}]}]|config: groups[0].deployments[0].weight: expected an integer 1-1000000, got 0",
            "\"groups\": [{\"id\": \"00000000-0000-0000-0000-000000000001\", \"name\": \"a\", \"deployments\": [{\"model\": \"m\"}]}, {\"id\": \"00000000-0000-0000-0000-000000000002\", \"name\": \"a\", \"deployments\": [{\"model\": \"m\"}]}]|config: groups[1]: group handle \"a\" is also used by groups[0]",
    })
    void badValues_nameThePathAndTheValue(String extra, String message) {
        assertEquals(message, error(extra));
    }

    @Test
    void quality_outOfRangeOrUnknownTask_isNamed() {
        String bad = "{\"providers\": {\"echo\": {\"kind\": \"echo\"}}, \"models\": [{\"id\": \"e\", \"provider\": \"echo\", "
                + "\"quality\": {\"%s\": %s}}]}";
        assertEquals("config: models[0].quality.general: expected an integer 0-100, got 101", assertThrows(ConfigException.class,
                () -> ConfigLoaderTest.load(String.format(bad, "general", "101"), Map.of(), Overrides.NONE)).getMessage());
        assertEquals("config: models[0].quality: unknown key \"coding\"", assertThrows(ConfigException.class,
                () -> ConfigLoaderTest.load(String.format(bad, "coding", "50"), Map.of(), Overrides.NONE)).getMessage().replaceAll(" \\(.*", ""));
    }

    @Test
    void shippedConfig_routesWithTheDocumentedDefaultsAndAGroup() throws Exception {
        Path file = Path.of("conf/tollgate.json");
        GatewayConfig c = ConfigLoader.parse(Files.readAllBytes(file), file.toString(), Path.of("/work"), Map.of(),
                Overrides.NONE, new ArrayList<String>()::add);
        RouterConfig d = RouterConfig.defaults();
        assertEquals(new RouterConfig(d.retries(), d.backoff(), d.maxBackoff(), d.maxRetryAfter(), "gpt-4o", d.minQuality(),
                d.defaultOutputTokens(), d.breaker()), c.router());
        assertEquals(List.of("fast"), c.groups().stream().map(GroupConfig::name).toList());
    }
}
