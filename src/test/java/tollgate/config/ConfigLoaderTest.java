package tollgate.config;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.config.ConfigLoader.Overrides;

class ConfigLoaderTest {
    static final Path BASE = Path.of("/srv/tollgate");
    static final Path HOME = Path.of(System.getProperty("user.home"));

    record Loaded(GatewayConfig config, List<String> log) {}

    static Loaded load(String json, Map<String, String> env, Overrides o) {
        List<String> log = new ArrayList<>();
        GatewayConfig c = ConfigLoader.parse(json.getBytes(UTF_8), "config", BASE, env, o, log::add);
        return new Loaded(c, log);
    }

    static GatewayConfig parse(String json) { return load(json, Map.of(), Overrides.NONE).config(); }

    static GatewayConfig parse(String json, Map<String, String> env) { return load(json, env, Overrides.NONE).config(); }

    // ---- defaults and format

    @Test
    void emptyConfig_givesDocumentedDefaults() {
        GatewayConfig c = parse("{}");
        ServerConfig s = c.server();
        assertEquals("127.0.0.1", s.host());
        assertEquals(8080, s.port());
        assertEquals(33554432L, s.maxBodyBytes());
        assertEquals(Duration.ofMillis(10000), s.drain());
        assertEquals(Duration.ofMillis(15000), s.heartbeat());
        assertEquals(Duration.ofMillis(5000), s.connectTimeout());
        assertEquals("tollgate", s.extensionField());
        assertTrue(s.accessLog());
        assertEquals(ServerConfig.defaults(), s);
        assertEquals(HOME.resolve(".local/share/tollgate"), c.dataDir());
        assertEquals(List.of(), c.keys());
        assertEquals(Map.of(), c.providers());
        assertEquals(List.of(), c.models());
    }

    @Test
    void comments_areAllowedAnywhere() {
        GatewayConfig c = parse("""
                // leading comment
                { /* block */ "server": { "port": 9000 // trailing
                  /* "host": "ignored" */ } }
                """);
        assertEquals(9000, c.server().port());
        assertEquals("127.0.0.1", c.server().host());
    }

    @Test
    void serverFields_areRead() {
        GatewayConfig c = parse("""
                {"server": {"host": "0.0.0.0", "port": 0, "max_body_bytes": 1024, "drain_ms": 0,
                  "heartbeat_ms": 250, "connect_timeout_ms": 1500, "extension_field": "kitemesh",
                  "access_log": false}}""");
        assertEquals(new ServerConfig("0.0.0.0", 0, 1024, Duration.ZERO, Duration.ofMillis(250),
                Duration.ofMillis(1500), "kitemesh", false, tollgate.config.ServerLimits.defaults()), c.server());
    }

    @Test
    void integersAndBooleans_mayBeStringsWithSubstitution() {
        String json = """
                {"server": {"port": "${PORT:-8081}", "drain_ms": "2500", "access_log": "${LOG:-false}"}}""";
        GatewayConfig unset = parse(json);
        assertEquals(8081, unset.server().port());
        assertEquals(Duration.ofMillis(2500), unset.server().drain());
        assertFalse(unset.server().accessLog());
        GatewayConfig set = parse(json, Map.of("PORT", "9191", "LOG", "true"));
        assertEquals(9191, set.server().port());
        assertTrue(set.server().accessLog());
    }

    @Test
    void substitution_appliesToEveryStringValue() {
        GatewayConfig c = parse("""
                {"server": {"host": "${HOST}", "extension_field": "${EXT:-x}_${SUFFIX}"},
                 "data_dir": "$${literal}/${SUB}"}""",
                Map.of("HOST", "10.0.0.1", "SUFFIX", "ext", "SUB", "d"));
        assertEquals("10.0.0.1", c.server().host());
        assertEquals("x_ext", c.server().extensionField());
        assertEquals(BASE.resolve("${literal}/d"), c.dataDir());
    }

    // ---- keys

    @Test
    void plainKey_isKeptOnlyAsItsSha256() throws Exception {
        GatewayConfig c = parse("""
                {"keys": [{"name": "env", "key": "${TOLLGATE_API_KEY}"}]}""",
                Map.of("TOLLGATE_API_KEY", "tg-test-key-0123456789"));
        KeyConfig k = c.keys().get(0);
        assertEquals("env", k.name());
        assertArrayEquals(HexFormat.of().parseHex("91edf2638a10d65eafa1da1b9bb79a9028ec9e7d2ac607709fcd58140e5a566c"),
                k.sha256());
        assertArrayEquals(MessageDigest.getInstance("SHA-256").digest("tg-test-key-0123456789".getBytes(UTF_8)),
                k.sha256());
        assertFalse(k.toString().contains("tg-test-key"));
    }

