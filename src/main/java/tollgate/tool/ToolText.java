package tollgate.tool;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * What every gateway tool does with text it hands the model: cap it to the tool's
 * {@code max_output_bytes} of UTF-8 at a character boundary, with a marker saying so (the
 * {@link GatewayTool} contract), and read a stream without ever holding more than its cap.
 */
public final class ToolText {
    private ToolText() { throw new AssertionError(); }

    /** Appended to cut text; {@code %d} is the cap in bytes. The model must know it did not see everything. */
    static final String CUT_MARKER = "\n[output cut at %d bytes]";

    /** Bytes read from a stream per call (a pipe's page); the most read past a cap is one of these. */
    static final int READ_CHUNK_BYTES = 8 * 1024;

    /** Bytes read from a stream: the first {@code cap} at most, and whether there were more. */
    public record Capped(byte[] bytes, boolean cut) {

        /** The bytes as text, a UTF-8 sequence broken by the cut dropped, bad bytes as U+FFFD. */
        public String text() { return decode(bytes, bytes.length); }
    }

    /**
     * {@code text} if its UTF-8 is at most {@code maxBytes} long, else its longest prefix that
     * fits with {@link #CUT_MARKER} appended, cut between characters (never inside a surrogate
     * pair). The result is at most {@code maxBytes} of UTF-8; {@code maxBytes} must leave room
     * for the marker (a tool's cap is at least 256).
     */
    public static String cap(String text, int maxBytes) {
        return cap(text, maxBytes, false);
    }

    /**
     * As {@link #cap(String, int)}; {@code cut}: the text is already the start of something
     * longer (a body read up to a cap), so it is marked as cut even when it would fit.
     */
    public static String cap(String text, int maxBytes, boolean cut) {
        if (!cut && utf8Length(text, maxBytes + 1) <= maxBytes) return text;
        String marker = CUT_MARKER.formatted(maxBytes);
        int room = maxBytes - marker.length(); // the marker is ASCII
        if (room < 0) throw new IllegalArgumentException("cap " + maxBytes + " leaves no room for the cut marker");
        int bytes = 0;
        int end = 0;
        while (end < text.length()) {
            char c = text.charAt(end);
            int chars = Character.isHighSurrogate(c) && end + 1 < text.length() && Character.isLowSurrogate(text.charAt(end + 1)) ? 2 : 1;
            int size = chars == 2 ? 4 : c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
            if (bytes + size > room) break;
            bytes += size;
            end += chars;
        }
        return text.substring(0, end) + marker;
    }

    /**
     * The length of the bytes a base64 text encodes (RFC 4648 §4: 3 bytes per 4 characters, less
     * the padding; unpadded text too), for saying how large what was left out is; 0 for null.
     */
    public static long base64Bytes(String b64) {
        if (b64 == null) return 0;
        int len = b64.length();
        int pad = len > 0 && b64.charAt(len - 1) == '=' ? (len > 1 && b64.charAt(len - 2) == '=' ? 2 : 1) : 0;
        return Math.max(0, (long) len * 3 / 4 - pad);
    }

    /** The first {@code n} chars of {@code s} (all if shorter), one less where the n-th would split a surrogate pair. */
    public static String prefix(String s, int n) {
        if (n <= 0) return "";
        if (s.length() <= n) return s;
        return s.substring(0, Character.isHighSurrogate(s.charAt(n - 1)) ? n - 1 : n);
    }

    /** The UTF-8 length of {@code s}, counting no further than {@code stopAt} (lone surrogates count 3, as '?' would be 1: an upper bound). */
    static int utf8Length(String s, int stopAt) {
        int n = 0;
        for (int i = 0; i < s.length() && n < stopAt; i++) {
            char c = s.charAt(i);
            if (c < 0x80) n++;
            else if (c < 0x800) n += 2;
            else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else n += 3;
        }
        return n;
    }

    /**
     * The first {@code len} bytes of {@code b} as text: malformed bytes become U+FFFD, and an
     * incomplete sequence at the end (where a cap cut a character) is dropped, not replaced.
     */
    public static String decode(byte[] b, int len) {
        int end = len;
        // Back up over a multi-byte sequence the end cut short: at most 3 continuation bytes.
        int lead = end - 1;
        while (lead >= 0 && lead > end - 4 && (b[lead] & 0xC0) == 0x80) lead--;
        if (lead >= 0 && (b[lead] & 0x80) != 0) {
            int lb = b[lead] & 0xFF;
            int need = lb >= 0xF0 ? 4 : lb >= 0xE0 ? 3 : lb >= 0xC0 ? 2 : 1;
            if (end - lead < need) end = lead;
        }
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        try {
            CharBuffer out = d.decode(ByteBuffer.wrap(b, 0, end));
            return out.toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IllegalStateException(e); // cannot happen with REPLACE
        }
    }

    /**
     * Reads {@code in} to its end or until more than {@code cap} bytes have come, whichever is
     * first; keeps at most {@code cap} bytes (plus one {@link #READ_CHUNK_BYTES} read in flight).
     * Does not close {@code in}.
     */
    public static Capped read(InputStream in, int cap) throws IOException {
        byte[] buf = new byte[Math.min(cap, READ_CHUNK_BYTES) + 1];
        int size = 0;
        byte[] chunk = new byte[READ_CHUNK_BYTES];
        while (true) {
            int n = in.read(chunk, 0, chunk.length);
            if (n < 0) return new Capped(Arrays.copyOf(buf, size), false);
            int keep = Math.min(n, cap - size);
            if (size + keep > buf.length) buf = Arrays.copyOf(buf, Math.min(cap, Math.max(size + keep, buf.length * 2)));
            System.arraycopy(chunk, 0, buf, size, keep);
            size += keep;
            if (keep < n) return new Capped(Arrays.copyOf(buf, size), true);
        }
    }
}
