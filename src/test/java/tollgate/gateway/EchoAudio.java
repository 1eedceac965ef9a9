package tollgate.gateway;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The echo provider's text-to-speech audio, computed here from its documented rule (EchoSpeech):
 * per character 50 ms divided by the speed, silence for whitespace, else a sine of
 * {@code 220 + 20 * (codePoint % 32)} Hz at a quarter of full scale; 16-bit little-endian mono.
 */
final class EchoAudio {
    private EchoAudio() { throw new AssertionError(); }

    static byte[] pcm(String text, int rate, double speed) {
        int perChar = (int) Math.round(rate * 0.05 / speed);
        int chars = text.codePointCount(0, text.length());
        ByteBuffer b = ByteBuffer.allocate(2 * perChar * chars).order(ByteOrder.LITTLE_ENDIAN);
        text.codePoints().forEach(cp -> {
            double hz = Character.isWhitespace(cp) ? 0 : 220 + 20 * (cp % 32);
            for (int n = 0; n < perChar; n++) {
                b.putShort((short) (hz == 0 ? 0 : Math.round(0.25 * Short.MAX_VALUE * StrictMath.sin(2 * Math.PI * hz * n / rate))));
            }
        });
        return b.array();
    }

    static byte[] wav(String text, int rate) {
        byte[] data = pcm(text, rate, 1);
        ByteBuffer b = ByteBuffer.allocate(44 + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(36 + data.length)
                .put("WAVEfmt ".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(16).putShort((short) 1).putShort((short) 1)
                .putInt(rate).putInt(rate * 2).putShort((short) 2).putShort((short) 16)
                .put("data".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(data.length).put(data);
        return b.array();
    }
}
