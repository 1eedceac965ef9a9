package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.GatewayHarness.UUID_V4;
import static tollgate.gateway.GatewayHarness.errorJson;
import static tollgate.gateway.GatewayHarness.list;
import static tollgate.gateway.GatewayHarness.obj;
import static tollgate.gateway.GatewayHarness.sseData;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import tollgate.json.Json;
import tollgate.tool.GatewayTool;
import tollgate.tool.ToolOutput;

/**
 * Seed 003's approvals: a call that needs a human's approval pauses the execution (non-stream:
 * the extension's {@code approval_id}, {@code execution_id}, {@code expires_at}; stream: the
 * approval chunk before {@code [DONE]}), and {@code POST /v1/chat/resume} continues it once.
 */
class AgentApprovalTest extends AgentTestBase {
    static final String OTHER_KEY = "sk-test-other-0123456789";
    static final String CONFIG = GatewayHarness.STANDARD_CONFIG.replace(
            "\"keys\": [{\"name\": \"t\", \"key\": \"sk-test-0123456789abcdef\"}]",
            "\"keys\": [{\"name\": \"t\", \"key\": \"sk-test-0123456789abcdef\"}, {\"name\": \"other\", \"key\": \"" + OTHER_KEY + "\"}]");
    static final String DEPLOY_ARGS = "{\"env\":\"prod\"}";
    static final String DEPLOY_CALL = call("call_d", "deploy", DEPLOY_ARGS);

    final TestTool deploy = new TestTool("deploy", true, List.of("*"), call -> ToolOutput.ok("deployed " + call.arguments().get("env")));

    @Override
    List<GatewayTool> tools() { return List.of(deploy); }

    @Override
    GatewayHarness.Builder builder(FakeUpstream upstream) {
        return super.builder(upstream).config(CONFIG).tools(tools());
    }

    @Override
    FakeUpstream newUpstream() throws Exception {
        return new FakeUpstream().respondWith(turns(toolCalls("chatcmpl-u1", DEPLOY_CALL), text("chatcmpl-u2", "Deployed.")));
    }

