package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static tollgate.gateway.SpeechUpstream.DEEPGRAM_PATH;
import static tollgate.gateway.SpeechUpstream.OPENAI_PATH;

import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.account.KeyAdmin;
import tollgate.account.KeyStore;
import tollgate.account.UsageRecord;
import tollgate.call.Clock;

/**
 * What a text-to-speech client gets when something is wrong, always in OpenAI's error shape:
 * its own mistakes (400 naming the field, 415 for a body that is not JSON, 401 for a wrong key
 * whichever scheme it came in), a backend that cannot produce what was asked (400 naming what it
 * can), an upstream that fails before the first byte (its status classified, secrets scrubbed,
 * the next candidate tried); and what a good call leaves behind: one usage record counting its
 * characters, and the credits charged at the model's price per character.
 */
class SpeechErrorsTest extends SpeechTestBase {
    static final byte[] AUDIO = audio(4096, 3);
    static final String INVALID = "invalid_request_error";

    // ------------------------------------------------------------------ the client's mistakes

    @Test
    void notJson_is415() throws Exception {
        for (String path : List.of("/v1/audio/speech", "/v1/speak", "/v1/deepgram/tts")) {
            assertError(post(path, "text=hello", "Authorization", GatewayHarness.AUTH, "Content-Type", "application/x-www-form-urlencoded"),
                    415, "Content-Type must be application/json, got 'application/x-www-form-urlencoded'.", INVALID, null);
            assertError(post(path, "{\"text\":\"hi\"}", "Authorization", GatewayHarness.AUTH),
                    415, "Content-Type must be application/json, got none.", INVALID, null);
        }
        // parameters are fine
        assertEquals(200, post("/v1/speak?model=echo-tts&encoding=linear16", "{\"text\":\"hi\"}", "Authorization", GatewayHarness.AUTH,
                "Content-Type", "application/json; charset=utf-8").statusCode());
        assertEquals(0, upstream.requests().size());
    }

    @Test
    void aWrongKey_is401_whicheverScheme() throws Exception {
        for (String auth : List.of("Bearer sk-wrong-0123456789abcdef", "Token sk-wrong-0123456789abcdef")) {
            HttpResponse<byte[]> r = post("/v1/speak", "{\"text\":\"hi\"}", "Authorization", auth, "Content-Type", JSON);
            assertError(r, 401, "Invalid API key.", "authentication_error", null);
            assertError(post("/v1/audio/speech", "{}", "Authorization", auth, "Content-Type", JSON), 401, "Invalid API key.",
                    "authentication_error", null);
        }
        assertError(post("/v1/deepgram/tts", "{\"text\":\"hi\"}", "Content-Type", JSON), 401,
                "Missing API key: send it as \"Authorization: Bearer <key>\".", "authentication_error", null);
        assertEquals(0, upstream.requests().size());
    }

    @Test
    void badFields_are400_namingTheField() throws Exception {
        assertError(speak("/v1/audio/speech", "{\"model\":\"tts-1\",\"voice\":\"alloy\"}"), 400,
                "Missing required parameter: 'input'.", INVALID, "input");
        assertError(speak("/v1/audio/speech", "{\"model\":\"tts-1\",\"input\":\"hi\",\"voice\":\"alloy\",\"response_format\":\"ogg\"}"),
                400, "Invalid value for 'response_format': expected one of 'mp3', 'opus', 'aac', 'flac', 'wav', 'pcm', got 'ogg'.",
                INVALID, "response_format");
        assertError(speak("/v1/audio/speech", "{\"model\":\"tts-1\",\"input\":\"hi\",\"voice\":\"alloy\",\"speed\":0.1}"), 400,
                "Invalid value for 'speed': expected a number between 0.25 and 4.0, got 0.1.", INVALID, "speed");
        assertError(speak("/v1/audio/speech", "{\"model\":\"tts-1\",\"input\":\"" + "x".repeat(4097) + "\",\"voice\":\"alloy\"}"), 400,
                "Invalid value for 'input': expected at most 4096 characters, got 4097.", INVALID, "input");
        assertError(speak("/v1/speak?encoding=mp3&container=wav", "{\"text\":\"hi\"}"), 400,
                "Invalid value for 'container': encoding mp3 takes 'none', got 'wav'.", INVALID, "container");
        assertError(speak("/v1/speak?sample_rate=abc", "{\"text\":\"hi\"}"), 400,
                "Invalid value for 'sample_rate': expected an integer between 8000 and 48000, got 'abc'.", INVALID, "sample_rate");
        assertError(speak("/v1/speak?callback=https%3A%2F%2Fexample.com", "{\"text\":\"hi\"}"), 400,
                "The gateway does not support 'callback': the audio is returned in the response.", INVALID, "callback");
        assertError(speak("/v1/deepgram/tts", "{\"model\":\"aura-asteria-en\"}"), 400, "Missing required parameter: 'text'.", INVALID,
                "text");
        assertError(speak("/v1/deepgram/tts", "[\"hi\"]"), 400, "The request body must be a JSON object.", INVALID, null);
        assertError(speak("/v1/audio/speech", "{\"model\":\"tts-1\",\"input\":\"hi\",\"voice\":\"alloy\",\"stream\":true}"), 400,
                "Unrecognized request argument supplied: 'stream'.", INVALID, "stream");
        assertError(speak("/v1/audio/speech", "{\"model\":\"gpt-4o\",\"input\":\"hi\",\"voice\":\"alloy\"}"), 400,
                "The model 'gpt-4o' does not exist on this gateway. GET /v1/models lists the models it serves.", INVALID, "model");
        assertEquals(0, upstream.requests().size());
    }

