package tollgate.websocket;

import java.io.IOException;
import java.time.Duration;
import tollgate.memory.Reservation;

/** Test servers: the echo server of the conformance cases (Autobahn's servers under test echo every message). */
final class Servers {
    private Servers() { }

    static WsLimits limits(int maxMessageBytes) {
        return new WsLimits(maxMessageBytes, WsLimits.DEFAULT_MAX_HEADER_BYTES, Duration.ofSeconds(5), Duration.ofSeconds(30),
                Duration.ofSeconds(20), Duration.ofSeconds(2), Duration.ofSeconds(5));
    }

    static WsServer echo() throws IOException { return echo(limits(WsLimits.DEFAULT_MAX_MESSAGE_BYTES), 100); }

    static WsServer echo(WsLimits limits, int maxConnections) throws IOException {
        return echo(limits, maxConnections, null);
    }

    /** Echoes text as text and binary as binary until the connection ends. */
    static WsServer echo(WsLimits limits, int maxConnections, java.util.function.Supplier<Reservation> memory)
            throws IOException {
        WsServer s = WsServer.bind("127.0.0.1", 0, null, maxConnections, limits, (request, upgrade) -> {
            WsConnection c = upgrade.accept(null, memory == null ? null : memory.get());
            echoLoop(c);
        });
        s.start();
        return s;
    }

    static void echoLoop(WsConnection c) throws IOException {
        WsMessage m;
        while ((m = c.read()) != null) {
            if (m.text()) c.sendText(m.payload());
            else c.sendBinary(m.payload());
        }
    }
}
