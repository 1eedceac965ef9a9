package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.GatewayHarness.list;
import static tollgate.gateway.GatewayHarness.obj;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tollgate.agent.AgentLoop;
import tollgate.tool.GatewayTool;
import tollgate.tool.ToolOutput;

/**
 * What bounds one execution besides its steps and its wall clock: how many calls of one step the
 * gateway takes, how large a step's answer may be, what the conversation holds of the memory
 * budget.
 */
class AgentBoundsTest extends AgentTestBase {
    final TestTool alpha = new TestTool("alpha", call -> ToolOutput.ok("a"));
    /** An output of 400,000 characters (a tool may be configured for up to 4 MiB), 100,000 tokens: gpt-4o-mini takes them. */
    final TestTool big = new TestTool("big", call -> ToolOutput.ok("y".repeat(400_000)));

    final CountDownLatch gateRunning = new CountDownLatch(1);
    final CountDownLatch gateOpen = new CountDownLatch(1);
    /** Runs until the test opens it. */
    final TestTool gate = new TestTool("gate", call -> {
        gateRunning.countDown();
        try {
            return gateOpen.await(20, TimeUnit.SECONDS) ? ToolOutput.ok("open") : ToolOutput.error("never opened");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ToolOutput.error("interrupted");
        }
    });

    final TestTool deploy = new TestTool("deploy", true, List.of("*"), call -> ToolOutput.ok("deployed"));

    @Override
    List<GatewayTool> tools() { return List.of(alpha, big, gate, deploy); }

    /** A managed key with {@code fields}, its Authorization header once the gateway knows it. */
    String key(Map<String, Object> fields) throws Exception {
        return new AccountsKeys(gw, dataDir).create(fields);
    }

    @Test
    void aStepOfTooManyCalls_keepsTheFirstMaxCallsPerStep() throws Exception {
        int asked = AgentLoop.MAX_CALLS_PER_STEP + 40;
        String[] calls = new String[asked];
        for (int i = 0; i < asked; i++) calls[i] = call("c" + i, i % 2 == 0 ? "alpha" : "get_weather", "{}");
        upstream.respondWith(when(r -> turn(r) == 0, toolCalls("chatcmpl-u1", calls), text("chatcmpl-u2", "Done.")));

        HttpResponse<String> r = gw.post("/v1/chat/completions", ask(gatewayTool("alpha") + "," + clientFunction("get_weather"), ""));

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
        // The gateway ran its share of the calls kept, and hands the client its own share of them.
        int kept = AgentLoop.MAX_CALLS_PER_STEP;
        assertEquals(kept / 2, alpha.calls.size());
        List<Object> returned = list(message(r.body()).get("tool_calls"));
        assertEquals(kept / 2, returned.size());
        assertEquals("c" + (kept - 1), obj(returned.get(returned.size() - 1)).get("id"));
        Map<String, Object> step = obj(list(ext(r.body()).get("steps")).get(0));
        assertEquals((long) kept, ((tollgate.json.JsonNumber) step.get("tool_calls")).longValue());
        assertEquals(1, upstream.requests().size());
    }

