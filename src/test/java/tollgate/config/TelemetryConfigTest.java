package tollgate.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code telemetry} section: off by default, what is read, and what is refused at start-up naming the path. */
class TelemetryConfigTest {
    static TelemetryConfig parse(String json) {
        return ConfigLoader.parse(json.getBytes(StandardCharsets.UTF_8), "config", Path.of("/tmp"),
                Map.of("OTLP_TOKEN", "otlp-secret-123", "RATIO", "0.25"), ConfigLoader.Overrides.NONE, line -> { }).ops().telemetry();
    }

    static String error(String telemetry) {
        return assertThrows(ConfigException.class, () -> parse("{\"telemetry\": " + telemetry + "}")).getMessage();
    }

    @Test
    void offWithoutTheSection_orWithoutAnEndpoint() {
        assertEquals(TelemetryConfig.DEFAULTS, parse("{}"));
        assertFalse(parse("{}").enabled());
        assertFalse(parse("{\"telemetry\": {\"service_name\": \"x\"}}").enabled());
        assertFalse(parse("{\"telemetry\": {\"otlp_endpoint\": \"\"}}").enabled());
        assertFalse(parse("{\"telemetry\": {\"otlp_endpoint\": \"${TOLLGATE_OTLP_ENDPOINT}\"}}").enabled(), "unset: off");
    }

    @Test
    void everyKeyIsRead_andHeaderValuesAreSecrets() {
        TelemetryConfig t = parse("""
                {"telemetry": {"otlp_endpoint": "http://127.0.0.1:4318/v1/traces", "headers": {"Authorization": "Bearer ${OTLP_TOKEN}"},
                 "service_name": "edge-1", "sample_ratio": "${RATIO}", "max_queue": 100, "export_interval_ms": 250}}""");
        assertEquals(new TelemetryConfig(URI.create("http://127.0.0.1:4318/v1/traces"), Map.of("Authorization", "Bearer otlp-secret-123"),
                "edge-1", 0.25, 100, Duration.ofMillis(250)), t);
        assertFalse(t.toString().contains("otlp-secret-123"), t.toString());
        assertEquals(0.5, parse("{\"telemetry\": {\"otlp_endpoint\": \"https://otel.example.com/v1/traces\", \"sample_ratio\": 0.5}}")
                .sampleRatio());
        TelemetryConfig d = parse("{\"telemetry\": {\"otlp_endpoint\": \"https://otel.example.com/v1/traces\"}}");
        assertEquals(1.0, d.sampleRatio());
        assertEquals(TelemetryConfig.DEFAULT_MAX_QUEUE, d.maxQueue());
        assertEquals(Duration.ofMillis(TelemetryConfig.DEFAULT_EXPORT_INTERVAL_MS), d.exportInterval());
        assertEquals("tollgate", d.serviceName());
    }

    @Test
    void badValuesAreRefused_namingThePath() {
        assertEquals("config: telemetry.otlp_endpoint: expected an http:// or https:// URL, got \"localhost:4318\"",
                error("{\"otlp_endpoint\": \"localhost:4318\"}"));
        assertEquals("config: telemetry.sample_ratio: expected a number from 0 to 1, got 1.5",
                error("{\"otlp_endpoint\": \"http://h/v1/traces\", \"sample_ratio\": 1.5}"));
        assertEquals("config: telemetry.sample_ratio: expected a number from 0 to 1, got \"half\"",
                error("{\"otlp_endpoint\": \"http://h/v1/traces\", \"sample_ratio\": \"half\"}"));
        assertEquals("config: telemetry.max_queue: expected an integer 1-65536, got 0",
                error("{\"otlp_endpoint\": \"http://h/v1/traces\", \"max_queue\": 0}"));
        assertEquals("config: telemetry.headers.Content-Type: is set by the gateway itself; remove it",
                error("{\"otlp_endpoint\": \"http://h/v1/traces\", \"headers\": {\"Content-Type\": \"text/plain\"}}"));
        assertEquals("config: telemetry.headers.Authorization: NOPE is not set",
                error("{\"otlp_endpoint\": \"http://h/v1/traces\", \"headers\": {\"Authorization\": \"${NOPE}\"}}"));
        assertEquals("config: telemetry: unknown key \"endpoint\" (known keys: otlp_endpoint, headers, service_name, sample_ratio, "
                + "max_queue, export_interval_ms)", error("{\"endpoint\": \"http://h\"}"));
    }
}
