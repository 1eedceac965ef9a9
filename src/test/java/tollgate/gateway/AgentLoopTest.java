package tollgate.gateway;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.GatewayHarness.UUID_V4;
import static tollgate.gateway.GatewayHarness.errorJson;
import static tollgate.gateway.GatewayHarness.list;
import static tollgate.gateway.GatewayHarness.obj;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import tollgate.account.UsageRecord;
import tollgate.json.Json;
import tollgate.tool.GatewayTool;
import tollgate.tool.ToolOutput;

/**
 * The agent loop through {@code POST /v1/chat/completions} without streaming: gateway tools run
 * by the gateway (in parallel), mixed with the client's own, the step and time limits, every
 * step charged and recorded.
 */
class AgentLoopTest extends AgentTestBase {
    final CountDownLatch both = new CountDownLatch(2);
    final TestTool alpha = new TestTool("alpha", call -> meet("alpha"));
    final TestTool beta = new TestTool("beta", call -> meet("beta"));
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger mostInFlight = new AtomicInteger();
    final TestTool slow = new TestTool("slow", call -> {
        mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        try {
            Thread.sleep(1200); // work: longer than the 1 s wall-clock limit of the test that uses it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        inFlight.decrementAndGet();
        return ToolOutput.ok("slow done");
    });
    final TestTool secret = new TestTool("secret", false, List.of("someone-else"), call -> ToolOutput.ok("no"));
    final TestTool painter = new TestTool("painter", call -> new ToolOutput("{\"images\":[{\"id\":\"img_1\"}]}", ToolOutput.Outcome.OK, 3,
            List.of(new ToolOutput.Attachment("img_1", "image/png", null, "iVBORw0KGgo="))));

    /** Each waits for the other: both return "saw both" only if they ran at the same time. */
    ToolOutput meet(String name) {
        both.countDown();
        try {
            return both.await(10, SECONDS) ? ToolOutput.ok(name + " saw both") : ToolOutput.error(name + " ran alone");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ToolOutput.error("interrupted");
        }
    }

    @Override
    List<GatewayTool> tools() { return List.of(alpha, beta, slow, secret, painter); }

    static final String TWO_CALLS = toolCallsCompletion("chatcmpl-u1", call("call_a", "alpha", "{\"q\":\"x\"}"),
            call("call_b", "beta", "{}"));

    /** A step's JSON with its duration (which varies) set to 0. */
    @SuppressWarnings("unchecked")
    static String steps(Map<String, Object> ext) {
        List<Object> steps = list(ext.get("steps"));
        for (Object s : steps) ((Map<String, Object>) s).put("duration_ms", 0);
        return Json.toString(steps);
    }

    static final String MODEL_STEP = "{\"type\":\"model\",\"deployment\":\"openai/gpt-4o-mini-2024-07-18\",\"model\":\"gpt-4o-mini\","
            + "\"duration_ms\":0,\"outcome\":\"ok\",\"finish_reason\":\"%s\",%s\"prompt_tokens\":100,\"completion_tokens\":20,\"credits\":1}";

    static String modelStep(String finish, int calls) {
        return MODEL_STEP.formatted(finish, calls > 0 ? "\"tool_calls\":" + calls + "," : "");
    }

    static String toolStep(String tool, String callId, String outcome) {
        return "{\"type\":\"tool\",\"tool\":\"" + tool + "\",\"call_id\":\"" + callId + "\",\"duration_ms\":0,\"outcome\":\"" + outcome
                + "\",\"credits\":0}";
    }

    @Test
    void gatewayToolsRunInParallel_andTheModelAnswersWithTheirResults() throws Exception {
        upstream.respondWith(turns(FakeUpstream.json(200, TWO_CALLS), text("chatcmpl-u2", "Both done.")));

        HttpResponse<String> r = gw.post("/v1/chat/completions", ask(gatewayTool("alpha") + "," + gatewayTool("beta"), ""));

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
        Map<String, Object> ext = ext(r.body());
        String executionId = (String) ext.get("execution_id");
        assertTrue(UUID_V4.matcher(executionId).matches(), executionId);
        String requestId = r.headers().firstValue("x-request-id").orElseThrow();
        assertEquals("[" + modelStep("tool_calls", 2) + "," + toolStep("alpha", "call_a", "ok") + "," + toolStep("beta", "call_b", "ok")
                + "," + modelStep("stop", 0) + "]", steps(ext));
        Map<String, Object> body = obj(r.body());
        obj(body.get("tollgate")).put("steps", List.of());
        // The last answer as the model gave it, the model as asked, usage over both calls, the extension.
        assertEquals(textCompletion("chatcmpl-u2", "Both done.").replace(UPSTREAM_MODEL, "gpt-4o-mini")
                .replace("\"prompt_tokens\":100,\"completion_tokens\":20,\"total_tokens\":120",
                        "\"prompt_tokens\":200,\"completion_tokens\":40,\"total_tokens\":240")
                .replaceFirst("}$", ",\"tollgate\":{\"execution_id\":\"" + executionId + "\",\"request_id\":\"" + requestId
                        + "\",\"cost\":0.000054,\"credits_charged\":2,\"steps\":[]}}"),
                Json.toString(body));
        assertEquals("openai/gpt-4o-mini-2024-07-18", r.headers().firstValue("x-tollgate-route").orElseThrow());

        List<FakeUpstream.Received> sent = upstream.requests();
        assertEquals(2, sent.size());
        String functions = "[{\"type\":\"function\",\"function\":{\"name\":\"alpha\",\"description\":\"The alpha tool\",\"parameters\":"
                + "{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\"}}}}},{\"type\":\"function\",\"function\":{\"name\":"
                + "\"beta\",\"description\":\"The beta tool\",\"parameters\":{\"type\":\"object\",\"properties\":{\"q\":{\"type\":"
                + "\"string\"}}}}}]";
        assertEquals("{\"model\":\"" + UPSTREAM_MODEL + "\",\"tools\":" + functions + ",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"Go\"}]}", sent.get(0).bodyText());
        assertEquals("{\"model\":\"" + UPSTREAM_MODEL + "\",\"tools\":" + functions + ",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"Go\"},{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[" + call("call_a", "alpha", "{\"q\":\"x\"}")
                + "," + call("call_b", "beta", "{}") + "]},{\"role\":\"tool\",\"tool_call_id\":\"call_a\",\"content\":\"alpha saw both\"},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"call_b\",\"content\":\"beta saw both\"}]}", sent.get(1).bodyText());

        // What the tools were given.
        assertEquals(Map.of("q", "x"), alpha.calls.get(0).arguments());
        assertEquals("t", alpha.calls.get(0).keyName());
        assertEquals(executionId, alpha.calls.get(0).executionId());
        assertEquals(requestId, alpha.calls.get(0).requestId());
        assertEquals("call_b", beta.calls.get(0).callId());

        // One ledger record per model call, each with the execution's id.
        List<UsageRecord> records = ledger();
        assertEquals(2, records.size());
        for (UsageRecord rec : records) {
            assertEquals(executionId, rec.executionId());
            assertEquals(requestId, rec.requestId());
            assertEquals(200, rec.status());
            assertEquals(1, rec.credits());
            assertEquals("openai/gpt-4o-mini-2024-07-18", rec.deployment());
            assertEquals(100, rec.promptTokens());
        }
    }

    @Test
    void gatewayAndClientTools_theClientGetsItsOwnCalls_andContinuesWithItsResults() throws Exception {
        upstream.respondWith(turns(toolCalls("chatcmpl-u1", call("call_a", "alpha", "{}"), call("call_w", "get_weather", "{\"city\":\"Oslo\"}")),
                text("chatcmpl-u2", "Rainy.")));
        String tools = gatewayTool("alpha") + "," + clientFunction("get_weather");
        both.countDown(); // alpha runs alone here

        HttpResponse<String> r = gw.post("/v1/chat/completions", ask(tools, ""));

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
        Map<String, Object> body = obj(r.body());
        assertEquals("{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[" + call("call_w", "get_weather", "{\"city\":\"Oslo\"}")
                + "]}", Json.toString(message(r.body())));
        assertEquals("tool_calls", obj(list(body.get("choices")).get(0)).get("finish_reason"));
        assertEquals("gpt-4o-mini", body.get("model"));
        assertEquals("{\"prompt_tokens\":100,\"completion_tokens\":20,\"total_tokens\":120}", Json.toString(body.get("usage")));
        assertEquals("[" + modelStep("tool_calls", 2) + "," + toolStep("alpha", "call_a", "ok") + "]", steps(ext(r.body())));
        assertEquals(1, upstream.requests().size());
        assertEquals(1, alpha.calls.size());

        // The client answers its call; its conversation no longer holds the gateway's.
        String next = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Go\"},{\"role\":\"assistant\","
                + "\"content\":null,\"tool_calls\":[" + call("call_w", "get_weather", "{\"city\":\"Oslo\"}") + "]},{\"role\":\"tool\","
                + "\"tool_call_id\":\"call_w\",\"content\":\"rain\"}],\"tools\":[" + tools + "]}";
        r = gw.post("/v1/chat/completions", next);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
        assertEquals("Rainy.", message(r.body()).get("content"));
        assertEquals("[" + modelStep("stop", 0) + "]", steps(ext(r.body())));
        assertEquals(1, alpha.calls.size());
    }

    @Test
    void theStepLimit_makesTheLastCallWithToolChoiceNone() throws Exception {
        gw.close();
        gw = builder(upstream).top("agent", "{\"max_steps\": 3}").start();
        both.countDown();
        both.countDown();
        upstream.respondWith(when(r -> r.bodyText().contains("\"tool_choice\":\"none\""), text("chatcmpl-end", "Enough."),
                toolCalls("chatcmpl-more", call("call_" + System.nanoTime(), "alpha", "{}"))));

        HttpResponse<String> r = gw.post("/v1/chat/completions", ask(gatewayTool("alpha"), "\"tool_choice\":\"required\""));

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
        assertEquals("Enough.", message(r.body()).get("content"));
        assertEquals("max_steps", ext(r.body()).get("stopped"));
        List<FakeUpstream.Received> sent = upstream.requests();
        assertEquals(3, sent.size());
        assertEquals("required", obj(sent.get(0).bodyText()).get("tool_choice"), "the client's choice, on the first call");
        assertEquals("auto", obj(sent.get(1).bodyText()).get("tool_choice"), "a forced call is forced once");
        assertEquals("none", obj(sent.get(2).bodyText()).get("tool_choice"), "the last allowed call must answer");
        assertEquals(3, ledger().size());
        assertEquals(2, alpha.calls.size());
    }

    @Test
    void theWallClockLimit_makesTheNextCallTheLast() throws Exception {
        gw.close();
        gw = builder(upstream).top("agent", "{\"max_wall_ms\": 1000}").start();
        upstream.respondWith(when(r -> r.bodyText().contains("\"tool_choice\":\"none\""), text("chatcmpl-end", "Out of time."),
                toolCalls("chatcmpl-more", call("call_s", "slow", "{}"))));

        HttpResponse<String> r = gw.post("/v1/chat/completions", ask(gatewayTool("slow"), ""));

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
        assertEquals("max_wall", ext(r.body()).get("stopped"));
        assertEquals(2, upstream.requests().size());
        assertEquals(1, slow.calls.size());
    }

    @Test
    void maxParallelTools_boundsHowManyRunAtOnce() throws Exception {
        gw.close();
        gw = builder(upstream).top("agent", "{\"max_parallel_tools\": 1}").start();
        upstream.respondWith(turns(toolCalls("chatcmpl-u1", call("c1", "slow", "{}"), call("c2", "slow", "{}")),
                text("chatcmpl-u2", "Done.")));

        HttpResponse<String> r = gw.post("/v1/chat/completions", ask(gatewayTool("slow"), ""));

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
        assertEquals(2, slow.calls.size());
        assertEquals(1, mostInFlight.get());
    }

    @Test
    void badArguments_unknownFunctions_andAFailingTool_areToldToTheModel() throws Exception {
        upstream.respondWith(turns(toolCalls("chatcmpl-u1", call("c1", "alpha", "not json"), call("c2", "nosuch", "{}")),
                text("chatcmpl-u2", "Sorry.")));

        HttpResponse<String> r = gw.post("/v1/chat/completions", ask(gatewayTool("alpha"), ""));

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
        List<Object> sent = messages(upstream.requests().get(1));
        assertEquals("{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"The arguments of this call are not a JSON object; call "
                + "alpha again with a JSON object of its parameters.\"}", Json.toString(sent.get(2)));
        assertEquals("{\"role\":\"tool\",\"tool_call_id\":\"c2\",\"content\":\"There is no tool named nosuch.\"}", Json.toString(sent.get(3)));
        assertEquals(0, alpha.calls.size());
        assertEquals("[" + modelStep("tool_calls", 2) + "," + toolStep("alpha", "c1", "error") + "," + modelStep("stop", 0) + "]",
                steps(ext(r.body())));
    }

    @Test
    void unknownAndForbiddenTools_areRefusedBeforeAnyModelCall() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions", ask(clientFunction("f") + "," + gatewayTool("nope"), ""));
        assertEquals(400, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
        assertEquals(errorJson("Invalid value for 'tools[1].name': no gateway tool 'nope' here. The gateway tools this key may use: "
                + "alpha, beta, painter, slow.", "invalid_request_error", "tools[1].name", 400), r.body());

        r = gw.post("/v1/chat/completions", ask(gatewayTool("files.*"), ""));
        assertEquals(400, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
        assertEquals(errorJson("Invalid value for 'tools[0].name': no MCP server 'files' here. The gateway tools this key may use: "
                + "alpha, beta, painter, slow.", "invalid_request_error", "tools[0].name", 400), r.body());

        r = gw.post("/v1/chat/completions", ask(gatewayTool("secret"), ""));
        assertEquals(403, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
        assertEquals(errorJson("Invalid value for 'tools[0].name': the gateway tool 'secret' is not allowed for this key.",
                "permission_error", "tools[0].name", 403), r.body());

        r = gw.post("/v1/chat/completions", ask(gatewayTool("alpha") + "," + clientFunction("alpha"), ""));
        assertEquals(400, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
        assertEquals("tools[0].name", obj(obj(r.body()).get("error")).get("param"));

        r = gw.post("/v1/chat/completions", ask(gatewayTool("alpha"), "\"metadata\":{\"requires_approval\":\"alpha,get_time\"}"));
        assertEquals(400, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
        assertEquals(errorJson("Invalid value for 'metadata.requires_approval': 'get_time' is not a function (or gateway tool) declared "
                + "in 'tools'.", "invalid_request_error", "metadata.requires_approval", 400), r.body());

        r = gw.post("/v1/chat/completions", ask(gatewayTool("alpha"), "\"n\":2"));
        assertEquals(400, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
        assertEquals("n", obj(obj(r.body()).get("error")).get("param"));
        assertTrue(upstream.requests().isEmpty());
        assertTrue(ledger().isEmpty());
    }

    @Test
    void whatAToolMakesForTheClient_isInItsStep_notInThePrompt() throws Exception {
        upstream.respondWith(turns(toolCalls("chatcmpl-u1", call("c1", "painter", "{}")), text("chatcmpl-u2", "Here it is.")));

        HttpResponse<String> r = gw.post("/v1/chat/completions", ask(gatewayTool("painter"), ""));

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
        Map<String, Object> step = obj(list(ext(r.body()).get("steps")).get(1));
        assertEquals("[{\"id\":\"img_1\",\"media_type\":\"image/png\",\"b64_json\":\"iVBORw0KGgo=\"}]", Json.toString(step.get("attachments")));
        assertEquals(3L, ((tollgate.json.JsonNumber) step.get("credits")).longValue());
        assertEquals(5L, ((tollgate.json.JsonNumber) ext(r.body()).get("credits_charged")).longValue(), "2 model calls and the tool's 3");
        assertEquals("{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"{\\\"images\\\":[{\\\"id\\\":\\\"img_1\\\"}]}\"}",
                Json.toString(messages(upstream.requests().get(1)).get(2)));
        assertTrue(!upstream.requests().get(1).bodyText().contains("iVBORw0KGgo="));
    }

    @Test
    void aToolChoiceMayNameAGatewayTool() throws Exception {
        both.countDown();
        both.countDown();
        upstream.respondWith(turns(toolCalls("chatcmpl-u1", call("c1", "alpha", "{}")), text("chatcmpl-u2", "ok")));

        HttpResponse<String> r = gw.post("/v1/chat/completions", ask(gatewayTool("alpha") + "," + gatewayTool("beta"),
                "\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"alpha\"}}"));

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
        assertEquals("{\"type\":\"function\",\"function\":{\"name\":\"alpha\"}}",
                Json.toString(obj(upstream.requests().get(0).bodyText()).get("tool_choice")));
        assertEquals("auto", obj(upstream.requests().get(1).bodyText()).get("tool_choice"), "forced once");
    }
}
