package tollgate.tool.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.tool.mcp.McpTestSupport.TOKEN;
import static tollgate.tool.mcp.McpTestSupport.config;
import static tollgate.tool.mcp.McpTestSupport.timer;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import tollgate.json.Json;

/** The MCP client against {@link FakeMcpServer}: the lifecycle, tools/list's pages, sessions, versions, auth. */
class McpClientTest extends McpServerTestBase {
    private McpClient client() { return new McpClient(config("files", mcp.url(), TOKEN), upstream, "9.9.9"); }

    @ParameterizedTest
    @EnumSource(FakeMcpServer.Mode.class)
    void initialize_initialized_andToolsListOverPages_withTheProtocolsHeaders(FakeMcpServer.Mode mode) throws Exception {
        mcp.mode(mode).chatter(true).pageSize(2);
        for (String n : List.of("read", "write", "stat", "list", "move")) mcp.tool(n, "does " + n, "{\"type\":\"object\"}", FakeMcpServer.echo());

        McpClient.Listing listing;
        try (CallTimer t = timer(T)) {
            listing = client().listTools(t);
        }

        assertEquals(List.of("read", "write", "stat", "list", "move"), listing.tools().stream().map(McpClient.ToolSpec::name).toList());
        assertEquals("does stat", listing.tools().get(2).description());
        assertEquals(List.of(), listing.skipped());
        assertFalse(listing.truncated());
        assertEquals(List.of("initialize", "notifications/initialized", "tools/list", "tools/list", "tools/list"),
                mcp.methods().stream().filter(m -> !m.equals("(response)")).toList());
        assertEquals(List.of(), mcp.violations());
        FakeMcpServer.Request init = mcp.requests().get(0);
        assertEquals(Map.of("name", "tollgate", "version", "9.9.9"), init.params().get("clientInfo"));
        assertEquals("2025-06-18", init.params().get("protocolVersion"));
        assertNull(init.header("Mcp-Session-Id"));
        assertNull(init.header("MCP-Protocol-Version"));
        FakeMcpServer.Request page3 = mcp.requests().stream().filter(r -> r.method().equals("tools/list")).toList().get(2);
        assertEquals("page-4", page3.params().get("cursor"));
        assertEquals("2025-06-18", page3.header("MCP-Protocol-Version"));
        assertEquals("Bearer " + TOKEN, page3.header("Authorization"));
        assertEquals("team-secret-header-42", page3.header("X-Team"));
        assertEquals("application/json, text/event-stream", page3.header("Accept"));
        if (mode == FakeMcpServer.Mode.SSE) {
            // Each answer's stream carried a ping of the server's: answered with an empty result.
            assertEquals(4, mcp.responses().size());
            assertEquals(Map.of(), mcp.responses().get(0).get("result"));
            assertEquals("srv-ping-1", mcp.responses().get(0).get("id"));
        }
    }

    @Test
    void anOlderServerVersion_weSpeak_isUsed_andSentBack() throws Exception {
        mcp.protocolVersion("2025-03-26").tool("a", null, null, FakeMcpServer.echo());
        try (CallTimer t = timer(T)) {
            assertEquals(1, client().listTools(t).tools().size());
        }
        assertEquals("2025-03-26", mcp.requests().get(2).header("MCP-Protocol-Version"));
        assertEquals(List.of(), mcp.violations());
    }

    @Test
    void aVersionWeDoNotSpeak_failsClearly() {
        mcp.protocolVersion("2024-11-05");
        McpException e = assertThrows(McpException.class, () -> {
            try (CallTimer t = timer(T)) {
                client().listTools(t);
            }
        });
        assertEquals(McpException.Kind.PROTOCOL, e.kind());
        assertEquals("the MCP server 'files' speaks MCP revision '2024-11-05'; the gateway speaks 2025-06-18 and 2025-03-26", e.getMessage());
    }

