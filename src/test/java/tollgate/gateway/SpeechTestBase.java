package tollgate.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import tollgate.account.Ledger;
import tollgate.account.UsageRecord;

/**
 * The fixture of the text-to-speech tests: a {@link SpeechUpstream} standing in for Deepgram
 * ({@code /deepgram/v1}) and an OpenAI-compatible speech server ({@code /v1}), the offline echo
 * provider, and a gateway with a speech model on each ({@link #CONFIG}).
 */
abstract class SpeechTestBase {
    static final String DEEPGRAM_KEY = "dg-upstream-5ecret-0000";
    static final String OPENAI_KEY = "sk-upstream-5ecret-0000";
    static final String JSON = "application/json";

    /**
     * Models: {@code aura-asteria-en} (Deepgram; the first, so the default), {@code tts-1}
     * (OpenAI-compatible), {@code echo-tts},
     * {@code aura-helios-en}: a Deepgram voice name served by the OpenAI-compatible server (so a
     * Deepgram client's voice is mapped to OpenAI's), and the group {@code speech}: Deepgram first,
     * then OpenAI. One attempt per deployment, breakers that never open.
     */
    static final String CONFIG = """
            {
              "server": {"access_log": false},
              "router": {"retries": 0, "breaker": {"min_requests": 1000000}},
              "keys": [{"name": "t", "key": "sk-test-0123456789abcdef"}],
              "providers": {
                "openai": {"kind": "openai", "base_url": "${FAKE_URL}/v1", "api_key": "sk-upstream-5ecret-0000",
                           "timeout_ms": 10000, "idle_timeout_ms": 10000},
                "deepgram": {"kind": "deepgram", "base_url": "${FAKE_URL}/deepgram/v1", "api_key": "dg-upstream-5ecret-0000",
                             "timeout_ms": 10000, "idle_timeout_ms": 10000},
                "echo": {"kind": "echo"}
              },
              "models": [
                {"id": "aura-asteria-en", "provider": "deepgram", "pricing": {"character": "0.00003"}, "capabilities": ["tts"]},
                {"id": "tts-1", "provider": "openai", "pricing": {"character": "0.000015"}, "capabilities": ["tts"]},
                {"id": "aura-helios-en", "provider": "openai", "upstream": "tts-1-hd", "pricing": {"character": "0.00003"},
                 "capabilities": ["tts"]},
                {"id": "echo-tts", "provider": "echo", "pricing": {"character": "0"}, "capabilities": ["tts"]}
              ],
              "groups": [
                {"id": "5eec0000-0000-4000-8000-000000000001", "name": "speech", "strategy": "priority", "deployments": [{"model": "aura-asteria-en"}, {"model": "tts-1"}]}
              ]
            }
            """;

    @TempDir Path dataDir;
    SpeechUpstream upstream;
    GatewayHarness gw;

    @BeforeEach
    void start() throws Exception {
        upstream = new SpeechUpstream();
        gw = GatewayHarness.builder(upstream.url(), dataDir).config(CONFIG).start();
    }

    @AfterEach
    void stop() {
        if (gw != null) gw.close();
        upstream.close();
    }

    /** {@code n} bytes that stand for audio: random, but the same every run. */
    static byte[] audio(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** A POST of {@code body} with exactly the given headers (name, value pairs), the answer as bytes. */
    HttpResponse<byte[]> post(String path, String body, String... headers) throws IOException, InterruptedException {
        HttpRequest r = gw.request(path, headers).POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return gw.http.send(r, HttpResponse.BodyHandlers.ofByteArray());
    }

    /** An authorized JSON POST (Bearer), the answer as bytes. */
    HttpResponse<byte[]> speak(String path, String body) throws IOException, InterruptedException {
        return post(path, body, "Authorization", GatewayHarness.AUTH, "Content-Type", JSON);
    }

    /** As {@link #speak}, the body left to the caller as a stream. */
    HttpResponse<InputStream> speakStream(String path, String body) throws IOException, InterruptedException {
        HttpRequest r = gw.request(path, "Authorization", GatewayHarness.AUTH, "Content-Type", JSON)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return gw.http.send(r, HttpResponse.BodyHandlers.ofInputStream());
    }

    static String text(HttpResponse<byte[]> r) { return new String(r.body(), UTF_8); }

    static String header(HttpResponse<?> r, String name) { return r.headers().firstValue(name).orElse(null); }

    static void assertError(HttpResponse<byte[]> r, int status, String message, String type, String param) {
        assertEquals(status, r.statusCode(), text(r));
        assertEquals(JSON, header(r, "content-type"));
        assertEquals(GatewayHarness.expectedError(r, GatewayHarness.errorJson(message, type, param, status)), text(r));
    }

    /** Every usage record in the data directory's journal; stops the gateway first (restarted for the base class to close). */
    List<UsageRecord> records() throws IOException {
        gw.close();
        List<UsageRecord> records = new ArrayList<>();
        Ledger.readAll(dataDir, p -> records.add(UsageRecord.fromJson(p)));
        gw = GatewayHarness.builder(upstream.url(), dataDir).config(CONFIG).start();
        return records;
    }
}
