package tollgate.provider.openai;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tollgate.json.Json;
import tollgate.json.JsonNumber;
import tollgate.provider.Transcript;

/**
 * Reads an OpenAI transcription answer into a {@link Transcript}: {@code verbose_json}
 * ({@code text}, {@code language}, {@code duration}, {@code words[]}, {@code segments[]}), or
 * plain {@code json} ({@code text}, and on newer servers {@code usage} of type {@code duration}
 * with its {@code seconds}), per OpenAI's API reference (protocols.md §5) and the local Whisper
 * servers that copy it.
 */
final class OpenAiTranscriptionsAnswer {
    private OpenAiTranscriptionsAnswer() { throw new AssertionError(); }

    /** @return null when {@code answer} has no {@code text} */
    static Transcript parse(Map<String, Object> answer, byte[] raw) {
        if (!(answer.get("text") instanceof String text)) return null;
        double duration = number(answer.get("duration"), -1);
        if (duration < 0 && Json.asObject(answer.get("usage")) instanceof Map<String, Object> usage
                && "duration".equals(usage.get("type"))) {
            duration = number(usage.get("seconds"), -1);
        }
        List<Transcript.Word> words = new ArrayList<>();
        if (answer.get("words") instanceof List<?> list) {
            for (Object o : list) {
                Map<String, Object> w = Json.asObject(o);
                if (w == null || !(w.get("word") instanceof String word)) continue;
                words.add(new Transcript.Word(word.strip(), null, number(w.get("start"), 0), number(w.get("end"), 0), null, null));
            }
        }
        List<Transcript.Segment> segments = new ArrayList<>();
        if (answer.get("segments") instanceof List<?> list) {
            for (Object o : list) {
                Map<String, Object> s = Json.asObject(o);
                if (s == null || !(s.get("text") instanceof String t)) continue;
                segments.add(new Transcript.Segment(number(s.get("start"), 0), number(s.get("end"), 0), t.strip()));
            }
        }
        String language = answer.get("language") instanceof String l ? l : null;
        return new Transcript(text, language, duration, List.copyOf(words), List.copyOf(segments), Transcript.OPENAI, answer, raw);
    }

    private static double number(Object v, double otherwise) {
        if (!(v instanceof JsonNumber n)) return otherwise;
        try {
            double d = n.doubleValue();
            return Double.isFinite(d) ? d : otherwise;
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }
}
