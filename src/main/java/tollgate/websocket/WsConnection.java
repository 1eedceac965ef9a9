package tollgate.websocket;

import static tollgate.websocket.Frames.CLOSE_ABNORMAL;
import static tollgate.websocket.Frames.CLOSE_GOING_AWAY;
import static tollgate.websocket.Frames.CLOSE_INTERNAL_ERROR;
import static tollgate.websocket.Frames.CLOSE_INVALID_PAYLOAD;
import static tollgate.websocket.Frames.CLOSE_NORMAL;
import static tollgate.websocket.Frames.CLOSE_NO_STATUS;
import static tollgate.websocket.Frames.CLOSE_PROTOCOL_ERROR;
import static tollgate.websocket.Frames.CLOSE_TOO_BIG;
import static tollgate.websocket.Frames.CLOSE_TRY_AGAIN_LATER;
import static tollgate.websocket.Frames.EMPTY;
import static tollgate.websocket.Frames.OP_BINARY;
import static tollgate.websocket.Frames.OP_CLOSE;
import static tollgate.websocket.Frames.OP_CONTINUATION;
import static tollgate.websocket.Frames.OP_PING;
import static tollgate.websocket.Frames.OP_PONG;
import static tollgate.websocket.Frames.OP_TEXT;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import tollgate.memory.BudgetExceededException;
import tollgate.memory.Reservation;

/**
 * One upgraded WebSocket connection, server side (RFC 6455).
 *
 * <p>Reading: one thread at a time calls {@link #read()}, which returns whole data messages and
 * handles control frames itself. Timeouts use the socket's SO_TIMEOUT, and a timeout never loses
 * bytes: the frame reader keeps its place in the frame (the buffered stream hands out nothing on
 * a timeout), so a timeout in the middle of a frame only means "check the clocks, then go on".
 *
 * <p>Writing: any thread ({@link WsWriter}); a write that makes no progress for
 * {@link WsLimits#writeTimeout()} is aborted by the server's ticker.
 */
public final class WsConnection {
    /**
     * Payload bytes a frame is read in at most, what the message buffer grows by at a time. A
     * multiple of 4, so that each piece starts at the masking key's first byte (RFC 6455 §5.3:
     * octet i is masked with key octet i mod 4).
     */
    static final int READ_CHUNK_BYTES = 64 * 1024;

    /** Thrown inside the reader once the connection has ended; read() turns it into null. */
    private static final Ended ENDED = new Ended();

    private final WsSocket s;
    private final WsWriter writer;
    private final UpgradeRequest request;
    private final int maxMessageBytes;
    private final long closeNanos;
    private final Liveness liveness;
    /** One reader at a time: the application's, or the server's after the handler returned. */
    private final ReentrantLock readLock = new ReentrantLock();

    private volatile boolean closeReceived;
    private volatile int peerCloseCode = CLOSE_ABNORMAL;
    private volatile String peerCloseReason = "";

    // The reader's state, guarded by readLock.
    private boolean ended;
    /** The input stopped inside a frame (a failure): only raw bytes can be discarded now. */
    private boolean midFrame;
    private final MessageBuffer message;
    /** The UTF-8 validator's state for the text message being assembled. */
    private int utf8;

    WsConnection(WsSocket s, UpgradeRequest request, WsLimits limits, Reservation memory) {
        this.s = s;
        this.request = request;
        this.maxMessageBytes = limits.maxMessageBytes();
        this.closeNanos = limits.closeTimeout().toNanos();
        this.writer = new WsWriter(s, closeNanos);
        this.liveness = new Liveness(s, writer, limits);
        this.message = new MessageBuffer(memory, maxMessageBytes);
    }

    /**
     * The next whole data message, or null once the connection has ended: the peer closed (its
     * close is answered by echoing its code, RFC 6455 §5.5.1; a close without a code with a close
     * without a code), our close was answered or {@link WsLimits#closeTimeout()} passed, a
     * protocol error was answered with its close code (1002, 1007, 1009; 1013 when the memory
     * budget is full), the idle timeout closed it with 1001, or an I/O error. The message returned
     * stays reserved in the connection's memory reservation until the next call.
     */
    public WsMessage read() throws IOException {
        readLock.lock();
        try {
            return readLocked();
        } finally {
            readLock.unlock();
        }
    }

