package tollgate.websocket;

import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.SocketTimeoutException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import tollgate.memory.BudgetExceededException;
import tollgate.memory.Reservation;

/**
 * One upgraded WebSocket connection, server side (RFC 6455).
 *
 * <p>Reading: one thread calls {@link #read()}, which returns whole data messages and handles
 * control frames itself. Timeouts use the socket's SO_TIMEOUT, and a timeout never loses bytes:
 * the frame reader keeps its position in the frame (the buffered stream hands out nothing on a
 * timeout), so a timeout in the middle of a frame only means "check the clocks, then go on".
 *
 * <p>Writing: any thread; one lock orders whole frames, so a pong never lands inside a data
 * frame. A write that makes no progress for {@link WsLimits#writeTimeout()} is aborted by the
 * server's ticker.
 */
public final class WsConnection {
    /** RFC 6455 §5.5: control frames carry at most 125 bytes. */
    static final int MAX_CONTROL_PAYLOAD = 125;
    /** A close reason fits in a control frame after the 2-byte code (RFC 6455 §5.5.1). */
    static final int MAX_CLOSE_REASON_BYTES = MAX_CONTROL_PAYLOAD - 2;
    /** Payload bytes per write call; the write timeout counts time without progress between them. */
    static final int WRITE_SLICE_BYTES = 64 * 1024;

    static final int OP_CONTINUATION = 0x0;
    static final int OP_TEXT = 0x1;
    static final int OP_BINARY = 0x2;
    static final int OP_CLOSE = 0x8;
    static final int OP_PING = 0x9;
    static final int OP_PONG = 0xA;

    /** Close codes RFC 6455 §7.4 defines (1004–1006, 1015 never on the wire) or the IANA registry added. */
    static final int CLOSE_NORMAL = 1000;
    static final int CLOSE_GOING_AWAY = 1001;
    static final int CLOSE_PROTOCOL_ERROR = 1002;
    static final int CLOSE_NO_STATUS = 1005;
    static final int CLOSE_ABNORMAL = 1006;
    static final int CLOSE_INVALID_PAYLOAD = 1007;
    static final int CLOSE_TOO_BIG = 1009;
    static final int CLOSE_INTERNAL_ERROR = 1011;
    static final int CLOSE_TRY_AGAIN_LATER = 1013;

    private static final byte[] EMPTY = new byte[0];
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    /** Thrown inside the reader once the connection has ended; read() turns it into null. */
    private static final Ended ENDED = new Ended();

    private final WsSocket s;
    private final UpgradeRequest request;
    private final Reservation memory;
    private final int maxMessageBytes;
    private final long idleNanos;
    private final long pingNanos;
    private final long closeNanos;
    private final ReentrantLock writeLock = new ReentrantLock();

    private volatile int sentCloseCode;
    private volatile boolean closeReceived;
    private volatile int peerCloseCode = CLOSE_ABNORMAL;
    private volatile String peerCloseReason = "";

    // The reader's state: only the reading thread touches these.
    private boolean ended;
    /** The input stopped inside a frame (a failure): only raw bytes can be discarded now. */
    private boolean midFrame;
    private int soTimeout = -1;
    private long pingSentAt;
    private byte[] msg;
    private int msgLen;
    private boolean assembling;
    private boolean msgText;
    private int utf8;
    /** Bytes reserved for the message being assembled, or for the one read() last returned. */
    private long held;

    WsConnection(WsSocket s, UpgradeRequest request, WsLimits limits, Reservation memory) {
        this.s = s;
        this.request = request;
        this.memory = memory;
        this.maxMessageBytes = limits.maxMessageBytes();
        this.idleNanos = limits.idleTimeout().toNanos();
        this.pingNanos = limits.pingInterval().toNanos();
        this.closeNanos = limits.closeTimeout().toNanos();
    }

    /**
     * The next whole data message, or null once the connection has ended: the peer closed (its
     * close is answered by echoing its code, RFC 6455 §5.5.1; a close without a code is answered
     * with a close without a code), our close was answered or {@link WsLimits#closeTimeout()}
     * passed, a protocol error was answered with its close code (1002, 1007, 1009, 1013), the idle
     * timeout closed it with 1001, or an I/O error. Called by one thread at a time.
     */
    public WsMessage read() throws IOException {
        releaseHeld();
        if (ended) return null;
        try {
            if (soTimeout < 0) soTimeout(pingNanos);
            while (true) {
                WsMessage m = frame();
                if (m != null) return m;
            }
        } catch (Ended e) {
            return null;
        } catch (IOException e) {
            // EOF without a close, a reset, or the ticker aborted a stuck write or close.
            ended = true;
            midFrame = true;
            drop();
            s.abort();
            return null;
        }
    }

