package tollgate.provider.anthropic;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.config.ProviderConfig;
import tollgate.provider.ToolIdRule;

/** The dialect's fixed facts: kind, path, headers, tool id rule. */
class AnthropicDialectTest {

    private static final AnthropicDialect DIALECT = new AnthropicDialect();

    private static ProviderConfig config(String key) {
        return new ProviderConfig("anthropic", "anthropic", URI.create("https://api.anthropic.com/v1"), key, Map.of(),
                Duration.ofSeconds(60), Duration.ofSeconds(60), Duration.ofSeconds(60), true, null);
    }

    @Test
    void kindAndPath() {
        assertEquals("anthropic", AnthropicDialect.KIND);
        assertEquals("anthropic", DIALECT.kind());
        assertEquals("/messages", DIALECT.path());
    }

    @Test
    void headersCarryTheKeyAndTheApiVersion() {
        assertEquals(List.of("x-api-key", "sk-ant-test", "anthropic-version", "2023-06-01"),
                DIALECT.fixedHeaders(config("sk-ant-test")));
    }

    @Test
    void noKeyNoKeyHeader() {
        assertEquals(List.of("anthropic-version", "2023-06-01"), DIALECT.fixedHeaders(config(null)));
        assertEquals(List.of("anthropic-version", "2023-06-01"), DIALECT.fixedHeaders(config("  ")));
    }

    @Test
    void toolIdsMustMatchAnthropicsPattern() {
        assertEquals(AnthropicToolIds.RULE, DIALECT.toolIdRule());
    }
}
