package tollgate.websocket;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The parsed HTTP/1.1 upgrade request (RFC 6455 §4.2.1), already checked to be a valid WebSocket
 * opening handshake when a {@link WsHandler} sees it.
 *
 * @param method   the request method ({@code GET})
 * @param path     the request target's path, as sent (not percent-decoded)
 * @param rawQuery the query after {@code ?}, as sent, or null if the target has none
 * @param headers  header names in lower case → their values in the order received
 * @param remote   the peer's address
 */
public record UpgradeRequest(String method, String path, String rawQuery, Map<String, List<String>> headers,
                             InetSocketAddress remote) {

    public UpgradeRequest {
        headers = Map.copyOf(headers);
    }

    /** The first value of the header {@code lowerName}, or null. */
    public String header(String lowerName) {
        List<String> values = headers.get(lowerName);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** The subprotocols the client offers ({@code Sec-WebSocket-Protocol}, RFC 6455 §4.1 item 10), in order. */
    public List<String> subprotocols() {
        List<String> values = headers.get("sec-websocket-protocol");
        if (values == null) return List.of();
        List<String> out = new ArrayList<>();
        for (String v : values) {
            for (String token : v.split(",")) {
                String t = token.trim();
                if (!t.isEmpty()) out.add(t);
            }
        }
        return List.copyOf(out);
    }
}
