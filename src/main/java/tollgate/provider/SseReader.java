package tollgate.provider;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import tollgate.json.JsonMeter;

/**
 * Reads Server-Sent Events from a byte stream, following the parsing rules of WHATWG HTML
 * §9.2.6 ("Interpreting an event stream"):
 * <ul>
 *   <li>a leading UTF-8 byte order mark is skipped;</li>
 *   <li>lines end with CR, LF or CRLF (a CRLF split across two reads is still one end);</li>
 *   <li>a line starting with {@code :} is a comment and is ignored;</li>
 *   <li>{@code field:value} — one space after the colon is removed; a line without a colon
 *       is a field with an empty value;</li>
 *   <li>{@code data} lines are joined with {@code \n}; {@code event} sets the type;
 *       {@code id}, {@code retry} and unknown fields are ignored (they only matter to a
 *       browser that reconnects, which a gateway never does);</li>
 *   <li>a blank line dispatches the event, unless no {@code data} line was seen;</li>
 *   <li>at end of stream an event not yet terminated by a blank line is discarded
 *       ("If the file ends in the middle of an event, before the final empty line, the
 *       incomplete event is not dispatched").</li>
 * </ul>
 * Works for data-only streams (OpenAI) and event+data streams (Anthropic) alike.
 *
 * <p>Reads the stream in {@link #READ_BYTES} blocks and scans them as arrays: no per-byte
 * calls on the stream, no regex, no String per line. Not thread-safe: one reader per stream.
 */
public final class SseReader implements Closeable {

    /** Longest line accepted, in bytes (a whole chunk of base64 image data fits). */
    public static final int MAX_LINE_BYTES = 16 * 1024 * 1024;
    /** Largest event accepted (all its data lines together), in bytes. */
    public static final int MAX_EVENT_BYTES = 32 * 1024 * 1024;
    /**
     * Bytes asked of the stream per read, and kept per stream for its whole life: a chunk event
     * is a few hundred bytes, and 5,000 open streams hold 5,000 of these (8 KiB cost 30 MB more).
     */
    static final int READ_BYTES = 2048;

    /** A line or event over its cap: the stream is not one this reader will hold in memory. */
    public static final class SseLimitException extends IOException {
        SseLimitException(String message) {
            super(message);
        }
    }

    private static final byte[] DATA = {'d', 'a', 't', 'a'};
    private static final byte[] EVENT = {'e', 'v', 'e', 'n', 't'};
    private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    private final InputStream in;
    private final int maxLineBytes;
    private final int maxEventBytes;
    private final JsonMeter meter;

    private final byte[] buf = new byte[READ_BYTES];
    private int pos;
    private int lim;
    private boolean eof;
    private boolean started;     // the byte order mark check has been done
    private boolean skipLf;      // the last line ended with CR: a following LF belongs to it
    private IOException deferred; // a read failure behind bytes not yet consumed

    private byte[] line = new byte[256];   // a line that spans reads
    private int lineLen;

    private byte[] data = new byte[256];
    private int dataLen;
    private int dataLines;
    private String eventType;
    private boolean dispatched; // the event in data/eventType was returned; clear before the next

    public SseReader(InputStream in) {
        this(in, MAX_LINE_BYTES, MAX_EVENT_BYTES, JsonMeter.NONE);
    }

    /**
     * With other caps (tests, or callers that know their events are small), and a meter charged
     * before the line and event buffers grow past their first size (a budget the upstream's
     * event sizes count against).
     */
    public SseReader(InputStream in, int maxLineBytes, int maxEventBytes, JsonMeter meter) {
        this.in = Objects.requireNonNull(in, "in");
        this.maxLineBytes = maxLineBytes;
        this.maxEventBytes = maxEventBytes;
        this.meter = meter;
    }

    /**
     * The next event, blocking until it is complete; null at end of stream.
     *
     * @throws SseLimitException if a line or event is over its cap
     * @throws IOException       if reading the stream fails
     */
    public SseEvent next() throws IOException {
        if (!advance()) return null;
        return new SseEvent(eventType == null ? SseEvent.DEFAULT_TYPE : eventType, Arrays.copyOf(data, dataLen));
    }

    /**
     * Reads the next event without copying it: its data is then {@code data()[0, dataLength())}
     * and its type {@link #eventType()}, valid until the next call. False at end of stream.
     *
     * @throws SseLimitException if a line or event is over its cap
     * @throws IOException       if reading the stream fails
     */
    public boolean advance() throws IOException {
        if (dispatched) {
            dataLen = 0;
            dataLines = 0;
            eventType = null;
            dispatched = false;
        }
        while (true) {
            if (pos == lim && !fill()) return false;
            if (skipLf) {
                skipLf = false;
                if (buf[pos] == '\n') {
                    pos++;
                    continue;
                }
            }
            int start = pos;
            int i = start;
            while (i < lim && buf[i] != '\n' && buf[i] != '\r') i++;
            if (i == lim) {
                // No line end in this block: keep the piece and read on.
                appendLine(start, i - start);
                pos = lim;
                continue;
            }
            skipLf = buf[i] == '\r';
            pos = i + 1;
            boolean event;
            if (lineLen == 0) {
                if (i - start > maxLineBytes) throw tooLong();
                event = processLine(buf, start, i - start);
            } else {
                appendLine(start, i - start);
                event = processLine(line, 0, lineLen);
                lineLen = 0;
            }
            if (event) return true;
        }
    }

