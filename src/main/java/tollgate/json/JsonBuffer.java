package tollgate.json;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * A growable byte buffer that JSON is written into. Not thread-safe.
 *
 * <p>{@link JsonWriter} writes straight into {@link #buf} after {@link #ensure(int)}; everyone else
 * goes through the append methods, which check their arguments.
 */
public final class JsonBuffer {
    /** Largest array the JVMs we run on will reliably allocate. */
    static final int MAX_CAPACITY = Integer.MAX_VALUE - 8;

    byte[] buf;
    int len;
    /** Charged for every byte of capacity before it is allocated. */
    private final JsonMeter meter;
    /** Scratch for {@link JsonWriter}, kept with the buffer so that reusing one reuses both. */
    private char[] chars;

    public JsonBuffer() { this(256); }

    public JsonBuffer(int initialCapacity) {
        this(initialCapacity, JsonMeter.NONE);
    }

    /** A buffer whose capacity, first and grown, is charged to {@code meter} before it is allocated. */
    public JsonBuffer(int initialCapacity, JsonMeter meter) {
        if (initialCapacity < 0) throw new IllegalArgumentException("negative capacity: " + initialCapacity);
        this.meter = meter;
        int capacity = Math.max(16, initialCapacity);
        meter.charge(capacity);
        buf = new byte[capacity];
    }

    public JsonBuffer append(byte b) {
        if (len == buf.length) grow(1);
        buf[len++] = b;
        return this;
    }

    public JsonBuffer append(byte[] b) { return append(b, 0, b.length); }

    public JsonBuffer append(byte[] b, int off, int n) {
        Objects.checkFromIndexSize(off, n, b.length);
        ensure(n);
        System.arraycopy(b, off, buf, len, n);
        len += n;
        return this;
    }

    /**
     * Appends a string the caller knows to be ASCII, one byte per char. Should it contain anything
     * else after all, the rest is encoded as UTF-8 rather than truncated to garbage bytes.
     */
    public JsonBuffer appendAscii(String s) {
        int n = s.length();
        ensure(n);
        byte[] a = buf;
        int p = len;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                len = p;
                return appendUtf8(s, i, n);
            }
            a[p++] = (byte) c;
        }
        len = p;
        return this;
    }

    /** Appends the string as UTF-8; an unpaired surrogate becomes U+FFFD so the output stays valid UTF-8. */
    public JsonBuffer appendUtf8(String s) { return appendUtf8(s, 0, s.length()); }

    private JsonBuffer appendUtf8(String s, int from, int to) {
        ensure(to - from);
        byte[] a = buf;
        int p = len;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                a[p++] = (byte) c;
                continue;
            }
            // Room for this char (at most 4 bytes, for a pair) plus one byte per remaining char.
            len = p;
            ensure(4 + (to - i));
            a = buf;
            if (c < 0x800) {
                a[p++] = (byte) (0xC0 | (c >> 6));
                a[p++] = (byte) (0x80 | (c & 0x3F));
            } else if (!Character.isSurrogate(c)) {
                p = put3(a, p, c);
            } else if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(s.charAt(i + 1))) {
                p = put4(a, p, Character.toCodePoint(c, s.charAt(++i)));
            } else {
                p = put3(a, p, 0xFFFD);
            }
        }
        len = p;
        return this;
    }

    static int put3(byte[] a, int p, int c) {
        a[p] = (byte) (0xE0 | (c >> 12));
        a[p + 1] = (byte) (0x80 | ((c >> 6) & 0x3F));
        a[p + 2] = (byte) (0x80 | (c & 0x3F));
        return p + 3;
    }

    static int put4(byte[] a, int p, int cp) {
        a[p] = (byte) (0xF0 | (cp >> 18));
        a[p + 1] = (byte) (0x80 | ((cp >> 12) & 0x3F));
        a[p + 2] = (byte) (0x80 | ((cp >> 6) & 0x3F));
        a[p + 3] = (byte) (0x80 | (cp & 0x3F));
        return p + 4;
    }

    public int length() { return len; }

    /** Bytes allocated (what the meter was charged). */
    public int capacity() { return buf.length; }

    /** The backing array; only the first {@link #length()} bytes are content. */
    public byte[] array() { return buf; }

    public byte[] toByteArray() { return Arrays.copyOf(buf, len); }

    public void reset() { len = 0; }

    public void writeTo(OutputStream out) throws IOException { out.write(buf, 0, len); }

    /** The content decoded as UTF-8 (for logs and tests). */
    @Override
    public String toString() { return new String(buf, 0, len, StandardCharsets.UTF_8); }

    /** A scratch array of at least {@code n} chars; its content is garbage. */
    char[] chars(int n) {
        char[] c = chars;
        if (c == null || c.length < n) chars = c = new char[Math.max(n, 64)];
        return c;
    }

    /** Makes room for {@code n} more bytes; {@link #buf} may be a new array afterwards. */
    void ensure(int n) {
        if (n < 0) throw new IllegalArgumentException("negative size: " + n);
        if (n > buf.length - len) grow(n);
    }

    private void grow(int n) {
        long needed = (long) len + n;
        if (needed > MAX_CAPACITY) {
            throw new OutOfMemoryError("JsonBuffer cannot hold " + needed + " bytes");
        }
        long doubled = Math.min((long) buf.length * 2, MAX_CAPACITY);
        int capacity = (int) Math.max(doubled, needed);
        meter.charge(capacity - buf.length);
        buf = Arrays.copyOf(buf, capacity);
    }
}
