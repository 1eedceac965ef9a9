package tollgate.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.tool.mcp.FakeMcpServer;
import tollgate.tool.mcp.McpDiscovery;

/**
 * MCP servers on a config reload (issue 13): the same {@code mcp_servers} are asked for their
 * tools again by the discovery that runs; a changed list gets a discovery of its own and the old
 * one's sessions end.
 */
class ReloadMcpTest {
    @TempDir Path dir;

    private static String config(String servers) {
        return McpGatewayTest.config(servers).replace("\"server\": {\"access_log\": false}",
                "\"server\": {\"access_log\": false}, \"accounts\": {\"admin_token\": \"" + ReloadGatewayTest.ADMIN_TOKEN + "\"}");
    }

    /** Waits (up to 10 s) until {@code server} has been sent {@code n} {@code tools/list}; fails otherwise. */
    private static void awaitListings(FakeMcpServer server, int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (server.methods().stream().filter("tools/list"::equals).count() < n) {
            if (System.nanoTime() > deadline) throw new AssertionError("tools/list not sent " + n + " times: " + server.methods());
            Thread.sleep(20);
        }
    }

    @Test
    void sameServersAreRediscovered_aChangedListGetsANewDiscoveryAndTheOldSessionsEnd() throws Exception {
        String files = "{\"name\": \"files\", \"url\": \"${MCP_URL}\"}";
        try (FakeUpstream upstream = new FakeUpstream();
             FakeMcpServer server = FakeMcpServer.start().tool("read", "Reads a file", "{\"type\":\"object\"}", FakeMcpServer.echo());
             FakeMcpServer other = FakeMcpServer.start().tool("write", "Writes a file", "{\"type\":\"object\"}", FakeMcpServer.echo());
             GatewayHarness gw = GatewayHarness.builder(upstream.url(), dir.resolve("data")).config(config("[" + files + "]"))
                     .env("MCP_URL", server.url()).env("OTHER_URL", other.url()).startReloadable(dir.resolve("gateway.json"))) {
            McpDiscovery first = gw.gateway.mcp();
            assertEquals(new McpDiscovery.Status(true, 1, 1, null), first.status().get("files"));

            Map<String, Object> same = gw.gateway.reload();
            assertEquals(List.of(), same.get("restart_needed"));
            assertSame(first, gw.gateway.mcp());
            awaitListings(server, 2);
            assertEquals(List.of("initialize", "notifications/initialized", "tools/list", "tools/list"), server.methods());

            Files.writeString(dir.resolve("gateway.json"),
                    config("[" + files + ", {\"name\": \"more\", \"url\": \"${OTHER_URL}\"}]"), UTF_8);
            gw.gateway.reload();
            McpDiscovery second = gw.gateway.mcp();
            assertNotSame(first, second);
            assertEquals(new McpDiscovery.Status(true, 1, 1, null), second.status().get("files"));
            assertEquals(new McpDiscovery.Status(true, 1, 1, null), second.status().get("more"));
            // The old discovery's session ended (DELETE), the new one's began (in either order should
            // the new discovery outlast its start-up wait).
            List<String> methods = server.methods();
            assertEquals(List.of("initialize", "notifications/initialized", "tools/list", "tools/list"), methods.subList(0, 4), methods.toString());
            assertEquals(List.of("DELETE", "initialize", "notifications/initialized", "tools/list"),
                    methods.subList(4, methods.size()).stream().sorted().toList(), methods.toString());
        }
    }
}
