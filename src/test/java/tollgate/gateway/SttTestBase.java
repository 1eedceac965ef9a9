package tollgate.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import tollgate.http.Multipart;
import tollgate.http.MultipartHeaders;

/**
 * The fixture of the speech-to-text tests: one {@link FakeUpstream} is both a Deepgram upstream
 * ({@code /dg/v1/listen}, key {@link #DEEPGRAM_KEY}) and an OpenAI one ({@code /v1/audio/...}),
 * each answering a fixed transcript of the same words ({@link #DEEPGRAM_ANSWER},
 * {@link #OPENAI_ANSWER}); the gateway has {@code whisper-1} (first, so the default), {@code nova-2}
 * and the offline {@code echo-stt}. Uploads are WAV files of known duration with CR, LF and
 * dashes in their samples, and forms are written here byte by byte as SDKs and curl write them.
 */
abstract class SttTestBase extends GatewayTestBase {
    static final String DEEPGRAM_KEY = "dg-test-secret-4242";
    static final String LISTEN_PATH = "/dg/v1/listen";
    static final String TRANSCRIPTIONS_PATH = "/v1/audio/transcriptions";
    static final String TRANSLATIONS_PATH = "/v1/audio/translations";
    static final String B = "----sttTestBoundary7MA4YWxkTrZu0gW";

    static final String CONFIG = """
            {
              "server": {"access_log": false},
              "router": {"retries": 0, "breaker": {"min_requests": 1000000}},
              "keys": [{"name": "t", "key": "sk-test-0123456789abcdef"}],
              "providers": {
                "openai": {"kind": "openai", "base_url": "${FAKE_URL}/v1", "api_key": "sk-upstream-5ecret-0000",
                           "timeout_ms": 10000, "idle_timeout_ms": 10000},
                "deepgram": {"kind": "deepgram", "base_url": "${FAKE_URL}/dg/v1", "api_key": "dg-test-secret-4242",
                             "timeout_ms": 10000, "idle_timeout_ms": 10000},
                "echo": {"kind": "echo"}
              },
              "models": [
                {"id": "whisper-1", "provider": "openai", "upstream": "whisper-large-v3", "pricing": {"audio_minute": "1.2"},
                 "capabilities": ["stt"]},
                {"id": "nova-2", "provider": "deepgram", "upstream": "nova-2-general", "pricing": {"audio_minute": "0.6"},
                 "capabilities": ["stt"]},
                {"id": "echo-stt", "provider": "echo", "pricing": {"audio_minute": "0"}, "capabilities": ["stt"]},
                {"id": "echo", "provider": "echo", "pricing": {"prompt": "0", "completion": "0"}}
              ],
              "speech": {"max_upload_bytes": 6291456}
            }
            """;
    static final long MAX_UPLOAD = 6_291_456;

    /** Deepgram's answer for "Hello world. How are you?" (3.5 s), smart-formatted. */
    static final String DEEPGRAM_ANSWER = "{\"metadata\":{\"transaction_key\":\"deprecated\",\"request_id\":\"5d5e2b1c-0000\","
            + "\"sha256\":\"9a1c\",\"created\":\"2024-05-01T10:00:00.000Z\",\"duration\":3.5,\"channels\":1,\"models\":[\"1abfe86b\"]},"
            + "\"results\":{\"channels\":[{\"alternatives\":[{\"transcript\":\"Hello world. How are you?\",\"confidence\":0.98,"
            + "\"words\":[{\"word\":\"hello\",\"start\":0.08,\"end\":0.4,\"confidence\":0.99,\"punctuated_word\":\"Hello\"},"
            + "{\"word\":\"world\",\"start\":0.4,\"end\":0.9,\"confidence\":0.97,\"punctuated_word\":\"world.\"},"
            + "{\"word\":\"how\",\"start\":2.1,\"end\":2.3,\"confidence\":0.98,\"punctuated_word\":\"How\"},"
            + "{\"word\":\"are\",\"start\":2.3,\"end\":2.5,\"confidence\":0.99,\"punctuated_word\":\"are\"},"
            + "{\"word\":\"you\",\"start\":2.5,\"end\":3.2,\"confidence\":0.99,\"punctuated_word\":\"you?\"}]}]}]}}";

