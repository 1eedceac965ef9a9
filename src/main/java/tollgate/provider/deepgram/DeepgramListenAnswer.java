package tollgate.provider.deepgram;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tollgate.json.Json;
import tollgate.json.JsonNumber;
import tollgate.provider.Transcript;

/**
 * Reads Deepgram's pre-recorded answer (protocols.md §4: {@code metadata.duration},
 * {@code results.channels[0].alternatives[0]} with {@code transcript} and {@code words}, and
 * {@code detected_language} when language detection was asked for) into a {@link Transcript}.
 * Only the first channel and its best alternative are read: the others stay in the raw answer a
 * Deepgram client receives.
 */
final class DeepgramListenAnswer {
    private DeepgramListenAnswer() { throw new AssertionError(); }

    /** @return null when {@code answer} is not a Deepgram answer (no {@code results}) */
    static Transcript parse(Map<String, Object> answer, byte[] raw) {
        Map<String, Object> results = Json.asObject(answer.get("results"));
        if (results == null) return null;
        Map<String, Object> metadata = Json.asObject(answer.get("metadata"));
        double duration = metadata == null ? -1 : number(metadata.get("duration"), -1);
        String text = "";
        String language = null;
        List<Transcript.Word> words = new ArrayList<>();
        Map<String, Object> channel = first(results.get("channels"));
        if (channel != null) {
            if (channel.get("detected_language") instanceof String s) language = s;
            Map<String, Object> alt = first(channel.get("alternatives"));
            if (alt != null) {
                if (alt.get("transcript") instanceof String s) text = s;
                if (alt.get("words") instanceof List<?> list) {
                    for (Object o : list) {
                        Map<String, Object> w = Json.asObject(o);
                        if (w == null || !(w.get("word") instanceof String word)) continue;
                        words.add(new Transcript.Word(word, w.get("punctuated_word") instanceof String p ? p : null,
                                number(w.get("start"), 0), number(w.get("end"), 0),
                                w.get("confidence") instanceof JsonNumber c ? c.doubleValue() : null,
                                w.get("speaker") instanceof JsonNumber n && n.isInteger() ? (int) n.longValue() : null));
                    }
                }
            }
        }
        return new Transcript(text, language, duration, List.copyOf(words), List.of(), Transcript.DEEPGRAM, answer, raw);
    }

    private static Map<String, Object> first(Object list) {
        return list instanceof List<?> l && !l.isEmpty() ? Json.asObject(l.get(0)) : null;
    }

    static double number(Object v, double otherwise) {
        if (!(v instanceof JsonNumber n)) return otherwise;
        try {
            double d = n.doubleValue();
            return Double.isFinite(d) ? d : otherwise;
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }
}
