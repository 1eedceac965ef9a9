package tollgate.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.config.ConfigLoader.Overrides;

/** The {@code conf/tollgate.json} shipped with the repository loads, whatever the environment. */
class DefaultConfigFileTest {
    private static final Path FILE = Path.of("conf/tollgate.json");

    private static GatewayConfig load(Map<String, String> env, List<String> log) throws Exception {
        return ConfigLoader.parse(Files.readAllBytes(FILE), FILE.toString(), Path.of("/work"), env,
                Overrides.NONE, log::add);
    }

    @Test
    void withEmptyEnvironment_onlyEchoIsEnabled() throws Exception {
        List<String> log = new ArrayList<>();
        GatewayConfig c = load(Map.of(), log);
        assertEquals(List.of("openai", "anthropic", "mistral", "deepgram", "ollama", "echo"),
                List.copyOf(c.providers().keySet()));
        Map<String, String> expected = Map.of("openai", "OPENAI_API_KEY", "anthropic", "ANTHROPIC_API_KEY",
                "mistral", "MISTRAL_API_KEY", "deepgram", "DEEPGRAM_API_KEY", "ollama", "OLLAMA_URL");
        expected.forEach((id, variable) -> {
            ProviderConfig p = c.providers().get(id);
            assertFalse(p.enabled(), id);
            assertEquals(variable + " is not set", p.disabledReason(), id);
        });
        assertTrue(c.providers().get("echo").enabled());
        assertEquals(List.of(), c.keys());
        assertEquals(3, log.size(), log::toString); // env key skipped + one line for the five providers disabled + admin API off
        assertTrue(log.get(0).contains("\"event\":\"key_skipped\""), log.get(0));
        assertEquals("{\"level\":\"info\",\"event\":\"providers_disabled\",\"providers\":[\"openai (OPENAI_API_KEY is not set)\","
                + "\"anthropic (ANTHROPIC_API_KEY is not set)\",\"mistral (MISTRAL_API_KEY is not set)\","
                + "\"deepgram (DEEPGRAM_API_KEY is not set)\",\"ollama (OLLAMA_URL is not set)\"]}", log.get(1));
        assertEquals("{\"level\":\"info\",\"event\":\"admin_api_off\",\"field\":\"accounts.admin_token\","
                + "\"reason\":\"TOLLGATE_ADMIN_TOKEN is not set\"}", log.get(2));
        assertEquals(1000, c.accounts().creditsPerUsd());
        assertEquals(null, c.accounts().adminTokenSha256());
        assertEquals(ServerConfig.defaults(), c.server());
        assertEquals(Path.of(System.getProperty("user.home"), ".local/share/tollgate"), c.dataDir());
    }

    @Test
    void withOpenAiKey_openaiIsEnabled() throws Exception {
        GatewayConfig c = load(Map.of("OPENAI_API_KEY", "sk-test", "TOLLGATE_API_KEY", "0123456789abcdef0123"),
                new ArrayList<>());
        ProviderConfig openai = c.providers().get("openai");
        assertTrue(openai.enabled());
        assertEquals("sk-test", openai.apiKey());
        assertEquals(URI.create("https://api.openai.com/v1"), openai.baseUrl());
        assertFalse(c.providers().get("anthropic").enabled());
        assertEquals(List.of("env"), c.keys().stream().map(KeyConfig::name).toList());
    }

    @Test
    void models_coverEveryChatProviderWithPrices() throws Exception {
        GatewayConfig c = load(Map.of(), new ArrayList<>());
        List<String> ids = c.models().stream().map(ModelConfig::id).toList();
        assertTrue(ids.containsAll(List.of("gpt-4o-mini", "gpt-4o", "claude-sonnet-4-5", "claude-haiku-4-5",
                "mistral-large-latest", "mistral-small-latest", "llama3.2", "echo")), ids::toString);
        for (ModelConfig m : c.models()) {
            if (m.capabilities().contains("stt") || m.capabilities().contains("realtime")) {
                assertTrue(m.audioMinutePrice() != null, m.id());
                continue;
            }
            if (m.capabilities().contains("tts")) {
                assertTrue(m.characterPrice() != null, m.id());
                continue;
            }
            if (m.capabilities().contains("images")) {
                assertTrue(m.imagePrice() != null, m.id());
                continue;
            }
            if (m.capabilities().contains("embeddings")) { // priced per input token only
                assertTrue(m.promptPrice() != null, m.id());
                continue;
            }
            assertTrue(m.contextLength() > 0, m.id());
            assertTrue(m.promptPrice() != null && m.completionPrice() != null, m.id());
        }
        ModelConfig echo = c.models().stream().filter(m -> m.id().equals("echo")).findFirst().orElseThrow();
        assertEquals("echo", echo.provider());
        assertEquals("echo", echo.upstreamModel());
        assertEquals("0", echo.promptPrice());
    }

