package tollgate.api;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tollgate.json.JsonNumber;
import tollgate.provider.Transcript;

/**
 * A {@link Transcript} in the shape the client asked for, whatever backend produced it:
 * OpenAI's {@code response_format} ({@code json}: {@code {"text"}}; {@code text}: the text and
 * a line feed; {@code srt} and {@code vtt} from {@link SttCues}; {@code verbose_json}) and
 * Deepgram's pre-recorded response (protocols.md §4). An answer already in the client's shape
 * (Deepgram to a Deepgram client; OpenAI's {@code verbose_json} to one asking for it) is passed
 * on as the upstream wrote it, less what the gateway asked for only for itself.
 */
final class SttRender {
    private SttRender() { throw new AssertionError(); }

    /** Whisper's language names (its {@code verbose_json} says {@code english}, not {@code en}), for the common codes. */
    static final Map<String, String> LANGUAGE_NAMES = Map.ofEntries(
            Map.entry("en", "english"), Map.entry("de", "german"), Map.entry("fr", "french"), Map.entry("es", "spanish"),
            Map.entry("it", "italian"), Map.entry("pt", "portuguese"), Map.entry("nl", "dutch"), Map.entry("ja", "japanese"),
            Map.entry("zh", "chinese"), Map.entry("ko", "korean"), Map.entry("ru", "russian"), Map.entry("pl", "polish"),
            Map.entry("tr", "turkish"), Map.entry("sv", "swedish"), Map.entry("uk", "ukrainian"), Map.entry("hi", "hindi"),
            Map.entry("ar", "arabic"), Map.entry("da", "danish"), Map.entry("fi", "finnish"), Map.entry("no", "norwegian"),
            Map.entry("cs", "czech"), Map.entry("el", "greek"), Map.entry("he", "hebrew"), Map.entry("id", "indonesian"),
            Map.entry("vi", "vietnamese"), Map.entry("ro", "romanian"), Map.entry("hu", "hungarian"), Map.entry("ca", "catalan"));

    // ------------------------------------------------------------------ OpenAI

    static Map<String, Object> json(Transcript t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("text", t.text());
        return m;
    }

    static String text(Transcript t) { return t.text() + "\n"; }

    static String srt(Transcript t) { return SttCues.srt(SttCues.cues(t)); }

    static String vtt(Transcript t) { return SttCues.vtt(SttCues.cues(t)); }

    /**
     * OpenAI's {@code verbose_json}: {@code words} when the client asked for word timestamps,
     * {@code segments} when it asked for segment ones (the default). The language is the one
     * the backend detected, else the one {@code asked}, else English.
     */
    static Map<String, Object> verbose(Transcript t, boolean translate, boolean words, boolean segments, String asked) {
        if (Transcript.OPENAI.equals(t.shape()) && t.upstream() != null) {
            Map<String, Object> m = new LinkedHashMap<>(t.upstream());
            if (!words) m.remove("words");
            if (!segments) m.remove("segments");
            return m;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", translate ? "translate" : "transcribe");
        m.put("language", translate ? "english" : languageName(t.language() != null ? t.language() : asked));
        m.put("duration", seconds(Math.max(0, t.duration())));
        m.put("text", t.text());
        if (words) {
            List<Object> list = new ArrayList<>();
            for (Transcript.Word w : t.words()) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("word", trim(w.shown())); // Whisper's words carry no punctuation
                o.put("start", seconds(w.start()));
                o.put("end", seconds(w.end()));
                list.add(o);
            }
            m.put("words", list);
        }
        if (segments) {
            List<Object> list = new ArrayList<>();
            int id = 0;
            for (SttCues.Cue c : SttCues.cues(t)) {
                // Whisper's own fields, neutral where a backend has no such measure.
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("id", id++);
                o.put("seek", 0);
                o.put("start", seconds(c.start()));
                o.put("end", seconds(c.end()));
                o.put("text", c.text());
                o.put("tokens", List.of());
                o.put("temperature", new JsonNumber("0.0"));
                o.put("avg_logprob", new JsonNumber("0.0"));
                o.put("compression_ratio", new JsonNumber("0.0"));
                o.put("no_speech_prob", new JsonNumber("0.0"));
                list.add(o);
            }
            m.put("segments", list);
        }
        return m;
    }

    static String languageName(String language) {
        if (language == null) return "english";
        String code = language.toLowerCase(Locale.ROOT);
        int dash = code.indexOf('-');
        if (dash > 0) code = code.substring(0, dash);
        return LANGUAGE_NAMES.getOrDefault(code, language);
    }

