package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.tool.mcp.FakeMcpServer;
import tollgate.tool.mcp.McpDiscovery;

/**
 * {@code mcp_servers} in a running gateway (issue 12): discovered before the port opens, a server
 * that is down does not stop the start, sessions are ended at shutdown.
 */
class McpGatewayTest {
    static final String MCP_TOKEN = "mcp-gw-tok-0123456789";
    @TempDir Path dataDir;

    /** The standard config plus {@code servers} (JSON array) as {@code mcp_servers}. */
    static String config(String servers) {
        String std = GatewayHarness.STANDARD_CONFIG.strip();
        return std.substring(0, std.length() - 1) + ", \"mcp_servers\": " + servers + "}";
    }

    @Test
    void theServersToolsAreThereWhenTheGatewayListens_andTheSessionEndsAtStop() throws Exception {
        try (FakeUpstream upstream = new FakeUpstream();
             FakeMcpServer files = FakeMcpServer.start().token(MCP_TOKEN)
                     .tool("read", "Reads a file", "{\"type\":\"object\"}", FakeMcpServer.echo());
             FakeMcpServer down = FakeMcpServer.start()) {
            down.stop();
            long t0 = System.nanoTime();
            GatewayHarness h = GatewayHarness.builder(upstream.url(), dataDir)
                    .config(config("[{\"name\": \"files\", \"url\": \"${MCP_URL}\", \"token\": \"${MCP_TOKEN}\", \"requires_approval\": true},"
                            + " {\"name\": \"down\", \"url\": \"" + down.url() + "\"}]"))
                    .env("MCP_URL", files.url()).env("MCP_TOKEN", MCP_TOKEN)
                    .start();
            try (h) {
                assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < McpDiscovery.STARTUP_WAIT.toMillis() + 5_000);
                Map<String, McpDiscovery.Status> status = h.gateway.mcp().status();
                assertEquals(new McpDiscovery.Status(true, 1, 1, null), status.get("files"));
                assertEquals("the MCP server 'down' could not be reached: the connection was refused", status.get("down").lastError());
                HttpResponse<String> health = h.get("/healthz");
                assertEquals(200, health.statusCode(), health.body());
                assertEquals("application/json", health.headers().firstValue("content-type").orElse(null));
                assertEquals("{\"status\":\"ok\"}", health.body());
                h.stop(Duration.ZERO);
            }
            assertEquals(List.of("initialize", "notifications/initialized", "tools/list", "DELETE"), files.methods());
            assertEquals("Bearer " + MCP_TOKEN, files.requests().get(3).header("Authorization"));
            assertEquals(List.of(), files.violations());
        }
    }
}
