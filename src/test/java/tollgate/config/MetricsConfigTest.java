package tollgate.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code metrics.listen}: read as host and port, and given back as the file wrote it (check-config, reload). */
class MetricsConfigTest {
    static MetricsConfig metrics(String json) {
        return ConfigLoader.parse(("{\"metrics\": " + json + "}").getBytes(StandardCharsets.UTF_8), "config", Path.of("/tmp"),
                Map.of(), ConfigLoader.Overrides.NONE, line -> { }).ops().metrics();
    }

    @Test
    void listenIsGivenBackAsWritten() {
        MetricsConfig v4 = metrics("{\"listen\": \"127.0.0.1:9464\"}");
        assertEquals("127.0.0.1", v4.listenHost());
        assertEquals(9464, v4.listenPort());
        assertEquals("127.0.0.1:9464", v4.listen());
        MetricsConfig v6 = metrics("{\"listen\": \"[::1]:9464\"}");
        assertEquals("::1", v6.listenHost());
        assertEquals("[::1]:9464", v6.listen());
        assertNull(metrics("{}").listen());
    }
}
