package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.Gateway;
import tollgate.config.ConfigLoader;

/**
 * The shipped {@code conf/tollgate.json} serves text-to-speech offline, through the echo provider,
 * on all three request shapes (no provider key set: only echo is enabled).
 */
class SpeechShippedConfigTest {
    @TempDir Path dataDir;
    Gateway gateway;
    HttpClient http;

    @BeforeEach
    void start() throws Exception {
        gateway = Gateway.start(ConfigLoader.load(Path.of("conf/tollgate.json"), Map.of("TOLLGATE_API_KEY", GatewayHarness.CLIENT_KEY),
                new ConfigLoader.Overrides("127.0.0.1", 0, dataDir)));
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterEach
    void stop() {
        gateway.stop(Duration.ZERO);
        http.shutdownNow();
    }

    HttpResponse<byte[]> post(String path, String json, String auth) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + gateway.port() + path))
                .timeout(Duration.ofSeconds(20)).header("Authorization", auth).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build();
        return http.send(r, HttpResponse.BodyHandlers.ofByteArray());
    }

    void assertWav(HttpResponse<byte[]> r, String text) {
        assertEquals(200, r.statusCode(), () -> new String(r.body()));
        assertEquals("audio/wav", r.headers().firstValue("content-type").orElse(null));
        assertEquals("echo/echo-tts", r.headers().firstValue("x-tollgate-route").orElse(null));
        assertArrayEquals(EchoAudio.wav(text, 24000), r.body());
    }

    @Test
    void everyShape_isServedOfflineByEcho() throws Exception {
        assertWav(post("/v1/audio/speech", "{\"model\":\"echo-tts\",\"input\":\"Hello\",\"voice\":\"alloy\",\"response_format\":\"wav\"}",
                GatewayHarness.AUTH), "Hello");
        // no model: the first speech model whose provider is enabled
        assertWav(post("/v1/speak?encoding=linear16", "{\"text\":\"Hello\"}", "Token " + GatewayHarness.CLIENT_KEY), "Hello");
        assertWav(post("/api/deepgram/tts", "{\"text\":\"Hello\"}", GatewayHarness.AUTH), "Hello");
    }
}
