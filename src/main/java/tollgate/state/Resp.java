package tollgate.state;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The RESP codec (protocols-2.md §13, [RDOC] protocol-spec): commands are written as arrays of
 * bulk strings (UTF-8); replies of every RESP2 and RESP3 type are read and decoded as the
 * {@link Redis} contract says. Every read is capped (the constants below): a reply over a cap
 * throws {@link TooBig} and the caller must close the connection, since the rest of that reply
 * is still on the wire.
 */
final class Resp {
    /** Longest bulk string accepted, in bytes (Redis allows 512 MB; the gateway's values are small). */
    static final int MAX_BULK_BYTES = 16 * 1024 * 1024;
    /** Longest simple string, error, integer, double or big number line, in bytes. */
    static final int MAX_LINE_BYTES = 64 * 1024;
    /** Most elements in one array, set, push or map (a map's pairs count twice). */
    static final int MAX_AGGREGATE_ELEMENTS = 1024 * 1024;
    /** Most bytes of bulk strings in one reply, all elements together. */
    static final long MAX_REPLY_BYTES = 64L * 1024 * 1024;
    /** Deepest nesting of aggregates in one reply. */
    static final int MAX_DEPTH = 32;

    /** A reply over one of the caps; the connection holds the rest of it and must be closed. */
    static final class TooBig extends IOException {
        TooBig(String message) { super(message); }
    }

    /** A reply that is not RESP; the connection must be closed. */
    static final class Malformed extends IOException {
        Malformed(String message) { super(message); }
    }

    /** An out-of-band push (RESP3 {@code >}) at the top level: never a command's reply. */
    record Push(List<Object> items) { }

    private static final byte[] CRLF = {'\r', '\n'};

    private Resp() { }

    /** Writes {@code command} as an array of bulk strings (not flushed). */
    static void write(OutputStream out, String[] command) throws IOException {
        if (command.length == 0) throw new IllegalArgumentException("an empty Redis command");
        header(out, '*', command.length);
        for (String arg : command) {
            byte[] b = arg.getBytes(StandardCharsets.UTF_8);
            header(out, '$', b.length);
            out.write(b);
            out.write(CRLF);
        }
    }

    private static void header(OutputStream out, char type, int n) throws IOException {
        out.write(type);
        out.write(Integer.toString(n).getBytes(StandardCharsets.US_ASCII));
        out.write(CRLF);
    }

    /** Reads replies from one connection's (buffered) stream. Not thread-safe: one per connection. */
    static final class Reader {
        private final InputStream in;
        private final byte[] line = new byte[256];
        private long replyBytes;
        private long replyElements;

        Reader(InputStream in) { this.in = in; }

        /**
         * The next reply, skipping pushes; an error reply is returned (not thrown) as a
         * {@link RedisException} of kind {@code SERVER}.
         */
        Object reply() throws IOException {
            while (true) {
                replyBytes = 0;
                replyElements = 0;
                Object o = value(0);
                if (!(o instanceof Push)) return o;
            }
        }

        private Object value(int depth) throws IOException {
            if (depth > MAX_DEPTH) throw new TooBig("Redis reply nested deeper than " + MAX_DEPTH);
            int type = in.read();
            if (type < 0) throw new EOFException("Redis closed the connection");
            return switch (type) {
                case '+' -> text();
                case '-' -> new RedisException(RedisException.Kind.SERVER, text());
                case ':' -> integer();
                case '$' -> bulk(false);
                case '=' -> bulk(true);
                case '!' -> {
                    Object m = bulk(false);
                    yield new RedisException(RedisException.Kind.SERVER, m == null ? "ERR" : (String) m);
                }
                case '*', '~' -> list(depth);
                case '>' -> {
                    List<Object> items = list(depth);
                    yield depth == 0 ? new Push(items == null ? List.of() : items) : items;
                }
                case '%' -> map(depth);
                case '|' -> {
                    map(depth); // RESP3 attribute: auxiliary data about the reply that follows
                    // One level deeper: a run of attributes must meet MAX_DEPTH, not overflow the stack.
                    yield value(depth + 1);
                }
                case '_' -> {
                    if (lineLength() != 0) throw new Malformed("Redis sent a null with data");
                    yield null;
                }
                case '#' -> {
                    String b = text();
                    if (b.equals("t")) yield Boolean.TRUE;
                    if (b.equals("f")) yield Boolean.FALSE;
                    throw new Malformed("Redis sent a boolean that is neither t nor f");
                }
                case ',' -> dbl(text());
                case '(' -> {
                    try {
                        yield new BigInteger(text());
                    } catch (NumberFormatException e) {
                        throw new Malformed("Redis sent a big number that is not a number");
                    }
                }
                default -> throw new Malformed("Redis sent an unknown reply type (byte " + type + ")");
            };
        }

