package tollgate.provider;

import tollgate.error.GatewayException;

/**
 * Receives what an upstream realtime session sends, in order (upstream → gateway).
 *
 * <p>Contract: calls come one at a time, never concurrently. Each {@link RealtimeUpstream#request()}
 * allows one more {@link #onMessage}; without demand the provider delivers nothing: that is the
 * backpressure from a slow client to the upstream (the gateway keeps a small fixed window of
 * demand, so at most that many messages per session wait in it). The methods must not block: the provider may call
 * them on the shared HTTP client's own thread. Exactly one of {@link #onClose} and
 * {@link #onError} ends the session, once.
 */
public interface RealtimeListener {
    /** A whole data message (the provider joins the parts of a fragmented one, up to its cap). */
    void onMessage(RealtimeMessage message);

    /** The upstream closed the session with this code (RFC 6455 §7.4) and reason. */
    void onClose(int code, String reason);

    /**
     * The upstream session failed (connection broken, a message over the cap, a protocol error):
     * classified, its message scrubbed of the configured secrets.
     */
    void onError(GatewayException error);
}
