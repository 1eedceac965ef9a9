package tollgate.api;

import java.util.ArrayList;
import java.util.List;
import tollgate.provider.Transcript;

/**
 * Subtitle cues from a transcript, and the two subtitle formats OpenAI's {@code response_format}
 * offers: SubRip ({@code srt}: numbered cues, {@code HH:MM:SS,mmm --> HH:MM:SS,mmm}) and WebVTT
 * ({@code vtt}: a {@code WEBVTT} header, {@code HH:MM:SS.mmm} times; W3C WebVTT §4.1), each cue
 * followed by an empty line, as OpenAI writes them.
 *
 * <p>Cues are the upstream's segments when it gave some (Whisper), else built from word timings
 * (Deepgram): a cue ends after a word that ends a sentence, before a pause of
 * {@link #PAUSE_MILLIS}, before a change of speaker, and before it would pass
 * {@link #MAX_CUE_MILLIS} or {@link #MAX_CUE_CHARS} (two lines of 42, the common subtitle
 * guideline). Without either, the whole text is one cue over the whole duration.
 */
final class SttCues {
    private SttCues() { throw new AssertionError(); }

    /** Longest cue built from words, in milliseconds. */
    static final long MAX_CUE_MILLIS = 7_000;
    /** Longest cue built from words, in characters. */
    static final int MAX_CUE_CHARS = 84;
    /** A silence between words at least this long starts a new cue, in milliseconds. */
    static final long PAUSE_MILLIS = 1_000;

    record Cue(double start, double end, String text) {}

    static List<Cue> cues(Transcript t) {
        List<Cue> out = new ArrayList<>();
        if (!t.segments().isEmpty()) {
            for (Transcript.Segment s : t.segments()) if (!s.text().isBlank()) out.add(new Cue(s.start(), s.end(), s.text()));
            return out;
        }
        if (t.words().isEmpty()) {
            if (!t.text().isBlank()) out.add(new Cue(0, Math.max(0, t.duration()), t.text().strip()));
            return out;
        }
        StringBuilder text = new StringBuilder();
        double start = 0, end = 0;
        Integer speaker = null;
        for (Transcript.Word w : t.words()) {
            String shown = w.shown();
            if (!text.isEmpty()) {
                boolean pause = (w.start() - end) * 1000 >= PAUSE_MILLIS;
                boolean tooLong = (w.end() - start) * 1000 > MAX_CUE_MILLIS || text.length() + 1 + shown.length() > MAX_CUE_CHARS;
                boolean otherSpeaker = w.speaker() != null && !w.speaker().equals(speaker);
                if (pause || tooLong || otherSpeaker) {
                    out.add(new Cue(start, end, text.toString()));
                    text.setLength(0);
                }
            }
            if (text.isEmpty()) {
                start = w.start();
                speaker = w.speaker();
            } else {
                text.append(' ');
            }
            text.append(shown);
            end = w.end();
            if (endsSentence(shown)) {
                out.add(new Cue(start, end, text.toString()));
                text.setLength(0);
            }
        }
        if (!text.isEmpty()) out.add(new Cue(start, end, text.toString()));
        return out;
    }

    private static boolean endsSentence(String w) {
        return !w.isEmpty() && ".?!".indexOf(w.charAt(w.length() - 1)) >= 0;
    }

    static String srt(List<Cue> cues) {
        StringBuilder b = new StringBuilder();
        int n = 1;
        for (Cue c : cues) {
            b.append(n++).append('\n');
            time(b, c.start(), ',').append(" --> ");
            time(b, c.end(), ',').append('\n').append(lines(c.text()).replace("-->", "->")).append("\n\n");
        }
        return b.toString();
    }

    static String vtt(List<Cue> cues) {
        StringBuilder b = new StringBuilder("WEBVTT\n\n");
        for (Cue c : cues) {
            time(b, c.start(), '.').append(" --> ");
            time(b, c.end(), '.').append('\n');
            // WebVTT §4.2.2: cue text escapes "&" and "<" (else they start an escape or a tag); ">" too, so no "-->".
            for (char ch : lines(c.text()).toCharArray()) {
                if (ch == '&') b.append("&amp;");
                else if (ch == '<') b.append("&lt;");
                else if (ch == '>') b.append("&gt;");
                else b.append(ch);
            }
            b.append("\n\n");
        }
        return b.toString();
    }

    /**
     * A cue's text as its non-blank lines: a blank line ends a cue in SubRip and in WebVTT (§4.1,
     * a cue payload holds no two consecutive line terminators), which would cut the text and
     * leave the rest to be read as the next cue.
     */
    static String lines(String text) {
        StringBuilder b = new StringBuilder(text.length());
        text.lines().filter(l -> !l.isBlank()).forEach(l -> (b.isEmpty() ? b : b.append('\n')).append(l));
        return b.toString();
    }

    /** {@code HH:MM:SS<sep>mmm}, rounded to the millisecond; hours grow past two digits if they must. */
    static StringBuilder time(StringBuilder b, double seconds, char sep) {
        long ms = Math.round(Math.max(0, seconds) * 1000);
        long h = ms / 3_600_000, m = ms / 60_000 % 60, s = ms / 1000 % 60, milli = ms % 1000;
        if (h < 10) b.append('0');
        b.append(h).append(':');
        if (m < 10) b.append('0');
        b.append(m).append(':');
        if (s < 10) b.append('0');
        b.append(s).append(sep);
        if (milli < 100) b.append('0');
        if (milli < 10) b.append('0');
        return b.append(milli);
    }
}
