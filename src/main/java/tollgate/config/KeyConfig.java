package tollgate.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * One client API key. Only its SHA-256 is kept in memory after loading, so a heap dump or a
 * log line can never show the key itself.
 *
 * @param name   a label for logs and (later) the usage ledger
 * @param sha256 32-byte SHA-256 digest of the key's UTF-8 bytes
 */
public record KeyConfig(String name, byte[] sha256) {

    /** SHA-256 of the key's UTF-8 bytes, as stored in {@link #sha256()}. */
    public static byte[] hash(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return "KeyConfig[name=" + name + "]";
    }
}