        private static Double dbl(String s) throws Malformed {
            switch (s) {
                case "inf", "+inf": return Double.POSITIVE_INFINITY;
                case "-inf": return Double.NEGATIVE_INFINITY;
                case "nan", "-nan": return Double.NaN;
                default:
                    try {
                        return Double.valueOf(s);
                    } catch (NumberFormatException e) {
                        throw new Malformed("Redis sent a double that is not a number");
                    }
            }
        }

        private List<Object> list(int depth) throws IOException {
            long n = count();
            if (n < 0) return null;
            elements(n);
            List<Object> items = new ArrayList<>((int) Math.min(n, 64));
            for (long i = 0; i < n; i++) items.add(value(depth + 1));
            return items;
        }

        private Map<Object, Object> map(int depth) throws IOException {
            long n = count();
            if (n < 0) return null;
            elements(2 * n);
            Map<Object, Object> m = new LinkedHashMap<>((int) Math.min(n, 64) * 2);
            for (long i = 0; i < n; i++) {
                Object k = value(depth + 1);
                m.put(k, value(depth + 1));
            }
            return m;
        }

        private void elements(long n) throws TooBig {
            replyElements += n;
            if (n > MAX_AGGREGATE_ELEMENTS || replyElements > MAX_AGGREGATE_ELEMENTS) {
                throw new TooBig("Redis reply has more than " + MAX_AGGREGATE_ELEMENTS + " elements");
            }
        }

        /** A bulk string ({@code $}) or verbatim string ({@code =}: its {@code txt:} format prefix dropped). */
        private Object bulk(boolean verbatim) throws IOException {
            long n = count();
            if (n < 0) return null;
            if (n > MAX_BULK_BYTES) throw new TooBig("Redis sent a string of " + n + " bytes (most " + MAX_BULK_BYTES + ")");
            replyBytes += n;
            if (replyBytes > MAX_REPLY_BYTES) throw new TooBig("Redis reply is over " + MAX_REPLY_BYTES + " bytes");
            byte[] b = in.readNBytes((int) n);
            if (b.length < n) throw new EOFException("Redis closed the connection inside a reply");
            if (in.read() != '\r' || in.read() != '\n') throw new Malformed("Redis sent a string without its CRLF");
            if (verbatim) {
                if (b.length < 4 || b[3] != ':') throw new Malformed("Redis sent a verbatim string without its format");
                return new String(b, 4, b.length - 4, StandardCharsets.UTF_8);
            }
            return new String(b, StandardCharsets.UTF_8);
        }

        /** An aggregate's or bulk string's length: -1 (RESP2 null) or more. */
        private long count() throws IOException {
            long n = integer();
            if (n < -1) throw new Malformed("Redis sent a negative length");
            return n;
        }

        private long integer() throws IOException {
            int len = lineLength();
            if (len == 0 || len > 20) throw new Malformed("Redis sent a bad integer");
            long v = 0;
            int i = 0;
            byte[] b = buffer;
            boolean negative = b[0] == '-';
            if (negative || b[0] == '+') i = 1;
            if (i == len) throw new Malformed("Redis sent a bad integer");
            for (; i < len; i++) {
                int d = b[i] - '0';
                if (d < 0 || d > 9) throw new Malformed("Redis sent a bad integer");
                // Accumulated negatively so that Long.MIN_VALUE parses too.
                try {
                    v = Math.subtractExact(Math.multiplyExact(v, 10), d);
                } catch (ArithmeticException e) {
                    throw new Malformed("Redis sent an integer out of range");
                }
            }
            if (negative) return v;
            if (v == Long.MIN_VALUE) throw new Malformed("Redis sent an integer out of range");
            return -v;
        }

        private String text() throws IOException {
            int len = lineLength();
            return new String(buffer, 0, len, StandardCharsets.UTF_8);
        }

        private byte[] buffer = line;

        /** Reads one line up to its CRLF into {@link #buffer} (grown up to {@link #MAX_LINE_BYTES}). */
        private int lineLength() throws IOException {
            byte[] b = line;
            int n = 0;
            while (true) {
                int c = in.read();
                if (c < 0) throw new EOFException("Redis closed the connection inside a reply");
                if (c == '\r') {
                    if (in.read() != '\n') throw new Malformed("Redis sent a CR without LF");
                    buffer = b;
                    // Lines count towards the reply's bytes too: a million simple strings of 64 KB
                    // in one array would otherwise pass every cap.
                    replyBytes += n;
                    if (replyBytes > MAX_REPLY_BYTES) throw new TooBig("Redis reply is over " + MAX_REPLY_BYTES + " bytes");
                    return n;
                }
                if (n == b.length) {
                    if (n >= MAX_LINE_BYTES) throw new TooBig("Redis sent a line over " + MAX_LINE_BYTES + " bytes");
                    b = java.util.Arrays.copyOf(b, Math.min(MAX_LINE_BYTES, n * 2));
                }
                b[n++] = (byte) c;
            }
        }
    }
}
