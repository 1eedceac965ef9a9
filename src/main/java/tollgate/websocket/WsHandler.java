package tollgate.websocket;

import java.io.IOException;

/**
 * What the application decides about one upgrade request.
 *
 * <p>Contract: called on the connection's own virtual thread, once per valid WebSocket upgrade
 * request (the server answers malformed handshakes itself). The handler must call exactly one of
 * {@link Upgrade#accept} or {@link Upgrade#refuse}; if it returns (or throws) without doing so the
 * server refuses with 500. After accepting, the handler runs the session, reading with
 * {@link WsConnection#read()}, and returns when the session is over; the server then closes
 * whatever is left (close 1000 if the handler returned normally, 1011 if it threw, then TCP).
 */
@FunctionalInterface
public interface WsHandler {
    void handle(UpgradeRequest request, Upgrade upgrade) throws IOException;
}