    /** The voice section as shipped: seed 000's policies, each with the echo fallback, and every other key at its default. */
    @Test
    void voice_seedPolicies_restAtDefaults() throws Exception {
        GatewayConfig c = load(Map.of(), new ArrayList<>());
        VoiceConfig v = c.voice();
        assertEquals(Map.of("premium", List.of("gpt-realtime", "echo-realtime"),
                "balanced", List.of("gpt-realtime-mini", "echo-realtime"),
                "frugal", List.of("gpt-4o-mini-realtime-preview", "echo-realtime")), v.policies());
        VoiceConfig d = VoiceConfig.defaults(List.of());
        assertEquals(new VoiceConfig(d.port(), d.host(), d.publicUrl(), d.defaultPolicy(), v.policies(), d.voices(), d.tokenTtl(),
                d.maxSessions(), d.maxSessionsPerKey(), d.maxMessageBytes(), d.idleTimeout(), d.handshakeTimeout(), d.maxSession(),
                d.origins(), null, null), v);
        Map<String, String> prices = new java.util.LinkedHashMap<>();
        for (ModelConfig m : c.models()) if (m.capabilities().contains("realtime")) prices.put(m.id(), m.audioMinutePrice());
        assertEquals(Map.of("gpt-realtime", "0.15", "gpt-realtime-mini", "0.04", "gpt-4o-mini-realtime-preview", "0.01",
                "echo-realtime", "0"), prices);
    }

    /** As shipped: the agent section holds the defaults, and no tool or MCP server is offered. */
    @Test
    void tools_noneOffered_agentAtDefaults() throws Exception {
        assertEquals(ToolsConfig.DEFAULTS, load(Map.of(), new ArrayList<>()).tools());
    }

    /**
     * The commented examples of {@code tools} and {@code mcp_servers} load once uncommented: a
     * comment line in those arrays whose text starts with '{' or a space is part of an example.
     */
    @Test
    void toolExamples_loadWhenUncommented() throws Exception {
        StringBuilder text = new StringBuilder();
        boolean inExamples = false;
        int uncommented = 0;
        for (String line : Files.readString(FILE).split("\n", -1)) {
            if (line.equals("  \"tools\": [") || line.equals("  \"mcp_servers\": [")) inExamples = true;
            else if (line.startsWith("  ]")) inExamples = false;
            if (inExamples && line.matches(" *// [{ ].*")) {
                line = line.replaceFirst("// ", "");
                uncommented++;
            }
            text.append(line).append('\n');
        }
        assertTrue(uncommented > 10, "examples found: " + uncommented);
        GatewayConfig c = ConfigLoader.parse(text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8), FILE.toString(),
                Path.of("/work"), Map.of("LOOKUP_TOKEN", "lookup-token-0123", "FILES_MCP_TOKEN", "files-token-0123"), Overrides.NONE,
                line -> { });
        List<ToolConfig> tools = c.tools().tools();
        assertEquals(List.of("lookup", "refund", "web_search", "image_generation", "python"), tools.stream().map(ToolConfig::name).toList());
        assertEquals(List.of("http", "http", "web_search", "image_generation", "python"), tools.stream().map(ToolConfig::type).toList());
        assertEquals(List.of(false, true, false, false, true), tools.stream().map(ToolConfig::requiresApproval).toList());
        assertEquals("Bearer lookup-token-0123", tools.get(0).headers().get("Authorization"));
        assertEquals(List.of("support-bot"), tools.get(1).keys());
        assertTrue(tools.get(4).enabled() && tools.get(4).denyNetwork());
        McpServerConfig files = c.tools().mcpServers().get(0);
        assertEquals("files-token-0123", files.token());
        assertTrue(files.approvalFor("delete_file"));
        assertFalse(files.approvalFor("read_file"));
    }

    @Test
    void loadsThroughPublicEntryPoint() {
        GatewayConfig c = ConfigLoader.load(FILE, Map.of("OLLAMA_URL", "http://127.0.0.1:11434/v1/"), Overrides.NONE);
        assertTrue(c.providers().get("ollama").enabled());
        assertEquals(URI.create("http://127.0.0.1:11434/v1"), c.providers().get("ollama").baseUrl());
    }
}
