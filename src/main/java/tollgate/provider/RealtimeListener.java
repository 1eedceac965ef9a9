package tollgate.provider;

import tollgate.error.GatewayException;

/**
 * Receives what an upstream realtime session sends, in order (upstream → gateway).
 *
 * <p>Contract: calls come one at a time, never concurrently. After {@link #onMessage} the
 * provider delivers nothing more until the gateway calls {@link RealtimeUpstream#request()}:
 * that is the backpressure from a slow client to the upstream (with a demand of one, at most one
 * message per session waits in the gateway). The methods must not block: the provider may call
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
