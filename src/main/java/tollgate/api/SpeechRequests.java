package tollgate.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tollgate.config.TtsConfig;
import tollgate.error.GatewayException;
import tollgate.json.JsonNumber;
import tollgate.provider.AudioFormat;
import tollgate.provider.SpeechRequest;

/**
 * Reads and checks the three text-to-speech request shapes into one {@link SpeechRequest}:
 * OpenAI's {@code /audio/speech} (protocols.md §5), Deepgram's {@code /speak} (§4) and seed
 * 000's {@code /deepgram/tts}. Every field the gateway cannot carry to a backend is refused
 * with a 400 naming it, rather than dropped.
 */
final class SpeechRequests {
    private SpeechRequests() { throw new AssertionError(); }

    /** Longest text, in characters: OpenAI's documented limit for {@code input}. */
    static final int MAX_TEXT_CHARS = 4096;
    /** Longest {@code instructions}, in characters (OpenAI documents none; the same as the text). */
    static final int MAX_INSTRUCTIONS_CHARS = 4096;
    /** Longest voice name or id, in characters. */
    static final int MAX_VOICE_CHARS = 128;
    /** OpenAI's {@code speed} range. */
    static final double MIN_SPEED = 0.25, MAX_SPEED = 4.0;
    /** Deepgram's {@code speed} range: what its own API takes on {@code /speak}. */
    static final double MIN_DEEPGRAM_SPEED = tollgate.provider.deepgram.DeepgramProvider.MIN_SPEED,
            MAX_DEEPGRAM_SPEED = tollgate.provider.deepgram.DeepgramProvider.MAX_SPEED;
    /** Highest {@code bit_rate} Deepgram documents (opus), in bits per second. */
    static final int MAX_BIT_RATE = 650_000;
    /** Most {@code tag} values on one request. */
    static final int MAX_TAGS = 16;

    /**
     * A checked request and where it goes.
     *
     * @param model what the client named ({@code model}), or null for the first speech model
     * @param sse   OpenAI's {@code stream_format: "sse"}: audio as base64 events
     */
    record Parsed(String model, SpeechRequest request, boolean sse) {}

    private static final Set<String> OPENAI_FIELDS = Set.of("model", "input", "voice", "response_format", "speed",
            "instructions", "stream_format");
    private static final List<String> DEEPGRAM_QUERY = List.of("model", "encoding", "container", "sample_rate", "bit_rate",
            "speed", "tag", "mip_opt_out");
    private static final Set<String> DEEPGRAM_TTS_FIELDS = Set.of("text", "model", "encoding", "container", "sample_rate",
            "bit_rate");

    /** OpenAI's {@code POST /audio/speech} JSON body. */
    static Parsed openAi(Map<String, Object> body, TtsConfig tts) {
        unknownFields(body, OPENAI_FIELDS);
        String model = Validation.requiredString(body, "model", "model");
        if (model.isEmpty()) throw Validation.invalidValue("model", "a model id", model);
        String input = text(body, "input");
        Object v = body.get("voice");
        if (v == null && !body.containsKey("voice")) throw Validation.missing("voice");
        String voice;
        boolean voiceId = false;
        if (v instanceof Map<?, ?> m) {
            voice = voiceName("voice.id", Validation.requiredString(Validation.cast(m), "id", "voice.id"));
            voiceId = true;
            if (m.size() > 1) throw Validation.invalidValue("voice", "a voice name or an object with only 'id'", v);
        } else if (v instanceof String s) {
            voice = voiceName("voice", s);
        } else {
            throw Validation.invalidType("voice", "a voice name or an object {\"id\": ...}", v);
        }
        String formatName = "mp3";
        if (body.get("response_format") != null) formatName = Validation.string("response_format", body.get("response_format"));
        TtsConfig.Format row = tts.format(formatName);
        if (row == null) {
            throw Validation.invalidValue("response_format", "one of " + quotedList(tts.formats().keySet()), formatName);
        }
        double speed = 0;
        if (body.get("speed") != null) {
            Object s = body.get("speed");
            if (!(s instanceof JsonNumber n)) throw Validation.invalidType("speed", "a number", s);
            speed = n.doubleValue();
            if (!(speed >= MIN_SPEED && speed <= MAX_SPEED)) {
                throw Validation.invalidValue("speed", "a number between " + MIN_SPEED + " and " + MAX_SPEED, s);
            }
        }
        String instructions = null;
        if (body.get("instructions") != null) {
            instructions = Validation.string("instructions", body.get("instructions"));
            if (Validation.longerThan(instructions, MAX_INSTRUCTIONS_CHARS)) {
                throw GatewayException.invalid("instructions", "Invalid value for 'instructions': expected at most "
                        + MAX_INSTRUCTIONS_CHARS + " characters.");
            }
            if (instructions.isEmpty()) instructions = null;
        }
        boolean sse = false;
        if (body.get("stream_format") != null) {
            String f = Validation.string("stream_format", body.get("stream_format"));
            if (!f.equals("audio") && !f.equals("sse")) throw Validation.invalidValue("stream_format", "'audio' or 'sse'", f);
            sse = f.equals("sse");
        }
        return new Parsed(model, new SpeechRequest(input, voice, voiceId, AudioFormat.of(row), speed, instructions, List.of(),
                "response_format", "voice"), sse);
    }

