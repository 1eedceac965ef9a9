package tollgate.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * A raw-socket WebSocket client for the conformance tests: every byte it sends is chosen by the
 * test (masked frames, reserved bits, opcodes, lengths, frames chopped into pieces), and it reads
 * the server's frames as they are on the wire. Not a general client.
 */
final class RawClient implements AutoCloseable {
    /** How long any read waits before the test fails (a hang is a failure, not a pass). */
    static final int READ_TIMEOUT_MILLIS = 10_000;
    static final String SAMPLE_KEY = "dGhlIHNhbXBsZSBub25jZQ==";

    record Frame(boolean fin, int rsv, int opcode, byte[] payload) {
        String text() { return new String(payload, StandardCharsets.UTF_8); }

        int closeCode() {
            assertEquals(8, opcode, "a close frame");
            return payload.length < 2 ? 1005 : ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF);
        }

        String closeReason() { return payload.length < 2 ? "" : new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8); }
    }

    record Response(int status, String statusLine, Map<String, String> headers, byte[] body) {
        String bodyText() { return new String(body, StandardCharsets.UTF_8); }
    }

    final Socket socket;
    final InputStream in;
    final OutputStream out;
    private final Random random = new Random(6455);

    private RawClient(Socket socket) throws IOException {
        this.socket = socket;
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(READ_TIMEOUT_MILLIS);
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    static RawClient connect(int port) throws IOException { return new RawClient(new Socket("127.0.0.1", port)); }

    /** Connected and upgraded on {@code path}; the 101 checked. */
    static RawClient open(int port) throws IOException { return open(port, "/"); }

    static RawClient open(int port, String path) throws IOException {
        RawClient c = connect(port);
        c.write(upgradeRequest(path, ""));
        Response r = c.readResponse();
        assertEquals(101, r.status(), r.statusLine());
        return c;
    }

    static String upgradeRequest(String path, String extraHeaders) {
        return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + SAMPLE_KEY + "\r\nSec-WebSocket-Version: 13\r\n" + extraHeaders + "\r\n";
    }

    void write(String ascii) throws IOException { write(ascii.getBytes(StandardCharsets.ISO_8859_1)); }

    void write(byte[] b) throws IOException {
        out.write(b);
        out.flush();
    }

    /** Writes {@code b} in pieces of {@code piece} bytes, one write call each (Autobahn's "chopped"). */
    void writeChopped(byte[] b, int piece) throws IOException {
        for (int i = 0; i < b.length; i += piece) {
            out.write(b, i, Math.min(piece, b.length - i));
            out.flush();
        }
    }

    /** A masked frame with a random key; {@code rsv} is the 3 RSV bits (0..7). */
    byte[] frame(boolean fin, int rsv, int opcode, byte[] payload) { return frame(fin, rsv, opcode, payload, true); }

    byte[] frame(boolean fin, int rsv, int opcode, byte[] payload, boolean masked) {
        ByteArrayOutputStream f = new ByteArrayOutputStream(payload.length + 14);
        f.write((fin ? 0x80 : 0) | (rsv << 4) | opcode);
        int m = masked ? 0x80 : 0;
        if (payload.length < 126) {
            f.write(m | payload.length);
        } else if (payload.length <= 0xFFFF) {
            f.write(m | 126);
            f.write(payload.length >>> 8);
            f.write(payload.length & 0xFF);
        } else {
            f.write(m | 127);
            for (int shift = 56; shift >= 0; shift -= 8) f.write((int) (((long) payload.length >>> shift) & 0xFF));
        }
        byte[] key = new byte[4];
        random.nextBytes(key);
        if (masked) f.write(key, 0, 4);
        byte[] p = payload.clone();
        if (masked) for (int i = 0; i < p.length; i++) p[i] ^= key[i & 3];
        f.write(p, 0, p.length);
        return f.toByteArray();
    }

    void send(int opcode, byte[] payload) throws IOException { write(frame(true, 0, opcode, payload)); }

    void sendText(String s) throws IOException { send(1, utf8(s)); }

    void sendClose(int code, String reason) throws IOException { send(8, closePayload(code, reason)); }

    static byte[] closePayload(int code, String reason) {
        byte[] r = utf8(reason);
        byte[] p = new byte[2 + r.length];
        p[0] = (byte) (code >>> 8);
        p[1] = (byte) code;
        System.arraycopy(r, 0, p, 2, r.length);
        return p;
    }

    static byte[] utf8(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    /** The next frame from the server, which must not be masked. */
    Frame readFrame() throws IOException {
        int b0 = readByte();
        int b1 = readByte();
        assertEquals(0, b1 & 0x80, "a server frame must not be masked (RFC 6455 §5.1)");
        long len = b1 & 0x7F;
        if (len == 126) {
            len = (readByte() << 8) | readByte();
            assertTrue(len >= 126, "minimal length encoding");
        } else if (len == 127) {
            len = 0;
            for (int i = 0; i < 8; i++) len = (len << 8) | readByte();
            assertTrue(len > 0xFFFF, "minimal length encoding");
        }
        byte[] p = in.readNBytes((int) len);
        if (p.length != len) throw new EOFException("frame cut short");
        return new Frame((b0 & 0x80) != 0, (b0 >>> 4) & 7, b0 & 0x0F, p);
    }

    Frame expectFrame(int opcode, byte[] payload) throws IOException {
        Frame f = readFrame();
        assertEquals(opcode, f.opcode(), "opcode");
        assertTrue(f.fin(), "FIN");
        assertEquals(0, f.rsv(), "RSV");
        if (!Arrays.equals(payload, f.payload())) {
            fail("payload differs: " + payload.length + " bytes expected, " + f.payload().length + " received");
        }
        return f;
    }

    void expectText(String s) throws IOException { expectFrame(1, utf8(s)); }

    /** The next frame is a close with {@code code} (1005: no payload); then the server closes TCP. */
    Frame expectClose(int code) throws IOException {
        Frame f = readFrame();
        assertEquals(8, f.opcode(), "a close frame, got opcode " + f.opcode());
        assertEquals(code, f.closeCode(), "close code");
        if (code == 1005) assertEquals(0, f.payload().length);
        return f;
    }

    /** The server closed the TCP connection (EOF, or a reset after it failed the connection). */
    void expectEof() throws IOException {
        try {
            int b = in.read();
            assertEquals(-1, b, "the server should have closed the connection, got another byte");
        } catch (SocketException e) {
            // a reset also means closed (a SocketTimeoutException, not caught here, fails the test)
        }
    }

    /** The server's close, then our close (answering it), then EOF. */
    void expectClosedWith(int code) throws IOException {
        Frame f = expectClose(code);
        try {
            send(8, f.payload().length >= 2 ? Arrays.copyOf(f.payload(), 2) : new byte[0]);
        } catch (IOException e) {
            // the server may already have closed
        }
        expectEof();
    }

    int readByte() throws IOException {
        int b = in.read();
        if (b < 0) throw new EOFException("connection closed by the server");
        return b;
    }

    /** An HTTP response head and its Content-Length body. */
    Response readResponse() throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int b = readByte();
            head.write(b);
            state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3)) ? state + 1
                    : (b == '\r' ? 1 : 0);
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            String name = lines[i].substring(0, colon).toLowerCase(Locale.ROOT);
            assertFalse(headers.containsKey(name), "header sent twice: " + name);
            headers.put(name, lines[i].substring(colon + 1).strip());
        }
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        byte[] body = new byte[0];
        if (headers.containsKey("content-length")) body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
        return new Response(status, lines[0], headers, body);
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // test cleanup
        }
    }
}
