package tollgate.tool.mcp;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.tool.mcp.McpTestSupport.TOKEN;
import static tollgate.tool.mcp.McpTestSupport.call;
import static tollgate.tool.mcp.McpTestSupport.config;
import static tollgate.tool.mcp.McpTestSupport.timer;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tollgate.call.Cancellation;
import tollgate.config.McpServerConfig;
import tollgate.json.Json;
import tollgate.json.JsonNumber;
import tollgate.tool.GatewayTool;
import tollgate.tool.ToolOutput;
import tollgate.tool.ToolOutput.Outcome;

/** An MCP server's tools as gateway tools: what a call gives the model, and how it fails. */
class McpToolTest extends McpServerTestBase {
    /** The server's tools, discovered with {@code server}'s config. */
    private Map<String, GatewayTool> tools(McpServerConfig server) throws McpException {
        return tools(server, tollgate.memory.MemoryBudget.unlimited());
    }

    /** The server's tools, their answers held in {@code budget}. */
    private Map<String, GatewayTool> tools(McpServerConfig server, tollgate.memory.MemoryBudget budget) throws McpException {
        McpClient client = new McpClient(server, upstream, "1", budget);
        Map<String, GatewayTool> m = new java.util.LinkedHashMap<>();
        try (CallTimer t = timer(T)) {
            for (McpTool tool : McpTool.fromListing(client, client.listTools(t).tools())) m.put(tool.name(), tool);
        }
        return m;
    }

    private GatewayTool tool(String name) throws McpException {
        return tools(config("files", mcp.url(), TOKEN)).get(name);
    }

