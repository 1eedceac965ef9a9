package tollgate.websocket;

import static tollgate.websocket.Frames.CLOSE_GOING_AWAY;
import static tollgate.websocket.Frames.EMPTY;
import static tollgate.websocket.Frames.OP_PING;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * The clocks of one connection's reading side, kept on the socket's read timeout (SO_TIMEOUT)
 * rather than a thread: after {@link WsLimits#pingInterval()} without a frame a ping (RFC 6455
 * §5.5.2: a live peer answers with a pong, which counts as received), after
 * {@link WsLimits#idleTimeout()} a close 1001, and once a close was sent, the close deadline.
 * Used by the connection's one reader.
 */
final class Liveness {
    private final WsSocket s;
    private final WsWriter writer;
    private final long idleNanos;
    private final long pingNanos;
    private final long closeNanos;
    private int soTimeout = -1;
    private long pingSentAt;

    Liveness(WsSocket s, WsWriter writer, WsLimits limits) {
        this.s = s;
        this.writer = writer;
        this.idleNanos = limits.idleTimeout().toNanos();
        this.pingNanos = limits.pingInterval().toNanos();
        this.closeNanos = limits.closeTimeout().toNanos();
    }

    /** Before the first read: the socket times out at the first ping's time. */
    void start() throws IOException {
        if (soTimeout < 0) timeout(pingNanos);
    }

    /**
     * A read timed out: pings, or closes with 1001 when idle, and sets the next timeout. The frame
     * in progress, if any, is kept: reading resumes where it stopped.
     *
     * @return true when a close was sent and the peer's did not come by the close deadline: the
     *         reading is over
     */
    boolean silence() throws IOException {
        long now = System.nanoTime();
        if (writer.sentCloseCode() != 0) {
            long left = s.deadline() - now;
            if (left <= 0) return true;
            timeout(left);
            return false;
        }
        long last = s.lastReceived;
        long quiet = now - last;
        if (quiet >= idleNanos) {
            writer.close(CLOSE_GOING_AWAY, "idle timeout");
            timeout(closeNanos);
            return false;
        }
        boolean pinged = pingSentAt != 0 && pingSentAt - last > 0;
        if (!pinged && quiet >= pingNanos) {
            writer.control(OP_PING, EMPTY);
            pingSentAt = now;
            pinged = true;
        }
        timeout((pinged ? last + idleNanos : last + pingNanos) - now);
        return false;
    }

    /** Sets the socket's read timeout to {@code nanos} (rounded up to a millisecond), when it changes. */
    void timeout(long nanos) throws IOException {
        long ms = Math.max(1, Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(nanos + 999_999)));
        if (ms != soTimeout) {
            s.socket.setSoTimeout((int) ms);
            soTimeout = (int) ms;
        }
    }
}
