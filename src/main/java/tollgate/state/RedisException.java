package tollgate.state;

/**
 * A Redis command that did not get a good reply: the server could not be reached or answered
 * too late (the caller falls back to local state), or it answered with an error reply.
 */
public final class RedisException extends Exception {
    /** What went wrong. */
    public enum Kind {
        /** No connection: refused, reset, closed, TLS or {@code AUTH} failure, or the client is closed. */
        UNAVAILABLE,
        /** No reply within the timeout (the connection was dropped). */
        TIMEOUT,
        /** An error reply; {@link #prefix()} is its first word. */
        SERVER
    }

    private final Kind kind;
    private final String prefix;

    public RedisException(Kind kind, String message) {
        this(kind, message, null);
    }

    public RedisException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.prefix = kind == Kind.SERVER ? firstWord(message) : null;
    }

    public Kind kind() { return kind; }

    /** The error reply's prefix ({@code ERR}, {@code NOSCRIPT}, {@code WRONGTYPE} …), or null when not {@code SERVER}. */
    public String prefix() { return prefix; }

    /** Whether the server was unreachable or slow (not an error reply): local state takes over. */
    public boolean unavailable() { return kind != Kind.SERVER; }

    private static String firstWord(String m) {
        if (m == null) return "";
        int sp = m.indexOf(' ');
        return sp < 0 ? m : m.substring(0, sp);
    }
}
