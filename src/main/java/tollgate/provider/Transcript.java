package tollgate.provider;

import java.util.List;
import java.util.Map;

/**
 * What a transcription produced, in a form every client shape can be rendered from.
 *
 * @param text     the whole transcript
 * @param language the language as the upstream reported it (a code such as {@code en}, or
 *                 Whisper's name such as {@code english}), or null
 * @param duration the audio's duration in seconds as the upstream reported it, or a negative
 *                 number when it did not; what the gateway charges
 * @param words    word timings, in order; empty when the upstream gave none
 * @param segments segment timings (Whisper's segments), in order; empty when none
 * @param shape    {@link #DEEPGRAM} or {@link #OPENAI}: the wire shape of {@code upstream}; null
 *                 when there is no upstream answer (the echo provider)
 * @param upstream the upstream's answer, parsed (read-only), or null
 * @param raw      the upstream's answer as received, secrets scrubbed, or null: relayed as is to
 *                 a client of the same shape
 */
public record Transcript(
        String text,
        String language,
        double duration,
        List<Word> words,
        List<Segment> segments,
        String shape,
        Map<String, Object> upstream,
        byte[] raw) {

    public static final String DEEPGRAM = "deepgram";
    public static final String OPENAI = "openai";

    /** The duration in whole milliseconds, rounded up; 0 when unknown. */
    public long durationMillis() {
        if (!(duration > 0)) return 0;
        return (long) Math.ceil(duration * 1000 - 1e-6);
    }

    /**
     * One word.
     *
     * @param word      the word as recognized (Deepgram: lower-case, no punctuation)
     * @param punctuated with punctuation and capitals (Deepgram's {@code punctuated_word}), or null
     * @param start     seconds from the start of the audio
     * @param end       seconds from the start of the audio
     * @param confidence 0..1, or null when unknown
     * @param speaker   the speaker number (diarization), or null
     */
    public record Word(String word, String punctuated, double start, double end, Double confidence, Integer speaker) {
        /** The word as it should be shown. */
        public String shown() { return punctuated != null ? punctuated : word; }
    }

    /** A stretch of speech with its text (Whisper's segment). Seconds from the start. */
    public record Segment(double start, double end, String text) {}
}
