package tollgate.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.GatewayHarness.errorJson;
import static tollgate.gateway.GatewayHarness.list;
import static tollgate.gateway.GatewayHarness.obj;

import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.json.Json;

/**
 * Deepgram's surface, {@code /v1/listen} (the Deepgram SDKs with their base URL at the gateway)
 * and seed 000's {@code /api/deepgram/stt}, against every backend: a Deepgram upstream gets the
 * audio and the options as the client sent them and its answer comes back byte for byte; a
 * Whisper upstream gets the audio in an OpenAI form and its answer comes back in Deepgram's
 * shape; the offline echo provider transcribes what it can tell of the WAV header.
 */
class SttDeepgramSurfaceTest extends SttTestBase {
    static final byte[] AUDIO = wav(56_000, 7); // 1.75 s

    /** Whisper's answer ({@link #OPENAI_ANSWER}) in Deepgram's shape, for request id {@code rid}, created {@code created}. */
    static String whisperAsDeepgram(String rid, String created) {
        return "{\"metadata\":{\"transaction_key\":\"deprecated\",\"request_id\":\"" + rid + "\",\"created\":\"" + created + "\","
                + "\"duration\":3.5,\"channels\":1,\"models\":[\"whisper-large-v3\"]},\"results\":{\"channels\":[{\"alternatives\":"
                + "[{\"transcript\":\"Hello world. How are you?\",\"words\":["
                + "{\"word\":\"hello\",\"start\":0.08,\"end\":0.4,\"punctuated_word\":\"Hello\"},"
                + "{\"word\":\"world\",\"start\":0.4,\"end\":0.9,\"punctuated_word\":\"world.\"},"
                + "{\"word\":\"how\",\"start\":2.1,\"end\":2.3,\"punctuated_word\":\"How\"},"
                + "{\"word\":\"are\",\"start\":2.3,\"end\":2.5,\"punctuated_word\":\"are\"},"
                + "{\"word\":\"you\",\"start\":2.5,\"end\":3.2,\"punctuated_word\":\"you?\"}]}]}]}}";
    }

    /** The {@code created} of a rendered answer, checked to be a timestamp of now. */
    static String created(String body) {
        String c = (String) obj(obj(body).get("metadata")).get("created");
        assertTrue(Math.abs(Instant.parse(c).toEpochMilli() - System.currentTimeMillis()) < 600_000, c);
        return c;
    }

