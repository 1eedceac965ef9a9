package tollgate.http;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import tollgate.error.GatewayException;
import tollgate.memory.Reservation;

/**
 * A streaming reader of a {@code multipart/form-data} body (RFC 7578, on the syntax of RFC 2046
 * §5.1.1): its parts in order, each with its headers and its body as an {@link InputStream} that
 * reads the upload as it arrives. Nothing holds more than one {@link #BUFFER_BYTES} buffer of it,
 * whatever the size of a file part; text fields are read whole, up to {@link #MAX_FIELD_BYTES}.
 * Both are reserved in the request's memory budget when it is given: up to {@link #MAX_PARTS}
 * fields of {@link #MAX_FIELD_BYTES} are megabytes, held until the request ends.
 *
 * <p>The body is: an optional preamble, then parts, each introduced by a delimiter line
 * ({@code --boundary}, optional linear white space, CRLF), its header lines, an empty line and its
 * content; after the last part the close delimiter ({@code --boundary--}) and an ignored epilogue.
 * Inside the body, a delimiter is always preceded by CRLF, which belongs to it and not to the part
 * before (RFC 2046 §5.1.1), so the reader looks for {@code CRLF--boundary}; the very first one may
 * start the body, which the reader handles by reading the body as if a CRLF came before it.
 *
 * <p>Errors are 400s that name what is wrong: a body that ends before its close delimiter
 * (a truncated upload), a part whose headers pass {@link #MAX_HEADER_BYTES}, more than
 * {@link #MAX_PARTS} parts, a text field over its cap. Reading errors of the underlying stream
 * (a 413 for an upload over its limit, a client gone) pass through as they are.
 *
 * <p>Not thread-safe: one request's thread reads it.
 */
public final class Multipart {
    /** Longest boundary, in characters (RFC 2046 §5.1.1). */
    public static final int MAX_BOUNDARY_CHARS = 70;
    /** Largest header block of one part, in bytes (its Content-Disposition and Content-Type). */
    public static final int MAX_HEADER_BYTES = 8 * 1024;
    /** Most parts in one body (close delimiter not counted). */
    public static final int MAX_PARTS = 64;
    /** Largest text field {@link Part#text} reads, in bytes. */
    public static final int MAX_FIELD_BYTES = 64 * 1024;
    /** The read buffer, in bytes: larger than a header block and a delimiter together. */
    public static final int BUFFER_BYTES = 32 * 1024;
    /** Most transport padding (spaces and tabs) accepted after a delimiter, in bytes. */
    static final int MAX_PADDING_BYTES = 256;

    private static final byte CR = '\r', LF = '\n';

    private final InputStream in;
    private final byte[] delimiter; // CRLF "--" boundary
    private final byte[] buf;
    private final Reservation memory;
    private int pos, lim;
    private boolean eof;
    /** Where the next delimiter starts in {@code buf}, once found; -1 while unknown. */
    private int delimAt = -1;
    /** No delimiter starts before this index of {@code buf} (already searched). */
    private int scanFrom;
    private boolean started, finished;
    private int parts;
    private Part current;

    /**
     * @param in       the request body, read as needed
     * @param boundary from {@link MultipartHeaders#boundary}
     */
    public Multipart(InputStream in, String boundary) {
        this(in, boundary, null);
    }

    /**
     * @param in       the request body, read as needed
     * @param boundary from {@link MultipartHeaders#boundary}
     * @param memory   the request's reservation: the buffer and every text field read are
     *                 reserved in it (a 503 when they do not fit), or null for none
     */
    public Multipart(InputStream in, String boundary, Reservation memory) {
        if (memory != null) memory.reserve(BUFFER_BYTES);
        this.in = in;
        this.memory = memory;
        this.buf = new byte[BUFFER_BYTES];
        this.delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        buf[0] = CR; // as if a CRLF came before the body: its first delimiter may start it
        buf[1] = LF;
        lim = 2;
    }