    private WsMessage readLocked() {
        message.releaseHeld();
        if (ended) return null;
        try {
            liveness.start();
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
    public void sendText(String text) throws IOException { writer.send(OP_TEXT, text.getBytes(StandardCharsets.UTF_8)); }

    /** Sends a text message in one frame; the caller guarantees {@code utf8} is valid UTF-8. */
    public void sendText(byte[] utf8) throws IOException { writer.send(OP_TEXT, utf8); }

    /** Sends a binary message in one frame. */
    public void sendBinary(byte[] data) throws IOException { writer.send(OP_BINARY, data); }

    /**
     * Starts the close handshake, once (later calls do nothing): sends close with {@code code}
     * and {@code reason} (cut to 123 bytes on a UTF-8 boundary). {@link #read()} then returns null
     * when the peer's close arrives or {@link WsLimits#closeTimeout()} passes, and the TCP
     * connection is closed. Callable from any thread.
     *
     * @param code a close code valid on the wire: 1000–1003, 1007–1014, 3000–4999
     */
    public void close(int code, String reason) {
        if (!Frames.validCloseCode(code)) throw new IllegalArgumentException("not a close code to send: " + code);
        writer.close(code, reason == null ? "" : reason);
    }

    /** Drops the TCP connection at once; {@link #read()} returns null. */
    public void abort() { s.abort(); }

    /** No close sent or received, not aborted. */
    public boolean isOpen() { return writer.sentCloseCode() == 0 && !closeReceived && !s.closed(); }

    /** The code in the peer's close; 1005 if it had none; 1006 if none was received. */
    public int peerCloseCode() { return peerCloseCode; }

    /** The reason in the peer's close, or "". */
    public String peerCloseReason() { return peerCloseReason; }

    /** The code we sent in our close; 1005 for a close without a code (the echo of one); 0 if none was sent. */
    public int sentCloseCode() { return writer.sentCloseCode(); }

    public UpgradeRequest request() { return request; }

    // ---------------------------------------------------------------- frames

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
            if (len > Frames.MAX_CONTROL_PAYLOAD) fail(CLOSE_PROTOCOL_ERROR, "control frame longer than 125 bytes");
        }
        int mask = (next(true) << 24) | (next(true) << 16) | (next(true) << 8) | next(true);
        switch (opcode) {
            case OP_CLOSE -> onClose(control((int) len, mask));
            case OP_PING -> {
                writer.control(OP_PONG, control((int) len, mask)); // RFC 6455 §5.5.3; none after our close
                return null;
            }
            case OP_PONG -> {
                control((int) len, mask); // an answer to our ping, or unsolicited (§5.5.3): either way ignored
                return null;
            }
            default -> { }
        }
        if (writer.sentCloseCode() != 0) {
            // Closing: data that still arrives is read past and dropped (RFC 6455 §1.4).
            skip(len);
            return null;
        }
        if (opcode == OP_CONTINUATION) {
            if (!message.active()) fail(CLOSE_PROTOCOL_ERROR, "continuation frame without a message");
        } else {
            // RFC 6455 §5.4: a fragmented message's fragments are not interleaved with another message.
            if (message.active()) fail(CLOSE_PROTOCOL_ERROR, "new data frame inside a fragmented message");
            message.start(opcode == OP_TEXT);
            utf8 = Utf8.ACCEPT;
        }
        return data(len, mask, fin);
    }

