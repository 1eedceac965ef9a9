package tollgate.provider.echo;

import tollgate.error.ClientGoneException;
import tollgate.error.GatewayException;
import tollgate.provider.AudioFormat;
import tollgate.provider.AudioSink;
import tollgate.provider.SpeechCall;

/**
 * The echo provider's text-to-speech: deterministic audio for the text, offline. 16-bit signed
 * little-endian mono PCM (the samples of OpenAI's {@code pcm} and of Deepgram's
 * {@code linear16}), as a WAV file ({@code container=wav}, OpenAI's {@code wav}) or headerless
 * ({@code container=none}, OpenAI's {@code pcm}), at the requested sample rate (24 kHz unless
 * asked otherwise).
 *
 * <p>The audio: {@link #CHAR_MILLIS} per character (Unicode code point), divided by the
 * requested speed; a whitespace character is silence, any other a sine tone whose pitch is
 * {@code 220 + 20 * (codePoint % 32)} Hz. So the length grows with the text and the same text
 * always gives the same bytes ({@link StrictMath}). Voice and instructions do not change it.
 * Other formats are refused with a 400 naming what echo can produce.
 */
final class EchoSpeech {
    private EchoSpeech() { throw new AssertionError(); }

    /** Audio per character at speed 1, in milliseconds. */
    static final int CHAR_MILLIS = 50;
    /** The sample rate when the request names none, in Hz (OpenAI's pcm and wav). */
    static final int DEFAULT_SAMPLE_RATE = 24_000;
    /** Bytes handed to the sink at once. */
    static final int CHUNK_BYTES = 16 * 1024;
    /** Peak amplitude of the tones: a quarter of full scale. */
    static final double AMPLITUDE = 0.25 * Short.MAX_VALUE;
    /** Size of the canonical WAV header (RIFF, fmt, data chunk headers). */
    static final int WAV_HEADER_BYTES = 44;

    static long speak(String providerId, SpeechCall call, AudioSink sink) {
        AudioFormat f = call.request().format();
        String container = f.effectiveContainer();
        if (!f.encoding().equals("linear16") || !(container.equals("wav") || container.equals("none")) || f.bitRate() != 0) {
            throw GatewayException.invalid(call.request().formatParam(), "Provider '" + providerId + "' (model '"
                    + call.model().id() + "') produces only wav or pcm audio (encoding linear16 with container wav or none, "
                    + "no bit_rate); the request asks for " + f.describe() + ".").noRetry();
        }
        if (call.cancellation().isCancelled()) throw new ClientGoneException(null);
        int rate = f.sampleRate() != 0 ? f.sampleRate() : DEFAULT_SAMPLE_RATE;
        double speed = call.request().speed() > 0 ? call.request().speed() : 1.0;
        String text = call.request().text();
        int perChar = samplesPerChar(rate, speed);
        long dataBytes = 2L * perChar * text.codePointCount(0, text.length());
        call.memory().reserve(CHUNK_BYTES);
        try {
            byte[] buf = new byte[CHUNK_BYTES];
            int len = 0;
            if (container.equals("wav")) len = wavHeader(buf, rate, dataBytes);
            long sent = 0;
            for (int i = 0; i < text.length(); ) {
                int cp = text.codePointAt(i);
                i += Character.charCount(cp);
                double hz = Character.isWhitespace(cp) ? 0 : 220 + 20 * (cp % 32);
                for (int n = 0; n < perChar; n++) {
                    int s = hz == 0 ? 0 : (int) Math.round(AMPLITUDE * StrictMath.sin(2 * Math.PI * hz * n / rate));
                    buf[len++] = (byte) s;
                    buf[len++] = (byte) (s >> 8);
                    if (len == buf.length) {
                        sent += flush(call, sink, buf, len);
                        len = 0;
                    }
                }
            }
            if (len > 0) sent += flush(call, sink, buf, len);
            return sent;
        } finally {
            call.memory().release(CHUNK_BYTES);
        }
    }

    /** Samples of one character's sound: {@link #CHAR_MILLIS} at {@code rate}, divided by {@code speed}. */
    static int samplesPerChar(int rate, double speed) {
        return (int) Math.round(rate * (CHAR_MILLIS / 1000.0) / speed);
    }

    private static int flush(SpeechCall call, AudioSink sink, byte[] buf, int len) {
        if (call.cancellation().isCancelled()) throw new ClientGoneException(null);
        sink.audio(buf, 0, len);
        return len;
    }

    /**
     * Writes the 44-byte header of a PCM WAV file (RIFF/WAVE, {@code fmt } chunk with format tag 1,
     * mono, 16 bits; then the {@code data} chunk header), all little-endian (Microsoft's RIFF
     * specification, "WAVE Form Type").
     *
     * @return the header's length
     */
    static int wavHeader(byte[] b, int rate, long dataBytes) {
        ascii(b, 0, "RIFF");
        int32(b, 4, 36 + dataBytes);
        ascii(b, 8, "WAVE");
        ascii(b, 12, "fmt ");
        int32(b, 16, 16);           // fmt chunk size
        int16(b, 20, 1);            // PCM
        int16(b, 22, 1);            // channels
        int32(b, 24, rate);         // samples per second
        int32(b, 28, rate * 2L);    // bytes per second
        int16(b, 32, 2);            // block align
        int16(b, 34, 16);           // bits per sample
        ascii(b, 36, "data");
        int32(b, 40, dataBytes);
        return WAV_HEADER_BYTES;
    }

    private static void ascii(byte[] b, int at, String s) {
        for (int i = 0; i < 4; i++) b[at + i] = (byte) s.charAt(i);
    }

    private static void int16(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >> 8);
    }

    private static void int32(byte[] b, int at, long v) {
        for (int i = 0; i < 4; i++) b[at + i] = (byte) (v >> (8 * i));
    }
}
