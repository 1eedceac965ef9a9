package tollgate.json;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class JsonBufferTest {

    @Test
    void append_growsFromTinyCapacityAndKeepsContent() {
        JsonBuffer b = new JsonBuffer(0);
        byte[] expected = new byte[100_000];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = (byte) i;
            b.append((byte) i);
        }
        assertEquals(expected.length, b.length());
        assertArrayEquals(expected, b.toByteArray());
        b.append(expected, 10, 5);
        assertEquals(expected.length + 5, b.length());
        assertEquals(10, b.array()[expected.length]);
    }

    @Test
    void append_checksBounds() {
        JsonBuffer b = new JsonBuffer(16);
        assertThrows(IndexOutOfBoundsException.class, () -> b.append(new byte[4], 2, 3));
        assertThrows(IndexOutOfBoundsException.class, () -> b.append(new byte[4], -1, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> b.append(new byte[4], 0, -1));
        assertEquals(0, b.length());
        assertThrows(IllegalArgumentException.class, () -> new JsonBuffer(-1));
    }

    @Test
    void appendAscii_fallsBackToUtf8ForNonAscii() {
        JsonBuffer b = new JsonBuffer(16);
        b.appendAscii("ab").appendAscii("cé😀");
        assertArrayEquals("abcé😀".getBytes(StandardCharsets.UTF_8), b.toByteArray());
    }

    @Test
    void appendUtf8_replacesLoneSurrogates() {
        JsonBuffer b = new JsonBuffer(16);
        b.appendUtf8("a\uD800b\uDC00");
        assertEquals("a\uFFFDb\uFFFD", b.toString());
    }

    @Test
    void resetAndWriteTo() throws IOException {
        JsonBuffer b = new JsonBuffer(16);
        b.appendAscii("hello");
        b.reset();
        b.appendAscii("hi");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        b.writeTo(out);
        assertEquals("hi", out.toString(StandardCharsets.UTF_8));
    }
}
