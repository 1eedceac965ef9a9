package tollgate.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code fim} section: its default, its bounds, and unknown keys refused. */
class FimConfigTest {
    static GatewayConfig parse(String json) {
        return ConfigLoader.parse(json.getBytes(StandardCharsets.UTF_8), "config", Path.of("/tmp"), Map.of(),
                ConfigLoader.Overrides.NONE, line -> { });
    }

    @Test
    void theCapDefaultsTo1000_andIsRead() {
        assertEquals(1000, parse("{}").fim().maxTokens());
        assertEquals(64, parse("{\"fim\": {\"max_tokens\": 64}}").fim().maxTokens());
        assertEquals(256, parse("{\"fim\": {\"max_tokens\": \"256\"}}").fim().maxTokens());
    }

    @Test
    void badValues_stopTheGateway_namingThePath() {
        assertEquals("config: fim.max_tokens: expected an integer 1-1000000, got 0",
                assertThrows(ConfigException.class, () -> parse("{\"fim\": {\"max_tokens\": 0}}")).getMessage());
        assertEquals("config: fim: unknown key \"max\" (known keys: max_tokens)",
                assertThrows(ConfigException.class, () -> parse("{\"fim\": {\"max\": 5}}")).getMessage());
    }
}