    /** OpenAI's verbose_json for the same words, with word and segment timestamps. */
    static final String OPENAI_ANSWER = "{\"task\":\"transcribe\",\"language\":\"english\",\"duration\":3.5,"
            + "\"text\":\"Hello world. How are you?\",\"words\":[{\"word\":\"Hello\",\"start\":0.08,\"end\":0.4},"
            + "{\"word\":\"world\",\"start\":0.4,\"end\":0.9},{\"word\":\"How\",\"start\":2.1,\"end\":2.3},"
            + "{\"word\":\"are\",\"start\":2.3,\"end\":2.5},{\"word\":\"you\",\"start\":2.5,\"end\":3.2}],"
            + "\"segments\":[{\"id\":0,\"seek\":0,\"start\":0.0,\"end\":0.9,\"text\":\" Hello world.\",\"tokens\":[50364,2425],"
            + "\"temperature\":0.0,\"avg_logprob\":-0.21,\"compression_ratio\":0.8,\"no_speech_prob\":0.01},"
            + "{\"id\":1,\"seek\":0,\"start\":2.1,\"end\":3.2,\"text\":\" How are you?\",\"tokens\":[1012],\"temperature\":0.0,"
            + "\"avg_logprob\":-0.3,\"compression_ratio\":0.8,\"no_speech_prob\":0.02}]}";

    /** The raw query of every request the upstream received, in order. */
    final List<String> queries = new CopyOnWriteArrayList<>();

    @Override
    FakeUpstream newUpstream() throws Exception {
        FakeUpstream up = new FakeUpstream();
        FakeUpstream.Behaviour deepgram = FakeUpstream.json(200, DEEPGRAM_ANSWER);
        FakeUpstream.Behaviour openai = FakeUpstream.json(200, OPENAI_ANSWER);
        return up.respondWith((ex, u) -> {
            queries.add(String.valueOf(ex.getRequestURI().getRawQuery()));
            String path = ex.getRequestURI().getRawPath();
            if (path.equals(LISTEN_PATH)) deepgram.respond(ex, u);
            else if (path.equals(TRANSCRIPTIONS_PATH) || path.equals(TRANSLATIONS_PATH)) openai.respond(ex, u);
            else FakeUpstream.json(404, "{\"error\":{\"message\":\"fake upstream: no route for " + path + "\"}}").respond(ex, u);
        });
    }

    @Override
    GatewayHarness startGateway(FakeUpstream upstream) throws Exception {
        return GatewayHarness.builder(upstream.url(), dataDir).config(CONFIG).start();
    }

    // ------------------------------------------------------------------ audio

