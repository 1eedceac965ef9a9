package tollgate.config;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.config.ConfigLoader.Overrides;

/** The {@code voice} section (issue 11): defaults, every rule with its message, and TLS from a PKCS#12 keystore. */
class VoiceConfigTest {
    static final String PASSWORD = "s3cret-Keystore-pw";
    /** Three realtime models (two on openai, one on echo) and a speech model that is not realtime. */
    static final String MODELS = """
            "providers": {"openai": {"kind": "openai", "base_url": "https://api.openai.com/v1", "api_key": "sk-x"},
                          "echo": {"kind": "echo"}},
            "models": [
              {"id": "gpt-realtime", "provider": "openai", "pricing": {"audio_minute": "0.15"}, "capabilities": ["realtime"]},
              {"id": "whisper-1", "provider": "openai", "capabilities": ["stt"]},
              {"id": "gpt-realtime-mini", "provider": "openai", "capabilities": ["realtime"]},
              {"id": "echo-realtime", "provider": "echo", "capabilities": ["realtime"]}
            ]""";

    @TempDir
    static Path dir;
    static Path keystore;

    @BeforeAll
    static void makeKeystore() throws Exception {
        keystore = dir.resolve("voice.p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC", "-genkeypair", // a short-lived JVM: start it quickly
                "-alias", "voice", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), UTF_8);
        assertEquals(0, p.waitFor(), out);
    }

    static GatewayConfig parse(String voice) { return parse(voice, Map.of()); }

    static GatewayConfig parse(String voice, Map<String, String> env) {
        String json = "{\"server\": {\"port\": 8080}, " + MODELS + (voice == null ? "" : ", \"voice\": " + voice) + "}";
        return ConfigLoader.parse(json.getBytes(UTF_8), "config", dir, env, Overrides.NONE, line -> { });
    }

    static String error(String voice) { return error(voice, Map.of()); }

    static String error(String voice, Map<String, String> env) {
        return assertThrows(ConfigException.class, () -> parse(voice, env)).getMessage();
    }

    // ---- defaults

    @Test
    void absent_everyPolicyListsEveryRealtimeModel_inCatalogOrder() {
        VoiceConfig v = parse(null).voice();
        List<String> all = List.of("gpt-realtime", "gpt-realtime-mini", "echo-realtime");
        assertEquals(Map.of("premium", all, "balanced", all, "frugal", all), v.policies());
        assertEquals(VoiceConfig.POLICIES, List.copyOf(v.policies().keySet()));
        assertEquals(VoiceConfig.defaults(all), v);
        assertEquals(VoiceConfig.PORT_HTTP_PLUS_ONE, v.port());
        assertEquals("balanced", v.defaultPolicy());
        assertEquals(List.of("alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse"), v.voices());
        assertEquals(Duration.ofSeconds(60), v.tokenTtl());
        assertEquals(List.of(), v.origins());
        assertFalse(v.tls());
        assertNull(v.sslContext());
        // an empty section is the same; a config without realtime models is fine (sessions get a clear error)
        assertEquals(v, parse("{}").voice());
        VoiceConfig none = ConfigLoaderTest.parse("{}").voice();
        assertEquals(Map.of("premium", List.of(), "balanced", List.of(), "frugal", List.of()), none.policies());
        assertEquals(VoiceConfig.defaults(List.of()), none);
    }

    @Test
    void everyKey_isRead() {
        VoiceConfig v = parse("""
                {"port": 9001, "host": "0.0.0.0", "public_url": "WSS://voice.example.com/rt/", "default_policy": "premium",
                 "policies": {"frugal": ["echo-realtime"], "premium": ["gpt-realtime", "echo-realtime"]},
                 "voices": ["${VOICE}", "ash"], "token_ttl_ms": "30000", "max_sessions": 10, "max_sessions_per_key": 2,
                 "max_message_bytes": 65536, "idle_timeout_ms": 5000, "handshake_timeout_ms": 2000, "max_session_ms": 600000,
                 "origins": ["*", "HTTPS://App.Example.com:8443", "http://[::1]:3000", "https://app.example.com:8443"]}""",
                Map.of("VOICE", "coral")).voice();
        assertEquals(new VoiceConfig(9001, "0.0.0.0", "wss://voice.example.com/rt", "premium",
                Map.of("premium", List.of("gpt-realtime", "echo-realtime"), "frugal", List.of("echo-realtime")),
                List.of("coral", "ash"), Duration.ofSeconds(30), 10, 2, 65536, Duration.ofSeconds(5), Duration.ofSeconds(2),
                Duration.ofMinutes(10), List.of("*", "https://app.example.com:8443", "http://[::1]:3000"), null, null), v);
        // policies keep seed 000's order whatever the file's (error messages list them so)
        assertEquals(List.of("premium", "frugal"), List.copyOf(v.policies().keySet()));
    }

    // ---- port, host, public_url

    @Test
    void port_isInRange_andNotTheHttpPort_unlessOff() {
        assertEquals("config: voice.port: expected an integer 0-65535, got 70000", error("{\"port\": 70000}"));
        assertEquals("config: voice.port: expected an integer 0-65535, got -1", error("{\"port\": -1}"));
        assertEquals("config: voice.port: 8080 is also server.port; the voice listener needs a port of its own (0 = off)",
                error("{\"port\": 8080}"));
        assertEquals(0, parse("{\"port\": 0}").voice().port());
        // the HTTP port from the command line counts too; with both on 0 (tests) the voice listener is off
        Overrides o = new Overrides(null, 9001, null);
        assertEquals("config: voice.port: 9001 is also server.port; the voice listener needs a port of its own (0 = off)",
                assertThrows(ConfigException.class, () -> ConfigLoader.parse("{\"voice\": {\"port\": 9001}}".getBytes(UTF_8), "config",
                        dir, Map.of(), o, line -> { })).getMessage());
        assertEquals(0, ConfigLoader.parse("{\"voice\": {\"port\": 0}}".getBytes(UTF_8), "config", dir, Map.of(),
                new Overrides(null, 0, null), line -> { }).voice().port());
    }

    @Test
    void host_andPublicUrl() {
        assertEquals("config: voice.host: expected a host name or address, got \"a b\"", error("{\"host\": \"a b\"}"));
        assertEquals("ws://10.0.0.5:9000", parse("{\"public_url\": \"ws://10.0.0.5:9000\"}").voice().publicUrl());
        for (String bad : List.of("http://example.com", "wss://example.com/?a=1", "wss://example.com/#x", "wss://u:p@example.com",
                "example.com", "wss:///path")) {
            assertEquals("config: voice.public_url: expected a ws:// or wss:// URL without query, got \"" + bad + "\"",
                    error("{\"public_url\": \"" + bad + "\"}"), bad);
        }
    }

    // ---- policies

    @Test
    void policies_nameOnlyKnownPolicies_andRealtimeModels() {
        assertEquals("config: voice.policies: unknown key \"cheap\" (known keys: premium, balanced, frugal)",
                error("{\"policies\": {\"cheap\": [\"echo-realtime\"]}}"));
        assertEquals("config: voice.policies.premium[1]: model \"whisper-1\" has no \"realtime\" capability (it has: stt)",
                error("{\"policies\": {\"premium\": [\"gpt-realtime\", \"whisper-1\"], \"balanced\": [\"echo-realtime\"]}}"));
        assertEquals("config: voice.policies.balanced[0]: no model \"gpt-5-realtime\" is configured",
                error("{\"policies\": {\"balanced\": [\"gpt-5-realtime\"]}}"));
        assertEquals("config: voice.policies.balanced[1]: model \"echo-realtime\" is listed twice",
                error("{\"policies\": {\"balanced\": [\"echo-realtime\", \"echo-realtime\"]}}"));
        assertEquals("config: voice.policies.balanced: expected a non-empty list of realtime model ids",
                error("{\"policies\": {\"balanced\": []}}"));
        assertEquals("config: voice.policies.balanced: expected an array, got \"echo-realtime\"",
                error("{\"policies\": {\"balanced\": \"echo-realtime\"}}"));
        assertEquals("config: voice.policies.balanced[0]: expected a string, got 7", error("{\"policies\": {\"balanced\": [7]}}"));
        assertEquals("config: voice.policies: names no policy (give at least one of premium, balanced, frugal)",
                error("{\"policies\": {}}"));
    }

    @Test
    void defaultPolicy_isOneOfThePolicies() {
        assertEquals("config: voice.default_policy: expected one of the configured policies (premium, balanced, frugal), got \"cheap\"",
                error("{\"default_policy\": \"cheap\"}"));
        // "balanced" is the default, so a file without it must name its default
        assertEquals("config: voice.default_policy: expected one of the configured policies (premium), got \"balanced\"",
                error("{\"policies\": {\"premium\": [\"gpt-realtime\"]}}"));
        assertEquals("premium", parse("{\"policies\": {\"premium\": [\"gpt-realtime\"]}, \"default_policy\": \"premium\"}")
                .voice().defaultPolicy());
    }

    // ---- voices, numbers, origins

    @Test
    void voices_areANonEmptyListOfDistinctNames() {
        assertEquals("config: voice.voices: expected a non-empty list of voice names", error("{\"voices\": []}"));
        assertEquals("config: voice.voices[1]: voice \"alloy\" is listed twice", error("{\"voices\": [\"alloy\", \"alloy\"]}"));
        assertEquals("config: voice.voices[0]: expected a voice name of 1-128 characters without spaces, got \"\"",
                error("{\"voices\": [\"\"]}"));
        assertEquals("config: voice.voices[0]: expected a voice name of 1-128 characters without spaces, got \"my voice\"",
                error("{\"voices\": [\"my voice\"]}"));
        assertEquals("config: voice.voices[0]: expected a string, got true", error("{\"voices\": [true]}"));
        assertEquals("config: voice.voices: expected an array, got \"alloy\"", error("{\"voices\": \"alloy\"}"));
    }

    @Test
    void numbers_haveSaneRanges() {
        assertEquals("config: voice.token_ttl_ms: expected an integer 1000-7200000, got 999", error("{\"token_ttl_ms\": 999}"));
        assertEquals("config: voice.max_sessions: expected an integer 1-1000000, got 0", error("{\"max_sessions\": 0}"));
        assertEquals("config: voice.max_sessions_per_key: expected an integer 1-1000000, got 0", error("{\"max_sessions_per_key\": 0}"));
        assertEquals("config: voice.max_message_bytes: expected an integer 4096-134217728, got 1024",
                error("{\"max_message_bytes\": 1024}"));
        assertEquals("config: voice.idle_timeout_ms: expected an integer 1000-86400000, got 10", error("{\"idle_timeout_ms\": 10}"));
        assertEquals("config: voice.handshake_timeout_ms: expected an integer 100-300000, got 300001",
                error("{\"handshake_timeout_ms\": 300001}"));
        assertEquals("config: voice.max_session_ms: expected an integer 1000-86400000, got 86400001",
                error("{\"max_session_ms\": 86400001}"));
        assertEquals("config: voice: unknown key \"ttl\" (known keys: port, host, public_url, default_policy, policies, voices, "
                + "token_ttl_ms, max_sessions, max_sessions_per_key, max_message_bytes, idle_timeout_ms, handshake_timeout_ms, "
                + "max_session_ms, origins, tls)", error("{\"ttl\": 5}"));
    }

    @Test
    void origins_areStarOrSchemeHostPort_lowerCased() {
        for (String bad : List.of("https://app.example.com/", "https://app.example.com/x", "null", "app.example.com",
                "https://u@app.example.com", "https://app.example.com?x")) {
            assertEquals("config: voice.origins[0]: expected \"*\" or an origin like \"https://app.example.com\" "
                    + "(scheme://host[:port], no path), got \"" + bad + "\"", error("{\"origins\": [\"" + bad + "\"]}"), bad);
        }
        assertEquals(List.of("chrome-extension://abcdef"), parse("{\"origins\": [\"chrome-extension://ABCDEF\"]}").voice().origins());
    }

    // ---- TLS

    @Test
    void tls_loadsTheKeystore_andServesTls13WithItsKey() throws Exception {
        VoiceConfig v = parse("{\"tls\": {\"keystore\": \"voice.p12\", \"password\": \"${KS_PW}\"}}", Map.of("KS_PW", PASSWORD)).voice();
        assertTrue(v.tls());
        assertEquals(keystore, v.tlsKeystore()); // relative to the working directory (the test's base)
        assertEquals(PASSWORD, v.tlsPassword());
        assertFalse(v.toString().contains(PASSWORD), v.toString());
        SSLContext server = v.sslContext();
        assertNotNull(server);

        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            ks.load(in, PASSWORD.toCharArray());
        }
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("voice", ks.getCertificate("voice"));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext client = SSLContext.getInstance("TLS");
        client.init(null, tmf.getTrustManagers(), null);
        try (SSLServerSocket listener = (SSLServerSocket) server.getServerSocketFactory().createServerSocket(0, 1,
                java.net.InetAddress.getLoopbackAddress())) {
            listener.setEnabledProtocols(VoiceTls.PROTOCOLS);
            Thread accept = Thread.ofVirtual().start(() -> {
                try (SSLSocket s = (SSLSocket) listener.accept(); OutputStream out = s.getOutputStream()) {
                    out.write("ok".getBytes(UTF_8));
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket(listener.getInetAddress(), listener.getLocalPort())) {
                s.startHandshake();
                assertEquals("TLSv1.3", s.getSession().getProtocol());
                assertEquals(ks.getCertificate("voice"), s.getSession().getPeerCertificates()[0]);
                assertArrayEquals("ok".getBytes(UTF_8), s.getInputStream().readNBytes(2));
            }
            accept.join();
        }
    }

    @Test
    void tls_keystorePath_homeAndAbsolute() {
        VoiceConfig abs = parse("{\"tls\": {\"keystore\": \"" + keystore + "\", \"password\": \"" + PASSWORD + "\"}}").voice();
        assertEquals(keystore, abs.tlsKeystore());
        String home = System.getProperty("user.home");
        String missing = "~/tollgate-no-such-dir-9f3/voice.p12";
        assertEquals("config: voice.tls.keystore: " + Path.of(home, "tollgate-no-such-dir-9f3/voice.p12") + ": no such file",
                error("{\"tls\": {\"keystore\": \"" + missing + "\", \"password\": \"x\"}}"));
    }

    @Test
    void tls_aWrongPassword_failsNamingThePath_neverThePassword() {
        String msg = error("{\"tls\": {\"keystore\": \"voice.p12\", \"password\": \"wrong-Password-123\"}}");
        assertEquals("config: voice.tls.keystore: " + keystore + ": the password is wrong (or it is not a PKCS#12 keystore)", msg);
        // a malformed reference in the password is refused without quoting any of it
        String malformed = error("{\"tls\": {\"keystore\": \"voice.p12\", \"password\": \"pw-${not a var}-tail\"}}");
        assertEquals("config: voice.tls.password: has a malformed ${...} reference (expected ${NAME} or ${NAME:-default}; "
                + "write \"$${\" for a literal \"${\")", malformed);
        assertEquals("config: voice.tls.password: KS_PW is not set",
                error("{\"tls\": {\"keystore\": \"voice.p12\", \"password\": \"${KS_PW}\"}}"));
        assertEquals("config: voice.tls.password: expected a string", error("{\"tls\": {\"keystore\": \"voice.p12\", \"password\": 123456}}"));
        assertEquals("config: voice.tls.password: required (the keystore's password; write \"${VARIABLE}\" to keep it out of this file)",
                error("{\"tls\": {\"keystore\": \"voice.p12\"}}"));
        assertEquals("config: voice.tls.keystore: required", error("{\"tls\": {\"password\": \"x\"}}"));
        assertEquals("config: voice.tls: unknown key \"key_password\" (known keys: keystore, password)",
                error("{\"tls\": {\"keystore\": \"voice.p12\", \"password\": \"x\", \"key_password\": \"y\"}}"));
    }

    @Test
    void tls_aKeystoreWithoutAKey_orNotAKeystore_isRefused() throws Exception {
        KeyStore empty = KeyStore.getInstance("PKCS12");
        empty.load(null, null);
        Path certOnly = dir.resolve("cert-only.p12");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            ks.load(in, PASSWORD.toCharArray());
        }
        empty.setCertificateEntry("c", ks.getCertificate("voice"));
        try (OutputStream out = Files.newOutputStream(certOnly)) {
            empty.store(out, PASSWORD.toCharArray());
        }
        assertEquals("config: voice.tls.keystore: " + certOnly + ": holds no private key (make one with keytool -genkeypair "
                + "-storetype PKCS12)", error("{\"tls\": {\"keystore\": \"cert-only.p12\", \"password\": \"" + PASSWORD + "\"}}"));
        Path text = Files.writeString(dir.resolve("not-a-keystore.p12"), "hello");
        assertTrue(error("{\"tls\": {\"keystore\": \"not-a-keystore.p12\", \"password\": \"x\"}}")
                .startsWith("config: voice.tls.keystore: " + text + ": is not a readable PKCS#12 keystore"));
        assertEquals("config: voice.tls.keystore: " + dir + ": is a directory, not a keystore file",
                error("{\"tls\": {\"keystore\": \".\", \"password\": \"x\"}}"));
    }
}