    @Test
    void aBackendThatCannotProduceTheFormat_says400_withWhatItCan() throws Exception {
        assertError(speak("/v1/audio/speech", "{\"model\":\"echo-tts\",\"input\":\"hi\",\"voice\":\"alloy\"}"), 400,
                "Provider 'echo' (model 'echo-tts') produces only wav or pcm audio (encoding linear16 with container wav or none, "
                        + "no bit_rate); the request asks for 'mp3'.", INVALID, "response_format");
        assertError(speak("/v1/speak?model=tts-1&encoding=mulaw", "{\"text\":\"hi\"}"), 400,
                "Provider 'openai' (OpenAI-compatible) produces mp3, opus, aac, flac, wav, pcm (as its response_format) at its own bit "
                        + "rate; the request asks for encoding=mulaw, container=wav.", INVALID, "encoding");
        assertError(speak("/v1/audio/speech", "{\"model\":\"aura-asteria-en\",\"input\":\"hi\",\"voice\":\"alloy\",\"instructions\":\"Whisper.\"}"),
                400, "Provider 'deepgram' (Deepgram) cannot follow 'instructions'.", INVALID, "instructions");
        assertError(speak("/v1/audio/speech", "{\"model\":\"aura-asteria-en\",\"input\":\"hi\",\"voice\":\"alloy\",\"speed\":2}"),
                400, "Provider 'deepgram' (Deepgram) takes a speed between 0.7 and 1.5, not 2.0.", INVALID, "speed");
        String toDeepgram = "speech.tts.voices_to_deepgram maps alloy, ash, ballad, coral, echo, fable, onyx, nova, sage, shimmer, "
                + "verse, marin, cedar, and any Aura model (aura-*) passes as is.";
        assertError(speak("/v1/audio/speech", "{\"model\":\"aura-asteria-en\",\"input\":\"hi\",\"voice\":\"af_bella\"}"), 400,
                "Provider 'deepgram' (Deepgram) has no voice for 'af_bella': " + toDeepgram, INVALID, "voice");
        assertError(speak("/v1/audio/speech", "{\"model\":\"aura-asteria-en\",\"input\":\"hi\",\"voice\":{\"id\":\"voice_1\"}}"), 400,
                "Provider 'deepgram' (Deepgram) has no voice for 'voice_1': " + toDeepgram, INVALID, "voice");
        assertError(speak("/v1/audio/speech", "{\"model\":\"tts-1\",\"input\":\"hi\",\"voice\":\"aura-2-thalia-en\"}"), 400,
                "Provider 'openai' (OpenAI-compatible) has no voice for 'aura-2-thalia-en': speech.tts.voices_to_openai maps "
                        + "aura-asteria-en, aura-arcas-en, aura-orpheus-en, aura-luna-en, aura-orion-en, aura-helios-en, aura-zeus-en, "
                        + "aura-stella-en, aura-athena-en, aura-hera-en, aura-perseus-en, aura-angus-en.", INVALID, "voice");
        assertEquals(0, upstream.requests().size());
    }