    /** The data of the event {@link #advance()} read (its first {@link #dataLength()} bytes). */
    public byte[] data() { return data; }

    public int dataLength() { return dataLen; }

    /** The type of the event {@link #advance()} read: its {@code event:} field, or {@code "message"}. */
    public String eventType() { return eventType == null ? SseEvent.DEFAULT_TYPE : eventType; }

    /**
     * Whether the bytes already read hold another whole event that {@link #next()} will return
     * without waiting on the network: a {@code data} line followed by a blank line. Lets a caller
     * batch the writes of events that arrived together. It errs only towards "no" (which just
     * flushes sooner): comment-only blocks such as {@code : keep-alive} do not count. The scan
     * stops at the first such event, so it costs about one event's bytes.
     */
    public boolean hasBufferedEvent() {
        boolean data = false;
        int lineStart = pos;
        for (int i = pos; i < lim; i++) {
            byte b = buf[i];
            if (b != '\n' && b != '\r') continue;
            int len = i - lineStart;
            if (len == 0) {
                if (data) return true;
            } else if (len >= 4 && buf[lineStart] == 'd' && buf[lineStart + 1] == 'a' && buf[lineStart + 2] == 't'
                    && buf[lineStart + 3] == 'a' && (len == 4 || buf[lineStart + 4] == ':')) {
                data = true;
            }
            if (b == '\r' && i + 1 < lim && buf[i + 1] == '\n') i++;
            lineStart = i + 1;
        }
        return false;
    }

    /** Closes the underlying stream. */
    @Override
    public void close() throws IOException {
        in.close();
    }

    /** Reads the next block; false at end of stream. Skips a leading byte order mark. */
    private boolean fill() throws IOException {
        if (deferred != null) {
            IOException e = deferred;
            deferred = null;
            throw e;
        }
        if (eof) return false;
        pos = 0;
        lim = 0;
        // At the start, read on while what we have could still be a byte order mark.
        while (lim == 0 || (!started && lim < BOM.length && Arrays.equals(buf, 0, lim, BOM, 0, lim))) {
            int n = in.read(buf, lim, buf.length - lim);
            if (n < 0) {
                eof = true;
                break;
            }
            lim += n;
        }
        // Then take what is already there without blocking: an HTTP client hands over one
        // transfer chunk per read, and upstreams send one event per chunk, so this is what
        // lets events that arrived together be seen (and written on) together.
        // A failure there is kept for the next fill(): the events already read come first.
        try {
            while (!eof && lim < buf.length && in.available() > 0) {
                int n = in.read(buf, lim, buf.length - lim);
                if (n < 0) {
                    eof = true;
                    break;
                }
                lim += n;
            }
        } catch (IOException e) {
            deferred = e;
        }
        if (!started) {
            started = true;
            if (lim >= BOM.length && Arrays.equals(buf, 0, BOM.length, BOM, 0, BOM.length)) pos = BOM.length;
            if (pos == lim) return fill(); // the block was only the byte order mark
        }
        return pos < lim;
    }

    private void appendLine(int off, int len) throws SseLimitException {
        if (len == 0) return;
        if ((long) lineLen + len > maxLineBytes) throw tooLong();
        if (lineLen + len > line.length) {
            int grown = Math.min(maxLineBytes, Math.max(line.length * 2, lineLen + len));
            meter.charge(grown - line.length);
            line = Arrays.copyOf(line, grown);
        }
        System.arraycopy(buf, off, line, lineLen, len);
        lineLen += len;
    }

    /** Handles one complete line (without its end); returns true when it dispatches an event. */
    private boolean processLine(byte[] b, int off, int len) throws SseLimitException {
        if (len == 0) return dispatch();
        if (b[off] == ':') return false; // comment
        int end = off + len;
        int colon = off;
        while (colon < end && b[colon] != ':') colon++;
        int nameLen = colon - off;
        int valueOff = colon < end ? colon + 1 : end;
        if (valueOff < end && b[valueOff] == ' ') valueOff++;
        int valueLen = end - valueOff;
        if (nameIs(b, off, nameLen, DATA)) {
            appendData(b, valueOff, valueLen);
        } else if (nameIs(b, off, nameLen, EVENT)) {
            eventType = new String(b, valueOff, valueLen, StandardCharsets.UTF_8);
        }
        return false;
    }

    private void appendData(byte[] b, int off, int len) throws SseLimitException {
        int sep = dataLines > 0 ? 1 : 0;
        if ((long) dataLen + sep + len > maxEventBytes) {
            throw new SseLimitException("SSE event longer than " + maxEventBytes + " bytes");
        }
        if (dataLen + sep + len > data.length) {
            int grown = Math.min(maxEventBytes, Math.max(data.length * 2, dataLen + sep + len));
            meter.charge(grown - data.length);
            data = Arrays.copyOf(data, grown);
        }
        if (sep == 1) data[dataLen++] = '\n';
        System.arraycopy(b, off, data, dataLen, len);
        dataLen += len;
        dataLines++;
    }

    /** A blank line: the event gathered so far is complete, unless it had no data (then it is dropped). */
    private boolean dispatch() {
        if (dataLines > 0) {
            dispatched = true;
            return true;
        }
        dataLen = 0;
        eventType = null;
        return false;
    }

    private static boolean nameIs(byte[] b, int off, int len, byte[] name) {
        return len == name.length && Arrays.equals(b, off, off + len, name, 0, name.length);
    }

    private SseLimitException tooLong() {
        return new SseLimitException("SSE line longer than " + maxLineBytes + " bytes");
    }
}
