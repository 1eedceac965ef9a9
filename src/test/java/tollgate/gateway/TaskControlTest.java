package tollgate.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.GatewayHarness.errorJson;
import static tollgate.gateway.GatewayHarness.obj;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import tollgate.account.UsageRecord;
import tollgate.json.Json;
import tollgate.tool.GatewayTool;
import tollgate.tool.ToolOutput;

/** Steering tasks: cancel, approval and resume, expiry, the per-key cap, Prefer: respond-async, webhooks. */
class TaskControlTest extends TaskTestBase {
    final TestTool deploy = new TestTool("deploy", true, List.of("*"), call -> ToolOutput.ok("deployed"));

    @Override
    List<GatewayTool> tools() { return List.of(lookup, hold, deploy); }

    @Override
    FakeUpstream newUpstream() throws Exception {
        return new FakeUpstream().respondWith(callsThenAnswers(call("call_h", "hold", "{}"), "Held."));
    }

    @Test
    void cancel_aQueuedTaskAtOnce_aRunningOneMidStep_andAnEndedOne409() throws Exception {
        gw.close();
        gw = builder(upstream).top("agent", "{\"max_running_tasks\": 1}").start();
        String running = createId(task(gatewayTool("hold"), ""));
        assertTrue(holding.await(20, TimeUnit.SECONDS));
        String queued = createId(task(gatewayTool("hold"), ""));
        assertEquals("queued", obj(gw.get("/v1/neo/tasks/" + queued, "Authorization", GatewayHarness.AUTH).body()).get("status"));

        HttpResponse<String> r = gw.post("/v1/neo/tasks/" + queued + "/cancel", "");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(null));
        assertEquals("cancelled", obj(r.body()).get("status"));
        r = gw.post("/api/neo/tasks/" + running + "/cancel", "");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(null));
        Map<String, Object> cancelled = obj(r.body());
        assertEquals("cancelled", cancelled.get("status"));
        assertEquals(1, hold.calls.size(), "the queued task never ran");

        r = gw.post("/v1/neo/tasks/" + running + "/cancel", "");
        assertEquals(409, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(null));
        assertEquals(errorJson("Task " + running + " has already ended (cancelled); only a queued, running or waiting task can be cancelled.",
                "invalid_request_error", "id", 409), r.body());
        List<Event> ev = events(gw.get("/v1/neo/tasks/" + running + "/events", "Authorization", GatewayHarness.AUTH).body());
        assertEquals("status cancelled", ev.get(ev.size() - 1).type() + " " + obj(ev.get(ev.size() - 1).data()).get("status"));
    }

    @Test
    void cancellingATaskWhoseModelCallIsInFlight_stopsTheCall_recorded499() throws Exception {
        upstream.respondWith(FakeUpstream.delayed(Duration.ofSeconds(15), text("chatcmpl-x", "too late")));
        String id = createId(task(gatewayTool("lookup"), ""));
        upstream.takeRequest(); // the model call is in flight
        HttpResponse<String> r = gw.post("/v1/neo/tasks/" + id + "/cancel", "");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(null));
        assertEquals("cancelled", obj(r.body()).get("status"));
        String executionId = (String) obj(r.body()).get("execution_id");
        List<UsageRecord> records = ledger();
        assertEquals(1, records.size());
        assertEquals(499, records.get(0).status());
        assertEquals(executionId, records.get(0).executionId());
    }

    @Test
    void aTaskWaitingForApproval_isResumedByChatResume_202_andSucceeds() throws Exception {
        upstream.respondWith(callsThenAnswers(call("call_d", "deploy", "{\"env\":\"prod\"}"), "Deployed."));
        String id = createId(task(gatewayTool("deploy"), ""));
        Map<String, Object> waiting = awaitStatus(id, "waiting_approval");
        Map<String, Object> approval = obj(waiting.get("approval"));
        assertEquals(List.of("approval_id", "execution_id", "expires_at", "calls"), List.copyOf(approval.keySet()));
        assertEquals(waiting.get("execution_id"), approval.get("execution_id"));
        assertTrue(((String) approval.get("expires_at")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"));
        assertEquals("deploy", obj(obj(GatewayHarness.list(approval.get("calls")).get(0)).get("function")).get("name"));
        HttpResponse<java.io.InputStream> stream = gw.http.send(gw.request("/v1/neo/tasks/" + id + "/events?after=3", "Authorization",
                GatewayHarness.AUTH).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, stream.statusCode());
        assertEquals("text/event-stream", stream.headers().firstValue("Content-Type").orElseThrow());
        try (java.io.BufferedReader in = reader(stream.body())) { // a waiting task's stream stays open: read what is there
            List<Event> ev = read(in, 2);
            assertEquals(List.of("4 approval", "5 status waiting_approval"), types(ev));
            assertEquals(Json.toString(approval), ev.get(0).data());
        }
        assertEquals(0, deploy.calls.size());

        HttpResponse<String> r = gw.post("/v1/chat/resume", "{\"approval_id\":\"" + approval.get("approval_id") + "\",\"decision\":\"approve\"}");
        assertEquals(202, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElseThrow());
        assertEquals(id, obj(r.body()).get("id"));
        assertTrue(List.of("queued", "running", "succeeded").contains(obj(r.body()).get("status")), r.body());
        Map<String, Object> done = awaitStatus(id, "succeeded");
        assertEquals("Deployed.", obj(done.get("result")).get("content"));
        assertEquals(1, deploy.calls.size());
        assertEquals(null, done.get("approval"));

        r = gw.post("/v1/chat/resume", "{\"approval_id\":\"" + approval.get("approval_id") + "\",\"decision\":\"approve\"}");
        assertEquals(409, r.statusCode(), "an approval works once");
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(null));
    }

    @Test
    void anApprovalThatExpires_failsItsTask() throws Exception {
        gw.close();
        gw = builder(upstream).top("agent", "{\"approval_ttl_ms\": 1000}").start();
        upstream.respondWith(callsThenAnswers(call("call_d", "deploy", "{}"), "never"));
        String id = createId(task(gatewayTool("deploy"), ""));
        String approvalId = (String) obj(awaitStatus(id, "waiting_approval").get("approval")).get("approval_id");
        Map<String, Object> failed = awaitStatus(id, "failed");
        Map<String, Object> error = obj(failed.get("error"));
        assertEquals("approval_expired", error.get("type"));
        assertEquals("410", error.get("code").toString());
        assertTrue(((String) error.get("message")).startsWith("The approval " + approvalId + " expired at "), error.toString());
        HttpResponse<String> r = gw.post("/v1/chat/resume", "{\"approval_id\":\"" + approvalId + "\",\"decision\":\"approve\"}");
        assertEquals(410, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(null));
        assertEquals(0, deploy.calls.size());
    }

    @Test
    void theKeysCapOnUnfinishedTasks_is429() throws Exception {
        gw.close();
        gw = builder(upstream).top("agent", "{\"max_tasks_per_key\": 1}").start();
        String first = createId(task(gatewayTool("hold"), ""));
        HttpResponse<String> r = gw.post("/v1/neo/tasks", task(gatewayTool("hold"), ""));
        assertEquals(429, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElseThrow());
        assertEquals(errorJson("This API key has 1 tasks that have not ended, the most it may have (agent.max_tasks_per_key); wait for one to "
                + "end or cancel one.", "rate_limit_error", null, 429), r.body());
        HttpResponse<String> other = gw.send(gw.request("/v1/neo/tasks", "Authorization", OTHER_AUTH)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(task(gatewayTool("lookup"), ""))).build());
        assertEquals(202, other.statusCode(), "another key has its own count");
        assertEquals("application/json", other.headers().firstValue("Content-Type").orElse(null));
        release.countDown();
        awaitStatus(first, "succeeded");
        create(task(gatewayTool("lookup"), ""));
    }

    @Test
    void preferRespondAsync_onANeoModeChatWithGatewayTools_answersWithATask() throws Exception {
        upstream.respondWith(callsThenAnswers(LOOKUP_CALL, "Async answer."));
        String chat = "{\"model\":\"neo-mode/premium\",\"messages\":[{\"role\":\"user\",\"content\":\"Go\"}],\"tools\":["
                + gatewayTool("lookup") + "]}";
        HttpResponse<String> r = gw.post("/api/chat/completions", chat, "Prefer", "respond-async, wait=5");
        assertEquals(202, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(null));
        assertEquals("respond-async", r.headers().firstValue("Preference-Applied").orElseThrow());
        String id = (String) obj(r.body()).get("id");
        assertEquals("/api/neo/tasks/" + id, r.headers().firstValue("Location").orElseThrow());
        assertEquals("neo.task", obj(r.body()).get("object"));
        assertEquals("neo-mode/premium", obj(r.body()).get("model"));
        assertEquals("Async answer.", obj(awaitStatus(id, "succeeded").get("result")).get("content"));

        // Not neo-mode: the preference is ignored (RFC 7240 §2), the chat is answered as ever.
        r = gw.post("/v1/chat/completions", ask(gatewayTool("lookup"), ""), "Prefer", "respond-async");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(null));
        assertFalse(r.headers().firstValue("Preference-Applied").isPresent());
        assertEquals("chat.completion", obj(r.body()).get("object"));
    }

    @Test
    void aWebhook_getsTheEndedTaskSigned_andAnUnlistedUrlIsRefused() throws Exception {
        LinkedBlockingQueue<String[]> received = new LinkedBlockingQueue<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        receiver.createContext("/", ex -> {
            received.add(new String[] {ex.getRequestHeaders().getFirst("x-tollgate-event"), ex.getRequestHeaders().getFirst("x-tollgate-signature"),
                    new String(ex.getRequestBody().readAllBytes(), UTF_8), ex.getRequestURI().toString()});
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        receiver.start();
        try {
            String hooks = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hooks";
            gw.close();
            gw = builder(upstream).top("agent", "{\"webhook_allow\": [\"" + hooks + "\"], \"webhook_secret\": \"whsec-0123456789\"}").start();
            upstream.respondWith(callsThenAnswers(LOOKUP_CALL, "Hooked."));

            HttpResponse<String> refused = gw.post("/v1/neo/tasks", task(gatewayTool("lookup"), "\"webhook\":\"" + hooks + "evil/x\""));
            assertEquals(400, refused.statusCode());
            assertEquals("application/json", refused.headers().firstValue("Content-Type").orElse(null));
            assertEquals(errorJson("This webhook URL is not allowed: it must start with one of the gateway's agent.webhook_allow prefixes.",
                    "invalid_request_error", "webhook", 400), refused.body());

            String id = createId(task(gatewayTool("lookup"), "\"webhook\":\"" + hooks + "/done?task=1\""));
            String[] d = received.poll(20, TimeUnit.SECONDS);
            assertTrue(d != null, "delivered");
            assertEquals("task.succeeded", d[0]);
            assertEquals("/hooks/done?task=1", d[3]);
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec("whsec-0123456789".getBytes(UTF_8), "HmacSHA256"));
            assertEquals("sha256=" + HexFormat.of().formatHex(mac.doFinal(d[2].getBytes(UTF_8))), d[1]);
            assertEquals(gw.get("/v1/neo/tasks/" + id, "Authorization", GatewayHarness.AUTH).body(), d[2]);
        } finally {
            receiver.stop(0);
        }
    }
}
