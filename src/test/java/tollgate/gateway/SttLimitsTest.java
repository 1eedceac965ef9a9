package tollgate.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static tollgate.gateway.GatewayHarness.errorJson;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.account.KeyAdmin;
import tollgate.account.KeyStore;
import tollgate.account.Ledger;
import tollgate.account.UsageRecord;
import tollgate.call.Clock;

/**
 * What the speech-to-text surfaces refuse, with what status and words: malformed forms (400),
 * wrong media types (415), uploads over {@code speech.max_upload_bytes} (413, announced or
 * found mid-stream), wrong keys (401, as Bearer and as Deepgram's Token); and what they charge:
 * the audio's duration at the model's {@code audio_minute}, in the ledger and in credits.
 */
class SttLimitsTest extends SttTestBase {
    static final byte[] AUDIO = wav(40_000, 3);
    static final String TRANSCRIBE = "/v1/audio/transcriptions";

    static String invalid(String message, String param) { return errorJson(message, "invalid_request_error", param, 400); }

    @Test
    void malformedForms_are400_namingTheProblem() throws Exception {
        HttpResponse<String> r = post(TRANSCRIBE, "multipart/form-data", form(Part.field("model", "echo-stt")));
        assertEquals(400, r.statusCode());
        assertEquals(GatewayHarness.expectedError(r, invalid("The multipart/form-data Content-Type has no boundary parameter (RFC 7578 §4.1).", null)), r.body());

        byte[] whole = form(Part.field("model", "whisper-1"), Part.file("file", "a.wav", "audio/wav", AUDIO));
        r = post(TRANSCRIBE, formType(), Arrays.copyOf(whole, whole.length - 1000));
        assertEquals(400, r.statusCode());
        assertEquals(GatewayHarness.expectedError(r, invalid("The multipart body ended inside part 'file' before its closing boundary: the upload is truncated.", "file")), r.body());
        assertEquals(0, upstream.requests().size(), "the streamed upload was aborted: the upstream answered nothing");

        r = post(TRANSCRIBE, formType(), form(Part.field("model", "echo-stt"), Part.field("language", "en")));
        assertEquals(400, r.statusCode());
        assertEquals(GatewayHarness.expectedError(r, invalid("The form has no 'file' field: send the audio as a file part named 'file'.", "file")), r.body());

        for (byte[] two : List.of(form(Part.field("model", "echo-stt"), Part.file("file", "a.wav", "audio/wav", AUDIO),
                Part.file("file", "b.wav", "audio/wav", AUDIO)), form(Part.file("file", "a.wav", "audio/wav", AUDIO),
                Part.file("file", "b.wav", "audio/wav", AUDIO), Part.field("model", "echo-stt")))) {
            r = post(TRANSCRIBE, formType(), two);
            assertEquals(400, r.statusCode());
            assertEquals(GatewayHarness.expectedError(r, invalid("The form has more than one file; send the audio as one 'file' part.", "file")), r.body());
        }

        r = post("/api/deepgram/stt", formType(), form(Part.field("model", "echo-stt")));
        assertEquals(GatewayHarness.expectedError(r, invalid("The form has no 'audio' field: send the audio as a file part named 'audio' (curl -F audio=@file).",
                "audio")), r.body());
        r = post("/api/deepgram/stt?model=echo-stt", formType(), form(Part.file("audio", "a.wav", "audio/wav", AUDIO),
                Part.file("audio", "b.wav", "audio/wav", AUDIO)));
        assertEquals(GatewayHarness.expectedError(r, invalid("The form has more than one file; send one 'audio' part.", "audio")), r.body());
    }

