package tollgate.voice;

import java.io.IOException;
import java.time.Duration;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import tollgate.account.Accounts;
import tollgate.call.Clock;
import tollgate.config.ServerLimits;
import tollgate.config.VoiceConfig;
import tollgate.log.Log;
import tollgate.memory.MemoryBudget;
import tollgate.route.ServiceDispatcher;
import tollgate.websocket.WsLimits;
import tollgate.websocket.WsServer;

/**
 * Realtime voice (issue 11): the WebSocket listener on its own port ({@code com.sun.net.httpserver}
 * cannot hand a connection over after {@code 101 Switching Protocols}; protocols.md §1.1), each
 * accepted session relayed to a realtime upstream through the route layer like every other call.
 */
public final class VoiceService implements AutoCloseable {
    /** After sending a close, how long the peer has to answer with its own (RFC 6455 §7.1.1), then TCP is dropped. */
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
    /** Pings per idle timeout: a ping after a third of it without a frame, so a live client's pong comes well in time. */
    static final int PINGS_PER_IDLE = 3;
    /** Connections beyond {@code max_sessions} the listener keeps open for handshakes in progress (a tenth, at least this). */
    static final int MIN_HANDSHAKE_HEADROOM = 64;

    /** The largest TCP port. */
    static final int MAX_PORT = 65_535;
    /** How a failure to bind the voice listener's port starts its message (the launcher prints it as it is). */
    public static final String VOICE_PORT_PREFIX = "voice.port: ";

    private final WsServer server;
    private final SessionCounts counts;

    private VoiceService(WsServer server, SessionCounts counts) {
        this.server = server;
        this.counts = counts;
    }

    /**
     * Binds the listener and starts serving.
     *
     * @param httpHost the HTTP server's bind address (the default for {@code voice.host})
     * @param httpPort the HTTP server's port as configured ({@code voice.port} defaults to it + 1; with 0, any free port)
     * @param tls      the context of {@code voice.tls}, or null for {@code ws://}
     * @param services the current config generation's dispatcher, taken by each new session
     */
    public static VoiceService start(VoiceConfig config, String httpHost, int httpPort, ServerLimits limits, SSLContext tls,
                                     Accounts accounts, VoiceTokens tokens, Supplier<ServiceDispatcher> services, MemoryBudget budget,
                                     Clock clock) throws IOException {
        int port = config.port() == VoiceConfig.PORT_HTTP_PLUS_ONE ? (httpPort == 0 ? 0 : httpPort + 1) : config.port();
        if (port > MAX_PORT) {
            throw new IllegalArgumentException(VOICE_PORT_PREFIX + "the HTTP port + 1 (" + port + ") is not a TCP port; set voice.port");
        }
        String host = config.host() != null ? config.host() : httpHost;
        WsLimits wsLimits = new WsLimits(config.maxMessageBytes(), limits.maxHeaderBytes(), config.handshakeTimeout(),
                config.idleTimeout(), config.idleTimeout().dividedBy(PINGS_PER_IDLE), CLOSE_TIMEOUT, limits.writeTimeout());
        SessionCounts counts = new SessionCounts(config.maxSessions(), config.maxSessionsPerKey());
        VoiceHandshake handshake = new VoiceHandshake(config, accounts, tokens, services, budget, counts, clock,
                CLOSE_TIMEOUT.toMillis());
        int sockets = config.maxSessions() + Math.max(MIN_HANDSHAKE_HEADROOM, config.maxSessions() / 10);
        WsServer server;
        try {
            server = WsServer.bind(host, port, tls, sockets, wsLimits, handshake);
        } catch (java.net.BindException e) {
            java.net.BindException named = new java.net.BindException(VOICE_PORT_PREFIX + "cannot listen on " + host + ":" + port
                    + " (" + e.getMessage() + "); set voice.port to a free port, or to 0 to switch realtime voice off");
            named.initCause(e);
            throw named;
        }
        server.start();
        Log.info("voice_listening", "url", (tls != null ? "wss://" : "ws://") + hostForUrl(server.host()) + ":" + server.port()
                + "/v1/realtime", "max_sessions", config.maxSessions());
        return new VoiceService(server, counts);
    }

    /** The port the listener is bound to. */
    public int port() { return server.port(); }

    /** Sessions open now. */
    public int sessions() { return counts.total(); }

    /** Stops accepting and closes every session with 1001 (going away), waiting up to {@code drain} for them to be recorded. */
    public void close(Duration drain) { server.close(drain); }

    @Override
    public void close() { server.close(); }

    static String hostForUrl(String host) {
        return host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    }
}