    @ParameterizedTest
    @EnumSource(FakeMcpServer.Mode.class)
    void aCall_sendsTheArguments_andGivesTheTextParts(FakeMcpServer.Mode mode) throws Exception {
        mcp.mode(mode).chatter(true).tool("read", "Reads a file", "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"}}}",
                args -> FakeMcpServer.text("line 1", "path was " + args.get("path")));
        GatewayTool read = tool("files.read");

        assertEquals("files.read", read.name());
        assertEquals("Reads a file", read.description());
        assertEquals(Json.parse("{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"}}}"), read.parameters());
        ToolOutput out = read.run(call(Map.of("path", "/etc/motd"), T));

        assertEquals(new ToolOutput("line 1\npath was /etc/motd", Outcome.OK, 0), out);
        FakeMcpServer.Request sent = mcp.requests().stream().filter(r -> r.method().equals("tools/call")).findFirst().orElseThrow();
        assertEquals(Map.of("name", "read", "arguments", Map.of("path", "/etc/motd")), sent.params());
        assertEquals(List.of(), mcp.violations());
    }

    @Test
    void anIsErrorResult_isAnErrorOutcome_withTheToolsText() throws Exception {
        mcp.tool("rm", null, null, args -> FakeMcpServer.error("permission denied: /"));
        assertEquals(new ToolOutput("permission denied: /", Outcome.ERROR, 0), tool("files.rm").run(call(Map.of(), T)));
    }

    @Test
    void aJsonRpcError_isAnErrorOutcome_namingTheServer() throws Exception {
        mcp.tool("rm", null, null, args -> {
            throw new FakeMcpServer.RpcError(-32602, "Invalid params: path is required");
        });
        assertEquals(new ToolOutput("the MCP server 'files' answered tools/call with an error: Invalid params: path is required (code -32602)",
                Outcome.ERROR, 0), tool("files.rm").run(call(Map.of(), T)));
    }

    @Test
    void aToolGoneFromTheServer_isAnErrorOutcome() throws Exception {
        mcp.tool("old", null, null, FakeMcpServer.echo());
        GatewayTool old = tool("files.old");
        mcp.removeTool("old");
        assertEquals(new ToolOutput("the MCP server 'files' answered tools/call with an error: Unknown tool: old (code -32602)",
                Outcome.ERROR, 0), old.run(call(Map.of(), T)));
    }

    @Test
    void nonTextParts_areDescribed_structuredContentUsedWhenThereIsNoContent() throws Exception {
        mcp.tool("shot", null, null, args -> Map.of("content", List.of(
                Map.of("type", "text", "text", "here:"),
                Map.of("type", "image", "data", "iVBORw0KGgo=", "mimeType", "image/png"),
                Map.of("type", "resource_link", "uri", "file:///a.txt", "name", "a.txt"),
                Map.of("type", "resource", "resource", Map.of("uri", "file:///b.txt", "mimeType", "text/plain", "text", "bee")),
                Map.of("type", "resource", "resource", Map.of("uri", "file:///c.bin", "mimeType", "application/zip", "blob", "AAAA")))));
        mcp.tool("stats", null, null, args -> Map.of("content", List.of(), "structuredContent", Map.of("files", JsonNumber.of(3))));

        assertEquals(ToolOutput.ok("here:\n[image image/png, 8 bytes]\n[resource a.txt <file:///a.txt>]\n[resource <file:///b.txt>]\nbee\n"
                + "[resource <file:///c.bin> application/zip, 3 bytes]"), tool("files.shot").run(call(Map.of(), T)));
        assertEquals(ToolOutput.ok("{\"files\":3}"), tool("files.stats").run(call(Map.of(), T)));
    }

    @Test
    void theOutput_isCutAtTheServersCap_atACharacterBoundary_andMarked() throws Exception {
        mcp.tool("big", null, null, args -> FakeMcpServer.text("é".repeat(1000)));
        GatewayTool big = tools(config("files", mcp.url(), TOKEN, T, 256, false, Map.of())).get("files.big");

        ToolOutput out = big.run(call(Map.of(), T));

        assertEquals(Outcome.OK, out.outcome());
        String mark = "\n[output cut at 256 bytes]";
        assertTrue(out.content().endsWith(mark), out.content());
        int bytes = out.content().getBytes(UTF_8).length;
        assertTrue(bytes <= 256 && bytes >= 254, "bytes: " + bytes);
        assertEquals("é".repeat((256 - mark.length()) / 2), out.content().substring(0, out.content().length() - mark.length()));
    }

    @Test
    void anAnswerOverTheByteCap_isAnError_notAnOutOfMemory() throws Exception {
        mcp.tool("huge", null, null, args -> FakeMcpServer.text("x".repeat(McpClient.MIN_RESULT_BYTES + 10)));
        GatewayTool huge = tools(config("files", mcp.url(), TOKEN, T, 256, false, Map.of())).get("files.huge");
        assertEquals(new ToolOutput("the MCP server 'files' sent an answer larger than " + McpClient.MIN_RESULT_BYTES + " bytes",
                Outcome.ERROR, 0), huge.run(call(Map.of(), T)));
    }

    @ParameterizedTest
    @EnumSource(FakeMcpServer.Mode.class)
    void aToolThatNeverAnswers_timesOut_byTheDeadline_andIsCancelledOnTheServer(FakeMcpServer.Mode mode) throws Exception {
        mcp.mode(mode).tool("wait", null, null, mcp.hang());
        GatewayTool wait = tool("files.wait");

        long t0 = System.nanoTime();
        ToolOutput out = wait.run(call(Map.of(), Duration.ofMillis(500)));
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

        assertEquals(Outcome.TIMEOUT, out.outcome());
        assertTrue(out.content().matches("the MCP server 'files' did not answer within 4\\d\\d ms|.*within 500 ms"), out.content());
        assertTrue(tookMs >= 450 && tookMs < 5_000, "took " + tookMs + " ms");
        assertTrue(mcp.await("notifications/cancelled", 1, 5_000), mcp.methods().toString());
        FakeMcpServer.Request cancel = mcp.requests().stream().filter(r -> r.method().equals("notifications/cancelled")).findFirst().orElseThrow();
        FakeMcpServer.Request callReq = mcp.requests().stream().filter(r -> r.method().equals("tools/call")).findFirst().orElseThrow();
        assertEquals(Map.of("requestId", callReq.body().get("id"), "reason", "timeout"), cancel.params());
    }

    @Test
    void aCancelledCall_endsSoon_asCancelled() throws Exception {
        mcp.tool("wait", null, null, mcp.hang());
        GatewayTool wait = tool("files.wait");
        Cancellation cancel = new Cancellation();
        CountDownLatch arrived = new CountDownLatch(1);
        Thread.ofVirtual().start(() -> {
            try {
                if (mcp.await("tools/call", 1, 5_000)) arrived.countDown();
                cancel.cancel();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        ToolOutput out = wait.run(call(Map.of(), T, cancel));
        assertEquals(0, arrived.getCount());
        assertEquals(new ToolOutput("the call to the MCP server 'files' was cancelled", Outcome.CANCELLED, 0), out);
    }

    @Test
    void aServerThatGoesAwayMidCall_givesAnErrorOutcome_sayingItCouldNotBeReached() throws Exception {
        mcp.tool("wait", null, null, mcp.hang());
        GatewayTool wait = tool("files.wait");
        Thread.ofVirtual().start(() -> {
            try {
                if (mcp.await("tools/call", 1, 5_000)) mcp.stop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        ToolOutput out = wait.run(call(Map.of(), T));
        assertEquals(Outcome.ERROR, out.outcome());
        assertTrue(out.content().startsWith("the MCP server 'files' could not be reached: "), out.content());

        // And later calls, with the server gone for good: the same, at once. The first may still
        // meet the client's pooled connection to the gone server ("the connection failed") until
        // the client has noticed it closed; then the connection is refused.
        ToolOutput later = wait.run(call(Map.of(), T));
        for (int i = 0; i < 20 && !later.content().endsWith("refused"); i++) {
            assertEquals(new ToolOutput("the MCP server 'files' could not be reached: the connection failed", Outcome.ERROR, 0), later);
            Thread.sleep(50);
            later = wait.run(call(Map.of(), T));
        }
        assertEquals(new ToolOutput("the MCP server 'files' could not be reached: the connection was refused", Outcome.ERROR, 0), later);
    }

    @Test
    void approval_perServer_andPerToolOverrides() throws Exception {
        for (String n : List.of("read", "write", "rm")) mcp.tool(n, null, null, FakeMcpServer.echo());

        Map<String, GatewayTool> open = tools(config("files", mcp.url(), TOKEN, T, 1024, false, Map.of("rm", true)));
        assertFalse(open.get("files.read").requiresApproval());
        assertFalse(open.get("files.write").requiresApproval());
        assertTrue(open.get("files.rm").requiresApproval());

        Map<String, GatewayTool> guarded = tools(config("files", mcp.url(), TOKEN, T, 1024, true, Map.of("read", false)));
        assertFalse(guarded.get("files.read").requiresApproval());
        assertTrue(guarded.get("files.write").requiresApproval());
        assertTrue(guarded.get("files.rm").requiresApproval());
    }

    @Test
    void keys_comeFromTheServersConfig() throws Exception {
        mcp.tool("read", null, null, FakeMcpServer.echo());
        McpServerConfig onlyOps = new McpServerConfig("files", mcp.url(), TOKEN, Map.of(), false, Map.of(), List.of("ops"), T, 1024);
        GatewayTool read = tools(onlyOps).get("files.read");
        assertTrue(read.allows("ops"));
        assertFalse(read.allows("t"));
        assertFalse(read.allows(null));
    }

    @Test
    void schemasThatAreNotObjectSchemas_becomeTheEmptyObjectSchema() throws Exception {
        mcp.tool("none", null, null, FakeMcpServer.echo());
        mcp.tool("array", null, "{\"type\":\"array\"}", FakeMcpServer.echo());
        mcp.tool("props", null, "{\"type\":\"object\",\"properties\":[1]}", FakeMcpServer.echo());
        mcp.tool("text", null, "\"object\"", FakeMcpServer.echo());
        Map<String, GatewayTool> tools = tools(config("files", mcp.url(), TOKEN));
        for (String n : List.of("none", "array", "props", "text")) {
            assertEquals(Map.of("type", "object"), tools.get("files." + n).parameters(), n);
        }
        assertEquals("The tool none of the MCP server files.", tools.get("files.none").description());
    }

    @Test
    void aServersSchemas_takeAtMostTheirBudgetInAll_theRestBecomeTheEmptyObjectSchema() throws Exception {
        // 256 schemas of 64 KiB each were 16 MiB of JSON, ~560 MiB of heap as trees, kept for as long as the server is configured.
        StringBuilder big = new StringBuilder("{\"type\":\"object\",\"enum\":[");
        while (big.length() < McpTool.MAX_SCHEMA_BYTES - 16) big.append("0,");
        String schema = big.append("0]}").toString();
        mcp.pageSize(McpClient.MAX_TOOLS);
        for (int i = 0; i < 40; i++) mcp.tool("t" + i, null, schema, FakeMcpServer.echo());
        mcp.tool("small", null, "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}}}", FakeMcpServer.echo());
        List<GatewayTool> tools = List.copyOf(tools(config("files", mcp.url(), TOKEN)).values());

        long kept = tools.stream().filter(t -> t.parameters().containsKey("enum")).count();
        assertEquals(McpTool.MAX_SERVER_SCHEMA_BYTES / schema.length(), kept);
        assertEquals(Json.parse(schema), tools.get(0).parameters(), "the first ones, in the server's order");
        assertEquals(Map.of("type", "object"), tools.get(39).parameters());
        assertEquals(Json.parse("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}}}"), tools.get(40).parameters(),
                "a small one after the budget ran out still fits if it can");
        long total = tools.stream().mapToLong(t -> Json.toBytes(t.parameters()).length).sum();
        assertTrue(total <= McpTool.MAX_SERVER_SCHEMA_BYTES + 40 * 20L, total + " bytes");
    }

    @ParameterizedTest
    @EnumSource(FakeMcpServer.Mode.class)
    void anAnswer_isHeldInTheGatewaysMemoryBudget_andOneThatDoesNotFit_isAnError(FakeMcpServer.Mode mode) throws Exception {
        // 400 KB of small numbers is a tree of ~14 MB: a hostile server's answers, many at once, would take the heap.
        List<Object> numbers = new java.util.ArrayList<>();
        for (int i = 0; i < 200_000; i++) numbers.add(tollgate.json.JsonNumber.of(i % 10));
        mcp.mode(mode).tool("dump", null, null, args -> Map.of("structuredContent", Map.of("n", numbers)));
        tollgate.memory.MemoryBudget budget = new tollgate.memory.MemoryBudget(4L * 1024 * 1024);

        ToolOutput out = tools(config("files", mcp.url(), TOKEN), budget).get("files.dump").run(call(Map.of(), T));

        assertEquals(new ToolOutput("the gateway is short of memory for the answer of the MCP server 'files'; try again shortly",
                Outcome.ERROR, 0), out);
        assertEquals(0, budget.used(), "all given back");
        ToolOutput fits = tools(config("files", mcp.url(), TOKEN), new tollgate.memory.MemoryBudget(256L * 1024 * 1024))
                .get("files.dump").run(call(Map.of(), T));
        assertEquals(Outcome.OK, fits.outcome(), fits.content());
    }

    @Test
    void whatTheServerEchoesOfOurSecrets_isScrubbed() throws Exception {
        mcp.tool("leak", null, null, args -> FakeMcpServer.text("you sent Bearer " + TOKEN + " and team-secret-header-42"));
        mcp.tool("leakErr", null, null, args -> {
            throw new FakeMcpServer.RpcError(-32000, "bad token " + TOKEN);
        });
        ToolOutput out = tool("files.leak").run(call(Map.of(), T));
        assertEquals("you sent Bearer [redacted] and [redacted]", out.content());
        assertEquals("the MCP server 'files' answered tools/call with an error: bad token [redacted] (code -32000)",
                tool("files.leakErr").run(call(Map.of(), T)).content());
    }

    @Test
    void callsInParallel_shareOneSession() throws Exception {
        mcp.mode(FakeMcpServer.Mode.SSE).tool("echo", null, null, FakeMcpServer.echo());
        GatewayTool echo = tool("files.echo");
        List<Thread> threads = new java.util.ArrayList<>();
        List<ToolOutput> outs = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int i = 0; i < 8; i++) {
            int n = i;
            threads.add(Thread.ofVirtual().start(() -> outs.add(echo.run(call(Map.of("n", JsonNumber.of(n)), T)))));
        }
        for (Thread t : threads) t.join();
        assertEquals(8, outs.size());
        assertTrue(outs.stream().allMatch(o -> o.outcome() == Outcome.OK), outs.toString());
        assertEquals(1, mcp.count("initialize"));
        assertEquals(List.of(), mcp.violations());
    }
}
