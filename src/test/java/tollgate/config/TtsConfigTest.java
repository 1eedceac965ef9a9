package tollgate.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.json.Json;

/** {@code speech.tts}: the voice and format tables, their defaults, lookups, and every bad value named. */
class TtsConfigTest {

    static TtsConfig read(String speechJson) {
        return TtsConfig.read(new ConfigReader("config", Map.of("V", "fable")), Json.asObject(Json.parseWithComments(
                speechJson.getBytes(java.nio.charset.StandardCharsets.UTF_8))), "speech");
    }

    static String error(String speechJson) {
        return assertThrows(ConfigException.class, () -> read(speechJson)).getMessage();
    }

    @Test
    void absent_isTheDefaultTable() {
        assertSame(TtsConfig.DEFAULTS, read("{}"));
        assertSame(TtsConfig.DEFAULTS, read("{\"tts\": {}}"));
        TtsConfig d = TtsConfig.DEFAULTS;
        assertEquals("alloy", d.defaultVoice());
        assertEquals(List.of("mp3", "opus", "aac", "flac", "wav", "pcm"), List.copyOf(d.formats().keySet()));
        assertEquals(new TtsConfig.Format("pcm", "linear16", "none", 24000, "audio/pcm"), d.format("pcm"));
        assertEquals(new TtsConfig.Format("wav", "linear16", "wav", 24000, "audio/wav"), d.format("wav"));
        assertEquals(new TtsConfig.Format("opus", "opus", "ogg", 0, "audio/ogg"), d.format("opus"));
        assertEquals(new TtsConfig.Format("mp3", "mp3", null, 0, "audio/mpeg"), d.format("mp3"));
        assertEquals(13, d.voicesToDeepgram().size());
        assertEquals(12, d.voicesToOpenAi().size());
        // every Aura voice maps back to an OpenAI voice that maps to it
        d.voicesToOpenAi().forEach((aura, voice) -> assertEquals(aura, d.voicesToDeepgram().get(voice), aura));
    }

    @Test
    void throughTheLoader_underSpeech() {
        GatewayConfig c = ConfigLoaderTest.parse("{\"speech\": {\"max_upload_bytes\": 1000, \"tts\": {\"default_voice\": \"nova\"}}}");
        assertEquals("nova", c.speech().tts().defaultVoice());
        assertEquals(TtsConfig.DEFAULTS.formats(), c.speech().tts().formats());
        assertEquals(1000, c.speech().maxUploadBytes());
        assertSame(TtsConfig.DEFAULTS, ConfigLoaderTest.parse("{}").speech().tts());
        assertEquals("config: speech: unknown key \"voices\" (known keys: max_upload_bytes, tts)",
                assertThrows(ConfigException.class, () -> ConfigLoaderTest.parse("{\"speech\": {\"voices\": {}}}")).getMessage());
    }

    /** The table as conf/tollgate.json shows it (the README points there): exactly the defaults, in their order. */
    @Test
    void theShippedTable_isTheDefault() throws Exception {
        java.nio.file.Path file = java.nio.file.Path.of("conf/tollgate.json");
        TtsConfig t = ConfigLoader.parse(java.nio.file.Files.readAllBytes(file), file.toString(), java.nio.file.Path.of("/work"),
                Map.of(), ConfigLoader.Overrides.NONE, line -> { }).speech().tts();
        assertEquals(TtsConfig.DEFAULTS, t);
        assertEquals(List.copyOf(TtsConfig.DEFAULTS.voicesToDeepgram().keySet()), List.copyOf(t.voicesToDeepgram().keySet()));
        assertEquals(List.copyOf(TtsConfig.DEFAULTS.formats().keySet()), List.copyOf(t.formats().keySet()));
    }

    @Test
    void voiceLookups() {
        TtsConfig d = TtsConfig.DEFAULTS;
        assertEquals("aura-orion-en", d.deepgramVoice("echo"));
        assertEquals("aura-luna-en", d.deepgramVoice("aura-luna-en"));        // already an Aura model
        assertEquals("aura-2-thalia-en", d.deepgramVoice("aura-2-thalia-en")); // any aura-* passes
        assertNull(d.deepgramVoice("af_bella"));                              // a local server's own voice
        assertNull(d.deepgramVoice(null));
        assertEquals("onyx", d.openAiVoice("aura-zeus-en"));
        assertNull(d.openAiVoice("aura-2-thalia-en"));
    }

    @Test
    void formatMatching_deepgramParametersToARow() {
        TtsConfig d = TtsConfig.DEFAULTS;
        assertEquals("wav", d.match("linear16", null, 0).name());         // linear16's default container is wav
        assertEquals("wav", d.match("linear16", "wav", 24000).name());
        assertEquals("pcm", d.match("linear16", "none", 0).name());
        assertNull(d.match("linear16", "none", 16000));                  // the row pins 24 kHz
        assertEquals("opus", d.match("opus", null, 0).name());
        assertEquals("mp3", d.match("mp3", null, 0).name());
        assertEquals("mp3", d.match("mp3", "none", 0).name());
        assertNull(d.match("mulaw", null, 0));
        assertNull(d.match("mp3", null, 22050));
    }