    /**
     * Deepgram's {@code POST /speak}: {@code {"text"}} in the body, the rest in the query. Without
     * {@code encoding} the audio is mp3, as Deepgram's encoding reference and getting-started
     * guide say (its media-output page says linear16/wav; protocols.md §4 notes the conflict).
     */
    static Parsed deepgramSpeak(Map<String, Object> body, Map<String, List<String>> query, TtsConfig tts) {
        unknownFields(body, Set.of("text"));
        String text = text(body, "text");
        for (String name : query.keySet()) {
            if (name.equals("callback") || name.equals("callback_method")) {
                throw GatewayException.invalid(name, "The gateway does not support '" + name + "': the audio is returned in the "
                        + "response.");
            }
            if (!DEEPGRAM_QUERY.contains(name)) {
                throw GatewayException.invalid(name, "Unknown query parameter '" + name + "' (supported: "
                        + String.join(", ", DEEPGRAM_QUERY) + ").");
            }
            if (!name.equals("tag") && query.get(name).size() > 1) {
                throw GatewayException.invalid(name, "Query parameter '" + name + "' is given more than once.");
            }
        }
        String model = first(query, "model");
        if (model != null) voiceName("model", model);
        AudioFormat format = deepgramFormat(tts, first(query, "encoding"), first(query, "container"),
                first(query, "sample_rate"), first(query, "bit_rate"), "mp3");
        double speed = 0;
        String s = first(query, "speed");
        if (s != null) {
            speed = decimal("speed", s);
            if (!(speed >= MIN_DEEPGRAM_SPEED && speed <= MAX_DEEPGRAM_SPEED)) {
                throw GatewayException.invalid("speed", "Invalid value for 'speed': expected a number between " + MIN_DEEPGRAM_SPEED
                        + " and " + MAX_DEEPGRAM_SPEED + ", got " + Validation.show(s) + ".");
            }
        }
        List<String> extra = new ArrayList<>();
        List<String> tags = query.getOrDefault("tag", List.of());
        if (tags.size() > MAX_TAGS) throw GatewayException.invalid("tag", "At most " + MAX_TAGS + " 'tag' values are accepted.");
        for (String t : tags) {
            extra.add("tag");
            extra.add(t);
        }
        String mip = first(query, "mip_opt_out");
        if (mip != null) {
            if (!mip.equals("true") && !mip.equals("false")) throw Validation.invalidValue("mip_opt_out", "true or false", mip);
            extra.add("mip_opt_out");
            extra.add(mip);
        }
        return new Parsed(model, new SpeechRequest(text, tts.isDeepgramVoice(model) ? model : null, false, format, speed, null,
                List.copyOf(extra), "encoding", "model"), false);
    }

    /**
     * Seed 000's {@code POST /deepgram/tts}: {@code {"text", "model"}}, and optionally Deepgram's
     * format fields in the body. Without {@code encoding} the audio is wav (linear16, 24 kHz): the
     * seed saves the answer as {@code response.wav}.
     */
    static Parsed deepgramTts(Map<String, Object> body, TtsConfig tts) {
        unknownFields(body, DEEPGRAM_TTS_FIELDS);
        String text = text(body, "text");
        String model = null;
        if (body.get("model") != null) model = voiceName("model", Validation.string("model", body.get("model")));
        AudioFormat format = deepgramFormat(tts, optional(body, "encoding"), optional(body, "container"),
                number(body, "sample_rate"), number(body, "bit_rate"), "linear16");
        return new Parsed(model, new SpeechRequest(text, tts.isDeepgramVoice(model) ? model : null, false, format, 0, null,
                List.of(), "encoding", "model"), false);
    }