    @Test
    void badFields_are400() throws Exception {
        HttpResponse<String> r = post(TRANSCRIBE, formType(), form(Part.field("model", "echo-stt"), Part.field("response_format", "xml"),
                Part.file("file", "a.wav", "audio/wav", AUDIO)));
        assertEquals(GatewayHarness.expectedError(r, invalid("Invalid value for 'response_format': expected one of json, text, srt, verbose_json, vtt, got 'xml'.",
                "response_format")), r.body());
        r = post(TRANSCRIBE, formType(), form(Part.field("model", "echo-stt"), Part.field("stream", "true"),
                Part.file("file", "a.wav", "audio/wav", AUDIO)));
        assertEquals(GatewayHarness.expectedError(r, invalid("Streamed transcription ('stream': true) is not supported by this gateway.", "stream")), r.body());
        r = post(TRANSCRIBE, formType(), form(Part.field("model", "echo-stt"), Part.field("temperature", "hot"),
                Part.file("file", "a.wav", "audio/wav", AUDIO)));
        assertEquals(GatewayHarness.expectedError(r, invalid("Invalid value for 'temperature': expected a number from 0 to 1, got 'hot'.", "temperature")), r.body());
        r = post(TRANSCRIBE, formType(), form(Part.field("model", "gpt-4o-mini-nope"), Part.file("file", "a.wav", "audio/wav", AUDIO)));
        assertEquals(GatewayHarness.expectedError(r, invalid("The model 'gpt-4o-mini-nope' does not exist on this gateway. GET /v1/models lists the models it serves.",
                "model")), r.body());
        r = post(TRANSCRIBE, formType(), form(Part.field("model", "echo"), Part.file("file", "a.wav", "audio/wav", AUDIO)));
        assertEquals(400, r.statusCode(), "a chat model does not transcribe: " + r.body());
        assertEquals(0, upstream.requests().size());
    }

    @Test
    void wrongMediaTypes_are415() throws Exception {
        HttpResponse<String> r = post("/v1/listen?model=echo-stt", "text/plain; charset=utf-8", "hello".getBytes(UTF_8));
        assertEquals(415, r.statusCode());
        assertEquals(GatewayHarness.expectedError(r, errorJson("Content-Type 'text/plain; charset=utf-8' is not accepted: send the audio itself (audio/*, video/*, "
                + "application/octet-stream), multipart/form-data with an 'audio' part, or application/json with a 'url'.",
                "invalid_request_error", null, 415)), r.body());

        r = post(TRANSCRIBE, "application/json", "{\"model\":\"whisper-1\"}".getBytes(UTF_8));
        assertEquals(415, r.statusCode());
        assertEquals(GatewayHarness.expectedError(r, errorJson("The request must be multipart/form-data with the audio in a 'file' part, not 'application/json'.",
                "invalid_request_error", null, 415)), r.body());

        r = post(TRANSCRIBE, formType(), form(Part.field("model", "whisper-1"), Part.file("file", "notes.txt", "text/plain", AUDIO)));
        assertEquals(415, r.statusCode());
        assertEquals(GatewayHarness.expectedError(r, errorJson("The audio's Content-Type 'text/plain' is not an audio or video type; send audio/*, video/* or "
                + "application/octet-stream.", "invalid_request_error", "file", 415)), r.body());
        assertEquals(0, upstream.requests().size());
    }

    @Test
    void anAudioTypeThatNoHttpHeaderCanCarry_is400_beforeAnythingIsSent() throws Exception {
        // The part's type becomes the upstream request's Content-Type (Deepgram) or its form part's.
        for (String type : List.of("audio/wav; name=\u4e2d", "audio/w\u0001av", "audio/wav\nX-Injected: 1")) {
            for (String model : List.of("nova-2", "whisper-1")) {
                HttpResponse<String> r = post("/api/deepgram/stt?model=" + model, formType(), form(Part.file("audio", "a.wav", type, AUDIO)));
                assertEquals(400, r.statusCode(), model + " " + type.replace("\n", "\\n") + ": " + r.body());
                assertEquals(GatewayHarness.expectedError(r, invalid("The audio's Content-Type is not a valid media type (RFC 9110 §8.3): it may hold only visible "
                        + "ASCII characters, spaces and tabs.", "audio")), r.body());
            }
        }
        // A raw body's Content-Type goes up as the request's own.
        try (RawHttp raw = gw.raw()) {
            raw.send(("POST /v1/listen?model=nova-2 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + GatewayHarness.AUTH
                    + "\r\nContent-Type: audio/w\u0001av\r\nContent-Length: " + AUDIO.length + "\r\n\r\n").getBytes(UTF_8));
            raw.send(AUDIO);
            assertEquals(400, raw.readHead().status());
        }
        assertEquals(0, upstream.requests().size());
    }

