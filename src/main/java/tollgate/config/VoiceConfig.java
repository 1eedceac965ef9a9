package tollgate.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The {@code voice} section (issue 11): realtime voice sessions, relayed over WebSocket on a
 * listener of their own ({@code com.sun.net.httpserver} cannot hand over a connection after
 * {@code 101 Switching Protocols}).
 *
 * @param port              the voice listener's TCP port: {@link #PORT_HTTP_PLUS_ONE} (the default:
 *                          the HTTP port + 1, or any free port when that is 0), 0 = no listener
 * @param host              address the listener binds, or null for the HTTP server's host
 * @param publicUrl         the {@code ws://} or {@code wss://} base URL clients are given by
 *                          {@code POST /voice/realtime} (behind a proxy), or null to derive it from the
 *                          listener's address
 * @param defaultPolicy     the policy when the client names none ({@code balanced})
 * @param policies          policy name ({@code premium}, {@code balanced}, {@code frugal}) → realtime
 *                          models in order of preference (catalog ids with capability {@code realtime})
 * @param voices            the voices a client may ask for
 * @param tokenTtl          how long a minted session token may be used to connect
 * @param maxSessions       concurrent sessions on the listener (more are refused with 503)
 * @param maxSessionsPerKey concurrent sessions per client key (more are refused with 429)
 * @param maxMessageBytes   largest message either way, in bytes (close 1009 above)
 * @param idleTimeout       a client that sends nothing (not even a pong to the listener's pings) this
 *                          long is closed
 * @param handshakeTimeout  time a new connection has to send its whole upgrade request
 * @param maxSession        longest session (cut with an {@code error} event, then a close)
 * @param origins           browser origins allowed to connect ({@code Origin} header); a handshake
 *                          without {@code Origin} (not a browser) is always allowed; {@code "*"} allows any
 * @param tlsKeystore       a PKCS#12 keystore to serve {@code wss://} from, or null for {@code ws://}
 * @param tlsPassword       the keystore's password (a secret), or null
 */
public record VoiceConfig(
        int port,
        String host,
        String publicUrl,
        String defaultPolicy,
        Map<String, List<String>> policies,
        List<String> voices,
        Duration tokenTtl,
        int maxSessions,
        int maxSessionsPerKey,
        int maxMessageBytes,
        Duration idleTimeout,
        Duration handshakeTimeout,
        Duration maxSession,
        List<String> origins,
        Path tlsKeystore,
        String tlsPassword) {

    /** {@code port} when the config gives none: the HTTP port + 1. */
    public static final int PORT_HTTP_PLUS_ONE = -1;
    /** The policies seed 000 names, in the order errors list them. */
    public static final List<String> POLICIES = List.of("premium", "balanced", "frugal");
    public static final String DEFAULT_POLICY = "balanced";
    /** Seed 000's voices (OpenAI's realtime voices). */
    public static final List<String> DEFAULT_VOICES =
            List.of("alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse");
    /** 60 s: long enough to connect after asking, short enough that a leaked token is soon useless. */
    public static final Duration DEFAULT_TOKEN_TTL = Duration.ofSeconds(60);
    public static final int DEFAULT_MAX_SESSIONS = 2000;
    public static final int DEFAULT_MAX_SESSIONS_PER_KEY = 20;
    /** 16 MiB: OpenAI accepts up to 15 MiB of audio in one {@code input_audio_buffer.append}. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    /** 30 minutes: OpenAI's own limit on a realtime session's length. */
    public static final Duration DEFAULT_MAX_SESSION = Duration.ofMinutes(30);

    /** No {@code voice} section: the listener on the HTTP port + 1, every policy naming every realtime model in catalog order. */
    public static VoiceConfig defaults(List<String> realtimeModels) {
        Map<String, List<String>> p = new java.util.LinkedHashMap<>();
        for (String name : POLICIES) p.put(name, List.copyOf(realtimeModels));
        return new VoiceConfig(PORT_HTTP_PLUS_ONE, null, null, DEFAULT_POLICY, p, DEFAULT_VOICES, DEFAULT_TOKEN_TTL,
                DEFAULT_MAX_SESSIONS, DEFAULT_MAX_SESSIONS_PER_KEY, DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_IDLE_TIMEOUT,
                DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_MAX_SESSION, List.of(), null, null);
    }

    /** A listener with TLS ({@code wss://}). */
    public boolean tls() { return tlsKeystore != null; }
}