    @Test
    void sha256Key_isDecodedFromHexInEitherCase() {
        GatewayConfig c = parse("""
                {"keys": [{"name": "ci", "sha256": "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"}]}""");
        assertArrayEquals(HexFormat.of().parseHex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
                c.keys().get(0).sha256());
    }

    @Test
    void keyFromUnsetVariable_isSkippedWithOneLogLine() {
        Loaded l = load("""
                {"keys": [{"name": "env", "key": "${TOLLGATE_API_KEY}"},
                          {"name": "ci", "sha256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}]}""",
                Map.of(), Overrides.NONE);
        assertEquals(List.of("ci"), l.config().keys().stream().map(KeyConfig::name).toList());
        assertEquals(List.of("{\"level\":\"info\",\"event\":\"key_skipped\",\"name\":\"env\","
                + "\"reason\":\"TOLLGATE_API_KEY is not set\"}"), l.log());
    }

    // ---- providers

    @Test
    void providerWithKey_isEnabledAndBaseUrlLosesTrailingSlash() {
        GatewayConfig c = parse("""
                {"providers": {"openai": {"kind": "openai", "base_url": "https://api.openai.com/v1/",
                  "api_key": "${OPENAI_API_KEY}", "headers": {"X-Extra": "v", "X-Org": "${ORG:-}"},
                  "timeout_ms": 30000}}}""", Map.of("OPENAI_API_KEY", "sk-test"));
        ProviderConfig p = c.providers().get("openai");
        assertEquals("openai", p.id());
        assertEquals("openai", p.kind());
        assertEquals(URI.create("https://api.openai.com/v1"), p.baseUrl());
        assertEquals("sk-test", p.apiKey());
        assertEquals(Map.of("X-Extra", "v"), p.headers());
        assertEquals(Duration.ofMillis(30000), p.timeout());
        assertEquals(Duration.ofMillis(60000), p.idleTimeout());
        assertTrue(p.enabled());
        assertNull(p.disabledReason());
        assertFalse(p.toString().contains("sk-test"));
    }

    @Test
    void providerWithUnsetApiKey_isDisabledWithReasonAndOneLogLine() {
        // One line for all disabled providers (issue 13): {"event":"providers_disabled","providers":["id (reason)", ...]}
        Loaded l = load("""
                {"keys": [], "providers": {"openai": {"kind": "openai", "base_url": "https://api.openai.com/v1",
                  "api_key": "${OPENAI_API_KEY}"}}}""", Map.of("OPENAI_API_KEY", ""), Overrides.NONE);
        ProviderConfig p = l.config().providers().get("openai");
        assertFalse(p.enabled());
        assertEquals("OPENAI_API_KEY is not set", p.disabledReason());
        assertNull(p.apiKey());
        assertEquals(List.of("{\"level\":\"info\",\"event\":\"providers_disabled\","
                + "\"providers\":[\"openai (OPENAI_API_KEY is not set)\"]}"), l.log());
    }

    @Test
    void providerWithUnsetBaseUrl_isDisabledNamingTheVariable() {
        String json = """
                {"providers": {"ollama": {"kind": "openai", "base_url": "${OLLAMA_URL}"}}}""";
        ProviderConfig off = parse(json).providers().get("ollama");
        assertFalse(off.enabled());
        assertNull(off.baseUrl());
        assertEquals("OLLAMA_URL is not set", off.disabledReason());
        ProviderConfig on = parse(json, Map.of("OLLAMA_URL", "http://127.0.0.1:11434/v1")).providers().get("ollama");
        assertTrue(on.enabled());
        assertEquals(URI.create("http://127.0.0.1:11434/v1"), on.baseUrl());
        assertNull(on.apiKey());
    }

    @Test
    void providerWithUnsetHeaderVariable_isDisabled() {
        ProviderConfig p = parse("""
                {"providers": {"x": {"kind": "openai", "base_url": "http://h", "headers": {"X-Org": "${ORG}"}}}}""")
                .providers().get("x");
        assertFalse(p.enabled());
        assertEquals("ORG is not set", p.disabledReason());
    }

    @Test
    void providers_keepConfigOrder_andEchoNeedsNoUrl() {
        GatewayConfig c = parse("""
                {"providers": {"zeta": {"kind": "echo"}, "alpha": {"kind": "deepgram",
                  "base_url": "https://api.deepgram.com/v1"}, "mid": {"kind": "echo"}}}""");
        assertEquals(List.of("zeta", "alpha", "mid"), List.copyOf(c.providers().keySet()));
        ProviderConfig echo = c.providers().get("zeta");
        assertTrue(echo.enabled());
        assertNull(echo.baseUrl());
        assertNull(echo.apiKey());
        assertEquals(Duration.ofMillis(60000), echo.timeout());
    }

