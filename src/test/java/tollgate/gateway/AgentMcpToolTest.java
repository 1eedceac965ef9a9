package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.GatewayHarness.list;
import static tollgate.gateway.GatewayHarness.obj;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tollgate.json.Json;
import tollgate.tool.mcp.FakeMcpServer;

/**
 * An MCP server's tools through the loop: {@code "files.*"} offers them all as functions the
 * model can name ({@code files__read}); a call goes to the server as {@code tools/call} of its
 * own tool name; a tool the config marks {@code requires_approval} waits for a human.
 */
class AgentMcpToolTest extends AgentTestBase {
    FakeMcpServer mcp;

    @Override
    GatewayHarness.Builder builder(FakeUpstream upstream) {
        if (mcp == null) {
            try {
                mcp = FakeMcpServer.start().token("tok-files")
                        .tool("read", "Reads a file", "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"}}}",
                                args -> FakeMcpServer.text("contents of " + args.get("path")))
                        .tool("delete", "Deletes a file", "{\"type\":\"object\"}", args -> FakeMcpServer.text("deleted"));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return super.builder(upstream).top("mcp_servers", "[{\"name\": \"files\", \"url\": \"" + mcp.url() + "\", \"token\": \"tok-files\","
                + " \"tools\": {\"delete\": {\"requires_approval\": true}}}]");
    }

    @AfterEach
    void stopMcp() {
        mcp.close();
    }

    @Test
    void aServersTools_areFunctions_andTheirCallsGoToTheServer() throws Exception {
        upstream.respondWith(turns(toolCalls("chatcmpl-u1", call("c1", "files__read", "{\"path\":\"a.txt\"}")),
                text("chatcmpl-u2", "It says hello.")));

        HttpResponse<String> r = gw.post("/v1/chat/completions", ask(gatewayTool("files.*"), ""));

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
        assertEquals("It says hello.", message(r.body()).get("content"));
        List<Object> offered = list(obj(upstream.requests().get(0).bodyText()).get("tools"));
        assertEquals(List.of("files__read", "files__delete"),
                offered.stream().map(t -> obj(obj(t).get("function")).get("name")).toList());
        assertEquals("{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"contents of a.txt\"}",
                Json.toString(messages(upstream.requests().get(1)).get(2)));
        Map<String, Object> step = obj(list(ext(r.body()).get("steps")).get(1));
        assertEquals("files.read", step.get("tool"));
        assertEquals("ok", step.get("outcome"));
        assertEquals(1, mcp.count("tools/call"));
        assertEquals(List.of(), mcp.violations());
    }

    @Test
    void anMcpToolNeedingApproval_waitsForTheResume() throws Exception {
        upstream.respondWith(turns(toolCalls("chatcmpl-u1", call("c1", "files__delete", "{\"path\":\"a.txt\"}")),
                text("chatcmpl-u2", "Gone.")));

        HttpResponse<String> r = gw.post("/v1/chat/completions", ask(gatewayTool("files.delete"), ""));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
        String approvalId = (String) ext(r.body()).get("approval_id");
        assertEquals(0, mcp.count("tools/call"));

        r = gw.post("/v1/chat/resume", "{\"approval_id\":\"" + approvalId + "\",\"decision\":\"approve\"}");

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
        assertEquals("Gone.", message(r.body()).get("content"));
        assertEquals(1, mcp.count("tools/call"));
        assertTrue(Json.toString(messages(upstream.requests().get(1)).get(2)).contains("deleted"));
        assertEquals(List.of(), mcp.violations());
    }
}