    @Test
    void aGroupNoMemberOfWhichCanProduceIt_says400_notA503() throws Exception {
        // Deepgram has no 'instructions'; the OpenAI-compatible table has no row for this Aura voice.
        HttpResponse<byte[]> r = speak("/v1/audio/speech",
                "{\"model\":\"group:speech\",\"input\":\"hi\",\"voice\":\"aura-2-thalia-en\",\"instructions\":\"Calm.\"}");
        assertEquals(400, r.statusCode(), text(r));
        assertEquals("false", header(r, "x-should-retry"), "a retry cannot fix it");
        assertEquals(true, text(r).contains("has no voice for 'aura-2-thalia-en'"), text(r));
        assertEquals(0, upstream.requests().size());
    }

    // ------------------------------------------------------------------ the upstream's failures

    @Test
    void upstreamErrorsBeforeTheFirstByte_areClassified_inOpenAisShape() throws Exception {
        upstream.on(DEEPGRAM_PATH, SpeechUpstream.error(400, JSON, "{\"err_code\":\"INVALID_QUERY_PARAMETER\","
                + "\"err_msg\":\"Unsupported sample rate for encoding.\",\"request_id\":\"r-1\"}"));
        assertError(speak("/v1/speak?model=aura-asteria-en&encoding=mp3&sample_rate=8000", "{\"text\":\"hi\"}"), 400,
                "Provider 'deepgram' rejected the request (HTTP 400): Unsupported sample rate for encoding.", INVALID, null);

        upstream.on(OPENAI_PATH, SpeechUpstream.error(500, JSON, "{\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}"));
        assertError(speak("/v1/audio/speech", "{\"model\":\"tts-1\",\"input\":\"hi\",\"voice\":\"alloy\"}"), 502,
                "Provider 'openai' failed (HTTP 500): boom", "upstream_error", null);

        // an upstream that refuses the gateway's key: never the client's fault, and its key never shown
        upstream.on(DEEPGRAM_PATH, SpeechUpstream.error(401, JSON, "{\"err_code\":\"INVALID_AUTH\",\"err_msg\":\"Invalid credentials: "
                + DEEPGRAM_KEY + "\"}"));
        HttpResponse<byte[]> r = speak("/v1/deepgram/tts", "{\"text\":\"hi\",\"model\":\"aura-asteria-en\"}");
        assertError(r, 502, "Provider 'deepgram' rejected the gateway's credentials (HTTP 401)", "upstream_error", null);
        assertFalse(text(r).contains(DEEPGRAM_KEY));

        // an error that came with a 200
        upstream.on(OPENAI_PATH, SpeechUpstream.error(200, JSON, "{\"error\":{\"message\":\"no such voice\"}}"));
        assertError(speak("/v1/audio/speech", "{\"model\":\"tts-1\",\"input\":\"hi\",\"voice\":\"alloy\"}"), 502,
                "Provider 'openai' answered with application/json instead of audio.", "upstream_error", null);

        upstream.on(OPENAI_PATH, SpeechUpstream.audio("audio/mpeg", new byte[0], 1));
        assertError(speak("/v1/audio/speech", "{\"model\":\"tts-1\",\"input\":\"hi\",\"voice\":\"alloy\"}"), 502,
                "Provider 'openai' answered without any audio.", "upstream_error", null);

        // last: the deployment then cools down for the upstream's retry-after
        upstream.on(OPENAI_PATH, SpeechUpstream.error(429, JSON, "{\"error\":{\"message\":\"slow down\"}}", "retry-after", "7"));
        r = speak("/v1/audio/speech", "{\"model\":\"tts-1\",\"input\":\"hi\",\"voice\":\"alloy\"}");
        assertError(r, 429, "Provider 'openai' is rate-limiting the gateway (HTTP 429)", "rate_limit_error", null);
        assertEquals("7", header(r, "retry-after"));
    }

