package tollgate.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code mcp_servers} section: what is read, the defaults, and the settings refused at start-up. */
class McpServerConfigTest {
    static List<McpServerConfig> parse(String servers) {
        String json = "{\"mcp_servers\": " + servers + "}";
        return ConfigLoader.parse(json.getBytes(StandardCharsets.UTF_8), "config", Path.of("/tmp"), Map.of("MCP_TOKEN", "tok-from-env-0123"),
                ConfigLoader.Overrides.NONE, line -> { }).tools().mcpServers();
    }

    static String error(String servers) {
        return assertThrows(ConfigException.class, () -> parse(servers)).getMessage();
    }

    @Test
    void aServer_isRead_withItsApprovalRules_andDefaults() {
        McpServerConfig s = parse("""
                [{"name": "files", "url": "https://mcp.example.com/mcp", "token": "${MCP_TOKEN}", "headers": {"X-Team": "t1"},
                  "requires_approval": true, "tools": {"read": {"requires_approval": false}}, "keys": ["ops"]}]""").get(0);
        assertEquals("tok-from-env-0123", s.token());
        assertEquals(Map.of("X-Team", "t1"), s.headers());
        assertFalse(s.approvalFor("read"));
        assertTrue(s.approvalFor("write"));
        assertTrue(s.allows("ops"));
        assertFalse(s.allows("t"));
        assertEquals(ToolConfig.DEFAULT_TIMEOUT, s.timeout());
        assertEquals(ToolConfig.DEFAULT_MAX_OUTPUT_BYTES, s.maxOutputBytes());
        assertFalse(s.toString().contains("tok-from-env-0123"), s.toString());
        assertFalse(s.toString().contains("t1"), s.toString());

        McpServerConfig plain = parse("[{\"name\": \"git\", \"url\": \"http://127.0.0.1:9/mcp\", \"timeout_ms\": 1500}]").get(0);
        assertFalse(plain.approvalFor("anything"));
        assertTrue(plain.allows("anyone"));
        assertEquals(Duration.ofMillis(1500), plain.timeout());
    }

    @Test
    void headersTheTransportSets_orTheClientRefuses_areRefused_namingThePath() {
        assertEquals("config: mcp_servers[0].headers.Mcp-Session-Id: is set by the gateway itself; remove it",
                error("[{\"name\": \"a\", \"url\": \"http://h/mcp\", \"headers\": {\"Mcp-Session-Id\": \"x\"}}]"));
        assertEquals("config: mcp_servers[0].headers.Host: is set by the gateway itself; remove it",
                error("[{\"name\": \"a\", \"url\": \"http://h/mcp\", \"headers\": {\"Host\": \"x\"}}]"));
        assertEquals("config: mcp_servers[0].headers.Authorization: conflicts with mcp_servers[0].token; set one of them",
                error("[{\"name\": \"a\", \"url\": \"http://h/mcp\", \"token\": \"t\", \"headers\": {\"Authorization\": \"Basic x\"}}]"));
        assertEquals("config: mcp_servers[0].headers.bad name: expected a header name (letters, digits, '-' and the like)",
                error("[{\"name\": \"a\", \"url\": \"http://h/mcp\", \"headers\": {\"bad name\": \"x\"}}]"));
        String control = error("[{\"name\": \"a\", \"url\": \"http://h/mcp\", \"headers\": {\"X-Key\": \"secret-value\\r\\nX: y\"}}]");
        assertEquals("config: mcp_servers[0].headers.X-Key: has a control character in its value", control);
    }

    @Test
    void anAuthorizationHeaderAlone_isAllowed() {
        assertEquals(Map.of("Authorization", "Basic dXNlcjpwYXNz"),
                parse("[{\"name\": \"a\", \"url\": \"http://h/mcp\", \"headers\": {\"Authorization\": \"Basic dXNlcjpwYXNz\"}}]").get(0).headers());
    }

    @Test
    void badNamesAndUrls_areRefused() {
        assertEquals("config: mcp_servers[0].name: expected 1-32 letters, digits, '_' or '-', got \"a.b\"",
                error("[{\"name\": \"a.b\", \"url\": \"http://h/mcp\"}]"));
        assertEquals("config: mcp_servers[1].name: duplicate MCP server name \"a\"",
                error("[{\"name\": \"a\", \"url\": \"http://h/mcp\"}, {\"name\": \"a\", \"url\": \"http://h/mcp\"}]"));
        assertEquals("config: mcp_servers[0].url: expected an http:// or https:// URL, got \"stdio:server\"",
                error("[{\"name\": \"a\", \"url\": \"stdio:server\"}]"));
    }
}
