package tollgate.websocket;

import java.time.Duration;

/**
 * Limits of one {@link WsServer} listener. Every default is a named constant with its unit.
 *
 * @param maxMessageBytes  largest data message, all its fragments together, in bytes; one over is
 *                         answered with close 1009 as soon as a frame header announces it, before
 *                         its payload is read (RFC 6455 §7.4.1)
 * @param maxHeaderBytes   largest upgrade request head (request line, URL included, and headers),
 *                         in bytes; over it the request is refused with 431 and the socket closed
 * @param handshakeTimeout time a new connection has to complete TLS (if any) and send its whole
 *                         upgrade request; else the socket is closed
 * @param idleTimeout      nothing received (no frame at all, not even a pong) this long: close 1001
 *                         "idle timeout"
 * @param pingInterval     a ping is sent after this long without receiving anything, so that a
 *                         live but quiet peer answers with a pong and is not taken for idle
 * @param closeTimeout     after sending a close, how long to wait for the peer's close before the
 *                         TCP connection is dropped (RFC 6455 §7.1.1: the server closes TCP first)
 * @param writeTimeout     a peer that takes nothing of what is written to it this long is aborted
 *                         (writes on a blocking socket have no timeout of their own)
 */
public record WsLimits(int maxMessageBytes, int maxHeaderBytes, Duration handshakeTimeout, Duration idleTimeout,
                       Duration pingInterval, Duration closeTimeout, Duration writeTimeout) {

    /** 16 MiB: OpenAI accepts up to 15 MiB of audio in one {@code input_audio_buffer.append}. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
    /** 16 KiB of request line and headers: browsers and SDKs send well under 4 KiB. */
    public static final int DEFAULT_MAX_HEADER_BYTES = 16 * 1024;
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
    /** Well under the idle timeout, so a quiet peer has two chances to answer before it is closed. */
    public static final Duration DEFAULT_PING_INTERVAL = Duration.ofSeconds(25);
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(15);

    public WsLimits {
        if (maxMessageBytes <= 0) throw new IllegalArgumentException("maxMessageBytes must be positive: " + maxMessageBytes);
        if (maxHeaderBytes <= 0) throw new IllegalArgumentException("maxHeaderBytes must be positive: " + maxHeaderBytes);
        positive("handshakeTimeout", handshakeTimeout);
        positive("idleTimeout", idleTimeout);
        positive("pingInterval", pingInterval);
        positive("closeTimeout", closeTimeout);
        positive("writeTimeout", writeTimeout);
    }

    /** The defaults above. */
    public static WsLimits defaults() {
        return new WsLimits(DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_HEADER_BYTES, DEFAULT_HANDSHAKE_TIMEOUT,
                DEFAULT_IDLE_TIMEOUT, DEFAULT_PING_INTERVAL, DEFAULT_CLOSE_TIMEOUT, DEFAULT_WRITE_TIMEOUT);
    }

    private static void positive(String name, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) throw new IllegalArgumentException(name + " must be positive: " + d);
        if (d.toMillis() > Integer.MAX_VALUE) throw new IllegalArgumentException(name + " is too long: " + d);
    }
}
