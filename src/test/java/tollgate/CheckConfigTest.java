package tollgate;

import static tollgate.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.config.EffectiveConfig;
import tollgate.json.Json;
import tollgate.log.Log;

/** {@code tollgate check-config}: the effective config on stdout with every secret masked, or every problem; 0 or 1. */
class CheckConfigTest {
    @TempDir Path dir;

    static final String PROVIDER_KEY = "sk-provider-literal-0123456789";
    static final String ENV_PROVIDER_KEY = "sk-provider-from-env-abcdef987";
    static final String UPSTREAM_HEADER = "Bearer upstream-header-secret-42";
    static final String CLIENT_KEY = "sk-client-key-0123456789abcdef";
    static final String ADMIN_TOKEN = "admin-token-0123456789abcdef";
    static final String MCP_TOKEN = "mcp-token-0123456789abcdef";
    static final String MCP_HEADER = "mcp-header-secret-0123456789";
    static final String TOOL_HEADER = "tool-header-secret-0123456789";
    static final String WEBHOOK_SECRET = "webhook-secret-0123456789abc";

    static final String CONFIG = """
            {
              // every kind of secret a config holds
              "keys": [{"name": "client", "key": "%s"}],
              "accounts": {"admin_token": "%s"},
              "providers": {
                "up": {"kind": "openai", "base_url": "https://api.example.com/v1", "api_key": "%s",
                       "headers": {"X-Org": "%s"}},
                "env": {"kind": "anthropic", "base_url": "https://api.example.org/v1", "api_key": "${ENV_PROVIDER_KEY}"},
                "echo": {"kind": "echo"}
              },
              "models": [{"id": "m", "provider": "echo"}],
              "tools": [{"name": "hook", "type": "http", "url": "https://hooks.example.com/x",
                         "headers": {"Authorization": "%s"}}],
              "mcp_servers": [{"name": "files", "url": "http://127.0.0.1:9/mcp", "token": "%s"},
                              {"name": "other", "url": "http://127.0.0.1:9/mcp", "headers": {"X-Api-Key": "%s"}}],
              "agent": {"webhook_secret": "%s"},
              "voice": {"port": 0}
            }
            """.formatted(CLIENT_KEY, ADMIN_TOKEN, PROVIDER_KEY, UPSTREAM_HEADER, TOOL_HEADER, MCP_TOKEN, MCP_HEADER, WEBHOOK_SECRET);

    @AfterEach
    void resetLog() { Log.configure(Log.Level.INFO, Log.Format.JSON); }

    @Test
    void validConfig_exit0_printsItAsJson_withEverySecretMasked() throws Exception {
        Path file = dir.resolve("t.json");
        Files.writeString(file, CONFIG);
        CliTest.Result r = run(Map.of("ENV_PROVIDER_KEY", ENV_PROVIDER_KEY), "check-config", "--config=" + file, "--port", "9123");
        assertEquals(Main.Exit.OK, r.exit(), r.err());
        for (String secret : List.of(PROVIDER_KEY, ENV_PROVIDER_KEY, UPSTREAM_HEADER, CLIENT_KEY, ADMIN_TOKEN, MCP_TOKEN, MCP_HEADER,
                TOOL_HEADER, WEBHOOK_SECRET, "upstream-header-secret")) {
            assertFalse(r.out().contains(secret), () -> "stdout shows " + secret + ":\n" + r.out());
            assertFalse(r.err().contains(secret), () -> "stderr shows " + secret + ":\n" + r.err());
        }
        Map<String, Object> doc = Json.asObject(Json.parse(r.out()));
        assertEquals(file.toAbsolutePath().toString(), doc.get("file"));
        Map<String, Object> server = Json.asObject(doc.get("server"));
        assertEquals("9123", server.get("port").toString()); // the override applied
        Map<String, Object> up = Json.asObject(Json.asObject(doc.get("providers")).get("up"));
        assertEquals(EffectiveConfig.MASK, up.get("api_key"));
        assertEquals(Map.of("X-Org", EffectiveConfig.MASK), up.get("headers"));
        assertEquals("https://api.example.com/v1", up.get("base_url"));
        assertEquals(EffectiveConfig.MASK, Json.asObject(Json.asObject(doc.get("providers")).get("env")).get("api_key"));
        assertTrue(r.out().contains("\"drain_ms\": 10000"), "durations in milliseconds, indented output");
        assertTrue(r.out().startsWith("{\n  \"file\": "), r.out());
        assertEquals("", r.err());
    }