    /** A Whisper language name or a BCP-47 tag as a Deepgram-style code ({@code english} and {@code en-US} give {@code en}). */
    static String languageCode(String language) {
        if (language == null) return null;
        String l = language.toLowerCase(Locale.ROOT);
        for (Map.Entry<String, String> e : LANGUAGE_NAMES.entrySet()) if (e.getValue().equals(l)) return e.getKey();
        return language;
    }

    // ------------------------------------------------------------------ Deepgram

    /**
     * Deepgram's pre-recorded response for a transcript from another backend: {@code metadata}
     * (request id, created, duration, one channel, the model) and {@code results.channels[0]
     * .alternatives[0]} with the transcript and its words ({@code word} lower-case without
     * punctuation, {@code punctuated_word} as shown); {@code detected_language} when the client
     * asked for detection, {@code utterances} when it asked for them. Confidences appear only where
     * the backend measured them.
     */
    static Map<String, Object> deepgram(Transcript t, String requestId, String created, String model, boolean detectLanguage,
                                        boolean utterances) {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("transaction_key", "deprecated");
        metadata.put("request_id", requestId);
        metadata.put("created", created);
        metadata.put("duration", seconds(Math.max(0, t.duration())));
        metadata.put("channels", 1);
        metadata.put("models", List.of(model));
        List<Object> words = deepgramWords(t);
        Map<String, Object> alternative = new LinkedHashMap<>();
        alternative.put("transcript", t.text());
        Double confidence = meanConfidence(t.words());
        if (confidence != null) alternative.put("confidence", seconds(confidence));
        alternative.put("words", words);
        Map<String, Object> channel = new LinkedHashMap<>();
        channel.put("alternatives", List.of(alternative));
        if (detectLanguage && t.language() != null) channel.put("detected_language", languageCode(t.language()));
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("channels", List.of(channel));
        if (utterances) {
            List<Object> list = new ArrayList<>();
            for (SttCues.Cue c : SttCues.cues(t)) {
                Map<String, Object> u = new LinkedHashMap<>();
                u.put("start", seconds(c.start()));
                u.put("end", seconds(c.end()));
                u.put("channel", 0);
                u.put("transcript", c.text());
                list.add(u);
            }
            results.put("utterances", list);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("metadata", metadata);
        m.put("results", results);
        return m;
    }

    private static List<Object> deepgramWords(Transcript t) {
        // Whisper's words come without punctuation; its text has it. When they line up one to
        // one, the text's tokens are the punctuated words.
        List<String> tokens = tokens(t.text());
        boolean aligned = tokens.size() == t.words().size();
        List<Object> out = new ArrayList<>(t.words().size());
        for (int i = 0; i < t.words().size(); i++) {
            Transcript.Word w = t.words().get(i);
            String shown = w.punctuated() != null ? w.punctuated() : aligned ? tokens.get(i) : w.word();
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("word", bare(w.word()));
            o.put("start", seconds(w.start()));
            o.put("end", seconds(w.end()));
            if (w.confidence() != null) o.put("confidence", seconds(w.confidence()));
            o.put("punctuated_word", shown);
            if (w.speaker() != null) o.put("speaker", w.speaker());
            out.add(o);
        }
        return out;
    }

    /** The text's whitespace-separated tokens. */
    static List<String> tokens(String text) {
        List<String> out = new ArrayList<>();
        int i = 0, n = text.length();
        while (i < n) {
            while (i < n && Character.isWhitespace(text.charAt(i))) i++;
            int start = i;
            while (i < n && !Character.isWhitespace(text.charAt(i))) i++;
            if (i > start) out.add(text.substring(start, i));
        }
        return out;
    }

    private static Double meanConfidence(List<Transcript.Word> words) {
        if (words.isEmpty()) return null;
        double sum = 0;
        for (Transcript.Word w : words) {
            if (w.confidence() == null) return null;
            sum += w.confidence();
        }
        return sum / words.size();
    }

    /** Lower case, without leading or trailing punctuation, as Deepgram's {@code word}. */
    static String bare(String w) {
        return trim(w).toLowerCase(Locale.ROOT);
    }

    /** Without leading or trailing punctuation (a word that is nothing else is kept). */
    static String trim(String w) {
        int start = 0, end = w.length();
        while (start < end && !Character.isLetterOrDigit(w.codePointAt(start))) start++;
        while (end > start && !Character.isLetterOrDigit(w.codePointBefore(end))) end--;
        return start < end ? w.substring(start, end) : w;
    }

    /** Seconds (or any ratio) as an exact, short JSON number: {@code 1.5}, {@code 0}, never {@code 1.5E-4}. */
    static JsonNumber seconds(double v) {
        BigDecimal d = BigDecimal.valueOf(v).stripTrailingZeros();
        return new JsonNumber(d.signum() == 0 ? "0" : d.toPlainString());
    }
}