    /**
     * Deepgram's format parameters, checked: the encoding and container names, the containers an
     * encoding has (wav or none for the PCM encodings, ogg for opus, none for the rest:
     * developers.deepgram.com/docs/tts-media-output-settings), rates in range. Which exact rates
     * an encoding takes is the backend's to judge.
     */
    static AudioFormat deepgramFormat(TtsConfig tts, String encoding, String container, String sampleRate, String bitRate,
                                      String defaultEncoding) {
        String e = encoding != null ? encoding : defaultEncoding;
        if (!TtsConfig.ENCODINGS.contains(e)) throw Validation.invalidValue("encoding", "one of " + quotedList(TtsConfig.ENCODINGS), e);
        if (container != null) {
            if (!TtsConfig.CONTAINERS.contains(container)) {
                throw Validation.invalidValue("container", "one of " + quotedList(TtsConfig.CONTAINERS), container);
            }
            String allowed = switch (e) {
                case "linear16", "mulaw", "alaw" -> "wav none";
                case "opus" -> "ogg";
                default -> "none";
            };
            if (!List.of(allowed.split(" ")).contains(container)) {
                throw GatewayException.invalid("container", "Invalid value for 'container': encoding " + e + " takes "
                        + quotedList(List.of(allowed.split(" "))) + ", got '" + container + "'.");
            }
        }
        int rate = sampleRate == null ? 0 : (int) integer("sample_rate", sampleRate, TtsConfig.MIN_SAMPLE_RATE, TtsConfig.MAX_SAMPLE_RATE);
        int bits = bitRate == null ? 0 : (int) integer("bit_rate", bitRate, 1, MAX_BIT_RATE);
        return AudioFormat.deepgram(tts, e, container, rate, bits);
    }

    // ---------------------------------------------------------------- fields

    private static String text(Map<String, Object> body, String key) {
        String t = Validation.requiredString(body, key, key);
        if (t.isEmpty()) throw GatewayException.invalid(key, "Invalid value for '" + key + "': expected at least 1 character, got an empty string.");
        if (Validation.longerThan(t, MAX_TEXT_CHARS)) {
            throw GatewayException.invalid(key, "Invalid value for '" + key + "': expected at most " + MAX_TEXT_CHARS
                    + " characters, got " + t.codePointCount(0, t.length()) + ".");
        }
        return t;
    }

    /** A voice or model name: 1 to {@link #MAX_VOICE_CHARS} visible characters (it goes into an upstream URL or body). */
    private static String voiceName(String path, String s) {
        boolean ok = !s.isEmpty() && s.length() <= MAX_VOICE_CHARS;
        for (int i = 0; ok && i < s.length(); i++) ok = s.charAt(i) > ' ' && s.charAt(i) != 0x7f;
        if (!ok) throw Validation.invalidValue(path, "a name of 1 to " + MAX_VOICE_CHARS + " characters without spaces", s);
        return s;
    }

    private static void unknownFields(Map<String, Object> body, Set<String> known) {
        for (String k : body.keySet()) {
            if (!known.contains(k)) throw GatewayException.invalid(k, "Unrecognized request argument supplied: '" + k + "'.");
        }
    }

    private static String optional(Map<String, Object> body, String key) {
        Object v = body.get(key);
        return v == null ? null : Validation.string(key, v);
    }

    /** A JSON integer field as its text, for the same checks as a query parameter. */
    private static String number(Map<String, Object> body, String key) {
        Object v = body.get(key);
        if (v == null) return null;
        if (!(v instanceof JsonNumber n)) throw Validation.invalidType(key, "an integer", v);
        return n.text();
    }

    private static String first(Map<String, List<String>> query, String name) {
        return tollgate.http.QueryString.first(query, name);
    }

    private static long integer(String name, String text, long min, long max) {
        if (!Validation.isDigits(text) || !Validation.fitsLong(text)) {
            throw GatewayException.invalid(name, "Invalid value for '" + name + "': expected an integer between " + min + " and "
                    + max + ", got " + Validation.show(text) + ".");
        }
        long v = Long.parseLong(text);
        if (v < min || v > max) {
            throw GatewayException.invalid(name, "Invalid value for '" + name + "': expected an integer between " + min + " and "
                    + max + ", got " + v + ".");
        }
        return v;
    }

    /** A plain decimal ({@code 1}, {@code 0.9}); nothing Double.parseDouble takes beyond that (hex, NaN, exponents). */
    private static double decimal(String name, String text) {
        int dot = text.indexOf('.');
        boolean ok = dot < 0 ? Validation.isDigits(text)
                : Validation.isDigits(text.substring(0, dot)) && Validation.isDigits(text.substring(dot + 1));
        if (!ok || text.length() > 16) {
            throw GatewayException.invalid(name, "Invalid value for '" + name + "': expected a number, got " + Validation.show(text) + ".");
        }
        return Double.parseDouble(text);
    }

    private static String quotedList(java.util.Collection<String> names) {
        StringBuilder b = new StringBuilder();
        for (String n : names) b.append(b.length() == 0 ? "" : ", ").append('\'').append(n).append('\'');
        return b.toString();
    }
}
