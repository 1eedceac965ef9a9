package tollgate.state;

import java.util.List;
import java.util.function.Consumer;

/**
 * A client of one Redis or Valkey server (issue 14), speaking RESP (RESP3 after {@code HELLO 3},
 * RESP2 where the server has no {@code HELLO}), over a bounded pool of connections.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>Every method is thread-safe and blocks the calling (virtual) thread. None waits longer
 *       than the configured timeout for a reply, plus the connect timeout when it has to open a
 *       connection, plus the wait for a free pooled connection (also bounded by the timeout);
 *       then it throws {@link RedisException} of kind {@code TIMEOUT}, and the connection it used
 *       is closed (its late reply can never be read as another command's).</li>
 *   <li>Replies are decoded as: simple string, bulk string and verbatim string → {@link String}
 *       (UTF-8; a verbatim string without its {@code txt:} format); integer → {@link Long}; RESP2 null bulk or array, RESP3 null → {@code null};
 *       array, set and push → {@code List<Object>}; map → {@code Map<Object, Object>} in the
 *       server's order (a RESP2 server sends it as a flat array); boolean → {@link Boolean};
 *       double → {@link Double}; big number → {@link java.math.BigInteger}. Every reader is
 *       capped: a reply larger than the client's limit fails the command and closes the
 *       connection.</li>
 *   <li>An error reply ({@code -ERR …}, {@code !…}) is thrown by {@link #call} and {@link #eval}
 *       as a {@link RedisException} of kind {@code SERVER} with its prefix ({@code ERR},
 *       {@code NOSCRIPT}, {@code WRONGTYPE} …); {@link #pipeline} returns it in place, so that
 *       the other replies are not lost.</li>
 *   <li>A connection that fails (refused, reset, timed out) is dropped and the client reports
 *       itself {@linkplain #up() down} until a command succeeds again; commands made while it is
 *       down try to connect again (at most once per command, and one command at a time: the
 *       others fail at once with {@code UNAVAILABLE} instead of each waiting for the connect
 *       timeout), so the client reconnects by itself once the server is back. A command whose
 *       thread is interrupted fails with {@code UNAVAILABLE} and leaves {@link #up()} alone.</li>
 * </ul>
 */
public interface Redis extends AutoCloseable {

    /** Sends one command (its name, then its arguments) and returns its decoded reply. */
    Object call(String... command) throws RedisException;

    /**
     * Sends {@code commands} on one connection without waiting between them, then reads their
     * replies in order (RESP pipelining): one round trip for all. An error reply is returned in
     * its place as a {@link RedisException}; a failure of the connection throws.
     */
    List<Object> pipeline(List<String[]> commands) throws RedisException;

    /**
     * Runs {@code script} ({@code EVALSHA}, atomic on the server); on {@code NOSCRIPT} (the
     * server's script cache is volatile: a restart or failover empties it) loads it and runs it
     * again, once.
     */
    Object eval(Script script, List<String> keys, List<String> args) throws RedisException;

    /** False from a failed connection until a command succeeds again; true before the first command. */
    boolean up();

    /**
     * Why {@link #up()} last turned false (a refused password reads otherwise like a server that
     * is down), in words that never quote the password; null while it has not.
     */
    default String lastFailure() { return null; }

    /**
     * Tells {@code listener} of every change of {@link #up()} (false: the server went away;
     * true: it is back), on the thread that noticed it; listeners must not block.
     */
    void onHealth(Consumer<Boolean> listener);

    /** Closes every connection; later commands fail with {@code UNAVAILABLE}. */
    @Override
    void close();
}
