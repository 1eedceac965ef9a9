package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.GatewayHarness.errorJson;

import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Failover and upstream errors for uploads. An upload read as it arrives can be sent once: the
 * router fails over only while none of it was read (a refused connection), and a failure after
 * that ends the request; a spooled upload is sent again to the next member. Upstream errors
 * reach the client classified and without the upstream's key.
 */
class SttRoutingTest extends SttTestBase {
    static final byte[] AUDIO = wav(40_000, 21);

    static final String ROUTED = CONFIG
            .replace("\"echo\": {\"kind\": \"echo\"}", "\"echo\": {\"kind\": \"echo\"},\n"
                    + "\"dead\": {\"kind\": \"deepgram\", \"base_url\": \"http://127.0.0.1:1/v1\", \"api_key\": \"dead-key-0000\"}")
            .replace("\"speech\":", "\"groups\": ["
                    + "{\"id\": \"7d1c1f1e-1111-4111-8111-111111111111\", \"name\": \"dead-first\", \"strategy\": \"priority\","
                    + " \"deployments\": [{\"model\": \"dead-stt\"}, {\"model\": \"echo-stt\"}]},"
                    + "{\"id\": \"7d1c1f1e-2222-4222-8222-222222222222\", \"name\": \"deepgram-first\", \"strategy\": \"priority\","
                    + " \"deployments\": [{\"model\": \"nova-2\"}, {\"model\": \"whisper-1\"}]}],\n\"speech\":")
            .replace("{\"id\": \"echo-stt\",", "{\"id\": \"dead-stt\", \"provider\": \"dead\", \"upstream\": \"nova-2\", "
                    + "\"capabilities\": [\"stt\"]},\n{\"id\": \"echo-stt\",");

    @Override
    GatewayHarness startGateway(FakeUpstream upstream) throws Exception {
        return GatewayHarness.builder(upstream.url(), dataDir).config(ROUTED).start();
    }

    @Test
    void aRefusedConnection_failsOverBeforeTheUploadIsRead() throws Exception {
        HttpResponse<String> r = post("/v1/listen?model=group:dead-first", "audio/wav", AUDIO);

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("echo/echo-stt", r.headers().firstValue("x-tollgate-route").orElseThrow());
        assertTrue(r.body().contains("\"transcript\":\"Echo transcript of 40044 bytes of audio/wav, 1.250 seconds.\""), r.body());
    }

    @Test
    void anUpstreamFailureAfterTheUploadWasRead_endsTheRequest_aSpooledOneFailsOver() throws Exception {
        upstream.respondWith((ex, up) -> {
            if (ex.getRequestURI().getPath().equals(LISTEN_PATH)) {
                FakeUpstream.json(503, "{\"err_code\":\"OVERLOADED\",\"err_msg\":\"busy\"}").respond(ex, up);
            } else {
                FakeUpstream.json(200, OPENAI_ANSWER).respond(ex, up);
            }
        });
        HttpResponse<String> r = post("/v1/listen?model=group:deepgram-first", "audio/wav", AUDIO);
        assertEquals(503, r.statusCode(), r.body());
        assertEquals(GatewayHarness.expectedError(r, errorJson("Provider 'deepgram' is unavailable or overloaded (HTTP 503): busy", "service_unavailable", null, 503)), r.body());
        assertEquals(1, upstream.requests().size(), "streamed once, to the first member only");

        // The file before the model: spooled, so it can be sent again.
        r = post("/v1/audio/transcriptions", formType(), form(Part.file("file", "a.wav", "audio/wav", AUDIO),
                Part.field("model", "group:deepgram-first")));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("{\"text\":\"Hello world. How are you?\"}", r.body());
        assertEquals("openai/whisper-large-v3", r.headers().firstValue("x-tollgate-route").orElseThrow());
        List<FakeUpstream.Received> all = upstream.requests();
        assertEquals(3, all.size());
        assertArrayEquals(AUDIO, all.get(1).body());
        assertForm(all.get(2), List.of("model=whisper-large-v3", "response_format=verbose_json", "timestamp_granularities[]=segment",
                "<file>"), "a.wav", "audio/wav", AUDIO);
    }

    @Test
    void upstreamErrors_areClassified_andCarryNoUpstreamKey() throws Exception {
        upstream.respondWith(FakeUpstream.json(401, "{\"err_code\":\"INVALID_AUTH\",\"err_msg\":\"Invalid credentials: "
                + DEEPGRAM_KEY + "\"}"));
        HttpResponse<String> r = post("/v1/listen?model=nova-2", "audio/wav", AUDIO);
        assertEquals(502, r.statusCode());
        assertEquals(GatewayHarness.expectedError(r, errorJson("Provider 'deepgram' rejected the gateway's credentials (HTTP 401)", "upstream_error", null, 502)), r.body());
        assertFalse(r.body().contains(DEEPGRAM_KEY));

        upstream.respondWith(FakeUpstream.json(400, "{\"error\":{\"message\":\"Invalid file format. Supported formats: "
                + "['flac', 'm4a', 'mp3'] (key sk-upstream-5ecret-0000)\",\"type\":\"invalid_request_error\",\"param\":\"file\"}}"));
        r = post("/v1/audio/transcriptions", formType(), form(Part.field("model", "whisper-1"),
                Part.file("file", "a.xyz", "audio/wav", AUDIO)));
        assertEquals(400, r.statusCode());
        assertEquals(GatewayHarness.expectedError(r, errorJson("Provider 'openai' rejected the request (HTTP 400): Invalid file format. Supported formats: "
                + "['flac', 'm4a', 'mp3'] (key [redacted])", "invalid_request_error", "file", 400)), r.body());

        upstream.respondWith(FakeUpstream.json(200, "{\"not\":\"a transcript\"}"));
        r = post("/v1/audio/transcriptions", formType(), form(Part.field("model", "whisper-1"), Part.file("file", "a.wav",
                "audio/wav", AUDIO)));
        assertEquals(502, r.statusCode());
        assertEquals(GatewayHarness.expectedError(r, errorJson("Provider 'openai' returned a response that is not a transcription", "upstream_error", null, 502)), r.body());
    }
}