    /** Sends a text message in one frame. */
    public void sendText(String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        send(OP_TEXT, b, 0, b.length);
    }

    /** Sends a text message in one frame; the caller guarantees {@code utf8} is valid UTF-8. */
    public void sendText(byte[] utf8) throws IOException { send(OP_TEXT, utf8, 0, utf8.length); }

    /** Sends a binary message in one frame. */
    public void sendBinary(byte[] data) throws IOException { send(OP_BINARY, data, 0, data.length); }

    /**
     * Starts the close handshake, once (later calls do nothing): sends close with {@code code}
     * and {@code reason} (cut to 123 bytes on a UTF-8 boundary). {@link #read()} then returns null
     * when the peer's close arrives or {@link WsLimits#closeTimeout()} passes, and the TCP
     * connection is closed. Callable from any thread.
     *
     * @param code a close code valid on the wire: 1000–1003, 1007–1014, 3000–4999
     */
    public void close(int code, String reason) {
        if (!validCloseCode(code)) throw new IllegalArgumentException("not a close code to send: " + code);
        writeClose(code, reason == null ? "" : reason);
    }

    /** Drops the TCP connection at once; {@link #read()} returns null. */
    public void abort() { s.abort(); }

    /** No close sent or received, not aborted. */
    public boolean isOpen() { return sentCloseCode == 0 && !closeReceived && !s.closed(); }

    /** The code in the peer's close; 1005 if it had none; 1006 if none was received. */
    public int peerCloseCode() { return peerCloseCode; }

    /** The reason in the peer's close, or "". */
    public String peerCloseReason() { return peerCloseReason; }

    /** The code we sent in our close; 1005 for a close without a code (the echo of one); 0 if none was sent. */
    public int sentCloseCode() { return sentCloseCode; }

    public UpgradeRequest request() { return request; }

    // ---------------------------------------------------------------- reading

    /** Reads one frame; returns a message when one is complete, else null (a control frame, a fragment). */
    private WsMessage frame() throws IOException {
        int b0 = next(false);
        int b1 = next(true);
        boolean fin = (b0 & 0x80) != 0;
        int opcode = b0 & 0x0F;
        // RFC 6455 §5.2: RSV1-3 must be 0 unless an extension says otherwise (none is negotiated).
        if ((b0 & 0x70) != 0) fail(CLOSE_PROTOCOL_ERROR, "reserved bits set");
        if ((opcode > OP_BINARY && opcode < OP_CLOSE) || opcode > OP_PONG) fail(CLOSE_PROTOCOL_ERROR, "reserved opcode");
        // RFC 6455 §5.1: the server must close the connection on an unmasked client frame.
        if ((b1 & 0x80) == 0) fail(CLOSE_PROTOCOL_ERROR, "unmasked client frame");
        long len = b1 & 0x7F;
        if (len == 126) {
            len = (next(true) << 8) | next(true);
        } else if (len == 127) {
            len = 0;
            for (int i = 0; i < 8; i++) len = (len << 8) | next(true);
            if (len < 0) fail(CLOSE_PROTOCOL_ERROR, "64-bit length with the most significant bit set");
        }
        if (opcode >= OP_CLOSE) {
            // RFC 6455 §5.5: control frames are never fragmented and carry at most 125 bytes.
            if (!fin) fail(CLOSE_PROTOCOL_ERROR, "fragmented control frame");
            if (len > MAX_CONTROL_PAYLOAD) fail(CLOSE_PROTOCOL_ERROR, "control frame longer than 125 bytes");
        }
        int mask = (next(true) << 24) | (next(true) << 16) | (next(true) << 8) | next(true);
        switch (opcode) {
            case OP_CLOSE -> onClose(control((int) len, mask));
            case OP_PING -> {
                byte[] p = control((int) len, mask);
                if (sentCloseCode == 0) writeControl(OP_PONG, p); // RFC 6455 §5.5.3; none after our close
                return null;
            }
            case OP_PONG -> {
                control((int) len, mask); // an answer to our ping, or unsolicited (§5.5.3): either way ignored
                return null;
            }
            default -> { }
        }
        if (sentCloseCode != 0) {
            // Closing: data that still arrives is read past and dropped (RFC 6455 §1.4).
            skip(len);
            return null;
        }
        if (opcode == OP_CONTINUATION) {
            if (!assembling) fail(CLOSE_PROTOCOL_ERROR, "continuation frame without a message");
        } else {
            // RFC 6455 §5.4: a fragmented message's fragments are not interleaved with another message.
            if (assembling) fail(CLOSE_PROTOCOL_ERROR, "new data frame inside a fragmented message");
            assembling = true;
            msgText = opcode == OP_TEXT;
            msgLen = 0;
            utf8 = Utf8.ACCEPT;
        }
        return data(len, mask, fin);
    }