    // ---- models

    @Test
    void model_defaultsUpstreamNameCapabilitiesAndCreated() {
        ModelConfig m = parse("""
                {"providers": {"echo": {"kind": "echo"}}, "models": [{"id": "m1", "provider": "echo"}]}""")
                .models().get(0);
        assertEquals(new ModelConfig("m1", "echo", "m1", "m1", 0, null, null,
                ModelConfig.DEFAULT_CAPABILITIES, 0, 0, java.util.Map.of()), m);
        assertEquals(List.of("tools", "json", "stream"), List.copyOf(m.capabilities()));
    }

    @Test
    void model_pricingKeepsDecimalText_fromStringsAndNumbers() {
        ModelConfig m = parse("""
                {"providers": {"p": {"kind": "echo"}}, "models": [{"id": "m", "provider": "p", "upstream": "u",
                  "name": "M", "context_length": "128000", "pricing": {"prompt": "0.000003", "completion": 0.0000150},
                  "capabilities": ["vision", "tools"], "created": 1721172741}]}""").models().get(0);
        assertEquals("u", m.upstreamModel());
        assertEquals("M", m.name());
        assertEquals(128000, m.contextLength());
        assertEquals("0.000003", m.promptPrice());
        assertEquals("0.0000150", m.completionPrice());
        assertEquals(List.of("vision", "tools"), List.copyOf(m.capabilities()));
        assertEquals(1721172741L, m.created());
    }

    @Test
    void modelsOfDisabledProviders_areKept() {
        GatewayConfig c = parse("""
                {"providers": {"openai": {"kind": "openai", "base_url": "https://x", "api_key": "${K}"}},
                 "models": [{"id": "gpt-4o", "provider": "openai"}]}""");
        assertFalse(c.providers().get("openai").enabled());
        assertEquals("gpt-4o", c.models().get(0).id());
    }

    // ---- precedence and data_dir

    @Test
    void environment_overridesFile_andOverridesBeatEnvironment() {
        String json = """
                {"server": {"host": "10.1.1.1", "port": 7000}, "data_dir": "/from/file"}""";
        Map<String, String> env = Map.of("TOLLGATE_HOST", "10.2.2.2", "TOLLGATE_PORT", "7001",
                "TOLLGATE_DATA_DIR", "/from/env");
        GatewayConfig file = parse(json);
        assertEquals("10.1.1.1", file.server().host());
        assertEquals(7000, file.server().port());
        assertEquals(Path.of("/from/file"), file.dataDir());

        GatewayConfig fromEnv = parse(json, env);
        assertEquals("10.2.2.2", fromEnv.server().host());
        assertEquals(7001, fromEnv.server().port());
        assertEquals(Path.of("/from/env"), fromEnv.dataDir());

        GatewayConfig overridden = load(json, env, new Overrides("10.3.3.3", 7002, Path.of("/from/cli"))).config();
        assertEquals("10.3.3.3", overridden.server().host());
        assertEquals(7002, overridden.server().port());
        assertEquals(Path.of("/from/cli"), overridden.dataDir());

        GatewayConfig partial = load(json, env, new Overrides(null, 7003, null)).config();
        assertEquals("10.2.2.2", partial.server().host());
        assertEquals(7003, partial.server().port());
    }

    @Test
    void emptyEnvironmentVariable_doesNotOverride() {
        GatewayConfig c = parse("{\"server\": {\"port\": 7000}}", Map.of("TOLLGATE_PORT", ""));
        assertEquals(7000, c.server().port());
    }

    @Test
    void dataDir_expandsTildeAndResolvesRelativePaths() {
        assertEquals(HOME.resolve("state/tg"), parse("{\"data_dir\": \"~/state/tg\"}").dataDir());
        assertEquals(HOME, parse("{\"data_dir\": \"~\"}").dataDir());
        assertEquals(BASE.resolve("state"), parse("{\"data_dir\": \"./x/../state\"}").dataDir());
        assertEquals(HOME.resolve("env"), parse("{}", Map.of("TOLLGATE_DATA_DIR", "~/env")).dataDir());
        assertEquals(BASE.resolve("cli"), load("{}", Map.of(), new Overrides(null, null, Path.of("cli"))).config().dataDir());
    }

    @Test
    void load_resolvesRelativeDataDirAgainstWorkingDirectory(@org.junit.jupiter.api.io.TempDir Path tmp)
            throws Exception {
        Path file = tmp.resolve("t.json");
        java.nio.file.Files.writeString(file, "{\"data_dir\": \"rel\"}");
        GatewayConfig c = ConfigLoader.load(file, Map.of(), Overrides.NONE);
        assertEquals(Path.of("").toAbsolutePath().resolve("rel"), c.dataDir());
    }
}
