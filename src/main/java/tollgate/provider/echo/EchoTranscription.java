package tollgate.provider.echo;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import tollgate.error.ClientGoneException;
import tollgate.error.GatewayException;
import tollgate.provider.Transcript;
import tollgate.provider.TranscriptionCall;

/**
 * The echo provider's speech-to-text: offline and deterministic. It reads the whole upload
 * (as a real upstream would, a buffer at a time) and "transcribes" what it can tell about it:
 *
 * <pre>Echo transcript of &lt;n&gt; bytes of &lt;type&gt;, &lt;s.sss&gt; seconds.</pre>
 *
 * ({@code Echo translation ...} for a translation; {@code Echo transcript of the audio at <url>.}
 * for a URL, which it does not fetch, duration 0). The duration is a WAV file's, from its
 * {@code fmt } and {@code data} chunks (RIFF, as in Microsoft's WAVE format); for anything else
 * the upload's size at {@link #ASSUMED_BYTES_PER_SECOND}. Its words are spread evenly over the
 * duration; the language is the one asked for, else {@code en}.
 */
final class EchoTranscription {
    private EchoTranscription() { throw new AssertionError(); }

    /** Bytes per second of audio assumed for what is not WAV: 32 kbit/s, the gateway's worst-case rate. */
    static final int ASSUMED_BYTES_PER_SECOND = 4_000;
    /** Leading bytes kept to find the WAV header's chunks. */
    static final int HEADER_BYTES = 4 * 1024;
    /** Read buffer, in bytes. */
    static final int READ_BYTES = 64 * 1024;

    static Transcript transcribe(TranscriptionCall call) {
        String what = call.translate() ? "Echo translation" : "Echo transcript";
        String language = call.language() != null ? call.language() : "en";
        if (call.audio().url() != null) {
            return words(what + " of the audio at " + call.audio().url() + ".", language, 0);
        }
        byte[] head = new byte[HEADER_BYTES];
        int headLen = 0;
        long total = 0;
        try (InputStream in = call.audio().open()) {
            byte[] buf = new byte[READ_BYTES];
            for (int n; (n = in.read(buf)) >= 0; ) {
                if (call.cancellation().isCancelled()) throw new ClientGoneException(null);
                int keep = Math.min(n, HEADER_BYTES - headLen);
                System.arraycopy(buf, 0, head, headLen, keep);
                headLen += keep;
                total += n;
            }
        } catch (GatewayException e) {
            throw e;
        } catch (IOException e) {
            throw new ClientGoneException(e); // the upload broke off: the client is gone
        }
        double seconds = wavSeconds(head, headLen, total);
        if (seconds < 0) seconds = (double) total / ASSUMED_BYTES_PER_SECOND;
        seconds = BigDecimal.valueOf(seconds).setScale(3, RoundingMode.HALF_UP).doubleValue();
        String type = call.audio().contentType() != null ? call.audio().contentType() : "audio";
        String text = what + " of " + total + " bytes of " + type + ", "
                + BigDecimal.valueOf(seconds).setScale(3, RoundingMode.HALF_UP).toPlainString() + " seconds.";
        return words(text, language, seconds);
    }

    private static Transcript words(String text, String language, double seconds) {
        String[] parts = text.split(" ");
        List<Transcript.Word> words = new ArrayList<>(parts.length);
        for (int i = 0; i < parts.length; i++) {
            double start = round(seconds * i / parts.length), end = round(seconds * (i + 1) / parts.length);
            String bare = bare(parts[i]);
            words.add(new Transcript.Word(bare, parts[i], start, end, 1.0, null));
        }
        List<Transcript.Segment> segments = List.of(new Transcript.Segment(0, seconds, text));
        return new Transcript(text, language, seconds, List.copyOf(words), segments, null, null, null);
    }

    /** The word as Deepgram gives {@code word}: lower case, without the punctuation at its end. */
    private static String bare(String w) {
        int end = w.length();
        while (end > 0 && ".,".indexOf(w.charAt(end - 1)) >= 0) end--;
        return w.substring(0, end).toLowerCase(java.util.Locale.ROOT);
    }

    private static double round(double s) {
        return BigDecimal.valueOf(s).setScale(3, RoundingMode.HALF_UP).doubleValue();
    }

    /**
     * A WAV file's duration from its header ({@code RIFF....WAVE}, then chunks: {@code fmt } with
     * the byte rate at offset 8 of its data, {@code data} with the sample bytes), or -1 when the
     * head is not one. A {@code data} size larger than what arrived (a streamed WAV writes
     * 0xFFFFFFFF) counts what arrived.
     */
    static double wavSeconds(byte[] h, int len, long total) {
        if (len < 12 || !ascii(h, 0, "RIFF") || !ascii(h, 8, "WAVE")) return -1;
        long byteRate = -1;
        int at = 12;
        while (at + 8 <= len) {
            long size = le32(h, at + 4);
            if (ascii(h, at, "fmt ") && at + 20 <= len) {
                byteRate = le32(h, at + 16);
            } else if (ascii(h, at, "data")) {
                if (byteRate <= 0) return -1;
                long data = Math.min(size, total - (at + 8));
                return Math.max(0, data) / (double) byteRate;
            }
            at += 8 + (int) Math.min(size + (size & 1), Integer.MAX_VALUE - at - 8); // chunks are padded to even sizes
        }
        return -1;
    }

    private static boolean ascii(byte[] h, int at, String s) {
        for (int i = 0; i < 4; i++) if (h[at + i] != s.charAt(i)) return false;
        return true;
    }

    private static long le32(byte[] h, int at) {
        return (h[at] & 0xFFL) | (h[at + 1] & 0xFFL) << 8 | (h[at + 2] & 0xFFL) << 16 | (h[at + 3] & 0xFFL) << 24;
    }
}