    /**
     * The next part, after skipping what is left of the current one (or the preamble), or null
     * after the close delimiter.
     *
     * @throws GatewayException 400 for a malformed or truncated body
     */
    public Part next() throws IOException {
        if (finished) return null;
        if (current != null) current.ended = true;
        current = null;
        skipToDelimiter();
        pos += delimiter.length;
        delimAt = -1;
        scanFrom = pos;
        need(2);
        if (buf[pos] == '-' && buf[pos + 1] == '-') { // the close delimiter
            pos += 2;
            finished = true;
            return null; // the epilogue is left unread: the server discards the rest of the body
        }
        for (int padding = 0; ; padding++) { // transport-padding: LWSP before the CRLF
            need(1);
            if (buf[pos] != ' ' && buf[pos] != '\t') break;
            if (padding >= MAX_PADDING_BYTES) throw malformed("a delimiter line is followed by too much white space");
            pos++;
        }
        need(2);
        if (buf[pos] != CR || buf[pos + 1] != LF) throw malformed("a boundary delimiter is not followed by a line break");
        pos += 2;
        if (++parts > MAX_PARTS) {
            throw GatewayException.invalid(null, "The multipart body has more than " + MAX_PARTS + " parts.");
        }
        current = new Part(headers());
        scanFrom = pos;
        return current;
    }

    /** Skips body bytes up to the next delimiter (the current part's rest, or the preamble). */
    private void skipToDelimiter() throws IOException {
        while (true) {
            search();
            if (delimAt >= 0) {
                pos = delimAt;
                return;
            }
            pos = Math.max(pos, lim - delimiter.length + 1); // keep a possible partial delimiter
            if (!fill()) {
                throw started ? truncated()
                        : GatewayException.invalid(null, "The multipart body holds no part with the boundary its Content-Type names.");
            }
        }
    }

