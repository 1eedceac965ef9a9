package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.SpeechUpstream.DEEPGRAM_PATH;
import static tollgate.gateway.SpeechUpstream.OPENAI_PATH;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Text-to-speech end to end, every request shape on every backend: OpenAI's
 * {@code /v1/audio/speech}, Deepgram's {@code /v1/speak} and seed 000's {@code /deepgram/tts},
 * each to Deepgram, to an OpenAI-compatible server and to the offline echo provider. What the
 * fake upstream receives is checked exactly (the voice and format mapped through the default
 * tables), and so is what the client receives: status, Content-Type, the audio bytes as the
 * upstream sent them.
 */
class SpeechGatewayTest extends SpeechTestBase {
    static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    static final byte[] AUDIO = audio(10_000, 42);

    void assertAudio(HttpResponse<byte[]> r, String contentType, byte[] expected, String route) {
        assertEquals(200, r.statusCode(), () -> text(r));
        assertEquals(contentType, header(r, "content-type"));
        assertEquals(route, header(r, "x-tollgate-route"));
        assertArrayEquals(expected, r.body());
    }

    void assertDeepgramCall(String query, String text) {
        SpeechUpstream.Received req = upstream.take();
        assertEquals("POST", req.method());
        assertEquals(DEEPGRAM_PATH, req.path());
        assertEquals(query, req.query());
        assertEquals("Token " + DEEPGRAM_KEY, req.header("authorization"));
        assertEquals("application/json", req.header("content-type"));
        assertEquals("{\"text\":" + ProviderKindsTestBase.lit(text) + "}", req.bodyText());
    }

    void assertOpenAiCall(String body) {
        SpeechUpstream.Received req = upstream.take();
        assertEquals("POST", req.method());
        assertEquals(OPENAI_PATH, req.path());
        assertNull(req.query());
        assertEquals("Bearer " + OPENAI_KEY, req.header("authorization"));
        assertEquals("application/json", req.header("content-type"));
        assertEquals(body, req.bodyText());
    }

    // ------------------------------------------------------------------ OpenAI's /v1/audio/speech

    @Test
    void openAiShape_toOpenAi_everyFieldPassedOn() throws Exception {
        upstream.on(OPENAI_PATH, SpeechUpstream.audio("audio/wav", AUDIO, 1024));
        HttpResponse<byte[]> r = speak("/v1/audio/speech", "{\"model\":\"tts-1\",\"input\":\"Hello, Tollgate.\",\"voice\":\"coral\","
                + "\"response_format\":\"wav\",\"speed\":1.25,\"instructions\":\"Warm and slow.\"}");
        assertAudio(r, "audio/wav", AUDIO, "openai/tts-1");
        assertNull(header(r, "dg-request-id")); // Deepgram's headers only on Deepgram's shapes
        assertOpenAiCall("{\"model\":\"tts-1\",\"input\":\"Hello, Tollgate.\",\"voice\":\"coral\",\"response_format\":\"wav\","
                + "\"speed\":1.25,\"instructions\":\"Warm and slow.\"}");

        // defaults: mp3; a custom voice id goes on as an object
        r = speak("/v1/audio/speech", "{\"model\":\"tts-1\",\"input\":\"Hi\",\"voice\":{\"id\":\"voice_123\"}}");
        assertAudio(r, "audio/mpeg", AUDIO, "openai/tts-1");
        assertOpenAiCall("{\"model\":\"tts-1\",\"input\":\"Hi\",\"voice\":{\"id\":\"voice_123\"},\"response_format\":\"mp3\"}");
    }

    @Test
    void openAiShape_toDeepgram_voiceAndFormatMapped() throws Exception {
        upstream.on(DEEPGRAM_PATH, SpeechUpstream.audio("audio/ogg", AUDIO, 999));
        HttpResponse<byte[]> r = speak("/v1/audio/speech",
                "{\"model\":\"aura-asteria-en\",\"input\":\"Hello\",\"voice\":\"onyx\",\"response_format\":\"opus\"}");
        assertAudio(r, "audio/ogg", AUDIO, "deepgram/aura-asteria-en");
        assertDeepgramCall("model=aura-zeus-en&encoding=opus&container=ogg", "Hello");

        r = speak("/v1/audio/speech", "{\"model\":\"aura-asteria-en\",\"input\":\"Hi\",\"voice\":\"alloy\",\"response_format\":\"pcm\","
                + "\"speed\":0.8}");
        assertAudio(r, "audio/pcm", AUDIO, "deepgram/aura-asteria-en");
        assertDeepgramCall("model=aura-asteria-en&encoding=linear16&container=none&sample_rate=24000&speed=0.8", "Hi");

        r = speak("/v1/audio/speech", "{\"model\":\"aura-asteria-en\",\"input\":\"Hi\",\"voice\":\"aura-2-thalia-en\","
                + "\"response_format\":\"flac\"}");
        assertAudio(r, "audio/flac", AUDIO, "deepgram/aura-asteria-en");
        assertDeepgramCall("model=aura-2-thalia-en&encoding=flac", "Hi"); // an Aura model as voice passes as is
    }