    private WsMessage data(long len, int mask, boolean fin) throws IOException {
        // Checked from the header, before any payload is read (RFC 6455 §7.4.1, 1009).
        // (As a difference: a 63-bit length added to the message's would overflow.)
        if (len > maxMessageBytes - message.length()) fail(CLOSE_TOO_BIG, "message too big");
        int n = (int) len;
        try {
            // Memory follows the bytes that arrive, not the length a header announces: a peer that
            // announces 16 MiB and trickles it holds what it sent (the buffer doubles as it fills).
            for (int done = 0; done < n; ) {
                int step = Math.min(n - done, READ_CHUNK_BYTES);
                // The last frame bounds the growth at its end; before it more fragments may come.
                payload(message.room(step, fin ? n - done : maxMessageBytes), message.length(), step, mask, message.text());
                message.advance(step);
                done += step;
            }
            if (!fin) return null;
            // RFC 6455 §8.1: a text message ends on a character boundary.
            if (message.text() && utf8 != Utf8.ACCEPT) fail(CLOSE_INVALID_PAYLOAD, "invalid UTF-8 in a text message");
            boolean text = message.text();
            return new WsMessage(text, message.take());
        } catch (BudgetExceededException e) {
            fail(CLOSE_TRY_AGAIN_LATER, "try again later");
            throw e;
        }
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
            Frames.unmask(b, off + pos, n, Integer.rotateLeft(mask, (pos & 3) << 3));
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
                if (next(true) < 0) throw new EOFException("connection closed inside a frame");
                n = 1;
            }
            len -= n;
        }
    }

    private void onClose(byte[] p) throws IOException {
        int code = CLOSE_NO_STATUS;
        String reason = "";
        if (p.length == 1) fail(CLOSE_PROTOCOL_ERROR, "close payload of one byte");
        if (p.length >= 2) {
            code = ((p[0] & 0xFF) << 8) | (p[1] & 0xFF);
            if (!Frames.validCloseCode(code)) fail(CLOSE_PROTOCOL_ERROR, "invalid close code");
            if (!Utf8.valid(p, 2, p.length - 2)) fail(CLOSE_INVALID_PAYLOAD, "invalid UTF-8 in the close reason");
            reason = new String(p, 2, p.length - 2, StandardCharsets.UTF_8);
        }
        peerCloseCode = code;
        peerCloseReason = reason;
        closeReceived = true;
        // RFC 6455 §5.5.1: answer with a close, echoing the code (none when it had none).
        writer.close(code == CLOSE_NO_STATUS ? -1 : code, "");
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

    /** A read timed out: {@link Liveness#silence()}, and the end when the close deadline passed. */
    private void silence(boolean inFrame) throws IOException {
        if (!liveness.silence()) return;
        ended = true;
        midFrame |= inFrame;
        drop();
        s.abort();
        throw ENDED;
    }

    /** Fails the connection (RFC 6455 §7.1.7): sends close {@code code} unless a close was sent, then ends. */
    private void fail(int code, String reason) throws Ended {
        writer.close(code, reason);
        ended = true;
        midFrame = true;
        drop();
        throw ENDED;
    }

    /** Forgets a message being assembled and gives its memory back. */
    private void drop() { message.drop(); }

    // ---------------------------------------------------------------- end of the session

    /**
     * After the handler returned: closes what is left. Sends close (1000, or 1011 when the handler
     * failed) if none was sent, waits for the peer's close up to the close timeout (discarding raw
     * bytes when the input stopped inside a frame), then closes the socket. If the application's
     * reader is still reading, it is left to see the end itself (its read() returns null).
     */
    void finish(boolean handlerFailed) {
        writer.close(handlerFailed ? CLOSE_INTERNAL_ERROR : CLOSE_NORMAL, "");
        boolean locked = false;
        try {
            locked = readLock.tryLock(closeNanos, TimeUnit.NANOSECONDS);
            if (locked && !s.closed()) {
                if (!ended) {
                    while (readLocked() != null) {
                        // closing: data frames are dropped; null at the peer's close or the deadline
                    }
                } else if (midFrame && !closeReceived) {
                    drainRaw();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // the peer is gone: nothing left to wait for
        } finally {
            s.close();
            if (locked) {
                drop();
                readLock.unlock();
            }
        }
    }

    /** Discards input until EOF or the close deadline, so the close frame sent is not lost to a reset. */
    private void drainRaw() throws IOException {
        byte[] scratch = new byte[WsSocket.IN_BUFFER_BYTES];
        while (!s.closed()) {
            long left = s.deadline() - System.nanoTime();
            if (left <= 0) return;
            liveness.timeout(left);
            try {
                if (s.in.read(scratch) < 0) return;
            } catch (SocketTimeoutException e) {
                return;
            }
        }
    }

    /** The server is closing: 1001 "going away" (RFC 6455 §7.4.1). */
    void goingAway() { writer.close(CLOSE_GOING_AWAY, "going away"); }

    private static final class Ended extends IOException {
        Ended() { super("the WebSocket connection has ended"); }

        @Override
        public Throwable fillInStackTrace() { return this; }
    }
}
