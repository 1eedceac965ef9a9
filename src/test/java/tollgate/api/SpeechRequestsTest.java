package tollgate.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.config.TtsConfig;
import tollgate.error.GatewayException;
import tollgate.json.Json;
import tollgate.provider.AudioFormat;
import tollgate.provider.SpeechRequest;

/** The three TTS request shapes read into one neutral request; each bad field named in OpenAI's wording. */
class SpeechRequestsTest {
    static final TtsConfig T = TtsConfig.DEFAULTS;

    static Map<String, Object> body(String json) { return Json.asObject(Json.parse(json)); }

    static Map<String, List<String>> query(String... pairs) {
        Map<String, List<String>> q = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            q.computeIfAbsent(pairs[i], k -> new java.util.ArrayList<>()).add(pairs[i + 1]);
        }
        return q;
    }

    static GatewayException openAiError(String json) {
        return assertThrows(GatewayException.class, () -> SpeechRequests.openAi(body(json), T));
    }

    static GatewayException speakError(String json, String... q) {
        return assertThrows(GatewayException.class, () -> SpeechRequests.deepgramSpeak(body(json), query(q), T));
    }

    @Test
    void openAi_allFields() {
        SpeechRequests.Parsed p = SpeechRequests.openAi(body("{\"model\":\"tts-1\",\"input\":\"Hello\",\"voice\":\"coral\","
                + "\"response_format\":\"pcm\",\"speed\":1.5,\"instructions\":\"Cheerful.\",\"stream_format\":\"sse\"}"), T);
        assertEquals("tts-1", p.model());
        assertTrue(p.sse());
        SpeechRequest r = p.request();
        assertEquals(new SpeechRequest("Hello", "coral", false, AudioFormat.of(T.format("pcm")), 1.5, "Cheerful.", List.of(),
                "response_format", "voice"), r);
        assertEquals(new AudioFormat("linear16", "none", 24000, 0, T.format("pcm"), "audio/pcm"), r.format());
    }

    @Test
    void openAi_defaults_andACustomVoiceId() {
        SpeechRequests.Parsed p = SpeechRequests.openAi(body("{\"model\":\"tts-1\",\"input\":\"Hi\",\"voice\":{\"id\":\"voice_123\"}}"), T);
        assertFalse(p.sse());
        assertEquals("mp3", p.request().format().name());
        assertEquals("audio/mpeg", p.request().format().contentType());
        assertEquals("voice_123", p.request().voice());
        assertTrue(p.request().voiceId());
        assertEquals(0, p.request().speed());
        assertNull(p.request().instructions());
    }

    @Test
    void openAi_badFields_namedInOpenAisWords() {
        assertEquals("Missing required parameter: 'input'.", openAiError("{\"model\":\"tts-1\",\"voice\":\"alloy\"}").getMessage());
        assertEquals("voice", openAiError("{\"model\":\"tts-1\",\"input\":\"x\"}").param());
        assertEquals("Invalid value for 'input': expected at most 4096 characters, got 4097.",
                openAiError("{\"model\":\"tts-1\",\"voice\":\"alloy\",\"input\":\"" + "a".repeat(4097) + "\"}").getMessage());
        assertEquals("Invalid value for 'input': expected at least 1 character, got an empty string.",
                openAiError("{\"model\":\"tts-1\",\"voice\":\"alloy\",\"input\":\"\"}").getMessage());
        assertEquals("Invalid value for 'response_format': expected one of 'mp3', 'opus', 'aac', 'flac', 'wav', 'pcm', got 'ogg'.",
                openAiError("{\"model\":\"tts-1\",\"voice\":\"alloy\",\"input\":\"x\",\"response_format\":\"ogg\"}").getMessage());
        assertEquals("Invalid value for 'speed': expected a number between 0.25 and 4.0, got 4.5.",
                openAiError("{\"model\":\"tts-1\",\"voice\":\"alloy\",\"input\":\"x\",\"speed\":4.5}").getMessage());
        assertEquals("Invalid type for 'speed': expected a number, got a string.",
                openAiError("{\"model\":\"tts-1\",\"voice\":\"alloy\",\"input\":\"x\",\"speed\":\"1\"}").getMessage());
        assertEquals("Invalid value for 'stream_format': expected 'audio' or 'sse', got 'chunks'.",
                openAiError("{\"model\":\"tts-1\",\"voice\":\"alloy\",\"input\":\"x\",\"stream_format\":\"chunks\"}").getMessage());
        assertEquals("Invalid type for 'voice': expected a voice name or an object {\"id\": ...}, got a number.",
                openAiError("{\"model\":\"tts-1\",\"voice\":7,\"input\":\"x\"}").getMessage());
        assertEquals("Invalid value for 'voice': expected a name of 1 to 128 characters without spaces, got 'al loy'.",
                openAiError("{\"model\":\"tts-1\",\"voice\":\"al loy\",\"input\":\"x\"}").getMessage());
        GatewayException unknown = openAiError("{\"model\":\"tts-1\",\"voice\":\"alloy\",\"input\":\"x\",\"volume\":2}");
        assertEquals("Unrecognized request argument supplied: 'volume'.", unknown.getMessage());
        assertEquals("volume", unknown.param());
    }

    @Test
    void deepgramSpeak_queryIntoTheNeutralRequest() {
        SpeechRequests.Parsed p = SpeechRequests.deepgramSpeak(body("{\"text\":\"Hello\"}"), query("model", "aura-luna-en",
                "encoding", "linear16", "container", "none", "sample_rate", "16000", "speed", "0.9", "tag", "a", "tag", "b",
                "mip_opt_out", "true"), T);
        assertEquals("aura-luna-en", p.model());
        SpeechRequest r = p.request();
        assertEquals("aura-luna-en", r.voice()); // Deepgram's model is the voice
        assertEquals(new AudioFormat("linear16", "none", 16000, 0, null, "audio/pcm"), r.format()); // not OpenAI's 24 kHz pcm
        assertEquals(0.9, r.speed());
        assertEquals(List.of("tag", "a", "tag", "b", "mip_opt_out", "true"), r.deepgramExtra());
        assertEquals("encoding", r.formatParam());
    }

    @Test
    void deepgramSpeak_defaults_mp3_andAModelThatIsNotAVoice() {
        SpeechRequests.Parsed p = SpeechRequests.deepgramSpeak(body("{\"text\":\"Hi\"}"), query("model", "group:speech"), T);
        assertEquals("group:speech", p.model());
        assertNull(p.request().voice());
        assertEquals(AudioFormat.of(T.format("mp3")), p.request().format());
        assertNull(SpeechRequests.deepgramSpeak(body("{\"text\":\"Hi\"}"), query(), T).model());
        assertEquals("wav", SpeechRequests.deepgramSpeak(body("{\"text\":\"Hi\"}"), query("encoding", "linear16"), T)
                .request().format().name());
    }

    @Test
    void deepgramSpeak_badParameters() {
        assertEquals("Invalid value for 'encoding': expected one of 'linear16', 'mulaw', 'alaw', 'mp3', 'opus', 'flac', 'aac', got 'wav'.",
                speakError("{\"text\":\"x\"}", "encoding", "wav").getMessage());
        assertEquals("Invalid value for 'container': encoding mp3 takes 'none', got 'wav'.",
                speakError("{\"text\":\"x\"}", "encoding", "mp3", "container", "wav").getMessage());
        assertEquals("Invalid value for 'sample_rate': expected an integer between 8000 and 48000, got 96000.",
                speakError("{\"text\":\"x\"}", "encoding", "linear16", "sample_rate", "96000").getMessage());
        assertEquals("Invalid value for 'sample_rate': expected an integer between 8000 and 48000, got 'fast'.",
                speakError("{\"text\":\"x\"}", "sample_rate", "fast").getMessage());
        assertEquals("Invalid value for 'speed': expected a number between 0.7 and 1.5, got '2'.",
                speakError("{\"text\":\"x\"}", "speed", "2").getMessage());
        assertEquals("Invalid value for 'speed': expected a number, got 'NaN'.", speakError("{\"text\":\"x\"}", "speed", "NaN").getMessage());
        assertEquals("Unknown query parameter 'voice' (supported: model, encoding, container, sample_rate, bit_rate, speed, tag, "
                + "mip_opt_out).", speakError("{\"text\":\"x\"}", "voice", "alloy").getMessage());
        assertEquals("The gateway does not support 'callback': the audio is returned in the response.",
                speakError("{\"text\":\"x\"}", "callback", "https://example.com/cb").getMessage());
        assertEquals("Query parameter 'model' is given more than once.",
                speakError("{\"text\":\"x\"}", "model", "a", "model", "b").getMessage());
        assertEquals("Missing required parameter: 'text'.", speakError("{}").getMessage());
        assertEquals("Unrecognized request argument supplied: 'model'.", speakError("{\"text\":\"x\",\"model\":\"m\"}").getMessage());
    }

    @Test
    void deepgramTts_seedShape_defaultsToWav() {
        SpeechRequests.Parsed p = SpeechRequests.deepgramTts(body("{\"text\":\"Hello, I am your AI assistant.\",\"model\":\"aura-asteria-en\"}"), T);
        assertEquals("aura-asteria-en", p.model());
        assertEquals("aura-asteria-en", p.request().voice());
        assertEquals(AudioFormat.of(T.format("wav")), p.request().format());
        SpeechRequests.Parsed mp3 = SpeechRequests.deepgramTts(body("{\"text\":\"Hi\",\"encoding\":\"mp3\",\"bit_rate\":32000}"), T);
        assertNull(mp3.model());
        assertEquals(new AudioFormat("mp3", null, 0, 32000, T.format("mp3"), "audio/mpeg"), mp3.request().format());
        assertEquals("Invalid type for 'sample_rate': expected an integer, got a string.", assertThrows(GatewayException.class,
                () -> SpeechRequests.deepgramTts(body("{\"text\":\"Hi\",\"sample_rate\":\"8000\"}"), T)).getMessage());
    }
}
