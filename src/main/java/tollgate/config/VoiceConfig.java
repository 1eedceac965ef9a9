package tollgate.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;

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
        Map<String, List<String>> p = new LinkedHashMap<>();
        for (String name : POLICIES) p.put(name, List.copyOf(realtimeModels));
        return new VoiceConfig(PORT_HTTP_PLUS_ONE, null, null, DEFAULT_POLICY, Collections.unmodifiableMap(p), DEFAULT_VOICES,
                DEFAULT_TOKEN_TTL, DEFAULT_MAX_SESSIONS, DEFAULT_MAX_SESSIONS_PER_KEY, DEFAULT_MAX_MESSAGE_BYTES,
                DEFAULT_IDLE_TIMEOUT, DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_MAX_SESSION, List.of(), null, null);
    }

    /** A listener with TLS ({@code wss://}). */
    public boolean tls() { return tlsKeystore != null; }

    /**
     * The listener's TLS context from {@link #tlsKeystore} (loaded again: the config check
     * loaded it once), or null without TLS.
     *
     * @throws IllegalStateException the keystore cannot be used any more (changed since the
     *                               config was read), naming the file but not the password
     */
    public SSLContext sslContext() {
        if (!tls()) return null;
        try {
            return VoiceTls.context(tlsKeystore, tlsPassword);
        } catch (VoiceTls.KeystoreException e) {
            throw new IllegalStateException("voice.tls.keystore: " + tlsKeystore + ": " + e.getMessage(), e);
        }
    }

    /** Without the keystore password, which is a secret. */
    @Override
    public String toString() {
        return "VoiceConfig[port=" + port + ", host=" + host + ", publicUrl=" + publicUrl + ", defaultPolicy=" + defaultPolicy
                + ", policies=" + policies + ", voices=" + voices + ", tokenTtl=" + tokenTtl + ", maxSessions=" + maxSessions
                + ", maxSessionsPerKey=" + maxSessionsPerKey + ", maxMessageBytes=" + maxMessageBytes + ", idleTimeout="
                + idleTimeout + ", handshakeTimeout=" + handshakeTimeout + ", maxSession=" + maxSession + ", origins=" + origins
                + ", tlsKeystore=" + tlsKeystore + ", tlsPassword=" + (tlsPassword == null ? "null" : "(hidden)") + "]";
    }

    // ---------------------------------------------------------------- reading the section

    static final List<String> KEYS = List.of("port", "host", "public_url", "default_policy", "policies", "voices", "token_ttl_ms",
            "max_sessions", "max_sessions_per_key", "max_message_bytes", "idle_timeout_ms", "handshake_timeout_ms",
            "max_session_ms", "origins", "tls");
    private static final List<String> TLS_KEYS = List.of("keystore", "password");
    /** Shortest and longest {@code token_ttl_ms}: a second to connect at least; two hours, OpenAI's longest client secret. */
    static final long MIN_TOKEN_TTL_MS = 1000, MAX_TOKEN_TTL_MS = 2 * 3_600_000;
    /** Most concurrent sessions configurable (each holds a socket and buffers): as many as HTTP connections. */
    static final long MAX_MAX_SESSIONS = ConfigLoader.MAX_CONNECTIONS;
    /** Smallest {@code max_message_bytes}: room for a {@code session.update} with instructions, in bytes. */
    static final long MIN_MAX_MESSAGE_BYTES = 4 * 1024;
    /** Largest {@code max_message_bytes}: 128 MiB, eight times OpenAI's 15 MiB audio append, in bytes. */
    static final long MAX_MAX_MESSAGE_BYTES = 128L * 1024 * 1024;
    /** Shortest idle timeout, in ms: below a second a client between two turns would be cut. */
    static final long MIN_IDLE_TIMEOUT_MS = 1000;
    /** Shortest and longest handshake timeout, in ms: 100 ms to five minutes. */
    static final long MIN_HANDSHAKE_TIMEOUT_MS = 100, MAX_HANDSHAKE_TIMEOUT_MS = 300_000;
    /** Shortest session length, in ms. */
    static final long MIN_MAX_SESSION_MS = 1000;
    /** Most models in one policy, voices, and origins: each list is written by hand and searched per request. */
    static final int MAX_LIST = 256;
    /** Longest voice name, in chars (it goes into a JSON body upstream). */
    static final int MAX_VOICE_CHARS = 128;
    private static final Pattern SCHEME = Pattern.compile("[a-z][a-z0-9+.-]*");

    /**
     * Reads {@code voice} from the config root; absent = {@link #defaults} over the models with
     * capability {@code realtime}.
     *
     * @param serverPort the HTTP port (after the environment and command line): the voice port must differ
     * @param baseDir    what a relative {@code tls.keystore} resolves against (the working directory)
     */
    static VoiceConfig read(ConfigReader r, Map<String, Object> top, int serverPort, List<ModelConfig> models, Path baseDir) {
        List<String> realtime = models.stream().filter(m -> m.capabilities().contains("realtime")).map(ModelConfig::id).toList();
        if (top.get("voice") == null) return defaults(realtime);
        String p = "voice";
        Map<String, Object> v = r.object(p, top.get("voice"), KEYS);
        VoiceConfig d = defaults(realtime);
        int port = (int) r.integer(v, p, "port", PORT_HTTP_PLUS_ONE, 0, 65535);
        if (port != 0 && port == serverPort) {
            throw r.fail("voice.port", port + " is also server.port; the voice listener needs a port of its own (0 = off)");
        }
        String host = r.string(v, p, "host", null);
        if (host != null) ConfigLoader.checkHost(r, "voice.host", host);
        String publicUrl = v.get("public_url") == null ? null : publicUrl(r, "voice.public_url", r.string(v, p, "public_url", null));
        Map<String, List<String>> policies = v.get("policies") == null ? d.policies() : policies(r, v, models);
        String defaultPolicy = r.string(v, p, "default_policy", DEFAULT_POLICY);
        if (!policies.containsKey(defaultPolicy)) {
            throw r.expected("voice.default_policy", "one of the configured policies (" + String.join(", ", policies.keySet()) + ")",
                    Substitution.Text.literal(defaultPolicy));
        }
        List<String> voices = v.get("voices") == null ? DEFAULT_VOICES : voices(r, r.array(v, p, "voices"));
        long max = ConfigLoader.MAX_MILLIS;
        Duration ttl = r.millis(v, p, "token_ttl_ms", DEFAULT_TOKEN_TTL.toMillis(), MIN_TOKEN_TTL_MS, MAX_TOKEN_TTL_MS);
        int sessions = (int) r.integer(v, p, "max_sessions", DEFAULT_MAX_SESSIONS, 1, MAX_MAX_SESSIONS);
        int perKey = (int) r.integer(v, p, "max_sessions_per_key", DEFAULT_MAX_SESSIONS_PER_KEY, 1, MAX_MAX_SESSIONS);
        int message = (int) r.integer(v, p, "max_message_bytes", DEFAULT_MAX_MESSAGE_BYTES, MIN_MAX_MESSAGE_BYTES,
                MAX_MAX_MESSAGE_BYTES);
        Duration idle = r.millis(v, p, "idle_timeout_ms", DEFAULT_IDLE_TIMEOUT.toMillis(), MIN_IDLE_TIMEOUT_MS, max);
        Duration handshake = r.millis(v, p, "handshake_timeout_ms", DEFAULT_HANDSHAKE_TIMEOUT.toMillis(), MIN_HANDSHAKE_TIMEOUT_MS,
                MAX_HANDSHAKE_TIMEOUT_MS);
        Duration session = r.millis(v, p, "max_session_ms", DEFAULT_MAX_SESSION.toMillis(), MIN_MAX_SESSION_MS, max);
        List<String> origins = v.get("origins") == null ? List.of() : origins(r, r.array(v, p, "origins"));
        Path keystore = null;
        String password = null;
        if (v.get("tls") != null) {
            Map<String, Object> t = r.object("voice.tls", v.get("tls"), TLS_KEYS);
            keystore = ConfigLoader.resolvePath(r, "voice.tls.keystore", r.requiredString(t, "voice.tls", "keystore"), baseDir);
            password = keystorePassword(r, t, "voice.tls");
            try {
                VoiceTls.context(keystore, password);
            } catch (VoiceTls.KeystoreException e) {
                throw r.fail("voice.tls.keystore", keystore + ": " + e.getMessage());
            }
        }
        return new VoiceConfig(port, host, publicUrl, defaultPolicy, policies, voices, ttl, sessions, perKey, message, idle, handshake,
                session, origins, keystore, password);
    }

    /** A {@code ws://} or {@code wss://} URL without user info, query or fragment; trailing slashes removed. */
    private static String publicUrl(ConfigReader r, String path, String url) {
        String what = "a ws:// or wss:// URL without query";
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw r.expected(path, what, Substitution.Text.literal(url));
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("ws") || scheme.equals("wss")) || uri.getHost() == null || uri.getRawUserInfo() != null
                || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw r.expected(path, what, Substitution.Text.literal(url));
        }
        int end = url.length();
        while (end > 0 && url.charAt(end - 1) == '/') end--;
        return scheme + url.substring(scheme.length(), end);
    }

    /** {@code policies}: only the known names, each a non-empty list of distinct realtime models; kept in {@link #POLICIES} order. */
    private static Map<String, List<String>> policies(ConfigReader r, Map<String, Object> v, List<ModelConfig> models) {
        Map<String, Object> given = r.object("voice.policies", v.get("policies"), POLICIES);
        if (given.isEmpty()) throw r.fail("voice.policies", "names no policy (give at least one of " + String.join(", ", POLICIES) + ")");
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String name : POLICIES) {
            if (!given.containsKey(name)) continue;
            String pp = "voice.policies." + name;
            List<Object> list = r.array(given, "voice.policies", name);
            if (list == null || list.isEmpty()) throw r.fail(pp, "expected a non-empty list of realtime model ids");
            if (list.size() > MAX_LIST) throw r.fail(pp, "more than " + MAX_LIST + " models");
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                String ip = ConfigReader.index(pp, i);
                String id = r.string(ip, list.get(i));
                ModelConfig m = models.stream().filter(x -> x.id().equals(id)).findFirst().orElse(null);
                if (m == null) throw r.missing(ip, "model", id, "no model " + ConfigReader.quote(id) + " is configured");
                if (!m.capabilities().contains("realtime")) {
                    throw r.fail(ip, "model " + ConfigReader.quote(id) + " has no \"realtime\" capability (it has: "
                            + String.join(", ", m.capabilities()) + ")");
                }
                if (ids.contains(id)) throw r.fail(ip, "model " + ConfigReader.quote(id) + " is listed twice");
                ids.add(id);
            }
            out.put(name, List.copyOf(ids));
        }
        return Collections.unmodifiableMap(out);
    }

    /** {@code voices}: a non-empty list of distinct names of 1 to {@link #MAX_VOICE_CHARS} visible characters. */
    private static List<String> voices(ConfigReader r, List<Object> list) {
        String p = "voice.voices";
        if (list.isEmpty()) throw r.fail(p, "expected a non-empty list of voice names");
        if (list.size() > MAX_LIST) throw r.fail(p, "more than " + MAX_LIST + " voices");
        List<String> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String ip = ConfigReader.index(p, i);
            String voice = r.string(ip, list.get(i));
            boolean ok = !voice.isEmpty() && voice.length() <= MAX_VOICE_CHARS;
            for (int c = 0; ok && c < voice.length(); c++) ok = voice.charAt(c) > ' ' && voice.charAt(c) != 0x7f;
            if (!ok) {
                throw r.expected(ip, "a voice name of 1-" + MAX_VOICE_CHARS + " characters without spaces", Substitution.Text.literal(voice));
            }
            if (out.contains(voice)) throw r.fail(ip, "voice " + ConfigReader.quote(voice) + " is listed twice");
            out.add(voice);
        }
        return List.copyOf(out);
    }

    /**
     * {@code origins}: each {@code *} or {@code scheme://host[:port]} (RFC 6454 §6.1, the
     * serialisation browsers send in {@code Origin}), lower-cased as browsers send them.
     */
    private static List<String> origins(ConfigReader r, List<Object> list) {
        String p = "voice.origins";
        if (list.size() > MAX_LIST) throw r.fail(p, "more than " + MAX_LIST + " origins");
        List<String> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String ip = ConfigReader.index(p, i);
            String raw = r.string(ip, list.get(i));
            String origin = raw.equals("*") ? raw : origin(raw);
            if (origin == null) throw r.expected(ip, "\"*\" or an origin like \"https://app.example.com\" (scheme://host[:port], no path)",
                    Substitution.Text.literal(raw));
            if (!out.contains(origin)) out.add(origin);
        }
        return List.copyOf(out);
    }

    /** {@code scheme://host[:port]} lower-cased, or null when {@code s} is not one. */
    private static String origin(String s) {
        URI uri;
        try {
            uri = new URI(s);
        } catch (URISyntaxException e) {
            return null;
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!SCHEME.matcher(scheme).matches() || uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawQuery() != null
                || uri.getRawFragment() != null || !uri.getRawPath().isEmpty()) {
            return null;
        }
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        return scheme + "://" + host + (uri.getPort() >= 0 ? ":" + uri.getPort() : "");
    }

    /**
     * A {@code tls} object's {@code password} ({@code voice.tls}, {@code server.tls}): required, a
     * string (may be "${VAR}"); never quoted in a message, being a secret.
     */
    static String keystorePassword(ConfigReader r, Map<String, Object> t, String tlsPath) {
        Object raw = t.get("password");
        String p = tlsPath + ".password";
        if (raw == null) throw r.fail(p, "required (the keystore's password; write \"${VARIABLE}\" to keep it out of this file)");
        return r.secret(p, raw);
    }
}