    @Test
    void aStepOfTooManyGatewayCalls_theNextPromptHoldsTheCallsKeptAndTheirResults() throws Exception {
        int asked = AgentLoop.MAX_CALLS_PER_STEP * 3;
        String[] calls = new String[asked];
        for (int i = 0; i < asked; i++) calls[i] = call("c" + i, "alpha", "{}");
        upstream.respondWith(when(r -> turn(r) == 0, toolCalls("chatcmpl-u1", calls), text("chatcmpl-u2", "Done.")));

        HttpResponse<String> r = gw.post("/v1/chat/completions", ask(gatewayTool("alpha"), ""));

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
        assertEquals(AgentLoop.MAX_CALLS_PER_STEP, alpha.calls.size());
        List<Object> sent = messages(upstream.requests().get(1));
        List<Object> assistantCalls = list(obj(sent.get(1)).get("tool_calls"));
        assertEquals(AgentLoop.MAX_CALLS_PER_STEP, assistantCalls.size());
        List<String> answered = new ArrayList<>();
        for (Object m : sent.subList(2, sent.size())) answered.add((String) obj(m).get("tool_call_id"));
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < AgentLoop.MAX_CALLS_PER_STEP; i++) expected.add("c" + i);
        assertEquals(expected, answered, "every call kept is answered, none dropped is");
    }

    @Test
    void aNonStreamedStepLongerThanAStreamedOneMayBe_failsWithoutRunningItsCalls() throws Exception {
        String args = "{\"q\":\"" + "x".repeat(AgentLoop.MAX_STEP_CHARS) + "\"}";
        upstream.respondWith(turns(toolCalls("chatcmpl-u1", call("c1", "alpha", args)), text("chatcmpl-u2", "Done.")));

        HttpResponse<String> r = gw.post("/v1/chat/completions", ask(gatewayTool("alpha"), ""));

        assertEquals(502, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
        assertEquals(GatewayHarness.errorJson("The model's answer in one step of the agent loop is longer than the gateway's limit of "
                + AgentLoop.MAX_STEP_CHARS + " characters.", "upstream_error", null, 502), r.body());
        assertEquals(0, alpha.calls.size());
        assertEquals(1, upstream.requests().size());
        List<tollgate.account.UsageRecord> records = ledger();
        assertEquals(1, records.size(), "the call was made: it is charged and recorded");
        assertEquals(200, records.get(0).status());
    }

    @Test
    void whatToolsAddToTheConversation_isHeldInTheRequestsMemoryBudget() throws Exception {
        // 1 MB: room for the next call's request body (about 400 kB, held while it is sent), not
        // for it and the conversation that holds the tool's output as well.
        gw.close();
        gw = builder(upstream).server("memory_budget_bytes", 1_000_000).start();
        upstream.respondWith(turns(toolCalls("chatcmpl-u1", call("c1", "big", "{}")), text("chatcmpl-u2", "Done.")));

        HttpResponse<String> r = gw.post("/v1/chat/completions", ask(gatewayTool("big"), ""));

        assertEquals(503, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
        assertEquals(GatewayHarness.errorJson("The gateway is busy (its memory for requests in flight is in use); retry in 1 second.",
                "service_unavailable", null, 503), r.body());
        assertEquals("1", r.headers().firstValue("retry-after").orElse(null));
        assertEquals(1, big.calls.size());
        assertEquals(1, upstream.requests().size());
    }

    @Test
    void anAgentStream_holdsOneOfTheKeysStreams_throughItsToolRunsToo() throws Exception {
        String auth = key(AccountsGatewayTest.fields("name", "carol", "max_streams", 1L));
        upstream.respondWith(turns(streamedToolCall("chatcmpl-s1", "call_g", "gate", "{}"), streamedText("chatcmpl-s2", "Done.")));

        CompletableFuture<String> agent = streamedGateAgent(auth);
        try {
            assertTrue(gateRunning.await(10, TimeUnit.SECONDS), "the tool runs");
            // The agent's stream is open (between its model calls): the key has no other.
            HttpResponse<String> other = gw.post("/v1/chat/completions", "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":"
                    + "\"user\",\"content\":\"Hi\"}],\"stream\":true}", "Authorization", auth);
            assertEquals(429, other.statusCode(), other.body());
            assertEquals("application/json", other.headers().firstValue("content-type").orElse(null), other.body());
            assertEquals("1", other.headers().firstValue("retry-after").orElse(null));
            assertEquals(GatewayHarness.errorJson("Too many concurrent streams for this key (at most 1); wait for one to end.",
                    "rate_limit_error", null, 429), other.body());
        } finally {
            gateOpen.countDown();
        }
        // Its own model calls take no second stream: it ends as usual.
        String done = agent.get(20, TimeUnit.SECONDS);
        assertTrue(done.startsWith("200 text/event-stream "), done);
        assertTrue(done.contains("\"content\":\"Done.\"") && done.endsWith("data: [DONE]\n\n"), done);
        assertEquals(2, upstream.requests().size());
        // And gives its slot back (once its handler has returned, just after the client read [DONE]).
        upstream.respondWith(streamedText("chatcmpl-s3", "Hi."));
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        HttpResponse<String> after;
        do {
            after = gw.post("/v1/chat/completions", "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":"
                    + "\"Hi\"}],\"stream\":true}", "Authorization", auth);
        } while (after.statusCode() == 429 && System.nanoTime() < deadline);
        assertEquals(200, after.statusCode(), after.body());
        assertEquals("text/event-stream", after.headers().firstValue("content-type").orElse(null), after.body());
    }

    @Test
    void aCallsArguments_areParsedWithinTheRequestsMemoryBudget() throws Exception {
        // 300,000 characters of arguments parse into some 9 MB of tree (a JsonNumber per "0,"):
        // a 4 MB budget holds the answer that carries them and the next call's body, not that tree.
        gw.close();
        gw = builder(upstream).server("memory_budget_bytes", 4_000_000).start();
        String args = "{\"q\":[" + "0,".repeat(150_000) + "0]}";
        upstream.respondWith(turns(toolCalls("chatcmpl-u1", call("c1", "alpha", args)), text("chatcmpl-u2", "Done.")));

        HttpResponse<String> r = gw.post("/v1/chat/completions", ask(gatewayTool("alpha"), ""));

        assertEquals(503, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
        assertEquals(GatewayHarness.errorJson("The gateway is busy (its memory for requests in flight is in use); retry in 1 second.",
                "service_unavailable", null, 503), r.body());
        assertEquals("1", r.headers().firstValue("retry-after").orElse(null));
        assertEquals(0, alpha.calls.size(), "refused before it runs");
    }

    @Test
    void aModelThatReusesAnEarlierStepsCallId_stillSeesEveryCallAndResult() throws Exception {
        // Some servers number calls per answer ("call_0" every time); to the upstream a reused id
        // is a duplicate, which the tool call repair drops with its result (seed 002).
        upstream.respondWith(turns(toolCalls("chatcmpl-u1", call("call_0", "alpha", "{\"q\":\"1\"}")),
                toolCalls("chatcmpl-u2", call("call_0", "alpha", "{\"q\":\"2\"}")), text("chatcmpl-u3", "Done.")));

        HttpResponse<String> r = gw.post("/v1/chat/completions", ask(gatewayTool("alpha"), ""));

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
        assertEquals(2, alpha.calls.size());
        List<Object> sent = messages(upstream.requests().get(2));
        assertEquals(5, sent.size(), sent.toString());
        String first = (String) obj(list(obj(sent.get(1)).get("tool_calls")).get(0)).get("id");
        String second = (String) obj(list(obj(sent.get(3)).get("tool_calls")).get(0)).get("id");
        assertEquals("call_0", first);
        assertTrue(!second.equals(first), second);
        assertEquals(second, obj(sent.get(4)).get("tool_call_id"));
        assertEquals(second, obj(list(ext(r.body()).get("steps")).get(3)).get("call_id"));
    }

    @Test
    void aStreamedResumeRefusedForTheKeysStreams_leavesTheApprovalUnused() throws Exception {
        String auth = key(AccountsGatewayTest.fields("name", "dave", "max_streams", 1L));
        upstream.respondWith(script(r -> {
            boolean stream = r.bodyText().contains("\"stream\":true");
            if (turn(r) > 0) return stream ? streamedText("chatcmpl-s2", "Done.") : text("chatcmpl-u2", "Done.");
            return r.bodyText().contains("\"gate\"") ? streamedToolCall("chatcmpl-s1", "call_g", "gate", "{}")
                    : toolCalls("chatcmpl-u1", call("call_d", "deploy", "{}"));
        }));
        HttpResponse<String> paused = gw.post("/v1/chat/completions", ask(gatewayTool("deploy"), ""), "Authorization", auth);
        assertEquals(200, paused.statusCode(), paused.body());
        assertEquals("application/json", paused.headers().firstValue("content-type").orElse(null), paused.body());
        String resume = "{\"approval_id\":\"" + ext(paused.body()).get("approval_id") + "\",\"decision\":\"approve\",\"stream\":true}";

        CompletableFuture<String> agent = streamedGateAgent(auth);
        try {
            assertTrue(gateRunning.await(10, TimeUnit.SECONDS), "the other stream is open");
            HttpResponse<String> refused = gw.post("/v1/chat/resume", resume, "Authorization", auth);
            assertEquals(429, refused.statusCode(), refused.body());
            assertEquals("application/json", refused.headers().firstValue("content-type").orElse(null), refused.body());
            assertEquals("1", refused.headers().firstValue("retry-after").orElse(null));
            assertEquals(0, deploy.calls.size());
        } finally {
            gateOpen.countDown();
        }
        String done = agent.get(20, TimeUnit.SECONDS);
        assertTrue(done.startsWith("200 text/event-stream ") && done.endsWith("data: [DONE]\n\n"), done);

        // Refused before it was claimed: once the other stream has ended, the same approval resumes.
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        HttpResponse<String> r;
        do {
            r = gw.post("/v1/chat/resume", resume, "Authorization", auth);
        } while (r.statusCode() == 429 && System.nanoTime() < deadline);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("text/event-stream", r.headers().firstValue("content-type").orElse(null), r.body());
        assertTrue(r.body().contains("\"content\":\"Done.\""), r.body());
        assertEquals(1, deploy.calls.size());
    }

    /** Starts a streamed agent request for key {@code auth} whose tool "gate" blocks until {@link #gateOpen}: "status content-type body". */
    private CompletableFuture<String> streamedGateAgent(String auth) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                HttpResponse<InputStream> r = gw.postStream("/v1/chat/completions", ask(gatewayTool("gate"), "\"stream\":true"),
                        "Authorization", auth);
                return r.statusCode() + " " + r.headers().firstValue("content-type").orElse(null) + " " + GatewayHarness.readAll(r.body());
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
    }
}