    @Test
    void wrongKeys_are401_asBearerAndAsToken() throws Exception {
        for (String auth : List.of("Bearer sk-test-wrong-000000000", "Token sk-test-wrong-000000000", "token sk-test-wrong-000000000")) {
            HttpResponse<String> r = post("/v1/listen?model=nova-2", "audio/wav", AUDIO, "Authorization", auth);
            assertEquals(401, r.statusCode());
            assertEquals(GatewayHarness.expectedError(r, errorJson("Invalid API key.", "authentication_error", null, 401)), r.body());
        }
        HttpResponse<String> r = post(TRANSCRIBE, formType(), form(Part.file("file", "a.wav", "audio/wav", AUDIO)),
                "Authorization", "Bearer nope-nope-nope-nope-nope");
        assertEquals(401, r.statusCode());
        assertEquals(0, upstream.requests().size());
    }

    /** A gateway whose uploads are limited to 100,000 bytes. */
    void smallLimit() throws Exception {
        gw.close();
        gw = GatewayHarness.builder(upstream.url(), dataDir).config(CONFIG.replace("6291456", "100000")).start();
    }

    static final String TOO_LARGE = errorJson("Request body is larger than this endpoint's limit of 100000 bytes.",
            "invalid_request_error", null, 413);

    @Test
    void oversize_byContentLength_is413BeforeAnythingIsRead() throws Exception {
        smallLimit();
        byte[] big = wav(200_000, 5);
        try (RawHttp raw = gw.raw()) {
            raw.send("POST /v1/listen?model=nova-2 HTTP/1.1\r\nHost: x\r\nAuthorization: " + GatewayHarness.AUTH
                    + "\r\nContent-Type: audio/wav\r\nContent-Length: " + big.length + "\r\n\r\n");
            raw.send(Arrays.copyOf(big, 64 * 1024));
            RawHttp.Head head = raw.readHead();
            assertEquals(413, head.status());
            assertEquals(GatewayHarness.expectedError("/v1/listen", head, TOO_LARGE), new String(raw.readBody(head), UTF_8));
        }
        assertEquals(0, upstream.requests().size());
    }