    @Test
    void listen_rawWav_toDeepgram_withTokenAuth_passesAudioAndOptions_andRelaysTheAnswerExactly() throws Exception {
        HttpResponse<String> r = post("/v1/listen?model=nova-2&punctuate=true&diarize=true&language=en-US&keywords=caf%C3%A9%3A2",
                "audio/wav", AUDIO, "Authorization", "Token " + GatewayHarness.CLIENT_KEY, "x-request-id", "stt-dg-1");

        assertEquals(200, r.statusCode(), r.body());
        assertEquals(GatewayHarness.expectedError(r, DEEPGRAM_ANSWER), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        assertEquals("deepgram/nova-2-general", r.headers().firstValue("x-tollgate-route").orElseThrow());
        FakeUpstream.Received up = upstream.takeRequest();
        assertEquals(LISTEN_PATH, up.path());
        assertEquals(List.of("model=nova-2-general&punctuate=true&diarize=true&language=en-US&keywords=caf%C3%A9%3A2"), queries);
        assertEquals("Token " + DEEPGRAM_KEY, up.header("authorization"));
        assertEquals("audio/wav", up.header("content-type"));
        assertEquals("stt-dg-1", up.header("x-request-id"));
        assertArrayEquals(AUDIO, up.body());
    }

    @Test
    void listen_withoutContentType_asTheDeepgramPythonSdkSendsIt_goesUpAsOctetStream() throws Exception {
        HttpResponse<String> r = post("/v1/listen?model=nova-2", null, AUDIO);

        assertEquals(200, r.statusCode(), r.body());
        assertEquals(GatewayHarness.expectedError(r, DEEPGRAM_ANSWER), r.body());
        FakeUpstream.Received up = upstream.takeRequest();
        assertEquals("application/octet-stream", up.header("content-type"));
        assertArrayEquals(AUDIO, up.body());
    }

    @Test
    void listen_withTheDeepgramJsSdkV4sOwnType_isAudio_andGoesUpAsSent() throws Exception {
        // @deepgram/sdk 4.x sends every transcribeFile as "deepgram/audio+video" (scripts/sdk).
        HttpResponse<String> r = post("/v1/listen?model=nova-2", "deepgram/audio+video", AUDIO);

        assertEquals(200, r.statusCode(), r.body());
        assertEquals(GatewayHarness.expectedError(r, DEEPGRAM_ANSWER), r.body());
        FakeUpstream.Received up = upstream.takeRequest();
        assertEquals("deepgram/audio+video", up.header("content-type"));
        assertArrayEquals(AUDIO, up.body());
    }

    @Test
    void errorsOnDeepgramsRoutes_carryDeepgramsFieldsBesideOpenAis_otherRoutesDoNot() throws Exception {
        // The Deepgram SDKs make their exception's message from these (v4: err.msg || err.message || ...).
        HttpResponse<String> r = post("/v1/listen?model=nova-2", "audio/wav", AUDIO, "Authorization", "Token sk-wrong-0123456789abcdef",
                "x-request-id", "dg-err-1");
        assertEquals(401, r.statusCode());
        assertEquals("{\"error\":{\"message\":\"Invalid API key.\",\"type\":\"authentication_error\",\"param\":null,\"code\":401},"
                + "\"category\":\"AUTHENTICATION_ERROR\",\"message\":\"Invalid API key.\",\"request_id\":\"dg-err-1\"}", r.body());
        r = post("/api/deepgram/stt?model=nova-2", "text/plain", AUDIO, "x-request-id", "dg-err-2");
        assertEquals(415, r.statusCode());
        assertTrue(r.body().endsWith(",\"category\":\"INVALID_REQUEST_ERROR\",\"message\":\"Content-Type 'text/plain' is not accepted: "
                + "send the audio itself (audio/*, video/*, application/octet-stream), multipart/form-data with an 'audio' part, "
                + "or application/json with a 'url'.\",\"request_id\":\"dg-err-2\"}"), r.body());
        r = post("/v1/audio/transcriptions", "text/plain", AUDIO, "Authorization", "Bearer sk-wrong-0123456789abcdef");
        assertEquals(GatewayHarness.errorJson("Invalid API key.", "authentication_error", null, 401), r.body());
    }

    @Test
    void listen_jsonUrl_toDeepgram_passesTheUrl_andOtherBackendsRefuseIt() throws Exception {
        byte[] json = "{\"url\":\"https://static.example.com/voice memo.mp3\"}".getBytes(UTF_8);
        HttpResponse<String> r = post("/v1/listen?model=nova-2&smart_format=true", "application/json", json);

        assertEquals(200, r.statusCode(), r.body());
        assertEquals(GatewayHarness.expectedError(r, DEEPGRAM_ANSWER), r.body());
        FakeUpstream.Received up = upstream.takeRequest();
        assertEquals("application/json", up.header("content-type"));
        assertEquals("{\"url\":\"https://static.example.com/voice memo.mp3\"}", up.bodyText());
        assertEquals(List.of("model=nova-2-general&smart_format=true"), queries);

        r = post("/v1/listen?model=whisper-1", "application/json", json);
        assertEquals(400, r.statusCode());
        assertEquals(GatewayHarness.expectedError(r, errorJson("The model's provider cannot fetch audio from a URL, and the gateway does not fetch URLs for it; "
                + "upload the audio instead.", "invalid_request_error", "url", 400)), r.body());
        assertEquals(1, upstream.requests().size(), "nothing fetched, nothing sent");
    }

    @Test
    void listen_toWhisper_sendsAnOpenAiForm_andAnswersInDeepgramsShape() throws Exception {
        HttpResponse<String> r = post("/v1/listen?model=whisper-1&language=en-US&punctuate=true", "audio/wav", AUDIO,
                "x-request-id", "stt-dg-2");

        assertEquals(200, r.statusCode(), r.body());
        assertEquals(whisperAsDeepgram("stt-dg-2", created(r.body())), r.body());
        assertEquals("openai/whisper-large-v3", r.headers().firstValue("x-tollgate-route").orElseThrow());
        FakeUpstream.Received up = upstream.takeRequest();
        assertEquals(TRANSCRIPTIONS_PATH, up.path());
        assertEquals("Bearer sk-upstream-5ecret-0000", up.header("authorization"));
        assertEquals("stt-dg-2", up.header("x-request-id"));
        assertForm(up, List.of("model=whisper-large-v3", "response_format=verbose_json", "timestamp_granularities[]=segment",
                "timestamp_granularities[]=word", "language=en", "<file>"), "audio.wav", "audio/wav", AUDIO);
    }

    @Test
    void listen_toWhisper_detectLanguageAndUtterances_areRendered() throws Exception {
        HttpResponse<String> r = post("/v1/listen?model=whisper-1&detect_language=true&utterances=true", "audio/wav", AUDIO);

        assertEquals(200, r.statusCode(), r.body());
        Map<String, Object> results = obj(obj(r.body()).get("results"));
        assertEquals("en", obj(list(results.get("channels")).get(0)).get("detected_language"));
        assertEquals("[{\"start\":0,\"end\":0.9,\"channel\":0,\"transcript\":\"Hello world.\"},"
                + "{\"start\":2.1,\"end\":3.2,\"channel\":0,\"transcript\":\"How are you?\"}]", Json.toString(results.get("utterances")));
    }

    @Test
    void listen_toEcho_offline_transcribesTheWavHeader() throws Exception {
        HttpResponse<String> r = post("/v1/listen?model=echo-stt", "audio/wav", AUDIO, "x-request-id", "stt-dg-3");

        assertEquals(200, r.statusCode(), r.body());
        String[] words = {"echo", "Echo", "0", "0.194", "transcript", "transcript", "0.194", "0.389", "of", "of", "0.389", "0.583",
                "56044", "56044", "0.583", "0.778", "bytes", "bytes", "0.778", "0.972", "of", "of", "0.972", "1.167",
                "audio/wav", "audio/wav,", "1.167", "1.361", "1.750", "1.750", "1.361", "1.556", "seconds", "seconds.", "1.556", "1.75"};
        StringBuilder w = new StringBuilder();
        for (int i = 0; i < words.length; i += 4) {
            w.append(i == 0 ? "" : ",").append("{\"word\":\"").append(words[i]).append("\",\"start\":").append(words[i + 2])
                    .append(",\"end\":").append(words[i + 3]).append(",\"confidence\":1,\"punctuated_word\":\"").append(words[i + 1])
                    .append("\"}");
        }
        assertEquals("{\"metadata\":{\"transaction_key\":\"deprecated\",\"request_id\":\"stt-dg-3\",\"created\":\"" + created(r.body())
                + "\",\"duration\":1.75,\"channels\":1,\"models\":[\"echo-stt\"]},\"results\":{\"channels\":[{\"alternatives\":"
                + "[{\"transcript\":\"Echo transcript of 56044 bytes of audio/wav, 1.750 seconds.\",\"confidence\":1,\"words\":["
                + w + "]}]}]}}", r.body());
        assertEquals(0, upstream.requests().size());
    }

    @Test
    void deepgramStt_seedCurl_multipartAudio_withTheDefaultModel_andWithDeepgram() throws Exception {
        byte[] body = form(Part.file("audio", "voice_memo.m4a", "application/octet-stream", AUDIO));

        // No model: the gateway's default speech-to-text model, the first configured (whisper-1).
        HttpResponse<String> r = post("/api/deepgram/stt", formType(), body, "x-request-id", "seed-1");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(whisperAsDeepgram("seed-1", created(r.body())), r.body());
        assertForm(upstream.takeRequest(), List.of("model=whisper-large-v3", "response_format=verbose_json",
                "timestamp_granularities[]=segment", "timestamp_granularities[]=word", "<file>"),
                "voice_memo.m4a", "application/octet-stream", AUDIO);

        r = post("/api/deepgram/stt?model=nova-2", formType(), body);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(GatewayHarness.expectedError(r, DEEPGRAM_ANSWER), r.body());
        FakeUpstream.Received up = upstream.takeRequest();
        assertEquals("application/octet-stream", up.header("content-type"));
        assertArrayEquals(AUDIO, up.body());
        assertEquals("model=nova-2-general", queries.get(1));
    }

    @Test
    void deepgramStt_formFieldsBeforeTheAudio_areOptions_afterIt_a400() throws Exception {
        HttpResponse<String> r = post("/api/deepgram/stt", formType(), form(Part.field("model", "nova-2"),
                Part.field("diarize", "true"), Part.file("audio", "a.wav", "audio/wav", AUDIO)));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("model=nova-2-general&diarize=true", queries.get(0));
        assertArrayEquals(AUDIO, upstream.takeRequest().body());

        r = post("/api/deepgram/stt?model=echo-stt", formType(), form(Part.file("audio", "a.wav", "audio/wav", AUDIO),
                Part.field("diarize", "true")));
        assertEquals(400, r.statusCode());
        assertEquals(GatewayHarness.expectedError(r, errorJson("Form fields must come before the 'audio' part (or go in the query string); 'diarize' came after it.",
                "invalid_request_error", "diarize", 400)), r.body());
    }

    @Test
    void listen_callbackIsRefused_theAnswerIsTheRequestsOwn() throws Exception {
        HttpResponse<String> r = post("/v1/listen?model=nova-2&callback=https%3A%2F%2Fhooks.example.com%2Fdg", "audio/wav", AUDIO);
        assertEquals(400, r.statusCode());
        assertEquals(GatewayHarness.expectedError(r, errorJson("Deepgram's 'callback' is not supported here: the gateway answers in the request itself.",
                "invalid_request_error", "callback", 400)), r.body());
        assertEquals(0, upstream.requests().size());
    }

    @Test
    void deepgramStt_callbackAsAFormField_isRefusedToo() throws Exception {
        // A form's fields join the query's options: a callback there would have Deepgram answer at once
        // (no duration, nothing charged) and post the transcript elsewhere.
        for (String name : List.of("callback", "callback_method")) {
            HttpResponse<String> r = post("/api/deepgram/stt?model=nova-2", formType(), form(Part.field(name, "https://hooks.example.com/dg"),
                    Part.file("audio", "a.wav", "audio/wav", AUDIO)));
            assertEquals(400, r.statusCode(), r.body());
            assertEquals(GatewayHarness.expectedError(r, errorJson("Deepgram's 'callback' is not supported here: the gateway answers in the request itself.",
                    "invalid_request_error", "callback", 400)), r.body());
        }
        assertEquals(0, upstream.requests().size());
    }
}
