package tollgate.provider;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Pieces the dialects' {@link ToolIdRule}s build their ids from. */
public final class ToolIdHash {
    private static final char[] BASE62 =
            "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();

    private ToolIdHash() { throw new AssertionError(); }

    /**
     * {@code chars} (at most 10) base62 digits of the first 8 bytes of the SHA-256 of {@code s}'s
     * UTF-8 bytes, unsigned: a short id that depends only on {@code s}.
     */
    public static String base62Sha256(String s, int chars) {
        byte[] hash;
        try {
            hash = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        long x = 0;
        for (int i = 0; i < Long.BYTES; i++) x = (x << 8) | (hash[i] & 0xff);
        char[] out = new char[chars];
        for (int i = 0; i < chars; i++) {
            out[i] = BASE62[(int) Long.remainderUnsigned(x, BASE62.length)];
            x = Long.divideUnsigned(x, BASE62.length);
        }
        return new String(out);
    }

    /** Whether every char of {@code id} is an ASCII letter or digit, or one of {@code extra}. */
    public static boolean alphanumericOr(String id, String extra) {
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || extra.indexOf(c) >= 0;
            if (!ok) return false;
        }
        return true;
    }
}