    @Test
    void aServerWithoutSessions_isSpokenToWithoutTheHeader() throws Exception {
        mcp.sessions(false).tool("a", null, "{\"type\":\"object\"}", FakeMcpServer.echo());
        McpClient c = client();
        try (CallTimer t = timer(T)) {
            c.listTools(t);
            assertEquals(Map.of("content", List.of(Map.of("type", "text", "text", "{\"x\":1}"))),
                    Json.parse(Json.toString(c.callTool("a", Map.of("x", tollgate.json.JsonNumber.of(1)), t, tollgate.json.JsonMeter.NONE))));
        }
        assertTrue(mcp.requests().stream().allMatch(r -> r.header("Mcp-Session-Id") == null));
        assertEquals(List.of(), mcp.violations());
    }

    @Test
    void anExpiredSession_isOpenedAgainOnce_andTheRequestRetried() throws Exception {
        mcp.tool("a", null, null, FakeMcpServer.echo());
        McpClient c = client();
        try (CallTimer t = timer(T)) {
            c.listTools(t);
            String first = mcp.requests().get(2).header("Mcp-Session-Id");
            mcp.expireSessions();
            c.callTool("a", Map.of(), t, tollgate.json.JsonMeter.NONE);
            List<FakeMcpServer.Request> r = mcp.requests();
            assertEquals(List.of("tools/call", "initialize", "notifications/initialized", "tools/call"),
                    r.subList(3, 7).stream().map(FakeMcpServer.Request::method).toList());
            assertEquals(first, r.get(3).header("Mcp-Session-Id"));
            assertFalse(first.equals(r.get(6).header("Mcp-Session-Id")));
        }
        assertEquals(List.of(), mcp.violations());
    }

    @Test
    void aSessionLostAgainRightAfterReopening_isAnError_notALoop() throws Exception {
        mcp.tool("a", null, null, FakeMcpServer.echo());
        McpClient c = client();
        try (CallTimer t = timer(T)) {
            c.listTools(t);
            mcp.loseSessions(true); // every message carrying a session id is answered 404
            McpException e = assertThrows(McpException.class, () -> c.callTool("a", Map.of(), t, tollgate.json.JsonMeter.NONE));
            assertEquals(McpException.Kind.SESSION_GONE, e.kind());
            assertEquals("the MCP server 'files' no longer knows the session (HTTP 404)", e.getMessage());
        }
        assertEquals(List.of("initialize", "notifications/initialized", "tools/list", "tools/call", "initialize",
                "notifications/initialized"), mcp.methods());
    }

    @Test
    void aWrongToken_isUnauthorized_withoutTheTokenInTheMessage() {
        McpClient c = new McpClient(config("files", mcp.url(), "wrong-token-0123456789"), upstream, "1");
        McpException e = assertThrows(McpException.class, () -> {
            try (CallTimer t = timer(T)) {
                c.listTools(t);
            }
        });
        assertEquals(McpException.Kind.UNAUTHORIZED, e.kind());
        assertEquals("the MCP server 'files' refused the gateway's credentials (HTTP 401); check its token and headers", e.getMessage());
    }

    @Test
    void aServerWithoutTheToolsCapability_hasNoTools_andIsNotAsked() throws Exception {
        mcp.toolsCapability(false).tool("a", null, null, FakeMcpServer.echo());
        try (CallTimer t = timer(T)) {
            assertEquals(List.of(), client().listTools(t).tools());
        }
        assertEquals(List.of("initialize", "notifications/initialized"), mcp.methods());
    }

    @Test
    void badNames_areSkipped_andTheToolCountIsCapped() throws Exception {
        mcp.pageSize(50);
        mcp.tool(Map.of("name", ""), FakeMcpServer.echo());
        mcp.tool(Map.of("name", "x".repeat(McpClient.MAX_TOOL_NAME_CHARS + 1)), FakeMcpServer.echo());
        mcp.tool(Map.of("name", "bad\nname"), FakeMcpServer.echo());
        for (int i = 0; i < McpClient.MAX_TOOLS + 5; i++) mcp.tool("t" + i, null, null, FakeMcpServer.echo());
        McpClient.Listing l;
        try (CallTimer t = timer(T)) {
            l = client().listTools(t);
        }
        assertEquals(McpClient.MAX_TOOLS, l.tools().size());
        assertEquals("t0", l.tools().get(0).name());
        assertTrue(l.truncated());
        assertEquals(3, l.skipped().size());
        assertEquals(3, l.skippedCount());
        assertEquals("", l.skipped().get(0));
        assertEquals(McpClient.MAX_TOOL_NAME_CHARS + 1, l.skipped().get(1).length()); // cut, with an ellipsis
    }

