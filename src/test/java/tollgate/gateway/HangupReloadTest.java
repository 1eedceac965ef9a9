package tollgate.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code SIGHUP} on the real process (issue 13): it reloads the config instead of ending the
 * process (the JVM's default: exit 129); a bad file is logged and changes nothing.
 */
class HangupReloadTest {
    static final String SECOND_KEY = "sk-test-hangup-0123456789";

    @TempDir
    Path dir;

    private static String config(String keys) {
        return """
                {
                  "server": {"access_log": false},
                  "keys": [%s],
                  "providers": {"echo": {"kind": "echo"}},
                  "models": [{"id": "echo", "provider": "echo", "context_length": 8192}]
                }
                """.formatted(keys);
    }

    private static void hangup(GatewayProcess gw) throws Exception {
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(gw.pid())).redirectErrorStream(true).start();
        assertEquals(0, kill.waitFor(), new String(kill.getInputStream().readAllBytes(), UTF_8));
    }

    /** Waits (up to 20 s) for the {@code n}th stdout line with {@code "event":"<event>"}; fails if it does not come. */
    private static void awaitEvent(GatewayProcess gw, String event, int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (gw.stdout().stream().filter(l -> l.contains("\"event\":\"" + event + "\"")).count() < n) {
            if (!gw.alive() || System.nanoTime() > deadline) throw new AssertionError("no " + event + ": " + gw.describe());
            Thread.sleep(20);
        }
    }

    private static HttpResponse<String> chat(HttpClient http, GatewayProcess gw, String key) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.port() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(GatewayHarness.chat("echo", false))).build(), HttpResponse.BodyHandlers.ofString(UTF_8));
    }

    @Test
    void sighupReloadsTheConfigAndTheProcessGoesOn_aBadFileChangesNothing() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        try (GatewayProcess gw = GatewayProcess.start(dir, config("{\"name\": \"t\", \"key\": \"" + GatewayHarness.CLIENT_KEY + "\"}"),
                List.of(), Map.of())) {
            assertEquals(401, chat(http, gw, SECOND_KEY).statusCode());

            Files.writeString(dir.resolve("gateway.json"), config("{\"name\": \"t\", \"key\": \"" + GatewayHarness.CLIENT_KEY
                    + "\"}, {\"name\": \"t2\", \"key\": \"" + SECOND_KEY + "\"}"), UTF_8);
            hangup(gw);
            awaitEvent(gw, "config_reloaded", 1);
            assertTrue(gw.alive(), gw.describe());
            HttpResponse<String> r = chat(http, gw, SECOND_KEY);
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(null));
            assertEquals("chat.completion", GatewayHarness.obj(r.body()).get("object"));

            Files.writeString(dir.resolve("gateway.json"), "{\"keys\": [", UTF_8);
            hangup(gw);
            awaitEvent(gw, "config_reload_failed", 1);
            assertTrue(gw.alive(), gw.describe());
            String failed = gw.stdout().stream().filter(l -> l.contains("\"event\":\"config_reload_failed\"")).findFirst().orElseThrow();
            assertTrue(failed.contains("gateway.json"), failed);
            assertEquals(200, chat(http, gw, SECOND_KEY).statusCode(), "the keys of the last good config stay");
            assertEquals(200, chat(http, gw, GatewayHarness.CLIENT_KEY).statusCode());
        } finally {
            http.shutdownNow();
        }
    }
}