    @Test
    void openAiShape_toEcho_wavAndPcm() throws Exception {
        HttpResponse<byte[]> wav = speak("/v1/audio/speech",
                "{\"model\":\"echo-tts\",\"input\":\"Hi there\",\"voice\":\"alloy\",\"response_format\":\"wav\"}");
        assertAudio(wav, "audio/wav", EchoAudio.wav("Hi there", 24000), "echo/echo-tts");
        HttpResponse<byte[]> pcm = speak("/v1/audio/speech",
                "{\"model\":\"echo-tts\",\"input\":\"Hi there\",\"voice\":\"nova\",\"response_format\":\"pcm\",\"speed\":2}");
        assertAudio(pcm, "audio/pcm", EchoAudio.pcm("Hi there", 24000, 2.0), "echo/echo-tts");
        assertEquals(0, upstream.requests().size());
    }

    // ------------------------------------------------------------------ Deepgram's /v1/speak

    @Test
    void deepgramShape_toDeepgram_withTheHeadersTheSdkReads() throws Exception {
        upstream.on(DEEPGRAM_PATH, SpeechUpstream.audio("audio/wav", AUDIO, 4096));
        HttpResponse<byte[]> r = post("/v1/speak?model=aura-asteria-en&encoding=linear16&sample_rate=16000&tag=t1&tag=t%202"
                + "&mip_opt_out=true", "{\"text\":\"Hello\"}", "Authorization", "Token " + GatewayHarness.CLIENT_KEY,
                "Content-Type", JSON, "x-request-id", "dg-req-1");
        assertAudio(r, "audio/wav", AUDIO, "deepgram/aura-asteria-en");
        assertEquals("dg-req-1", header(r, "dg-request-id"));
        assertEquals("aura-asteria-en", header(r, "dg-model-name"));
        assertTrue(UUID.matcher(header(r, "dg-model-uuid")).matches(), header(r, "dg-model-uuid"));
        assertEquals("5", header(r, "dg-char-count"));
        assertDeepgramCall("model=aura-asteria-en&encoding=linear16&container=wav&sample_rate=16000&tag=t1&tag=t+2&mip_opt_out=true",
                "Hello");
        assertEquals("dg-req-1", upstream.requests().get(0).header("x-request-id"));

        // Deepgram's default is mp3, asked for explicitly; no model: the first speech model
        r = post("/v1/speak", "{\"text\":\"¡Hola!\"}", "Authorization", "Token " + GatewayHarness.CLIENT_KEY, "Content-Type", JSON);
        assertAudio(r, "audio/mpeg", AUDIO, "deepgram/aura-asteria-en");
        assertEquals("6", header(r, "dg-char-count"));
        assertDeepgramCall("model=aura-asteria-en&encoding=mp3", "¡Hola!");
    }

    @Test
    void deepgramShape_toOpenAi_voiceAndFormatMapped() throws Exception {
        upstream.on(OPENAI_PATH, SpeechUpstream.audio("audio/pcm", AUDIO, 2048));
        // aura-helios-en is served by the OpenAI-compatible server: the voice is mapped back
        HttpResponse<byte[]> r = speak("/v1/speak?model=aura-helios-en&encoding=linear16&container=none&speed=0.9",
                "{\"text\":\"Hello\"}");
        assertAudio(r, "audio/pcm", AUDIO, "openai/tts-1-hd");
        assertEquals("tts-1-hd", header(r, "dg-model-name"));
        assertOpenAiCall("{\"model\":\"tts-1-hd\",\"input\":\"Hello\",\"voice\":\"fable\",\"response_format\":\"pcm\",\"speed\":0.9}");

        // a model that is not a voice: the default voice; Deepgram's default format
        r = speak("/v1/speak?model=tts-1", "{\"text\":\"Hello\"}");
        assertAudio(r, "audio/mpeg", AUDIO, "openai/tts-1");
        assertOpenAiCall("{\"model\":\"tts-1\",\"input\":\"Hello\",\"voice\":\"alloy\",\"response_format\":\"mp3\"}");
    }