    @Test
    void aListFullOfBadNames_keepsAFewToLog_andCountsTheRest() throws Exception {
        int bad = 20_000; // one page of ~450 KiB; 64 such pages would have been 1.3 M strings kept and logged one by one
        mcp.pageSize(bad + 1);
        for (int i = 0; i < bad; i++) mcp.tool(Map.of("name", "bad\u0007" + i), FakeMcpServer.echo());
        mcp.tool("good", null, null, FakeMcpServer.echo());
        McpClient.Listing l;
        try (CallTimer t = timer(T)) {
            l = client().listTools(t);
        }
        assertEquals(List.of("good"), l.tools().stream().map(McpClient.ToolSpec::name).toList());
        assertEquals(McpClient.MAX_SKIPPED_LISTED, l.skipped().size());
        assertEquals("bad\u00070", l.skipped().get(0));
        assertEquals(bad, l.skippedCount());
    }

    @Test
    void aRedirect_isNotFollowed_soTheTokenGoesNowhereElse() throws Exception {
        List<String> stolen = new java.util.concurrent.CopyOnWriteArrayList<>();
        com.sun.net.httpserver.HttpServer elsewhere = loopbackServer(ex -> {
            stolen.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            ex.sendResponseHeaders(500, -1);
        });
        com.sun.net.httpserver.HttpServer redirecting = loopbackServer(ex -> {
            ex.getResponseHeaders().set("Location", "http://127.0.0.1:" + elsewhere.getAddress().getPort() + "/mcp");
            ex.sendResponseHeaders(307, -1);
        });
        try {
            McpClient c = new McpClient(config("files", "http://127.0.0.1:" + redirecting.getAddress().getPort() + "/mcp", TOKEN),
                    upstream, "1");
            McpException e = assertThrows(McpException.class, () -> {
                try (CallTimer t = timer(T)) {
                    c.listTools(t);
                }
            });
            assertEquals("the MCP server 'files' answered HTTP 307", e.getMessage());
            assertEquals(List.of(), stolen);
        } finally {
            redirecting.stop(0);
            elsewhere.stop(0);
        }
    }

    private static com.sun.net.httpserver.HttpServer loopbackServer(com.sun.net.httpserver.HttpHandler h) throws java.io.IOException {
        com.sun.net.httpserver.HttpServer s = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        s.createContext("/", ex -> {
            try (ex) {
                ex.getRequestBody().readAllBytes();
                h.handle(ex);
            }
        });
        s.start();
        return s;
    }

    @Test
    void aServerThatIsNotThere_isUnreachable() throws Exception {
        String url = mcp.url();
        mcp.stop();
        McpClient c = new McpClient(config("files", url, TOKEN), upstream, "1");
        McpException e = assertThrows(McpException.class, () -> {
            try (CallTimer t = timer(T)) {
                c.listTools(t);
            }
        });
        assertEquals(McpException.Kind.UNREACHABLE, e.kind());
        assertEquals("the MCP server 'files' could not be reached: the connection was refused", e.getMessage());
    }

    @Test
    void theSessionIsDeletedAtClose() throws Exception {
        McpClient c = client();
        try (CallTimer t = timer(T)) {
            c.listTools(t);
        }
        c.close();
        FakeMcpServer.Request delete = mcp.requests().get(mcp.requests().size() - 1);
        assertEquals("DELETE", delete.method());
        assertEquals(mcp.requests().get(1).header("Mcp-Session-Id"), delete.header("Mcp-Session-Id"));
    }
}