    private WsMessage data(long len, int mask, boolean fin) throws IOException {
        // Checked from the header, before any payload is read (RFC 6455 §7.4.1, 1009).
        if (msgLen + len > maxMessageBytes) fail(CLOSE_TOO_BIG, "message too big");
        int n = (int) len;
        int need = msgLen + n;
        if (n > 0 && (msg == null || need > msg.length)) grow(need);
        payload(msg, msgLen, n, mask, msgText);
        msgLen = need;
        if (!fin) return null;
        assembling = false;
        // RFC 6455 §8.1: a text message ends on a character boundary.
        if (msgText && utf8 != Utf8.ACCEPT) fail(CLOSE_INVALID_PAYLOAD, "invalid UTF-8 in a text message");
        byte[] p = msg == null ? EMPTY : msg;
        if (p.length != msgLen) {
            reserve(msgLen);
            p = Arrays.copyOf(p, msgLen);
            release(msg.length);
        }
        msg = null;
        msgLen = 0;
        return new WsMessage(msgText, p);
    }

    /** Room for {@code need} bytes: exact for a message's first frame, doubling (capped) after. */
    private void grow(int need) throws IOException {
        int cap = msg == null ? need : (int) Math.max(need, Math.min(maxMessageBytes, 2L * msg.length));
        reserve(cap);
        byte[] next = new byte[cap];
        if (msg != null) {
            System.arraycopy(msg, 0, next, 0, msgLen);
            release(msg.length);
        }
        msg = next;
    }

    private byte[] control(int len, int mask) throws IOException {
        if (len == 0) return EMPTY;
        byte[] p = new byte[len];
        payload(p, 0, len, mask, false);
        return p;
    }

    /** Reads {@code len} payload bytes into {@code b}, unmasking (and for text validating) each piece as it arrives. */
    private void payload(byte[] b, int off, int len, int mask, boolean text) throws IOException {
        int pos = 0;
        while (pos < len) {
            int n;
            try {
                n = s.in.read(b, off + pos, len - pos);
            } catch (SocketTimeoutException e) {
                silence(true);
                continue;
            }
            if (n < 0) throw new EOFException("connection closed inside a frame");
            unmask(b, off + pos, n, Integer.rotateLeft(mask, (pos & 3) << 3));
            if (text) {
                utf8 = Utf8.scan(utf8, b, off + pos, n);
                // Fail fast (Autobahn 6.4.x): at the first invalid byte, not at the message's end.
                if (utf8 == Utf8.REJECT) fail(CLOSE_INVALID_PAYLOAD, "invalid UTF-8 in a text message");
            }
            pos += n;
        }
    }

    private void skip(long len) throws IOException {
        while (len > 0) {
            long n;
            try {
                n = s.in.skip(len);
            } catch (SocketTimeoutException e) {
                silence(true);
                continue;
            }
            if (n <= 0) {
                if (s.in.read() < 0) throw new EOFException("connection closed inside a frame");
                n = 1;
            }
            len -= n;
        }
    }

    /** RFC 6455 §5.3: payload[i] ^= key[i % 4]; {@code m} is the key rotated to the piece's first byte. */
    static void unmask(byte[] b, int off, int len, int m) {
        int i = 0;
        if (len >= 8) {
            long m8 = ((long) m << 32) | (m & 0xFFFFFFFFL);
            for (; i + 8 <= len; i += 8) LONGS.set(b, off + i, (long) LONGS.get(b, off + i) ^ m8);
        }
        for (; i < len; i++) b[off + i] ^= (byte) (m >>> (24 - ((i & 3) << 3)));
    }

