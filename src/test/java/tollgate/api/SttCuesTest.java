package tollgate.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import tollgate.provider.Transcript;

/** Subtitle cues from word timings, and SRT/WebVTT times, exactly. */
class SttCuesTest {
    static Transcript.Word w(String shown, double start, double end, Integer speaker) {
        return new Transcript.Word(shown.toLowerCase(), shown, start, end, null, speaker);
    }

    static Transcript words(Transcript.Word... words) {
        return new Transcript("", null, 60, List.of(words), List.of(), Transcript.DEEPGRAM, null, null);
    }

    @Test
    void wordsBreakAtSentenceEnds_pauses_speakerChanges_andLength() {
        Transcript t = words(
                w("Yes.", 0.0, 0.3, 0), w("So", 0.5, 0.7, 0),               // a sentence end
                w("then", 0.7, 0.9, 0), w("we", 2.0, 2.1, 0),                // a pause of 1.1 s
                w("go", 2.1, 2.3, 1),                                        // another speaker
                w("on", 2.3, 2.5, 1), w("and", 2.5, 9.2, 1),                 // past 7 s from the cue's start (2.1)
                w("x".repeat(83), 9.2, 9.5, 1), w("y", 9.5, 9.6, 1));        // each past 84 characters with the one before
        assertEquals(List.of(
                new SttCues.Cue(0.0, 0.3, "Yes."),
                new SttCues.Cue(0.5, 0.9, "So then"),
                new SttCues.Cue(2.0, 2.1, "we"),
                new SttCues.Cue(2.1, 2.5, "go on"),
                new SttCues.Cue(2.5, 9.2, "and"),
                new SttCues.Cue(9.2, 9.5, "x".repeat(83)),
                new SttCues.Cue(9.5, 9.6, "y")), SttCues.cues(t));
    }

    @Test
    void withoutWordsOrSegments_theTextIsOneCue_andBlankIsNone() {
        assertEquals(List.of(new SttCues.Cue(0, 12.5, "All of it.")), SttCues.cues(
                new Transcript(" All of it. ", null, 12.5, List.of(), List.of(), null, null, null)));
        assertEquals(List.of(), SttCues.cues(new Transcript("  ", null, 3, List.of(), List.of(), null, null, null)));
    }

    @Test
    void srtAndVtt_times_roundToTheMillisecond_andGrowPastTwoHourDigits() {
        List<SttCues.Cue> cues = List.of(new SttCues.Cue(0.0004, 1.0005, "a"), new SttCues.Cue(3599.9996, 36_000.5, "b"));
        assertEquals("1\n00:00:00,000 --> 00:00:01,001\na\n\n2\n01:00:00,000 --> 10:00:00,500\nb\n\n", SttCues.srt(cues));
        assertEquals("WEBVTT\n\n00:00:00.000 --> 00:00:01.001\na\n\n01:00:00.000 --> 10:00:00.500\nb\n\n", SttCues.vtt(cues));
        assertEquals("100:00:00.000", SttCues.time(new StringBuilder(), 360_000, '.').toString());
        assertEquals("WEBVTT\n\n", SttCues.vtt(List.of()));
        assertEquals("", SttCues.srt(List.of()));
    }

    @Test
    void cueText_cannotEndItsCueEarly_norBeReadAsATimingOrATag() {
        // A blank line ends a cue (SubRip; WebVTT §4.1), "-->" is a timing line's arrow, and in WebVTT
        // "&" and "<" start escapes and tags (§4.2.2): none may reach the output as is.
        List<SttCues.Cue> cues = List.of(new SttCues.Cue(0, 1, "AT&T <3 -->\r\n\r\n 2\n\n00:00:01,000 --> 00:00:02,000"));
        assertEquals("1\n00:00:00,000 --> 00:00:01,000\nAT&T <3 ->\n 2\n00:00:01,000 -> 00:00:02,000\n\n", SttCues.srt(cues));
        assertEquals("WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nAT&amp;T &lt;3 --&gt;\n 2\n00:00:01,000 --&gt; 00:00:02,000\n\n",
                SttCues.vtt(cues));
    }
}
