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
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.log.Log;

/**
 * The client keys the gateway accepts ({@code Authorization: Bearer <key>}).
 *
 * <p>Only SHA-256 digests are held. A presented key is hashed and compared with every known
 * digest using {@link MessageDigest#isEqual} (constant time for equal lengths), without
 * stopping at the first match, so the timing of a response says nothing about which bytes of
 * which key were right. Keys are never logged; the access line carries the key's name.
 *
 * <p>Secure default: with no key configured, one is generated on first start, printed once,
 * and only its digest is kept in {@code <data_dir>/generated-key.sha256}.
 */
public final class ApiKeys {
    /** File in the data directory that holds the generated key's digest (hex). */
    public static final String GENERATED_KEY_FILE = "generated-key.sha256";
    /** Random bytes in a generated key (256 bits). */
    public static final int GENERATED_KEY_BYTES = 32;
    /** Longest Authorization header we hash; longer ones are rejected unread. */
    public static final int MAX_KEY_CHARS = 512;

    private static final MessageDigest SHA256_PROTOTYPE = sha256();

    private final List<KeyConfig> keys;

    ApiKeys(List<KeyConfig> keys) {
        if (keys.isEmpty()) throw new IllegalArgumentException("at least one key is required");
        this.keys = List.copyOf(keys);
    }

    /**
     * The configured keys, or (none configured) the generated key from the data directory,
     * generating and printing it on first start.
     */
    public static ApiKeys load(List<KeyConfig> configured, Path dataDir) throws IOException {
        if (!configured.isEmpty()) return new ApiKeys(configured);
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
            return new ApiKeys(List.of(new KeyConfig("generated", digest)));
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
        return new ApiKeys(List.of(new KeyConfig("generated", digest)));
    }

    /** The name of the key in a {@code Bearer} Authorization header; otherwise a 401. */
    public String authenticate(String authorization) {
        if (authorization == null) {
            throw unauthenticated("Missing API key: send it as \"Authorization: Bearer <key>\".");
        }
        if (authorization.length() < 7 || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                || authorization.length() > MAX_KEY_CHARS) {
            throw unauthenticated("Malformed Authorization header: expected \"Bearer <key>\".");
        }
        byte[] presented = digest(authorization.substring(7).trim());
        String match = null;
        for (KeyConfig k : keys) {
            if (MessageDigest.isEqual(presented, k.sha256()) && match == null) match = k.name();
        }
        if (match == null) throw unauthenticated("Invalid API key.");
        return match;
    }

    public int size() { return keys.size(); }

    /** SHA-256 of a key's UTF-8 bytes. */
    public static byte[] digest(String key) {
        try {
            MessageDigest md = (MessageDigest) SHA256_PROTOTYPE.clone();
            return md.digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (CloneNotSupportedException e) {
            return sha256().digest(key.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static GatewayException unauthenticated(String message) {
        return new GatewayException(ErrorKind.CALLER_UNAUTHENTICATED, message);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }
}
