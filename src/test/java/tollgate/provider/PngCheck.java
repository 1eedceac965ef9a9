package tollgate.provider;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Checks a PNG file as a decoder would (W3C PNG 3rd edition): the signature, every chunk's length
 * and CRC-32, IHDR first (an 8-bit truecolour image), IDAT's zlib data inflating to exactly the
 * scanlines of that size (each with filter type 0), IEND last and empty. Fails the test otherwise.
 */
public final class PngCheck {
    private PngCheck() { }

    static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    /** A checked image's size and its chunk types in order. */
    public record Png(int width, int height, List<String> chunks) { }

    public static Png check(byte[] png) {
        assertArrayEquals(SIGNATURE, java.util.Arrays.copyOf(png, 8), "PNG signature");
        ByteBuffer b = ByteBuffer.wrap(png, 8, png.length - 8);
        List<String> types = new ArrayList<>();
        int width = -1, height = -1;
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        while (b.hasRemaining()) {
            assertTrue(b.remaining() >= 12, "a chunk needs at least 12 bytes, " + b.remaining() + " left");
            int length = b.getInt();
            byte[] type = new byte[4];
            b.get(type);
            assertTrue(length >= 0 && length <= b.remaining() - 4, "chunk length " + length);
            byte[] data = new byte[length];
            b.get(data);
            CRC32 crc = new CRC32();
            crc.update(type);
            crc.update(data);
            assertEquals((int) crc.getValue(), b.getInt(), "CRC of " + new String(type, StandardCharsets.US_ASCII));
            String name = new String(type, StandardCharsets.US_ASCII);
            types.add(name);
            if (name.equals("IHDR")) {
                assertEquals(13, length);
                ByteBuffer h = ByteBuffer.wrap(data);
                width = h.getInt();
                height = h.getInt();
                assertEquals(8, h.get(), "bit depth");
                assertEquals(2, h.get(), "colour type: truecolour");
                assertEquals(0, h.get(), "compression");
                assertEquals(0, h.get(), "filter method");
                assertEquals(0, h.get(), "interlace");
            }
            if (name.equals("IDAT")) idat.writeBytes(data);
            if (name.equals("IEND")) assertEquals(0, length, "IEND is empty");
        }
        assertEquals("IHDR", types.get(0));
        assertEquals("IEND", types.get(types.size() - 1));
        assertTrue(types.contains("IDAT"));
        byte[] raw = inflate(idat.toByteArray());
        assertEquals(height * (1 + 3 * width), raw.length, "scanlines of " + width + "x" + height);
        for (int y = 0; y < height; y++) assertEquals(0, raw[y * (1 + 3 * width)], "filter type of row " + y);
        return new Png(width, height, types);
    }

    private static byte[] inflate(byte[] zlib) {
        Inflater inflater = new Inflater(); // zlib header and Adler-32 checked
        try {
            inflater.setInput(zlib);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[1024];
            while (!inflater.finished()) {
                int n = inflater.inflate(buf);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) throw new AssertionError("truncated zlib data");
                out.write(buf, 0, n);
            }
            assertEquals(0, inflater.getRemaining(), "nothing after the zlib stream");
            return out.toByteArray();
        } catch (DataFormatException e) {
            throw new AssertionError("IDAT is not zlib data: " + e.getMessage());
        } finally {
            inflater.end();
        }
    }
}