    HttpResponse<String> pause() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions", ask(gatewayTool("deploy"), ""));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
        return r;
    }

    static String resume(String approvalId, String decision) {
        return "{\"approval_id\":\"" + approvalId + "\",\"decision\":\"" + decision + "\"}";
    }

    @Test
    void aCallNeedingApproval_pauses_andTheAnswerCarriesSeed003sIds() throws Exception {
        long before = System.currentTimeMillis();
        HttpResponse<String> r = pause();

        Map<String, Object> body = obj(r.body());
        Map<String, Object> ext = ext(r.body());
        String approvalId = (String) ext.get("approval_id"), executionId = (String) ext.get("execution_id");
        assertTrue(UUID_V4.matcher(approvalId).matches(), approvalId);
        String expiresAt = (String) ext.get("expires_at");
        assertTrue(expiresAt.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"), expiresAt);
        long expires = Instant.parse(expiresAt).toEpochMilli();
        assertTrue(expires >= before + 15 * 60_000 && expires <= System.currentTimeMillis() + 15 * 60_000, expiresAt);
        assertEquals(List.of("approval_id", "execution_id", "expires_at", "request_id", "cost", "credits_charged", "steps"),
                List.copyOf(ext.keySet()));
        String requestId = r.headers().firstValue("x-request-id").orElseThrow();
        assertEquals("{\"id\":\"" + body.get("id") + "\",\"object\":\"chat.completion\",\"created\":" + body.get("created")
                + ",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,"
                + "\"tool_calls\":[" + DEPLOY_CALL + "]},\"finish_reason\":\"tool_calls\"}],\"usage\":{\"prompt_tokens\":100,"
                + "\"completion_tokens\":20,\"total_tokens\":120},\"tollgate\":{\"approval_id\":\"" + approvalId + "\",\"execution_id\":\""
                + executionId + "\",\"expires_at\":\"" + expiresAt + "\",\"request_id\":\"" + requestId + "\",\"cost\":" + STEP_COST
                + ",\"credits_charged\":1,\"steps\":" + Json.toString(ext.get("steps")) + "}}", r.body());
        assertEquals(0, deploy.calls.size());
        assertTrue(Files.exists(dataDir.resolve("approvals").resolve(approvalId + ".json")), "persisted before the answer");

        // Approved: the tool runs, the model answers; the same execution, this run's usage.
        r = gw.post("/v1/chat/resume", resume(approvalId, "approve"));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
        assertEquals("Deployed.", message(r.body()).get("content"));
        assertEquals(executionId, ext(r.body()).get("execution_id"));
        assertEquals("{\"prompt_tokens\":100,\"completion_tokens\":20,\"total_tokens\":120}", Json.toString(obj(r.body()).get("usage")));
        assertEquals(1L, ((tollgate.json.JsonNumber) ext(r.body()).get("credits_charged")).longValue());
        List<Object> steps = list(ext(r.body()).get("steps"));
        assertEquals("tool", obj(steps.get(0)).get("type"));
        assertEquals("ok", obj(steps.get(0)).get("outcome"));
        assertEquals("model", obj(steps.get(1)).get("type"));
        assertEquals(1, deploy.calls.size());
        assertEquals("prod", deploy.calls.get(0).arguments().get("env"));
        assertEquals(executionId, deploy.calls.get(0).executionId());
        List<Object> sent = messages(upstream.requests().get(1));
        assertEquals("{\"role\":\"tool\",\"tool_call_id\":\"call_d\",\"content\":\"deployed prod\"}", Json.toString(sent.get(2)));

        // An approval works once.
        r = gw.post("/v1/chat/resume", resume(approvalId, "approve"));
        assertEquals(409, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
        assertEquals("approval_id", obj(obj(r.body()).get("error")).get("param"));
        assertEquals(1, deploy.calls.size());
        // Every model call recorded under the execution's id.
        assertEquals(List.of(executionId, executionId), ledger().stream().map(tollgate.account.UsageRecord::executionId).toList());
    }

    @Test
    void aRejection_tellsTheModel_withTheReason() throws Exception {
        String approvalId = (String) ext(pause().body()).get("approval_id");

        HttpResponse<String> r = gw.post("/api/chat/resume", "{\"approval_id\":\"" + approvalId + "\",\"approved\":false,"
                + "\"reason\":\"not on a Friday\"}");

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
        assertEquals(0, deploy.calls.size());
        assertEquals("{\"role\":\"tool\",\"tool_call_id\":\"call_d\",\"content\":\"The user refused this call: not on a Friday\"}",
                Json.toString(messages(upstream.requests().get(1)).get(2)));
        assertEquals("rejected", obj(list(ext(r.body()).get("steps")).get(0)).get("outcome"));
    }

    @Test
    void stream_endsWithTheApprovalChunk_andAStreamedResumeContinues() throws Exception {
        upstream.respondWith(turns(streamedToolCall("chatcmpl-s1", "call_d", "deploy", DEPLOY_ARGS),
                streamedText("chatcmpl-s2", "Deploy", "ed.")));

        String text = readStream(gw.postStream("/v1/chat/completions",
                ask(gatewayTool("deploy"), "\"stream\":true,\"stream_options\":{\"include_usage\":true}")));

        List<String> events = sseData(text);
        assertEquals(5, events.size(), text);
        Map<String, Object> first = obj(events.get(0));
        String id = (String) first.get("id");
        Object created = first.get("created");
        Map<String, Object> ids = obj(first.get("tollgate"));
        String executionId = (String) ids.get("execution_id"), requestId = (String) ids.get("request_id");
        assertEquals("{\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"created\":" + created + ",\"model\":\"gpt-4o-mini\","
                + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null},\"logprobs\":null,\"finish_reason\":null}],"
                + "\"tollgate\":{\"execution_id\":\"" + executionId + "\",\"request_id\":\"" + requestId + "\"}}", events.get(0));
        assertEquals("model", obj(obj(obj(events.get(1)).get("tollgate")).get("step")).get("type"));
        assertEquals("[]", Json.toString(obj(events.get(1)).get("choices")));
        // Seed 003's approval chunk.
        Map<String, Object> approval = obj(obj(events.get(2)).get("tollgate"));
        String approvalId = (String) approval.get("approval_id");
        String approvalChunk = "{\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"created\":" + created
                + ",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_d\","
                + "\"type\":\"function\",\"function\":{\"name\":\"deploy\",\"arguments\":" + Json.toString(DEPLOY_ARGS) + "}}]},"
                + "\"finish_reason\":\"tool_calls\"}],\"tollgate\":{\"approval_id\":\"" + approvalId + "\",\"execution_id\":\""
                + executionId + "\",\"expires_at\":\"" + approval.get("expires_at") + "\",\"request_id\":\"" + requestId + "\"}}";
        assertTrue(text.contains("\ndata: " + approvalChunk + "\n\n"), text);
        Map<String, Object> usage = obj(events.get(3));
        assertEquals("[]", Json.toString(usage.get("choices")));
        assertEquals("{\"prompt_tokens\":100,\"completion_tokens\":20,\"total_tokens\":120}", Json.toString(usage.get("usage")));
        assertEquals(approvalId, obj(usage.get("tollgate")).get("approval_id"));
        assertEquals("[DONE]", events.get(4));
        assertFalse(text.contains("\"tool_calls\":[{\"index\":0,\"function\""), "the model's tool call deltas are not passed on");

        // Resumed as a stream: the tool's step, the answer's text, the model's step, the end.
        text = readStream(gw.postStream("/v1/chat/resume", "{\"approval_id\":\"" + approvalId + "\",\"decision\":\"approve\","
                + "\"stream\":true}"));
        events = sseData(text);
        assertEquals(8, events.size(), text);
        Map<String, Object> step = obj(obj(obj(events.get(0)).get("tollgate")).get("step"));
        assertEquals("deploy", step.get("tool"));
        assertEquals(executionId, obj(obj(events.get(0)).get("tollgate")).get("execution_id"));
        String id2 = (String) obj(events.get(0)).get("id");
        Object created2 = obj(events.get(0)).get("created");
        String head = "{\"id\":\"" + id2 + "\",\"object\":\"chat.completion.chunk\",\"created\":" + created2 + ",\"model\":\"gpt-4o-mini\",";
        assertEquals(head + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,"
                + "\"finish_reason\":null}]}", events.get(1), "the resumed stream's answer starts with the role, once");
        assertEquals(head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Deploy\"},\"logprobs\":null,\"finish_reason\":null}]}",
                events.get(2));
        assertEquals(head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ed.\"},\"logprobs\":null,\"finish_reason\":null}]}",
                events.get(3));
        assertEquals("model", obj(obj(obj(events.get(4)).get("tollgate")).get("step")).get("type"));
        assertEquals(head + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}", events.get(5));
        // The paused request asked for usage; the resume said nothing otherwise.
        assertEquals("{\"prompt_tokens\":100,\"completion_tokens\":20,\"total_tokens\":120}", Json.toString(obj(events.get(6)).get("usage")));
        assertEquals("[DONE]", events.get(7));
        assertEquals(1, deploy.calls.size());
    }

    @Test
    void aPausedExecution_survivesARestart() throws Exception {
        String approvalId = (String) ext(pause().body()).get("approval_id");
        gw.close();
        gw = builder(upstream).start();

        HttpResponse<String> r = gw.post("/api/gateway/chat/resume", resume(approvalId, "approve"));

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
        assertEquals("Deployed.", message(r.body()).get("content"));
        assertEquals(1, deploy.calls.size());
    }

    @Test
    void anExpiredApproval_is410() throws Exception {
        gw.close();
        gw = builder(upstream).top("agent", "{\"approval_ttl_ms\": 1000}").start();
        Map<String, Object> ext = ext(pause().body());
        String approvalId = (String) ext.get("approval_id");
        long wait = Instant.parse((String) ext.get("expires_at")).toEpochMilli() + 100 - System.currentTimeMillis();
        Thread.sleep(Math.max(0, wait)); // the approval's own second passing: what expiry is

        HttpResponse<String> r = gw.post("/v1/chat/resume", resume(approvalId, "approve"));

        assertEquals(410, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
        assertEquals("approval_id", obj(obj(r.body()).get("error")).get("param"));
        assertEquals(0, deploy.calls.size());
    }

    @Test
    void ofConcurrentResumes_exactlyOneRuns() throws Exception {
        String approvalId = (String) ext(pause().body()).get("approval_id");
        int n = 8;
        List<Callable<Integer>> resumes = new ArrayList<>();
        for (int i = 0; i < n; i++) resumes.add(() -> gw.post("/v1/chat/resume", resume(approvalId, "approve")).statusCode());
        List<Integer> codes = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Future<Integer> f : pool.invokeAll(resumes)) codes.add(f.get());
        }
        assertEquals(1, codes.stream().filter(c -> c == 200).count(), codes.toString());
        assertEquals(n - 1, codes.stream().filter(c -> c == 409).count(), codes.toString());
        assertEquals(1, deploy.calls.size());
        assertEquals(2, upstream.requests().size());
    }

    @Test
    void anotherKeysApproval_isAnswered404_likeAnUnknownOne() throws Exception {
        String approvalId = (String) ext(pause().body()).get("approval_id");

        HttpResponse<String> theirs = gw.post("/v1/chat/resume", resume(approvalId, "approve"), "Authorization", "Bearer " + OTHER_KEY);
        HttpResponse<String> unknown = gw.post("/v1/chat/resume", resume("3e6f4f5d-c02a-4cae-b35d-e83420867962", "approve"));
        HttpResponse<String> junk = gw.post("/v1/chat/resume", resume("../../etc/passwd", "approve"));

        assertEquals(404, theirs.statusCode());
        assertEquals("application/json", theirs.headers().firstValue("content-type").orElse(null), theirs.body());
        assertEquals(404, unknown.statusCode());
        assertEquals("application/json", unknown.headers().firstValue("content-type").orElse(null), unknown.body());
        assertEquals(404, junk.statusCode());
        assertEquals("application/json", junk.headers().firstValue("content-type").orElse(null), junk.body());
        // Compared with each other only, three equal wrong bodies would pass: the unknown one is pinned.
        assertEquals("application/json", unknown.headers().firstValue("content-type").orElse(null));
        assertEquals(errorJson("No approval with this approval_id is waiting for this key.", "not_found_error", "approval_id", 404),
                unknown.body());
        assertEquals(unknown.body(), theirs.body());
        assertEquals(unknown.body(), junk.body());
        // Still waiting for its own key.
        assertEquals(200, gw.post("/v1/chat/resume", resume(approvalId, "reject")).statusCode());
    }

    @Test
    void badResumeBodies_areRefusedNamingTheField() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/resume", "{\"decision\":\"approve\"}");
        assertEquals(400, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
        assertEquals(errorJson("Missing required parameter: 'approval_id'.", "invalid_request_error", "approval_id", 400), r.body());

        r = gw.post("/v1/chat/resume", "{\"approval_id\":\"x\",\"decision\":\"maybe\"}");
        assertEquals(400, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
        assertEquals(errorJson("Invalid value for 'decision': expected 'approve' or 'reject', got 'maybe'.", "invalid_request_error",
                "decision", 400), r.body());

        r = gw.post("/v1/chat/resume", "{\"approval_id\":\"x\"}");
        assertEquals(400, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
        assertEquals("decision", obj(obj(r.body()).get("error")).get("param"));

        r = gw.post("/v1/chat/resume", "{\"approval_id\":\"x\",\"decision\":\"approve\",\"approved\":false}");
        assertEquals(400, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
        assertEquals("decision", obj(obj(r.body()).get("error")).get("param"));

        r = gw.post("/v1/chat/resume", "{\"approval_id\":\"x\",\"approved\":\"yes\"}");
        assertEquals(400, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
        assertEquals("approved", obj(obj(r.body()).get("error")).get("param"));

        r = gw.postAs("/v1/chat/resume", resume("x", "approve"));
        assertEquals(401, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
    }

    @Test
    void aClientFunction_gatedByRequiresApproval_isReturnedOnceApproved() throws Exception {
        upstream.respondWith(turns(toolCalls("chatcmpl-u1", call("call_t", "create_ticket", "{\"priority\":\"high\"}")),
                text("chatcmpl-u2", "Not created.")));
        String request = ask(clientFunction("create_ticket"), "\"metadata\":{\"requires_approval\":\"create_ticket\"}");

        HttpResponse<String> r = gw.post("/v1/chat/completions", request);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
        String approvalId = (String) ext(r.body()).get("approval_id");
        assertEquals("[" + call("call_t", "create_ticket", "{\"priority\":\"high\"}") + "]",
                Json.toString(message(r.body()).get("tool_calls")));

        r = gw.post("/v1/chat/resume", resume(approvalId, "approve"));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
        assertEquals("{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[" + call("call_t", "create_ticket", "{\"priority\":\"high\"}")
                + "]}", Json.toString(message(r.body())));
        assertEquals("tool_calls", obj(list(obj(r.body()).get("choices")).get(0)).get("finish_reason"));
        assertEquals(1, upstream.requests().size(), "the client runs its own function");

        // Rejected instead: the model is told, and answers.
        approvalId = (String) ext(gw.post("/v1/chat/completions", request).body()).get("approval_id");
        r = gw.post("/v1/chat/resume", resume(approvalId, "reject"));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
        assertEquals("Not created.", message(r.body()).get("content"));
        assertEquals("{\"role\":\"tool\",\"tool_call_id\":\"call_t\",\"content\":\"The user refused this call.\"}",
                Json.toString(messages(upstream.requests().get(2)).get(2)));
    }
}