    @Test
    void anUpstreamBodyThatStaysSilent_isATimeout() throws Exception {
        gw.close();
        gw = GatewayHarness.builder(upstream.url(), dataDir).config(CONFIG.replace("\"idle_timeout_ms\": 10000", "\"idle_timeout_ms\": 300"))
                .start();
        upstream.on(OPENAI_PATH, SpeechUpstream.stalls("audio/mpeg"));
        assertError(speak("/v1/audio/speech", "{\"model\":\"tts-1\",\"input\":\"hi\",\"voice\":\"alloy\"}"), 504,
                "Provider 'openai' sent no audio for 300 ms (idle_timeout_ms).", "timeout_error", null);
        upstream.release();
    }

    @Test
    void anUpstreamFailingBeforeTheFirstByte_failsOverToTheNextCandidate() throws Exception {
        upstream.on(DEEPGRAM_PATH, SpeechUpstream.error(503, JSON, "{\"err_code\":\"OVERLOADED\",\"err_msg\":\"busy\"}"));
        upstream.on(OPENAI_PATH, SpeechUpstream.audio("audio/mpeg", AUDIO, 1000));
        HttpResponse<byte[]> r = speak("/v1/audio/speech", "{\"model\":\"group:speech\",\"input\":\"Hello\",\"voice\":\"echo\"}");
        assertEquals(200, r.statusCode(), text(r));
        assertEquals("openai/tts-1", header(r, "x-tollgate-route"));
        assertArrayEquals(AUDIO, r.body());
        List<SpeechUpstream.Received> calls = upstream.requests();
        assertEquals(2, calls.size());
        assertEquals("model=aura-orion-en&encoding=mp3", calls.get(0).query());
        assertEquals("{\"model\":\"tts-1\",\"input\":\"Hello\",\"voice\":\"echo\",\"response_format\":\"mp3\"}", calls.get(1).bodyText());
    }

    // ------------------------------------------------------------------ accounting

    @Test
    void aCall_isRecordedWithItsCharacters_andChargedAtThePricePerCharacter() throws Exception {
        upstream.on(OPENAI_PATH, SpeechUpstream.audio("audio/mpeg", AUDIO, 1000));
        String auth = key(Map.of("name", "speaker", "credits", 20L));
        String input = "é".repeat(1000); // 1000 characters (2000 bytes): tts-1's 0.000015 USD each = 0.015 USD = 15 credits
        HttpResponse<byte[]> r = post("/v1/audio/speech", "{\"model\":\"tts-1\",\"input\":\"" + input + "\",\"voice\":\"alloy\"}",
                "Authorization", auth, "Content-Type", JSON, "x-request-id", "tts-acct-1");
        assertEquals(200, r.statusCode(), text(r));
        // the worst case of the next (15 credits) no longer fits the 5 left: refused before any call
        r = post("/v1/audio/speech", "{\"model\":\"tts-1\",\"input\":\"" + input + "\",\"voice\":\"alloy\"}",
                "Authorization", auth, "Content-Type", JSON);
        assertError(r, 402, "Insufficient credits: this request may cost up to 15 credits and the key's balance is 5. "
                + "Add credits to continue.", "insufficient_quota", null);
        assertEquals(1, upstream.requests().size());

        List<UsageRecord> records = records();
        assertEquals(2, records.size());
        UsageRecord rec = records.get(0);
        assertEquals("tts-acct-1", rec.requestId());
        assertEquals("tts", rec.endpoint());
        assertEquals("tts-1", rec.model());
        assertEquals("openai/tts-1", rec.deployment());
        assertEquals(1000, rec.characters());
        assertEquals(0, rec.promptTokens() + rec.completionTokens() + rec.audioMs());
        assertEquals(new BigDecimal("0.015"), rec.cost());
        assertEquals(15, rec.credits());
        assertEquals(200, rec.status());
        assertEquals(true, rec.stream());
        assertEquals(402, records.get(1).status());
        assertEquals(0, records.get(1).credits());
    }

    /** A managed key written to the data directory (the gateway watches it), as an Authorization value. */
    String key(Map<String, Object> fields) throws Exception {
        KeyAdmin.Created c = new KeyAdmin(new KeyStore(dataDir), Clock.SYSTEM).create(new java.util.LinkedHashMap<>(fields));
        String auth = "Bearer " + c.secret();
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (gw.get("/v1/usage", "Authorization", auth).statusCode() == 401) {
            if (System.nanoTime() > deadline) throw new AssertionError("the gateway did not pick up the new key");
            Thread.sleep(10);
        }
        return auth;
    }
}
