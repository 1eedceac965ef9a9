package tollgate.provider;

/**
 * The gateway's side of one open upstream realtime session (gateway → upstream).
 *
 * <p>Contract: {@link #send} is called by one thread at a time and blocks it until the upstream
 * connection has taken the message (the backpressure from a slow upstream to the client: the
 * gateway reads the client's next message only after that); it throws the classified
 * {@link tollgate.error.GatewayException} of a broken session. {@link #close} and {@link #abort}
 * may be called from any thread, more than once.
 */
public interface RealtimeUpstream {
    /** Sends one whole message upstream. */
    void send(RealtimeMessage message);

    /** Asks for one more upstream message (demand adds up; see {@link RealtimeListener}). */
    void request();

    /** Starts the close handshake with this code and reason, then ends the connection (after a short wait for the peer's close). */
    void close(int code, String reason);

    /** Ends the connection at once, without a handshake. */
    void abort();
}
