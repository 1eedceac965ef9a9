package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.GatewayHarness.errorJson;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * OpenAI's surface, {@code /v1/audio/transcriptions} and {@code /translations}, against every
 * backend and in every {@code response_format}: what the upstream receives (an OpenAI form
 * rebuilt around the streamed file, or Deepgram's query and the raw audio) and exactly what the
 * client gets back.
 */
class SttOpenAiSurfaceTest extends SttTestBase {
    static final byte[] AUDIO = wav(40_000, 11); // 1.25 s

    static final String SRT = "1\n00:00:00,080 --> 00:00:00,900\nHello world.\n\n2\n00:00:02,100 --> 00:00:03,200\nHow are you?\n\n";
    static final String VTT = "WEBVTT\n\n00:00:00.080 --> 00:00:00.900\nHello world.\n\n00:00:02.100 --> 00:00:03.200\nHow are you?\n\n";
    /** Deepgram's words in OpenAI's verbose_json. */
    static final String WORDS = "\"words\":[{\"word\":\"Hello\",\"start\":0.08,\"end\":0.4},{\"word\":\"world\",\"start\":0.4,\"end\":0.9},"
            + "{\"word\":\"How\",\"start\":2.1,\"end\":2.3},{\"word\":\"are\",\"start\":2.3,\"end\":2.5},"
            + "{\"word\":\"you\",\"start\":2.5,\"end\":3.2}]";
    static final String SEGMENTS = "\"segments\":[{\"id\":0,\"seek\":0,\"start\":0.08,\"end\":0.9,\"text\":\"Hello world.\",\"tokens\":[],"
            + "\"temperature\":0.0,\"avg_logprob\":0.0,\"compression_ratio\":0.0,\"no_speech_prob\":0.0},"
            + "{\"id\":1,\"seek\":0,\"start\":2.1,\"end\":3.2,\"text\":\"How are you?\",\"tokens\":[],"
            + "\"temperature\":0.0,\"avg_logprob\":0.0,\"compression_ratio\":0.0,\"no_speech_prob\":0.0}]";

    Path spoolDir() { return dataDir.resolve("spool"); }

    long spooled() throws Exception {
        if (!Files.isDirectory(spoolDir())) return 0;
        try (Stream<Path> s = Files.list(spoolDir())) {
            return s.count();
        }
    }

    @Test
    void pythonSdkOrder_modelBeforeTheFile_toWhisper_streamsTheFormThrough() throws Exception {
        byte[] body = form(Part.field("model", "whisper-1"), Part.field("language", "en"), Part.field("prompt", "Names: Zo\u00eb, R\u00e9mi"),
                Part.field("temperature", "0.2"), Part.field("response_format", "json"),
                Part.file("file", "memo \u00e9t\u00e9.wav", "audio/x-wav", AUDIO));
        HttpResponse<String> r = post("/v1/audio/transcriptions", formType(), body);

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("{\"text\":\"Hello world. How are you?\"}", r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        FakeUpstream.Received up = upstream.takeRequest();
        assertEquals(TRANSCRIPTIONS_PATH, up.path());
        assertEquals("Bearer sk-upstream-5ecret-0000", up.header("authorization"));
        assertTrue(up.header("content-type").startsWith("multipart/form-data; boundary=tollgate-"), up.header("content-type"));
        assertForm(up, List.of("model=whisper-large-v3", "response_format=verbose_json", "timestamp_granularities[]=segment",
                "language=en", "prompt=Names: Zo\u00eb, R\u00e9mi", "temperature=0.2", "<file>"), "memo \u00e9t\u00e9.wav", "audio/x-wav", AUDIO);
        assertEquals(0, spooled());
    }

    @Test
    void curlOrder_fileBeforeTheModel_isSpooled_thenSent_andTheSpoolIsEmptied() throws Exception {
        byte[] body = form(Part.file("file", "audio.mp3", "application/octet-stream", AUDIO), Part.field("model", "whisper-1"),
                Part.field("response_format", "text"));
        HttpResponse<String> r = postChunked("/v1/audio/transcriptions", formType(), body);

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("Hello world. How are you?\n", r.body());
        assertEquals("text/plain; charset=utf-8", r.headers().firstValue("content-type").orElseThrow());
        assertForm(upstream.takeRequest(), List.of("model=whisper-large-v3", "response_format=verbose_json",
                "timestamp_granularities[]=segment", "<file>"), "audio.mp3", "application/octet-stream", AUDIO);
        assertTrue(Files.isDirectory(spoolDir()), "the upload went through the spool");
        assertEquals(0, spooled());
    }

    static Stream<Arguments> formats() {
        return Stream.of(Arguments.of("json", "application/json", "{\"text\":\"Hello world. How are you?\"}"),
                Arguments.of("text", "text/plain; charset=utf-8", "Hello world. How are you?\n"),
                Arguments.of("srt", "text/plain; charset=utf-8", SRT),
                Arguments.of("vtt", "text/plain; charset=utf-8", VTT));
    }

    @ParameterizedTest
    @MethodSource("formats")
    void everyFormat_fromDeepgram(String format, String type, String expected) throws Exception {
        HttpResponse<String> r = post("/v1/audio/transcriptions", formType(), form(Part.field("model", "nova-2"),
                Part.field("language", "en"), Part.field("response_format", format), Part.file("file", "a.wav", "audio/wav", AUDIO)));

        assertEquals(200, r.statusCode(), r.body());
        assertEquals(expected, r.body());
        assertEquals(type, r.headers().firstValue("content-type").orElseThrow());
        assertEquals(List.of("model=nova-2-general&language=en&smart_format=true"), queries);
        FakeUpstream.Received up = upstream.takeRequest();
        assertEquals("audio/wav", up.header("content-type"));
        org.junit.jupiter.api.Assertions.assertArrayEquals(AUDIO, up.body());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "|" + SEGMENTS,
            "word|" + WORDS,
            "segment|" + SEGMENTS,
            "word,segment|" + WORDS + "," + SEGMENTS})
    void verboseJson_fromDeepgram_hasTheTimestampsAskedFor(String granularities, String expected) throws Exception {
        List<Part> parts = new java.util.ArrayList<>(List.of(Part.field("model", "nova-2"), Part.field("response_format", "verbose_json")));
        if (granularities != null) for (String g : granularities.split(",")) parts.add(Part.field("timestamp_granularities[]", g));
        parts.add(Part.file("file", "a.wav", "audio/wav", AUDIO));
        HttpResponse<String> r = post("/v1/audio/transcriptions", formType(), form(parts.toArray(Part[]::new)));

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("{\"task\":\"transcribe\",\"language\":\"english\",\"duration\":3.5,\"text\":\"Hello world. How are you?\","
                + expected + "}", r.body());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"srt|", "vtt|", "verbose_json|", "verbose_json|word", "verbose_json|word,segment"})
    void everyTimedFormat_fromWhisper(String format, String granularities) throws Exception {
        List<Part> parts = new java.util.ArrayList<>(List.of(Part.field("model", "whisper-1"), Part.field("response_format", format)));
        if (granularities != null) for (String g : granularities.split(",")) parts.add(Part.field("timestamp_granularities[]", g));
        parts.add(Part.file("file", "a.wav", "audio/wav", AUDIO));
        HttpResponse<String> r = post("/v1/audio/transcriptions", formType(), form(parts.toArray(Part[]::new)));

        assertEquals(200, r.statusCode(), r.body());
        String words = OPENAI_ANSWER.substring(OPENAI_ANSWER.indexOf(",\"words\""), OPENAI_ANSWER.indexOf(",\"segments\""));
        String segments = OPENAI_ANSWER.substring(OPENAI_ANSWER.indexOf(",\"segments\""), OPENAI_ANSWER.length() - 1);
        String expected = switch (format + "|" + granularities) {
            case "srt|null" -> "1\n00:00:00,000 --> 00:00:00,900\nHello world.\n\n2\n00:00:02,100 --> 00:00:03,200\nHow are you?\n\n";
            case "vtt|null" -> "WEBVTT\n\n00:00:00.000 --> 00:00:00.900\nHello world.\n\n00:00:02.100 --> 00:00:03.200\nHow are you?\n\n";
            case "verbose_json|null" -> OPENAI_ANSWER.replace(words, ""); // only segments were asked for: the upstream's words are not passed on
            case "verbose_json|word" -> OPENAI_ANSWER.replace(segments, "");
            default -> OPENAI_ANSWER;
        };
        assertEquals(expected, r.body());
        List<String> fields = new java.util.ArrayList<>(List.of("model=whisper-large-v3", "response_format=verbose_json",
                "timestamp_granularities[]=segment"));
        if (granularities != null && granularities.contains("word")) fields.add("timestamp_granularities[]=word");
        fields.add("<file>");
        assertForm(upstream.takeRequest(), fields, "a.wav", "audio/wav", AUDIO);
    }

    @Test
    void echo_offline_inEveryFormat() throws Exception {
        String text = "Echo transcript of 40044 bytes of audio/wav, 1.250 seconds.";
        HttpResponse<String> r = post("/v1/audio/transcriptions", formType(), form(Part.field("model", "echo-stt"),
                Part.field("response_format", "srt"), Part.file("file", "a.wav", "audio/wav", AUDIO)));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("1\n00:00:00,000 --> 00:00:01,250\n" + text + "\n\n", r.body());
        r = post("/v1/audio/transcriptions", formType(), form(Part.file("file", "a.wav", "audio/wav", AUDIO),
                Part.field("model", "echo-stt")));
        assertEquals("{\"text\":\"" + text + "\"}", r.body());
        assertEquals(0, upstream.requests().size());
    }

    @Test
    void translations_toWhisper_sendNoLanguageOrGranularities_toDeepgram_are400_toEcho_translate() throws Exception {
        HttpResponse<String> r = post("/v1/audio/translations", formType(), form(Part.field("model", "whisper-1"),
                Part.field("prompt", "Bonjour"), Part.file("file", "fr.wav", "audio/wav", AUDIO)));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("{\"text\":\"Hello world. How are you?\"}", r.body());
        FakeUpstream.Received up = upstream.takeRequest();
        assertEquals(TRANSLATIONS_PATH, up.path());
        assertForm(up, List.of("model=whisper-large-v3", "response_format=verbose_json", "prompt=Bonjour", "<file>"), "fr.wav",
                "audio/wav", AUDIO);

        r = post("/v1/audio/translations", formType(), form(Part.field("model", "nova-2"), Part.file("file", "fr.wav", "audio/wav", AUDIO)));
        assertEquals(400, r.statusCode());
        assertEquals(errorJson("Deepgram cannot translate audio; use a model of an OpenAI-compatible provider for /audio/translations.",
                "invalid_request_error", "model", 400), r.body());

        r = post("/v1/audio/translations", formType(), form(Part.field("model", "echo-stt"), Part.field("response_format", "verbose_json"),
                Part.file("file", "fr.wav", "audio/wav", AUDIO)));
        assertEquals("{\"task\":\"translate\",\"language\":\"english\",\"duration\":1.25,\"text\":\"Echo translation of 40044 bytes of "
                + "audio/wav, 1.250 seconds.\",\"segments\":[{\"id\":0,\"seek\":0,\"start\":0,\"end\":1.25,\"text\":\"Echo translation "
                + "of 40044 bytes of audio/wav, 1.250 seconds.\",\"tokens\":[],\"temperature\":0.0,\"avg_logprob\":0.0,"
                + "\"compression_ratio\":0.0,\"no_speech_prob\":0.0}]}", r.body());
        assertEquals(1, upstream.requests().size());
    }

    @Test
    void fieldsAfterAStreamedFile_goUpAfterIt_andAreHonoured() throws Exception {
        HttpResponse<String> r = post("/v1/audio/transcriptions", formType(), form(Part.field("model", "whisper-1"),
                Part.file("file", "a.wav", "audio/wav", AUDIO), Part.field("language", "de"), Part.field("response_format", "srt"),
                Part.field("prompt", "Hallo")));
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().startsWith("1\n00:00:00,000 --> 00:00:00,900\nHello world.\n\n"), r.body());
        assertForm(upstream.takeRequest(), List.of("model=whisper-large-v3", "response_format=verbose_json",
                "timestamp_granularities[]=segment", "<file>", "language=de", "prompt=Hallo"), "a.wav", "audio/wav", AUDIO);

        // Deepgram takes the language in the query, gone by the file's end: refused, not transcribed in the wrong language.
        r = post("/v1/audio/transcriptions", formType(), form(Part.field("model", "nova-2"),
                Part.file("file", "a.wav", "audio/wav", AUDIO), Part.field("language", "de")));
        assertEquals(400, r.statusCode());
        assertEquals(errorJson("The 'language' field must come before the file in the form when the model is served by Deepgram, "
                + "which takes it before the audio.", "invalid_request_error", "language", 400), r.body());
        assertEquals(1, upstream.requests().size(), "the Deepgram upload was aborted before its end");
    }
}
