package tollgate.gateway;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.1 connection over a plain socket, for what {@code java.net.http} will not do:
 * malformed requests, chunked uploads of a chosen shape, a Content-Length without its body, and
 * walking away from a stream at a chosen point. Reads time out after 10 s so that a hang fails.
 */
final class RawHttp implements AutoCloseable {
    /** A response's status line and headers (names lower-cased; last value wins). */
    record Head(int status, String statusLine, Map<String, String> headers) {
        String header(String name) { return headers.get(name.toLowerCase(Locale.ROOT)); }

        boolean chunked() { return "chunked".equalsIgnoreCase(header("transfer-encoding")); }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream(); // decoded body not yet returned
    private boolean bodyEnded;

    RawHttp(int port) throws IOException {
        socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        in = new BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    RawHttp send(String text) throws IOException { return send(text.getBytes(UTF_8)); }

    RawHttp send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** A complete POST with Content-Length and the given extra header lines (each without CRLF). */
    RawHttp post(String path, String json, String... headerLines) throws IOException {
        byte[] body = json.getBytes(UTF_8);
        StringBuilder h = new StringBuilder("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n");
        for (String line : headerLines) h.append(line).append("\r\n");
        h.append("\r\n");
        send(h.toString().getBytes(ISO_8859_1));
        return send(body);
    }

    Head readHead() throws IOException {
        String statusLine = readLine();
        Map<String, String> headers = new LinkedHashMap<>();
        String line;
        while (!(line = readLine()).isEmpty()) {
            int colon = line.indexOf(':');
            headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        String[] parts = statusLine.split(" ", 3);
        return new Head(Integer.parseInt(parts[1]), statusLine, headers);
    }

    /** The whole body after {@code head}: by Content-Length, chunked to its last chunk, or to EOF. */
    byte[] readBody(Head head) throws IOException {
        if (head.chunked()) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            b.writeBytes(pending.toByteArray());
            pending.reset();
            byte[] chunk;
            while ((chunk = readChunk()) != null) b.writeBytes(chunk);
            return b.toByteArray();
        }
        String length = head.header("content-length");
        if (length != null) return in.readNBytes(Integer.parseInt(length));
        return in.readAllBytes();
    }

    /**
     * The next SSE event or comment block of a chunked body, up to and including its blank line
     * ({@code "data: …\n\n"} or {@code ": ping\n\n"}); null when the body ended first (what was
     * left over is then in {@link #leftover()}).
     */
    String readEvent() throws IOException {
        while (true) {
            byte[] b = pending.toByteArray();
            for (int i = 0; i + 1 < b.length; i++) {
                if (b[i] == '\n' && b[i + 1] == '\n') {
                    pending.reset();
                    pending.write(b, i + 2, b.length - i - 2);
                    return new String(b, 0, i + 2, UTF_8);
                }
            }
            if (bodyEnded) return null;
            byte[] chunk = readChunk();
            if (chunk == null) {
                bodyEnded = true;
            } else {
                pending.writeBytes(chunk);
            }
        }
    }

    /** Decoded body bytes received but not returned as an event. */
    String leftover() { return pending.toString(UTF_8); }

    /** One chunk's data; null for the last (empty) chunk. Throws EOFException if the connection ends first. */
    byte[] readChunk() throws IOException {
        String sizeLine = readLine();
        int semi = sizeLine.indexOf(';');
        int size = Integer.parseInt((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
        if (size == 0) {
            while (!readLine().isEmpty()) {
                // trailer fields
            }
            return null;
        }
        byte[] data = in.readNBytes(size);
        if (data.length < size) throw new EOFException("connection ended inside a chunk");
        String crlf = readLine();
        if (!crlf.isEmpty()) throw new IOException("chunk not followed by CRLF: " + crlf);
        return data;
    }

    /** Everything until the server closes the connection. */
    byte[] readToEof() throws IOException { return in.readAllBytes(); }

    private String readLine() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                byte[] a = b.toByteArray();
                int n = a.length > 0 && a[a.length - 1] == '\r' ? a.length - 1 : a.length;
                return new String(a, 0, n, ISO_8859_1);
            }
            b.write(c);
        }
        throw new EOFException("connection closed; read so far: " + b.toString(ISO_8859_1));
    }

    @Override
    public void close() throws IOException { socket.close(); }
}
