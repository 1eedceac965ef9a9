package tollgate.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import tollgate.config.Substitution.Text;

/**
 * Text-to-speech tables ({@code speech.tts} in the config): how a voice or an audio format one
 * API names is asked of a backend that speaks the other. OpenAI's {@code /audio/speech} names a
 * voice ({@code alloy}) and a {@code response_format} ({@code mp3}); Deepgram's {@code /speak}
 * names the voice as its {@code model} ({@code aura-asteria-en}) and the format as
 * {@code encoding}, {@code container} and {@code sample_rate} (protocols.md §4, §5).
 *
 * <p>Each of the three tables, when configured, replaces its default as a whole (so a row can be
 * left out); an absent one keeps the default.
 *
 * @param defaultVoice     the voice sent to an OpenAI-compatible backend when the client named
 *                         none (Deepgram's APIs have no voice apart from the model)
 * @param voicesToDeepgram OpenAI-style voice name to Deepgram Aura model
 * @param voicesToOpenAi   Deepgram Aura model to OpenAI-style voice name
 * @param formats          by OpenAI {@code response_format} name, in config order
 */
public record TtsConfig(String defaultVoice, Map<String, String> voicesToDeepgram, Map<String, String> voicesToOpenAi,
                        Map<String, Format> formats) {

    /**
     * One audio format in both vocabularies.
     *
     * @param name        the OpenAI {@code response_format}, e.g. {@code wav}
     * @param encoding    Deepgram's {@code encoding}, one of {@link #ENCODINGS}
     * @param container   Deepgram's {@code container} ({@code wav}, {@code ogg}, {@code none}), or
     *                    null where the encoding has none to choose (mp3, flac, aac)
     * @param sampleRate  Hz, sent to Deepgram as {@code sample_rate}; 0 = not sent (the
     *                    encoding's fixed rate)
     * @param contentType what the client receives as {@code Content-Type}
     */
    public record Format(String name, String encoding, String container, int sampleRate, String contentType) {
        /** The container Deepgram uses when none is given: wav for the PCM encodings, ogg for opus, else none. */
        public String effectiveContainer() { return container != null ? container : defaultContainer(encoding); }
    }

    /** Deepgram's TTS encodings (developers.deepgram.com/docs/tts-encoding). */
    public static final List<String> ENCODINGS = List.of("linear16", "mulaw", "alaw", "mp3", "opus", "flac", "aac");
    /** Deepgram's TTS containers (developers.deepgram.com/docs/tts-container). */
    public static final List<String> CONTAINERS = List.of("wav", "ogg", "none");
    /** Lowest and highest {@code sample_rate} Deepgram documents for TTS, in Hz. */
    public static final int MIN_SAMPLE_RATE = 8000, MAX_SAMPLE_RATE = 48000;
    /** Longest voice name accepted in a table, in chars. */
    static final int MAX_VOICE_CHARS = 128;
    /** Most rows in one table: each is looked up per request, and a table is written by hand. */
    static final int MAX_ROWS = 256;

    private static final List<String> KEYS = List.of("default_voice", "voices_to_deepgram", "voices_to_openai", "formats");
    private static final List<String> FORMAT_KEYS = List.of("encoding", "container", "sample_rate", "content_type");
    private static final Pattern FORMAT_NAME = Pattern.compile("[a-z0-9_]{1,32}");
    private static final Pattern CONTENT_TYPE = Pattern.compile("[a-zA-Z0-9.+_-]{1,64}/[a-zA-Z0-9.+_-]{1,64}");

    /**
     * The default voices: OpenAI's thirteen (protocols.md §5) to the twelve English Aura voices
     * (developers.deepgram.com/docs/tts-models), by likeness (gender, accent, pitch), and each
     * Aura voice back to the OpenAI voice that maps to it.
     */
    static final Map<String, String> DEFAULT_TO_DEEPGRAM = ordered(
            "alloy", "aura-asteria-en", "ash", "aura-arcas-en", "ballad", "aura-orpheus-en", "coral", "aura-luna-en",
            "echo", "aura-orion-en", "fable", "aura-helios-en", "onyx", "aura-zeus-en", "nova", "aura-stella-en",
            "sage", "aura-athena-en", "shimmer", "aura-hera-en", "verse", "aura-perseus-en", "marin", "aura-luna-en",
            "cedar", "aura-angus-en");
    static final Map<String, String> DEFAULT_TO_OPENAI = ordered(
            "aura-asteria-en", "alloy", "aura-arcas-en", "ash", "aura-orpheus-en", "ballad", "aura-luna-en", "coral",
            "aura-orion-en", "echo", "aura-helios-en", "fable", "aura-zeus-en", "onyx", "aura-stella-en", "nova",
            "aura-athena-en", "sage", "aura-hera-en", "shimmer", "aura-perseus-en", "verse", "aura-angus-en", "cedar");
    /** OpenAI's response formats as Deepgram produces them; wav and pcm at OpenAI's 24 kHz. */
    static final Map<String, Format> DEFAULT_FORMATS = formats(
            new Format("mp3", "mp3", null, 0, "audio/mpeg"),
            new Format("opus", "opus", "ogg", 0, "audio/ogg"),
            new Format("aac", "aac", null, 0, "audio/aac"),
            new Format("flac", "flac", null, 0, "audio/flac"),
            new Format("wav", "linear16", "wav", 24000, "audio/wav"),
            new Format("pcm", "linear16", "none", 24000, "audio/pcm"));

    public static final TtsConfig DEFAULTS = new TtsConfig("alloy", DEFAULT_TO_DEEPGRAM, DEFAULT_TO_OPENAI, DEFAULT_FORMATS);

    /** The container Deepgram uses for {@code encoding} when none is given. */
    public static String defaultContainer(String encoding) {
        return switch (encoding) {
            case "linear16", "mulaw", "alaw" -> "wav";
            case "opus" -> "ogg";
            default -> "none";
        };
    }

    /**
     * The Deepgram Aura model for a requested voice: the table's, or the voice itself when it is
     * already a Deepgram model (a key of {@link #voicesToOpenAi} or {@code aura-*}); null otherwise.
     */
    public String deepgramVoice(String voice) {
        if (voice == null) return null;
        String mapped = voicesToDeepgram.get(voice);
        if (mapped != null) return mapped;
        return isDeepgramVoice(voice) ? voice : null;
    }

    /** Whether {@code voice} names a Deepgram Aura model. */
    public boolean isDeepgramVoice(String voice) {
        return voice != null && (voicesToOpenAi.containsKey(voice) || voice.startsWith("aura-"));
    }

    /** The OpenAI-style voice for a Deepgram model, or null when the table has none. */
    public String openAiVoice(String deepgramModel) {
        return deepgramModel == null ? null : voicesToOpenAi.get(deepgramModel);
    }

    /** The row named {@code name} (an OpenAI {@code response_format}), or null. */
    public Format format(String name) { return formats.get(name); }

    /**
     * The row Deepgram's {@code encoding}, {@code container} (null: the encoding's default) and
     * {@code sample_rate} (0: not given) describe exactly, or null: a rate the row pins must match.
     */
    public Format match(String encoding, String container, int sampleRate) {
        String c = container != null ? container : defaultContainer(encoding);
        for (Format f : formats.values()) {
            if (f.encoding().equals(encoding) && f.effectiveContainer().equals(c)
                    && (sampleRate == 0 || sampleRate == f.sampleRate())) {
                return f;
            }
        }
        return null;
    }

    /** Reads {@code tts} from the {@code speech} section at {@code path}; absent = {@link #DEFAULTS}. */
    static TtsConfig read(ConfigReader r, Map<String, Object> speech, String path) {
        String p = ConfigReader.child(path, "tts");
        Map<String, Object> t = r.object(speech, path, "tts", KEYS);
        if (t.isEmpty()) return DEFAULTS;
        String defaultVoice = voice(r, p + ".default_voice", r.string(t, p, "default_voice", DEFAULTS.defaultVoice()));
        Map<String, String> toDeepgram = voices(r, t, p, "voices_to_deepgram", DEFAULT_TO_DEEPGRAM);
        Map<String, String> toOpenAi = voices(r, t, p, "voices_to_openai", DEFAULT_TO_OPENAI);
        Map<String, Format> formats = DEFAULT_FORMATS;
        if (t.get("formats") != null) {
            String fp = p + ".formats";
            Map<String, Object> rows = r.object(fp, t.get("formats"), null);
            if (rows.size() > MAX_ROWS) throw r.fail(fp, "more than " + MAX_ROWS + " formats");
            Map<String, Format> out = new LinkedHashMap<>();
            for (String name : rows.keySet()) {
                String rp = ConfigReader.child(fp, name);
                if (!FORMAT_NAME.matcher(name).matches()) {
                    throw r.fail(rp, "a format name must be 1-32 characters of a-z, 0-9 and _");
                }
                out.put(name, format(r, rp, name, r.object(rp, rows.get(name), FORMAT_KEYS)));
            }
            formats = Collections.unmodifiableMap(out);
        }
        return new TtsConfig(defaultVoice, toDeepgram, toOpenAi, formats);
    }

    private static Format format(ConfigReader r, String p, String name, Map<String, Object> row) {
        String encoding = r.requiredString(row, p, "encoding");
        if (!ENCODINGS.contains(encoding)) {
            throw r.expected(p + ".encoding", "one of " + String.join(", ", ENCODINGS), Text.literal(encoding));
        }
        String container = r.string(row, p, "container", null);
        if (container != null && !CONTAINERS.contains(container)) {
            throw r.expected(p + ".container", "one of " + String.join(", ", CONTAINERS), Text.literal(container));
        }
        long rate = r.integer(row, p, "sample_rate", 0, 0, MAX_SAMPLE_RATE);
        if (rate != 0 && rate < MIN_SAMPLE_RATE) {
            throw r.expected(p + ".sample_rate", "0 or an integer " + MIN_SAMPLE_RATE + "-" + MAX_SAMPLE_RATE, rate);
        }
        String type = r.requiredString(row, p, "content_type");
        if (!CONTENT_TYPE.matcher(type).matches()) {
            throw r.expected(p + ".content_type", "a media type like \"audio/mpeg\"", Text.literal(type));
        }
        return new Format(name, encoding, container, (int) rate, type);
    }

    private static Map<String, String> voices(ConfigReader r, Map<String, Object> t, String path, String key,
                                              Map<String, String> def) {
        Object v = t.get(key);
        if (v == null) return def;
        String p = ConfigReader.child(path, key);
        Map<String, Object> m = r.object(p, v, null);
        if (m.size() > MAX_ROWS) throw r.fail(p, "more than " + MAX_ROWS + " voices");
        Map<String, String> out = new LinkedHashMap<>();
        for (String from : m.keySet()) {
            String vp = ConfigReader.child(p, from);
            voice(r, vp, from);
            out.put(from, voice(r, vp, r.string(vp, m.get(from))));
        }
        return Collections.unmodifiableMap(out);
    }

    /** A voice name: 1 to {@link #MAX_VOICE_CHARS} visible characters (it goes into a URL query and a JSON body). */
    private static String voice(ConfigReader r, String path, String voice) {
        boolean ok = !voice.isEmpty() && voice.length() <= MAX_VOICE_CHARS;
        for (int i = 0; ok && i < voice.length(); i++) ok = voice.charAt(i) > ' ' && voice.charAt(i) != 0x7f;
        if (!ok) throw r.expected(path, "a voice name of 1-" + MAX_VOICE_CHARS + " characters without spaces", Text.literal(voice));
        return voice;
    }

    private static Map<String, String> ordered(String... pairs) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) m.put(pairs[i], pairs[i + 1]);
        return Collections.unmodifiableMap(m);
    }

    private static Map<String, Format> formats(Format... rows) {
        Map<String, Format> m = new LinkedHashMap<>();
        for (Format f : rows) m.put(f.name(), f);
        return Collections.unmodifiableMap(m);
    }
}
