package tollgate.websocket;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import tollgate.memory.Reservation;

/**
 * The application's answer to one upgrade request: {@link #accept} or {@link #refuse}, exactly
 * once (a second call throws {@link IllegalStateException}). Used on the connection's thread.
 */
public final class Upgrade {
    private final WsSocket socket;
    private final UpgradeRequest request;
    private final WsLimits limits;
    private final WsServer server;
    private boolean decided;
    private WsConnection connection;

    Upgrade(WsSocket socket, UpgradeRequest request, WsLimits limits, WsServer server) {
        this.socket = socket;
        this.request = request;
        this.limits = limits;
        this.server = server;
    }

    /**
     * Writes {@code HTTP/1.1 101 Switching Protocols} with {@code Upgrade: websocket},
     * {@code Connection: Upgrade} (one value: the JDK's client requires exactly that),
     * {@code Sec-WebSocket-Accept} (RFC 6455 §4.2.2) and, when {@code subprotocol} is non-null,
     * {@code Sec-WebSocket-Protocol: subprotocol}. No extensions are negotiated.
     *
     * @param subprotocol one of the request's {@link UpgradeRequest#subprotocols()}, or null
     * @param memory      data messages are reserved against it as they are assembled (a reservation
     *                    that does not fit: close 1013 "try again later"); a message returned by
     *                    {@link WsConnection#read()} stays reserved until the next read. Null: no
     *                    accounting. The caller owns it (closes it after the session).
     * @throws IllegalArgumentException if {@code subprotocol} was not offered (nothing is written)
     */
    public WsConnection accept(String subprotocol, Reservation memory) throws IOException {
        if (decided) throw new IllegalStateException("the upgrade was already " + (connection != null ? "accepted" : "refused"));
        if (subprotocol != null && !request.subprotocols().contains(subprotocol)) {
            throw new IllegalArgumentException("subprotocol not offered by the client: " + subprotocol);
        }
        decided = true;
        StringBuilder head = new StringBuilder(160)
                .append("HTTP/1.1 101 Switching Protocols\r\n")
                .append("Upgrade: websocket\r\n")
                .append("Connection: Upgrade\r\n")
                .append("Sec-WebSocket-Accept: ").append(Handshake.accept(request.header("sec-websocket-key"))).append("\r\n");
        if (subprotocol != null) head.append("Sec-WebSocket-Protocol: ").append(subprotocol).append("\r\n");
        head.append("\r\n");
        WsConnection c = new WsConnection(socket, request, limits, memory);
        socket.upgrading = true; // from here a closing server leaves this socket to upgraded() below
        socket.writing();
        try {
            socket.out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            socket.out.flush();
        } catch (IOException e) {
            socket.abort();
            throw e;
        } finally {
            socket.wrote();
        }
        connection = c;
        socket.connection = c;
        server.upgraded(socket);
        return c;
    }

    /**
     * Writes {@code HTTP/1.1 <status> <reason>}, the extra headers, {@code Content-Type:
     * application/json}, {@code Content-Length}, {@code Connection: close} and the body, then
     * closes the socket.
     *
     * @param headerPairs header name, value, name, value, … (no CR or LF)
     * @param jsonBody    the body, typically {@code ErrorBody.render(...)}
     */
    public void refuse(int status, List<String> headerPairs, byte[] jsonBody) throws IOException {
        if (decided) throw new IllegalStateException("the upgrade was already " + (connection != null ? "accepted" : "refused"));
        if (status < 200 || status > 599) throw new IllegalArgumentException("not an error status: " + status);
        if (headerPairs.size() % 2 != 0) throw new IllegalArgumentException("header name, value pairs expected");
        for (String s : headerPairs) {
            if (s.indexOf('\r') >= 0 || s.indexOf('\n') >= 0) throw new IllegalArgumentException("CR or LF in a header");
        }
        decided = true;
        writeRefusal(socket, status, headerPairs, jsonBody);
    }

    boolean decided() { return decided; }

    WsConnection connection() { return connection; }

    /** Writes an error response and closes the socket; used for the server's own refusals too. */
    static void writeRefusal(WsSocket socket, int status, List<String> headerPairs, byte[] body) throws IOException {
        StringBuilder head = new StringBuilder(256).append("HTTP/1.1 ").append(status).append(' ')
                .append(reason(status)).append("\r\n");
        for (int i = 0; i + 1 < headerPairs.size(); i += 2) {
            head.append(headerPairs.get(i)).append(": ").append(headerPairs.get(i + 1)).append("\r\n");
        }
        head.append("Content-Type: application/json\r\nContent-Length: ").append(body.length)
                .append("\r\nConnection: close\r\n\r\n");
        OutputStream out = socket.out;
        socket.writing();
        try {
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
        } finally {
            socket.wrote();
            socket.shutdownOutput();
            socket.close();
        }
    }

    static String reason(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 402 -> "Payment Required";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 408 -> "Request Timeout";
            case 409 -> "Conflict";
            case 413 -> "Content Too Large";
            case 414 -> "URI Too Long";
            case 426 -> "Upgrade Required";
            case 429 -> "Too Many Requests";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            default -> status < 500 ? "Client Error" : "Server Error";
        };
    }
}