    @Test
    void issue13sSections_standWhereTheFileHasThem_underItsKeys() throws Exception {
        Path file = dir.resolve("ops.json");
        Files.writeString(file, """
                {
                  "server": {"cors": {"allow_origins": ["https://app.example"], "max_age_s": 120}},
                  "providers": {"echo": {"kind": "echo"}},
                  "models": [{"id": "m", "provider": "echo"}],
                  "metrics": {"listen": "127.0.0.1:9464"},
                  "telemetry": {"otlp_endpoint": "http://127.0.0.1:4318/v1/traces", "headers": {"X-Scope-OrgID": "tenant-secret-77"},
                                "sample_ratio": 0.5},
                  "voice": {"port": 0}
                }
                """);
        CliTest.Result r = run(Map.of(), "check-config", "--config", file.toString());
        assertEquals(Main.Exit.OK, r.exit(), r.err());
        Map<String, Object> doc = Json.asObject(Json.parse(r.out()));
        assertFalse(doc.containsKey("ops"), r.out());
        assertEquals("{\"enabled\":true,\"listen\":\"127.0.0.1:9464\"}", Json.toString(doc.get("metrics")));
        assertEquals("{\"otlp_endpoint\":\"http://127.0.0.1:4318/v1/traces\",\"headers\":{\"X-Scope-OrgID\":\"" + EffectiveConfig.MASK
                + "\"},\"service_name\":\"tollgate\",\"sample_ratio\":0.5,\"max_queue\":2048,\"export_interval_ms\":5000}",
                Json.toString(doc.get("telemetry")));
        Map<String, Object> server = Json.asObject(doc.get("server"));
        assertEquals("{\"allow_origins\":[\"https://app.example\"],\"allow_headers\":[],\"allow_credentials\":false,\"max_age_s\":120}",
                Json.toString(server.get("cors")));
        assertEquals("{\"keystore\":null,\"password\":null,\"alias\":null}", Json.toString(server.get("tls")));
    }

    @Test
    void secretsInUrls_andTelemetryHeaders_areMaskedToo() throws Exception {
        // Credentials people put in a URL: user info, and query parameters (a SearXNG or webhook key).
        Path file = dir.resolve("u.json");
        Files.writeString(file, """
                {
                  "providers": {"echo": {"kind": "echo"}},
                  "models": [{"id": "m", "provider": "echo"}],
                  "tools": [{"name": "t", "type": "http", "url": "https://bob:tool-userinfo-secret-1@tools.example/x"},
                            {"name": "s", "type": "web_search", "url": "http://127.0.0.1:8888/?format=json&apikey=searx-query-secret-2"}],
                  "mcp_servers": [{"name": "f", "url": "http://u:mcp-userinfo-secret-3@127.0.0.1:9/mcp"}],
                  "agent": {"webhook_allow": ["https://u:webhook-userinfo-secret-4@hooks.example/"]},
                  "telemetry": {"otlp_endpoint": "http://127.0.0.1:4318/v1/traces",
                                "headers": {"X-Scope-OrgID": "telemetry-header-secret-5"}},
                  "voice": {"port": 0}
                }
                """);
        CliTest.Result r = run(Map.of(), "check-config", "--config", file.toString());
        assertEquals(Main.Exit.OK, r.exit(), r.err());
        for (int i = 1; i <= 5; i++) {
            String secret = "secret-" + i;
            assertFalse(r.out().contains(secret), () -> "stdout shows " + secret + ":\n" + r.out());
            assertFalse(r.err().contains(secret), () -> "stderr shows " + secret + ":\n" + r.err());
        }
        assertTrue(r.out().contains("\"https://" + EffectiveConfig.MASK + "@tools.example/x\""), r.out());
        assertTrue(r.out().contains("\"http://127.0.0.1:8888/?format=" + EffectiveConfig.MASK + "&apikey=" + EffectiveConfig.MASK + "\""),
                r.out());
        assertTrue(r.out().contains("\"http://127.0.0.1:4318/v1/traces\""), "a URL without credentials is shown as is");
    }

