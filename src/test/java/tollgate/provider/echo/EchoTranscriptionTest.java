package tollgate.provider.echo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The echo provider's WAV duration: chunks before {@code data}, odd sizes padded, streamed sizes, not WAV. */
class EchoTranscriptionTest {
    static byte[] header(int byteRate, long dataSize, String... extraChunks) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("RIFF\0\0\0\0WAVE".getBytes(StandardCharsets.ISO_8859_1));
        for (String c : extraChunks) { // an odd-sized chunk is followed by a pad byte
            out.writeBytes(c.substring(0, 4).getBytes(StandardCharsets.ISO_8859_1));
            le32(out, c.length() - 4);
            out.writeBytes(c.substring(4).getBytes(StandardCharsets.ISO_8859_1));
            if ((c.length() - 4) % 2 == 1) out.write(0);
        }
        out.writeBytes("fmt ".getBytes(StandardCharsets.ISO_8859_1));
        le32(out, 16);
        out.writeBytes(new byte[] {1, 0, 1, 0});
        le32(out, byteRate / 2);
        le32(out, byteRate);
        out.writeBytes(new byte[] {2, 0, 16, 0});
        out.writeBytes("data".getBytes(StandardCharsets.ISO_8859_1));
        le32(out, (int) dataSize);
        return out.toByteArray();
    }

    static void le32(ByteArrayOutputStream out, long v) {
        for (int i = 0; i < 4; i++) out.write((int) (v >>> (8 * i)));
    }

    @Test
    void wavDuration_fromTheHeader() {
        byte[] h = header(32_000, 64_000);
        assertEquals(2.0, EchoTranscription.wavSeconds(h, h.length, h.length + 64_000L));
        byte[] list = header(32_000, 16_000, "LISTabc"); // a 3-byte LIST chunk, padded
        assertEquals(0.5, EchoTranscription.wavSeconds(list, list.length, list.length + 16_000L));
        byte[] streamed = header(32_000, 0xFFFFFFFFL); // a streamed WAV: what arrived counts
        assertEquals(0.25, EchoTranscription.wavSeconds(streamed, streamed.length, streamed.length + 8_000L));
        byte[] cut = header(32_000, 64_000); // shorter than its header says: what arrived
        assertEquals(0.125, EchoTranscription.wavSeconds(cut, cut.length, cut.length + 4_000L));
    }

    @Test
    void notWav_isUnknown() {
        byte[] mp3 = "ID3\u0004\0\0\0\0\0\0 not a wave file at all".getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(-1, EchoTranscription.wavSeconds(mp3, mp3.length, mp3.length));
        byte[] h = header(32_000, 64_000);
        assertEquals(-1, EchoTranscription.wavSeconds(h, 30, 30), "cut inside its chunks");
    }
}