    /** {@code body} as a chunked request, in 8 KiB chunks. */
    static byte[] chunked(String path, String type, byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(("POST " + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: " + GatewayHarness.AUTH + "\r\nContent-Type: " + type
                + "\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes(UTF_8));
        for (int at = 0; at < body.length; at += 8192) {
            int n = Math.min(8192, body.length - at);
            out.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(UTF_8));
            out.write(body, at, n);
            out.writeBytes("\r\n".getBytes(UTF_8));
        }
        out.writeBytes("0\r\n\r\n".getBytes(UTF_8));
        return out.toByteArray();
    }

    @Test
    void oversize_chunked_is413MidStream_andTheUpstreamUploadIsAborted() throws Exception {
        smallLimit();
        byte[] big = wav(120_000, 5);
        byte[] bigForm = form(Part.field("model", "whisper-1"), Part.file("file", "a.wav", "audio/wav", big));
        Map<String, byte[]> requests = new java.util.LinkedHashMap<>();
        requests.put("/v1/listen?model=nova-2", chunked("/v1/listen?model=nova-2", "audio/wav", big));
        requests.put("/v1/listen?model=echo-stt", chunked("/v1/listen?model=echo-stt", "audio/wav", big));
        requests.put(TRANSCRIBE, chunked(TRANSCRIBE, formType(), bigForm));
        for (Map.Entry<String, byte[]> request : requests.entrySet()) {
            try (RawHttp raw = gw.raw()) {
                raw.send(request.getValue());
                RawHttp.Head head = raw.readHead();
                assertEquals(413, head.status());
                assertEquals(GatewayHarness.expectedError(request.getKey(), head, TOO_LARGE), new String(raw.readBody(head), UTF_8));
            }
        }
        assertEquals(0, upstream.requests().size(), "no upstream got a whole upload");
        // Within the limit, the same chunked upload goes through.
        HttpResponse<String> r = postChunked("/v1/listen?model=nova-2", "audio/wav", Arrays.copyOf(big, 99_000));
        assertEquals(200, r.statusCode(), r.body());
        assertArrayEquals(Arrays.copyOf(big, 99_000), upstream.takeRequest().body());
    }

    @Test
    void multiMegabyteUploads_reachEveryBackendByteForByte() throws Exception {
        byte[] big = wav(5_000_000, 9);
        HttpResponse<String> first = postChunked("/v1/listen?model=nova-2", "audio/wav", big);
        assertEquals(200, first.statusCode(), first.body());
        assertArrayEquals(big, upstream.takeRequest().body());
        HttpResponse<String> second = post("/api/deepgram/stt?model=nova-2", formType(), form(Part.file("audio", "a.wav", "audio/wav", big)));
        assertEquals(200, second.statusCode(), second.body());
        assertArrayEquals(big, upstream.takeRequest().body());
        for (byte[] f : List.of(form(Part.field("model", "whisper-1"), Part.file("file", "a.wav", "audio/wav", big)),
                form(Part.file("file", "a.wav", "audio/wav", big), Part.field("model", "whisper-1")))) {
            HttpResponse<String> r = postChunked(TRANSCRIBE, formType(), f);
            assertEquals(200, r.statusCode(), r.body());
            assertForm(upstream.takeRequest(), List.of("model=whisper-large-v3", "response_format=verbose_json",
                    "timestamp_granularities[]=segment", "<file>"), "a.wav", "audio/wav", big);
        }
        HttpResponse<String> r = post("/v1/listen?model=echo-stt", "audio/wav", big);
        assertEquals("Echo transcript of 5000044 bytes of audio/wav, 156.250 seconds.", GatewayHarness.obj(GatewayHarness.obj(
                GatewayHarness.list(GatewayHarness.obj(GatewayHarness.list(GatewayHarness.obj(GatewayHarness.obj(r.body())
                        .get("results")).get("channels")).get(0)).get("alternatives")).get(0))).get("transcript"));
    }

    @Test
    void aLargeUploadRefusedBeforeItIsRead_isReadToItsEnd_soTheClientGetsTheError() throws Exception {
        // Sent whole before the answer is read, as simple clients do: had the gateway answered and
        // closed with megabytes unread, the client's write or read would fail with a reset.
        byte[] big = form(Part.field("model", "nova-2"), Part.file("file", "a.wav", "audio/wav", wav(5_000_000, 4)));
        try (RawHttp raw = gw.raw()) {
            raw.send(("POST /v1/audio/translations HTTP/1.1\r\nHost: x\r\nAuthorization: " + GatewayHarness.AUTH
                    + "\r\nContent-Type: " + formType() + "\r\nContent-Length: " + big.length + "\r\n\r\n").getBytes(UTF_8));
            raw.send(big);
            RawHttp.Head head = raw.readHead();
            assertEquals(400, head.status());
            assertEquals(invalid("Deepgram cannot translate audio; use a model of an OpenAI-compatible provider for "
                    + "/audio/translations.", "model"), new String(raw.readBody(head), UTF_8));
        }
        assertEquals(0, upstream.requests().size());
    }

    // ------------------------------------------------------------------ accounting

    String managedKey(long credits) throws Exception {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("name", "speech");
        fields.put("credits", credits);
        KeyAdmin.Created c = new KeyAdmin(new KeyStore(dataDir), Clock.SYSTEM).create(fields);
        String auth = "Bearer " + c.secret();
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (gw.get("/v1/usage", "Authorization", auth).statusCode() == 401) {
            if (System.nanoTime() > deadline) throw new AssertionError("the gateway did not pick up the new key");
            Thread.sleep(10);
        }
        return auth;
    }

    @Test
    void usage_isRecordedAsAudio_andChargedInCredits() throws Exception {
        String auth = managedKey(1000);
        // 3.5 s of audio at 1.2 USD a minute: 0.07 USD, 70 credits at 1000 credits per USD.
        HttpResponse<String> r = post(TRANSCRIBE, formType(), form(Part.field("model", "whisper-1"),
                Part.file("file", "a.wav", "audio/wav", AUDIO)), "Authorization", auth, "x-request-id", "stt-bill-1");
        assertEquals(200, r.statusCode(), r.body());
        // Deepgram's 3.5 s at 0.6 USD a minute: 0.035 USD, 35 credits.
        r = post("/v1/listen?model=nova-2", "audio/wav", AUDIO, "Authorization", auth.replace("Bearer", "Token"));
        assertEquals(200, r.statusCode(), r.body());

        String usage = gw.get("/v1/usage", "Authorization", auth).body();
        org.junit.jupiter.api.Assertions.assertTrue(usage.contains("\"credits\":105}"), usage);
        gw.close();
        List<UsageRecord> records = new ArrayList<>();
        Ledger.readAll(dataDir, p -> records.add(UsageRecord.fromJson(p)));
        assertEquals(2, records.size());
        UsageRecord a = records.get(0), b = records.get(1);
        assertEquals(List.of("stt", "whisper-1", "openai/whisper-large-v3", "stt-bill-1"),
                List.of(a.endpoint(), a.model(), a.deployment(), a.requestId()));
        assertEquals(List.of(3500L, 70L, 0L, 0L), List.of(a.audioMs(), a.credits(), a.promptTokens(), a.characters()));
        assertEquals(new BigDecimal("0.07"), a.cost());
        assertEquals(List.of("stt", "nova-2", 3500L, 35L), List.of(b.endpoint(), b.model(), b.audioMs(), b.credits()));
        assertEquals(new BigDecimal("0.035"), b.cost());
    }

    @Test
    void aKeyThatCannotCoverTheWorstCase_gets402_andNothingIsSent() throws Exception {
        // ~40 kB at 4,000 bytes a second is ~10 s, 0.2 USD at whisper-1's price: 203 credits held for it.
        String auth = managedKey(100);
        HttpResponse<String> r = post(TRANSCRIBE, formType(), form(Part.field("model", "whisper-1"),
                Part.file("file", "a.wav", "audio/wav", AUDIO)), "Authorization", auth);
        assertEquals(402, r.statusCode(), r.body());
        assertEquals(0, upstream.requests().size());
        org.junit.jupiter.api.Assertions.assertFalse(Files.exists(dataDir.resolve("spool")) && Files.list(dataDir.resolve("spool"))
                .findAny().isPresent());
    }

    @Test
    void formFields_areHeldInTheMemoryBudget_aFormThatDoesNotFitIs503() throws Exception {
        // Up to 64 fields of 64 KiB each are held until the upstream call: 4 MiB a request, which
        // without the budget any number of requests could hold at once.
        gw.close();
        gw = GatewayHarness.builder(upstream.url(), dataDir)
                .config(CONFIG.replace("\"access_log\": false", "\"access_log\": false, \"memory_budget_bytes\": 1048576")).start();
        List<Part> parts = new ArrayList<>(List.of(Part.field("model", "echo-stt")));
        for (int i = 0; i < 30; i++) parts.add(Part.field("prompt" + i, "p".repeat(60_000)));
        parts.add(Part.file("file", "a.wav", "audio/wav", AUDIO));
        for (String path : List.of(TRANSCRIBE, "/api/deepgram/stt")) {
            HttpResponse<String> r = post(path, formType(), form(parts.toArray(Part[]::new)));
            assertEquals(503, r.statusCode(), path + ": " + r.body());
            assertEquals("1", r.headers().firstValue("retry-after").orElseThrow());
        }
        List<Part> fits = new ArrayList<>(parts.subList(0, 5));
        fits.add(parts.get(parts.size() - 1));
        HttpResponse<String> r = post(TRANSCRIBE, formType(), form(fits.toArray(Part[]::new)));
        assertEquals(200, r.statusCode(), "a form that fits is read as before: " + r.body());
    }
}