    @Test
    void invalidConfig_exit1_everyProblemOnStderr_nothingOnStdout() throws Exception {
        Path file = dir.resolve("bad.json");
        Files.writeString(file, """
                {
                  "keys": [{"name": "a", "key": "short"}],
                  "providers": {"echo": {"kind": "echo", "timeout_ms": -1}},
                  "router": {"retries": "many"}
                }
                """);
        CliTest.Result r = run(Map.of("TOLLGATE_CONFIG", file.toString()), "check-config");
        assertEquals(new CliTest.Result(Main.Exit.CMDERR, "", "tollgate: " + file + ": 3 problems:\n"
                + file + ":2: keys[0].key: too short for an API key (5 characters, at least 16 required)\n"
                + file + ":3: providers.echo.timeout_ms: expected an integer 1-86400000, got -1\n"
                + file + ":4: router.retries: expected an integer 0-10, got \"many\"\n"), r);
    }

    @Test
    void errorsNeverQuoteASecret_evenAMalformedOne() throws Exception {
        // A literal "${" in a key is a malformed reference: the error names the setting, not the value.
        Path file = dir.resolve("s.json");
        Files.writeString(file, """
                {
                  "keys": [{"name": "a", "key": "client-key-secret-1${"}],
                  "accounts": {"admin_token": "admin-token-secret-2${"},
                  "providers": {
                    "p": {"kind": "openai", "base_url": "https://h.example/v1", "api_key": "provider-key-secret-3${"},
                    "q": {"kind": "openai", "base_url": "https://h.example/v1", "api_key": "k",
                          "headers": {"X-Key": "header-secret-4${"}},
                    "r": {"kind": "openai", "base_url": "https://h.example/v1?key=url-query-secret-5", "api_key": "k"}
                  }
                }
                """);
        CliTest.Result r = run(Map.of(), "check-config", "--config", file.toString());
        assertEquals(Main.Exit.CMDERR, r.exit());
        assertEquals("", r.out());
        for (String path : List.of("keys[0].key", "accounts.admin_token", "providers.p.api_key", "providers.q.headers.X-Key",
                "providers.r.base_url")) {
            assertTrue(r.err().contains(path + ": "), () -> path + " not named in:\n" + r.err());
        }
        for (int i = 1; i <= 5; i++) {
            String secret = "secret-" + i;
            assertFalse(r.err().contains(secret), () -> "stderr shows " + secret + ":\n" + r.err());
        }
    }

    @Test
    void notesGoToStderr_soThatStdoutIsTheJsonAlone() throws Exception {
        Path file = dir.resolve("n.json");
        Files.writeString(file, "{\"keys\": [], \"providers\": {\"o\": {\"kind\": \"openai\", \"base_url\": \"https://x.example/v1\","
                + " \"api_key\": \"${NOT_SET_KEY}\"}}}");
        CliTest.Result r = run(Map.of(), "--config", file.toString(), "check-config");
        assertEquals(Main.Exit.OK, r.exit(), r.err());
        assertEquals("tollgate check-config: note: {\"level\":\"info\",\"event\":\"providers_disabled\","
                + "\"providers\":[\"o (NOT_SET_KEY is not set)\"]}\n", r.err());
        assertTrue(Json.parse(r.out()) instanceof Map<?, ?>);
    }

    @Test
    void helpAndBadOptions() {
        assertEquals(new CliTest.Result(Main.Exit.OK, CheckConfig.USAGE, ""), run(Map.of(), "check-config", "--help"));
        assertEquals(new CliTest.Result(Main.Exit.CMDERR, "", CheckConfig.PREFIX + "unknown option '--frob'\n" + Main.HELP_HINT + "\n"),
                run(Map.of(), "check-config", "--frob"));
    }
}