    private void onClose(byte[] p) throws IOException {
        int code = CLOSE_NO_STATUS;
        String reason = "";
        if (p.length == 1) fail(CLOSE_PROTOCOL_ERROR, "close payload of one byte");
        if (p.length >= 2) {
            code = ((p[0] & 0xFF) << 8) | (p[1] & 0xFF);
            if (!validCloseCode(code)) fail(CLOSE_PROTOCOL_ERROR, "invalid close code");
            if (!Utf8.valid(p, 2, p.length - 2)) fail(CLOSE_INVALID_PAYLOAD, "invalid UTF-8 in the close reason");
            reason = new String(p, 2, p.length - 2, StandardCharsets.UTF_8);
        }
        peerCloseCode = code;
        peerCloseReason = reason;
        closeReceived = true;
        // RFC 6455 §5.5.1: answer with a close, echoing the code (none when it had none).
        writeClose(code == CLOSE_NO_STATUS ? -1 : code, "");
        ended = true;
        drop();
        throw ENDED;
    }

    /** One byte of a frame header; {@code inFrame}: a frame has started. */
    private int next(boolean inFrame) throws IOException {
        while (true) {
            try {
                int b = s.in.read();
                if (b < 0) throw new EOFException(inFrame ? "connection closed inside a frame" : "connection closed");
                return b;
            } catch (SocketTimeoutException e) {
                silence(inFrame);
            }
        }
    }

    /**
     * A read timed out: pings after {@link WsLimits#pingInterval()} of silence, closes with 1001
     * after {@link WsLimits#idleTimeout()}, ends after the close timeout once a close was sent.
     * The frame in progress, if any, is kept: reading resumes where it stopped.
     */
    private void silence(boolean inFrame) throws IOException {
        long now = System.nanoTime();
        if (sentCloseCode != 0) {
            long left = s.deadline() - now;
            if (left <= 0) {
                ended = true;
                midFrame |= inFrame;
                drop();
                s.abort();
                throw ENDED;
            }
            soTimeout(left);
            return;
        }
        long last = s.lastReceived;
        long quiet = now - last;
        if (quiet >= idleNanos) {
            writeClose(CLOSE_GOING_AWAY, "idle timeout");
            soTimeout(closeNanos);
            return;
        }
        boolean pinged = pingSentAt != 0 && pingSentAt - last > 0;
        if (!pinged && quiet >= pingNanos) {
            writeControl(OP_PING, EMPTY);
            pingSentAt = now;
            pinged = true;
        }
        soTimeout((pinged ? last + idleNanos : last + pingNanos) - now);
    }

