package tollgate.account;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import tollgate.config.KeyConfig;
import tollgate.log.Log;

/**
 * The config's client keys, and key digests ({@link Accounts} looks keys up by them). Keys are
 * never logged; the access line carries the key's name.
 *
 * <p>Secure default: with no key configured, one is generated on first start, printed once,
 * and only its digest is kept in {@code <data_dir>/generated-key.sha256}.
 */
public final class ApiKeys {
    private ApiKeys() { throw new AssertionError(); }

    /** File in the data directory that holds the generated key's digest (hex). */
    public static final String GENERATED_KEY_FILE = "generated-key.sha256";
    /** Random bytes in a generated key (256 bits). */
    public static final int GENERATED_KEY_BYTES = 32;
    /** Longest Authorization header we hash; longer ones are rejected unread. */
    public static final int MAX_KEY_CHARS = 512;

    private static final MessageDigest SHA256_PROTOTYPE = sha256();

    /**
     * The configured keys; or, when none is configured and the data directory has no managed
     * keys either, the generated key from the data directory, generating and printing it on
     * first start.
     */
    public static List<KeyConfig> load(List<KeyConfig> configured, Path dataDir, boolean managedKeys) throws IOException {
        if (!configured.isEmpty() || managedKeys) return configured;
        Path file = dataDir.resolve(GENERATED_KEY_FILE);
        if (Files.exists(file)) {
            String hex = Files.readString(file, StandardCharsets.US_ASCII).trim();
            byte[] digest;
            try {
                digest = HexFormat.of().parseHex(hex);
            } catch (IllegalArgumentException e) {
                digest = new byte[0];
            }
            if (digest.length != 32) throw new IOException(file + ": expected a 64-hex-digit SHA-256, got \"" + hex + "\"");
            Log.info("using_generated_key", "file", file.toString());
            return List.of(new KeyConfig("generated", digest));
        }
        byte[] random = new byte[GENERATED_KEY_BYTES];
        new SecureRandom().nextBytes(random);
        String key = "sk-tollgate-" + HexFormat.of().formatHex(random);
        byte[] digest = digest(key);
        Files.createDirectories(dataDir);
        Path tmp = Files.createTempFile(dataDir, GENERATED_KEY_FILE, ".tmp");
        try {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException notPosix) {
            // Not a POSIX file system; the digest is not secret anyway.
        }
        Files.writeString(tmp, HexFormat.of().formatHex(digest) + "\n", StandardCharsets.US_ASCII);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        // The one time the key is shown: the operator copies it now or sets TOLLGATE_API_KEY.
        // On stderr, so that stdout stays JSON lines (and a log shipper never stores the key).
        Log.warn("api_key_generated", "file", file.toString());
        System.err.println("""

                No API key is configured, so Tollgate generated one. It is shown only this once;
                only its SHA-256 is kept, in %s:

                    %s

                Clients send it as "Authorization: Bearer <key>". To use your own key instead,
                set TOLLGATE_API_KEY (or list keys in the config).
                """.formatted(file, key));
        return List.of(new KeyConfig("generated", digest));
    }

    /** SHA-256 of a key's UTF-8 bytes. */
    public static byte[] digest(String key) {
        try {
            MessageDigest md = (MessageDigest) SHA256_PROTOTYPE.clone();
            return md.digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (CloneNotSupportedException e) {
            return sha256().digest(key.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }
}