    /** The header block of a part, after its delimiter line: lines up to an empty line. */
    private Map<String, String> headers() throws IOException {
        started = true;
        int end;
        while (true) {
            end = headerEnd();
            if (end >= 0) break;
            if (lim - pos > MAX_HEADER_BYTES) {
                throw GatewayException.invalid(null, "A part's headers in the multipart body are longer than " + MAX_HEADER_BYTES + " bytes.");
            }
            if (!fill()) throw truncated();
        }
        if (end - pos > MAX_HEADER_BYTES) {
            throw GatewayException.invalid(null, "A part's headers in the multipart body are longer than " + MAX_HEADER_BYTES + " bytes.");
        }
        // RFC 7578 §5.1: field names and file names may be UTF-8 in the headers themselves.
        String block = new String(buf, pos, end - pos, StandardCharsets.UTF_8);
        pos = end;
        Map<String, String> headers = new LinkedHashMap<>();
        int i = 0;
        while (i < block.length()) {
            int eol = block.indexOf("\r\n", i);
            if (eol < 0) eol = block.length();
            String line = block.substring(i, eol);
            i = eol + 2;
            if (line.isEmpty()) break;
            int colon = line.indexOf(':');
            if (colon <= 0) throw malformed("a part header line has no name");
            headers.putIfAbsent(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        return headers;
    }

    /** The index just past the CRLF CRLF ending the header block from {@code pos}, or -1 when not in the buffer yet. */
    private int headerEnd() {
        if (lim - pos >= 2 && buf[pos] == CR && buf[pos + 1] == LF) return pos + 2; // no headers at all
        for (int i = pos; i + 3 < lim; i++) {
            if (buf[i] == CR && buf[i + 1] == LF && buf[i + 2] == CR && buf[i + 3] == LF) return i + 4;
        }
        return -1;
    }

    /** Looks for the next delimiter from {@code scanFrom}; sets {@code delimAt} when found. */
    private void search() {
        if (delimAt >= 0) return;
        int last = lim - delimiter.length;
        int i = Math.max(scanFrom, pos);
        for (; i <= last; i++) {
            if (buf[i] != CR) continue;
            int k = 1;
            while (k < delimiter.length && buf[i + k] == delimiter[k]) k++;
            if (k == delimiter.length) {
                delimAt = i;
                return;
            }
        }
        scanFrom = Math.max(pos, i);
    }

    /** Makes {@code n} bytes available from {@code pos}, or fails as a truncated body. */
    private void need(int n) throws IOException {
        while (lim - pos < n) {
            if (!fill()) throw truncated();
        }
    }

    /** Reads more into the buffer (moving what is unread to its start first); false at the end of the body. */
    private boolean fill() throws IOException {
        if (eof) return false;
        if (pos > 0) {
            System.arraycopy(buf, pos, buf, 0, lim - pos);
            lim -= pos;
            scanFrom = Math.max(0, scanFrom - pos);
            if (delimAt >= 0) delimAt -= pos;
            pos = 0;
        }
        if (lim == buf.length) throw new IllegalStateException("multipart buffer full"); // excluded by the callers' limits
        int n = in.read(buf, lim, buf.length - lim);
        if (n < 0) {
            eof = true;
            return false;
        }
        lim += n;
        return true;
    }

    /** Reads the current part's body into {@code b}; -1 at its end. */
    private int readBody(Part part, byte[] b, int off, int len) throws IOException {
        if (part.ended || part != current) return -1;
        if (len == 0) return 0;
        while (true) {
            search();
            int end = delimAt >= 0 ? delimAt : lim - delimiter.length + 1;
            if (end > pos) {
                int n = Math.min(len, end - pos);
                System.arraycopy(buf, pos, b, off, n);
                pos += n;
                return n;
            }
            if (delimAt >= 0) {
                part.ended = true;
                return -1;
            }
            if (!fill()) throw truncated();
        }
    }

    private GatewayException truncated() {
        String what = current == null ? "" : current.name() != null ? " inside part '" + current.name() + "'" : " inside a part";
        return GatewayException.invalid(current == null ? null : current.name(), "The multipart body ended" + what
                + " before its closing boundary: the upload is truncated.");
    }

    private static GatewayException malformed(String what) {
        return GatewayException.invalid(null, "The multipart body is malformed: " + what + " (RFC 2046 §5.1.1).");
    }

    /** One part: its headers, and its body read as it arrives (until {@link Multipart#next} moves on). */
    public final class Part {
        private final Map<String, String> headers;
        private final String name;
        private final String filename;
        private final InputStream body;
        private boolean ended;

        Part(Map<String, String> headers) {
            this.headers = headers;
            Map<String, String> disposition = MultipartHeaders.params(headers.get("content-disposition"));
            this.name = disposition.get("name");
            this.filename = MultipartHeaders.filename(disposition);
            this.body = new InputStream() {
                private final byte[] one = new byte[1];

                @Override
                public int read() throws IOException {
                    int n = read(one, 0, 1);
                    return n < 0 ? -1 : one[0] & 0xFF;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    java.util.Objects.checkFromIndexSize(off, len, b.length);
                    return readBody(Part.this, b, off, len);
                }
            };
        }

        /** The form field name ({@code Content-Disposition: form-data; name=...}), or null. */
        public String name() { return name; }

        /** The file name, when the part is a file ({@code filename} or {@code filename*}); null otherwise. */
        public String filename() { return filename; }

        /** The part's {@code Content-Type} as sent, or null (RFC 7578 §4.4: text/plain then). */
        public String contentType() { return headers.get("content-type"); }

        /** A header of the part by lower-case name, or null. */
        public String header(String lowerCaseName) { return headers.get(lowerCaseName); }

        /** The body as it arrives; ends at the part's delimiter. Valid until the next part is asked for. */
        public InputStream body() { return body; }

        /**
         * The whole body as UTF-8 text (a form field's value).
         *
         * @throws GatewayException 400 when it is longer than {@link #MAX_FIELD_BYTES}
         */
        public String text() throws IOException {
            byte[] bytes = body.readNBytes(MAX_FIELD_BYTES + 1);
            if (bytes.length > MAX_FIELD_BYTES) {
                throw GatewayException.invalid(name, "The form field '" + name + "' is longer than " + MAX_FIELD_BYTES + " bytes.");
            }
            if (memory != null) memory.reserve(2L * bytes.length); // the string: at most one char (2 bytes) per UTF-8 byte
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }
}