    private void soTimeout(long nanos) throws IOException {
        long ms = Math.max(1, Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(nanos + 999_999)));
        if (ms != soTimeout) {
            s.socket.setSoTimeout((int) ms);
            soTimeout = (int) ms;
        }
    }

    /** Fails the connection (RFC 6455 §7.1.7): sends close {@code code} unless a close was sent, then ends. */
    private void fail(int code, String reason) throws Ended {
        writeClose(code, reason);
        ended = true;
        midFrame = true;
        drop();
        throw ENDED;
    }

    // ---------------------------------------------------------------- memory

    private void reserve(long bytes) throws Ended {
        if (memory == null || bytes <= 0) return;
        try {
            memory.reserve(bytes);
        } catch (BudgetExceededException e) {
            fail(CLOSE_TRY_AGAIN_LATER, "try again later");
        }
        held += bytes;
    }

    private void release(long bytes) {
        if (memory == null || bytes <= 0) return;
        memory.release(bytes);
        held -= bytes;
    }

    private void releaseHeld() {
        if (held > 0) {
            memory.release(held);
            held = 0;
        }
    }

    /** Forgets a message being assembled and gives its memory back. */
    private void drop() {
        msg = null;
        msgLen = 0;
        assembling = false;
        releaseHeld();
    }

    // ---------------------------------------------------------------- writing

    private void send(int opcode, byte[] p, int off, int len) throws IOException {
        writeLock.lock();
        try {
            if (sentCloseCode != 0 || s.closed()) throw new IOException("the WebSocket connection is closed");
            writeFrame(opcode, p, off, len);
        } finally {
            writeLock.unlock();
        }
    }

    private void writeControl(int opcode, byte[] p) throws IOException {
        writeLock.lock();
        try {
            if (sentCloseCode != 0 || s.closed()) return;
            writeFrame(opcode, p, 0, p.length);
        } finally {
            writeLock.unlock();
        }
    }

    /** Sends our close once ({@code code} -1: a close without payload), then half-closes TCP. */
    private void writeClose(int code, String reason) {
        writeLock.lock();
        try {
            if (sentCloseCode != 0 || s.closed()) return;
            sentCloseCode = code < 0 ? CLOSE_NO_STATUS : code;
            s.deadline(System.nanoTime() + closeNanos);
            byte[] p = EMPTY;
            if (code >= 0) {
                byte[] r = truncatedUtf8(reason, MAX_CLOSE_REASON_BYTES);
                p = new byte[2 + r.length];
                p[0] = (byte) (code >>> 8);
                p[1] = (byte) code;
                System.arraycopy(r, 0, p, 2, r.length);
            }
            writeFrame(OP_CLOSE, p, 0, p.length);
            s.shutdownOutput();
        } catch (IOException e) {
            s.abort();
        } finally {
            writeLock.unlock();
        }
    }

    /** Unmasked (RFC 6455 §5.1: a server never masks), minimal length encoding (§5.2), FIN set. */
    private void writeFrame(int opcode, byte[] p, int off, int len) throws IOException {
        OutputStream out = s.out;
        s.writing();
        try {
            out.write(0x80 | opcode);
            if (len < 126) {
                out.write(len);
            } else if (len <= 0xFFFF) {
                out.write(126);
                out.write(len >>> 8);
                out.write(len & 0xFF);
            } else {
                out.write(127);
                for (int shift = 56; shift >= 0; shift -= 8) out.write((int) (((long) len >>> shift) & 0xFF));
            }
            for (int done = 0; done < len; ) {
                int n = Math.min(WRITE_SLICE_BYTES, len - done);
                out.write(p, off + done, n);
                done += n;
                s.writing();
            }
            out.flush();
        } catch (IOException e) {
            s.abort();
            throw e;
        } finally {
            s.wrote();
        }
    }

    static byte[] truncatedUtf8(String s, int max) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length <= max) return b;
        int cut = max;
        while (cut > 0 && (b[cut] & 0xC0) == 0x80) cut--; // b[cut] starts the first character left out
        return Arrays.copyOf(b, cut);
    }

    /** RFC 6455 §7.4.1–7.4.2 and the IANA registry: what may appear in a close frame. */
    static boolean validCloseCode(int code) {
        return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
    }

    // ---------------------------------------------------------------- end of the session

    /**
     * After the handler returned: closes what is left. Sends close (1000, or 1011 when the handler
     * failed) if none was sent, waits for the peer's close up to the close timeout (discarding raw
     * bytes when the input stopped inside a frame), then closes the socket.
     */
    void finish(boolean handlerFailed) {
        if (!s.closed()) {
            writeClose(handlerFailed ? CLOSE_INTERNAL_ERROR : CLOSE_NORMAL, "");
            try {
                if (!ended) {
                    while (read() != null) {
                        // closing: data frames are dropped; read() returns null at the peer's close
                    }
                } else if (midFrame && !closeReceived) {
                    drainRaw();
                }
            } catch (IOException e) {
                // the peer is gone: nothing left to wait for
            }
        }
        s.close();
        drop();
    }

    /** Discards input until EOF or the close deadline, so the close frame sent is not lost to a reset. */
    private void drainRaw() throws IOException {
        byte[] scratch = new byte[WsSocket.IN_BUFFER_BYTES];
        while (!s.closed()) {
            long left = s.deadline() - System.nanoTime();
            if (left <= 0) return;
            soTimeout(left);
            try {
                if (s.in.read(scratch) < 0) return;
            } catch (SocketTimeoutException e) {
                return;
            }
        }
    }

    /** The server is closing: 1001 "going away" (RFC 6455 §7.4.1). */
    void goingAway() { writeClose(CLOSE_GOING_AWAY, "going away"); }

    private static final class Ended extends IOException {
        Ended() { super("the WebSocket connection has ended"); }

        @Override
        public Throwable fillInStackTrace() { return this; }
    }
}