    @Test
    void configuredTables_replaceTheDefaultsWhole() {
        TtsConfig t = read("""
                {"tts": {
                  "default_voice": "${V}",
                  "voices_to_deepgram": {"alloy": "aura-2-thalia-en"},
                  "voices_to_openai": {"aura-2-thalia-en": "af_bella"},
                  "formats": {"ulaw": {"encoding": "mulaw", "container": "none", "sample_rate": "8000", "content_type": "audio/basic"},
                              "mp3": {"encoding": "mp3", "content_type": "audio/mpeg"}}
                }}""");
        assertEquals("fable", t.defaultVoice());
        assertEquals(Map.of("alloy", "aura-2-thalia-en"), t.voicesToDeepgram());
        assertEquals(Map.of("aura-2-thalia-en", "af_bella"), t.voicesToOpenAi());
        assertEquals(List.of("ulaw", "mp3"), List.copyOf(t.formats().keySet()));
        assertEquals(new TtsConfig.Format("ulaw", "mulaw", "none", 8000, "audio/basic"), t.format("ulaw"));
        assertNull(t.format("wav"));
        assertEquals("aura-asteria-en", t.deepgramVoice("aura-asteria-en")); // still an aura-* name
        assertNull(t.deepgramVoice("echo"));                                // no longer mapped
    }

    @Test
    void badValues_areNamed() {
        assertEquals("config: speech.tts: unknown key \"voices\" (known keys: default_voice, voices_to_deepgram, voices_to_openai, formats)",
                error("{\"tts\": {\"voices\": {}}}"));
        assertEquals("config: speech.tts.formats.wav.encoding: expected one of linear16, mulaw, alaw, mp3, opus, flac, aac, got \"pcm16\"",
                error("{\"tts\": {\"formats\": {\"wav\": {\"encoding\": \"pcm16\", \"content_type\": \"audio/wav\"}}}}"));
        assertEquals("config: speech.tts.formats.wav.encoding: required",
                error("{\"tts\": {\"formats\": {\"wav\": {\"content_type\": \"audio/wav\"}}}}"));
        assertEquals("config: speech.tts.formats.wav.container: expected one of wav, ogg, none, got \"mp4\"",
                error("{\"tts\": {\"formats\": {\"wav\": {\"encoding\": \"linear16\", \"container\": \"mp4\", \"content_type\": \"audio/wav\"}}}}"));
        assertEquals("config: speech.tts.formats.wav.sample_rate: expected 0 or an integer 8000-48000, got 4000",
                error("{\"tts\": {\"formats\": {\"wav\": {\"encoding\": \"linear16\", \"sample_rate\": 4000, \"content_type\": \"audio/wav\"}}}}"));
        assertEquals("config: speech.tts.formats.wav.sample_rate: expected an integer 0-48000, got 96000",
                error("{\"tts\": {\"formats\": {\"wav\": {\"encoding\": \"linear16\", \"sample_rate\": 96000, \"content_type\": \"audio/wav\"}}}}"));
        assertEquals("config: speech.tts.formats.wav.content_type: expected a media type like \"audio/mpeg\", got \"wav\"",
                error("{\"tts\": {\"formats\": {\"wav\": {\"encoding\": \"linear16\", \"content_type\": \"wav\"}}}}"));
        assertEquals("config: speech.tts.formats.wav: unknown key \"rate\" (known keys: encoding, container, sample_rate, content_type)",
                error("{\"tts\": {\"formats\": {\"wav\": {\"encoding\": \"linear16\", \"rate\": 1, \"content_type\": \"audio/wav\"}}}}"));
        assertEquals("config: speech.tts.formats.Wav: a format name must be 1-32 characters of a-z, 0-9 and _",
                error("{\"tts\": {\"formats\": {\"Wav\": {\"encoding\": \"linear16\", \"content_type\": \"audio/wav\"}}}}"));
        assertEquals("config: speech.tts.voices_to_deepgram.alloy: expected a voice name of 1-128 characters without spaces, got \"aura asteria\"",
                error("{\"tts\": {\"voices_to_deepgram\": {\"alloy\": \"aura asteria\"}}}"));
        assertEquals("config: speech.tts.voices_to_openai.aura-zeus-en: expected a string, got 3",
                error("{\"tts\": {\"voices_to_openai\": {\"aura-zeus-en\": 3}}}"));
        assertEquals("config: speech.tts.default_voice: expected a voice name of 1-128 characters without spaces, got \"\"",
                error("{\"tts\": {\"default_voice\": \"\"}}"));
        assertEquals("config: speech.tts.formats: expected an object, got an array",
                error("{\"tts\": {\"formats\": []}}"));
    }
}
