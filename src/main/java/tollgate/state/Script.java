package tollgate.state;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A Lua script run atomically by Redis ({@code EVALSHA}; protocols-2.md §13): its source and the
 * SHA-1 the server knows it by. Make one per script, once (a constant), not per call.
 *
 * @param name   a short name for logs and errors
 * @param source the Lua 5.1 source
 * @param sha1   its SHA-1, 40 lower-case hex digits (what {@code SCRIPT LOAD} returns)
 */
public record Script(String name, String source, String sha1) {

    public static Script of(String name, String source) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8));
            return new Script(name, source, HexFormat.of().formatHex(d));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("SHA-1 is in every JDK", e);
        }
    }
}