    /** A 16 kHz mono 16-bit WAV of {@code dataBytes} sample bytes (dataBytes / 32000 s), seeded noise with CRLF and "--" in it. */
    static byte[] wav(int dataBytes, long seed) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(44 + dataBytes);
        out.writeBytes("RIFF".getBytes(UTF_8));
        le32(out, 36 + dataBytes);
        out.writeBytes("WAVEfmt ".getBytes(UTF_8));
        le32(out, 16);
        le16(out, 1); // PCM
        le16(out, 1); // mono
        le32(out, 16000);
        le32(out, 32000); // byte rate
        le16(out, 2);
        le16(out, 16);
        out.writeBytes("data".getBytes(UTF_8));
        le32(out, dataBytes);
        byte[] samples = new byte[dataBytes];
        new Random(seed).nextBytes(samples);
        // Near-delimiters: CRLF, dashes and all of the boundary but its last character (then never that character).
        byte[] nasty = ("\r\n--" + B.substring(0, B.length() - 1) + "#").getBytes(UTF_8);
        for (int at = 100; at + nasty.length < samples.length; at += 9_973) System.arraycopy(nasty, 0, samples, at, nasty.length);
        out.writeBytes(samples);
        return out.toByteArray();
    }

    private static void le32(ByteArrayOutputStream out, int v) {
        out.write(v);
        out.write(v >>> 8);
        out.write(v >>> 16);
        out.write(v >>> 24);
    }

    private static void le16(ByteArrayOutputStream out, int v) {
        out.write(v);
        out.write(v >>> 8);
    }

    // ------------------------------------------------------------------ forms

    /** A form part: a text field, or a file when {@code filename} is not null. */
    record Part(String name, String filename, String type, byte[] body) {
        static Part field(String name, String value) { return new Part(name, null, null, value.getBytes(UTF_8)); }

        static Part file(String name, String filename, String type, byte[] body) { return new Part(name, filename, type, body); }
    }

    /** A multipart/form-data body with boundary {@link #B}, as curl and the SDKs write it. */
    static byte[] form(Part... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Part p : parts) {
            StringBuilder h = new StringBuilder("--" + B + "\r\nContent-Disposition: form-data; name=\"" + p.name() + "\"");
            if (p.filename() != null) h.append("; filename=\"").append(p.filename()).append('"');
            h.append("\r\n");
            if (p.type() != null) h.append("Content-Type: ").append(p.type()).append("\r\n");
            h.append("\r\n");
            out.writeBytes(h.toString().getBytes(UTF_8));
            out.writeBytes(p.body());
            out.writeBytes("\r\n".getBytes(UTF_8));
        }
        out.writeBytes(("--" + B + "--\r\n").getBytes(UTF_8));
        return out.toByteArray();
    }

    static String formType() { return "multipart/form-data; boundary=" + B; }

    /** The parts of a form the upstream received, read with the gateway's own reader. */
    static List<Part> parts(FakeUpstream.Received r) throws IOException {
        Multipart m = new Multipart(new ByteArrayInputStream(r.body()), MultipartHeaders.boundary(r.header("content-type")));
        List<Part> out = new ArrayList<>();
        Multipart.Part p;
        while ((p = m.next()) != null) out.add(new Part(p.name(), p.filename(), p.contentType(), p.body().readAllBytes()));
        return out;
    }

    /** Asserts that the upstream form holds exactly these text fields, in order, then a file part with {@code audio}. */
    static void assertForm(FakeUpstream.Received r, List<String> fields, String filename, String type, byte[] audio)
            throws IOException {
        List<Part> parts = parts(r);
        List<String> seen = new ArrayList<>();
        Part file = null;
        for (Part p : parts) {
            if (p.filename() != null) {
                assertNull(file, "one file");
                file = p;
                seen.add("<file>");
            } else {
                assertNull(p.type());
                seen.add(p.name() + "=" + new String(p.body(), UTF_8));
            }
        }
        assertEquals(fields, seen);
        assertEquals("file", file.name());
        assertEquals(filename, file.filename());
        assertEquals(type, file.type());
        org.junit.jupiter.api.Assertions.assertArrayEquals(audio, file.body());
    }

    // ------------------------------------------------------------------ requests

    HttpResponse<String> post(String path, String contentType, byte[] body, String... headers) throws Exception {
        HttpRequest.Builder b = gw.request(path, headers).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) b.header("Content-Type", contentType);
        if (!hasAuth(headers)) b.header("Authorization", GatewayHarness.AUTH);
        return gw.send(b.build());
    }

    /** The same, sent chunked (no Content-Length), as a client streaming a file it has not measured sends it. */
    HttpResponse<String> postChunked(String path, String contentType, byte[] body, String... headers) throws Exception {
        HttpRequest.Builder b = gw.request(path, headers)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)));
        if (contentType != null) b.header("Content-Type", contentType);
        if (!hasAuth(headers)) b.header("Authorization", GatewayHarness.AUTH);
        return gw.send(b.build());
    }

    private static boolean hasAuth(String[] headers) {
        for (int i = 0; i < headers.length; i += 2) if (headers[i].equalsIgnoreCase("Authorization")) return true;
        return false;
    }
}