    @Test
    void deepgramShape_toEcho() throws Exception {
        HttpResponse<byte[]> r = speak("/v1/speak?model=echo-tts&encoding=linear16&container=wav&sample_rate=8000",
                "{\"text\":\"Hello\"}");
        assertAudio(r, "audio/wav", EchoAudio.wav("Hello", 8000), "echo/echo-tts");
        assertEquals("echo-tts", header(r, "dg-model-name"));
        r = speak("/v1/speak?model=echo-tts&encoding=linear16&container=none", "{\"text\":\"Hello\"}");
        assertAudio(r, "audio/pcm", EchoAudio.pcm("Hello", 24000, 1), "echo/echo-tts");
    }

    // ------------------------------------------------------------------ seed 000's /deepgram/tts

    @Test
    void seedShape_toDeepgram_wavByDefault() throws Exception {
        upstream.on(DEEPGRAM_PATH, SpeechUpstream.audio("audio/wav", AUDIO, 3000));
        // exactly the seed's request, on its /api layout
        HttpResponse<byte[]> r = speak("/api/deepgram/tts", "{\"text\": \"Hello, I am your AI assistant.\", \"model\": \"aura-asteria-en\"}");
        assertAudio(r, "audio/wav", AUDIO, "deepgram/aura-asteria-en");
        assertEquals("30", header(r, "dg-char-count"));
        assertDeepgramCall("model=aura-asteria-en&encoding=linear16&container=wav&sample_rate=24000", "Hello, I am your AI assistant.");
    }

    @Test
    void seedShape_toOpenAi() throws Exception {
        upstream.on(OPENAI_PATH, SpeechUpstream.audio("audio/mpeg", AUDIO, 3000));
        HttpResponse<byte[]> r = speak("/v1/deepgram/tts", "{\"text\":\"Hi\",\"model\":\"tts-1\",\"encoding\":\"mp3\"}");
        assertAudio(r, "audio/mpeg", AUDIO, "openai/tts-1");
        assertOpenAiCall("{\"model\":\"tts-1\",\"input\":\"Hi\",\"voice\":\"alloy\",\"response_format\":\"mp3\"}");
    }

    @Test
    void seedShape_toEcho() throws Exception {
        HttpResponse<byte[]> r = speak("/api/gateway/deepgram/tts", "{\"text\":\"Hi\",\"model\":\"echo-tts\"}");
        assertAudio(r, "audio/wav", EchoAudio.wav("Hi", 24000), "echo/echo-tts");
    }

    // ------------------------------------------------------------------ OpenAI's stream_format: sse

    @Test
    void sse_carriesTheAudioAsBase64Events_thenDone() throws Exception {
        upstream.on(OPENAI_PATH, SpeechUpstream.audio("audio/mpeg", AUDIO, 4000));
        HttpResponse<byte[]> r = speak("/v1/audio/speech",
                "{\"model\":\"tts-1\",\"input\":\"Hi\",\"voice\":\"alloy\",\"stream_format\":\"sse\"}");
        assertEquals(200, r.statusCode(), text(r));
        assertEquals("text/event-stream", header(r, "content-type"));
        var events = GatewayHarness.sseData(text(r));
        assertEquals("{\"type\":\"speech.audio.done\"}", events.get(events.size() - 1));
        ByteArrayOutputStream audio = new ByteArrayOutputStream();
        for (String e : events.subList(0, events.size() - 1)) {
            var m = GatewayHarness.obj(e);
            assertEquals("speech.audio.delta", m.get("type"));
            audio.write(java.util.Base64.getDecoder().decode((String) m.get("audio")));
        }
        assertArrayEquals(AUDIO, audio.toByteArray());
        // the upstream is asked for plain audio: the events are the gateway's
        assertOpenAiCall("{\"model\":\"tts-1\",\"input\":\"Hi\",\"voice\":\"alloy\",\"response_format\":\"mp3\"}");
        assertTrue(text(r).startsWith("data: {\"type\":\"speech.audio.delta\",\"audio\":\""), text(r).substring(0, 60));
    }
}
