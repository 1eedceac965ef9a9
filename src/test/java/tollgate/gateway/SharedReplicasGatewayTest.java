package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.AgentTestBase.ask;
import static tollgate.gateway.AgentTestBase.call;
import static tollgate.gateway.AgentTestBase.ext;
import static tollgate.gateway.AgentTestBase.gatewayTool;
import static tollgate.gateway.AgentTestBase.text;
import static tollgate.gateway.AgentTestBase.toolCalls;
import static tollgate.gateway.AgentTestBase.turns;
import static tollgate.gateway.GatewayHarness.obj;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.state.RedisServer;
import tollgate.tool.ToolOutput;

/**
 * Two gateways (own data directories and ports) sharing one real redis-server (issue 14,
 * "Several replicas"): an approval paused on one resumes on the other exactly once, a breaker
 * opened by one is open on the other, and with Redis killed both go on serving without 5xx.
 */
class SharedReplicasGatewayTest {
    static final String DEPLOYMENT = "openai/gpt-4o-mini-2024-07-18";
    static final String DEPLOY_CALL = call("call_d", "deploy", "{\"env\":\"prod\"}");
    static final String BREAKER_ROUTER = "{\"retries\": 0, \"breaker\": {\"min_requests\": 1, \"cooldown_ms\": 600000}}";

    @TempDir Path dataA;
    @TempDir Path dataB;
    final AgentTestBase.TestTool deploy = new AgentTestBase.TestTool("deploy", true, List.of("*"),
            call -> ToolOutput.ok("deployed " + call.arguments().get("env")));

    /** Holds its call until cancelled (a running task). */
    final java.util.concurrent.CountDownLatch holding = new java.util.concurrent.CountDownLatch(1);
    final AgentTestBase.TestTool hold = new AgentTestBase.TestTool("hold", call -> {
        java.util.concurrent.CountDownLatch cancelled = new java.util.concurrent.CountDownLatch(1);
        call.cancellation().onCancel(cancelled::countDown);
        holding.countDown();
        try {
            cancelled.await(20, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return ToolOutput.error("cancelled");
    });

    GatewayHarness replica(FakeUpstream upstream, Path data, RedisServer r, String id) throws Exception {
        return GatewayHarness.builder(upstream.url(), data).tools(List.of(deploy, hold)).top("router", BREAKER_ROUTER)
                .top("state", "{\"redis_url\": \"" + r.url() + "\", \"replica_id\": \"" + id + "\"}").start();
    }

    static String resume(String approvalId) {
        return "{\"approval_id\":\"" + approvalId + "\",\"decision\":\"approve\"}";
    }

    @Test
    void anApprovalPausedOnA_resumesOnB_once_concurrentResumesOnBoth_one200_one409() throws Exception {
        try (RedisServer r = RedisServer.start();
             FakeUpstream upstream = new FakeUpstream().respondWith(turns(toolCalls("chatcmpl-u1", DEPLOY_CALL),
                     text("chatcmpl-u2", "Deployed.")));
             GatewayHarness a = replica(upstream, dataA, r, "a");
             GatewayHarness b = replica(upstream, dataB, r, "b");
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            HttpResponse<String> paused = a.post("/v1/chat/completions", ask(gatewayTool("deploy"), ""));
            assertEquals(200, paused.statusCode(), paused.body());
            String approvalId = (String) ext(paused.body()).get("approval_id");

            List<Future<HttpResponse<String>>> resumes = new ArrayList<>();
            for (GatewayHarness g : List.of(a, b)) {
                resumes.add(pool.submit((Callable<HttpResponse<String>>) () -> g.post("/v1/chat/resume", resume(approvalId))));
            }
            List<Integer> statuses = new ArrayList<>();
            HttpResponse<String> won = null, lost = null;
            for (Future<HttpResponse<String>> f : resumes) {
                HttpResponse<String> res = f.get();
                statuses.add(res.statusCode());
                if (res.statusCode() == 200) won = res;
                else lost = res;
            }
            assertEquals(List.of(200, 409), statuses.stream().sorted().toList(), statuses.toString());
            assertEquals("application/json", won.headers().firstValue("content-type").orElse(null));
            assertEquals("Deployed.", AgentTestBase.message(won.body()).get("content"), won.body());
            assertEquals(1, deploy.calls.size(), "the approved call ran once");
            assertEquals("application/json", lost.headers().firstValue("content-type").orElse(null));
            Map<String, Object> error = obj(obj(lost.body()).get("error"));
            assertEquals("invalid_request_error", error.get("type"), lost.body());
            assertEquals("approval_id", error.get("param"), lost.body());
            assertTrue(((String) error.get("message")).startsWith("This approval was used already"), lost.body());

            // Resumed on B only this time: B does not hold the file, Redis does.
            HttpResponse<String> again = a.post("/v1/chat/completions", ask(gatewayTool("deploy"), ""));
            String second = (String) ext(again.body()).get("approval_id");
            HttpResponse<String> onB = b.post("/v1/chat/resume", resume(second));
            assertEquals(200, onB.statusCode(), onB.body());
            assertEquals("Deployed.", AgentTestBase.message(onB.body()).get("content"), onB.body());
            HttpResponse<String> usedOnA = a.post("/v1/chat/resume", resume(second));
            assertEquals(409, usedOnA.statusCode(), usedOnA.body());
            assertEquals("application/json", usedOnA.headers().firstValue("content-type").orElse(null));
            Map<String, Object> used = obj(obj(usedOnA.body()).get("error"));
            assertEquals("approval_id", used.get("param"), usedOnA.body());
            assertTrue(((String) used.get("message")).startsWith("This approval was used already"), usedOnA.body());
            assertEquals(2, deploy.calls.size(), "the second approved call ran once, on B");
        }
    }

    @Test
    void aBreakerOpenedByA_isOpenOnB_whichSendsNothingThere() throws Exception {
        try (RedisServer r = RedisServer.start();
             FakeUpstream upstream = new FakeUpstream().respondWith(FakeUpstream.json(500,
                     "{\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}"));
             GatewayHarness a = replica(upstream, dataA, r, "a");
             GatewayHarness b = replica(upstream, dataB, r, "b")) {
            HttpResponse<String> failed = a.post("/v1/chat/completions", chat());
            assertEquals(502, failed.statusCode(), failed.body());
            assertEquals(GatewayHarness.errorJson("Provider 'openai' failed (HTTP 500): boom", "upstream_error", null, 502), failed.body());
            assertEquals("open", health(a).get("breaker"));

            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            Map<String, Object> onB;
            while (!"open".equals((onB = health(b)).get("breaker"))) {
                if (System.nanoTime() > deadline) throw new AssertionError("B's breaker is not open within 10 s: " + onB);
                Thread.sleep(20);
            }
            long retry = Long.parseLong(onB.get("breaker_retry_after_ms").toString());
            assertTrue(retry > 0 && retry <= 600_000, onB.toString());
            int asked = upstream.requests().size();
            HttpResponse<String> refused = b.post("/v1/chat/completions", chat());
            assertEquals(503, refused.statusCode(), refused.body());
            assertEquals("application/json", refused.headers().firstValue("content-type").orElse(null));
            assertEquals(asked, upstream.requests().size(), "B did not call the upstream A found failing");
        }
    }

    @Test
    void aTaskRunningOnA_isReadAndCancelledOnB_andItsEventsAreServedByA() throws Exception {
        try (RedisServer r = RedisServer.start();
             FakeUpstream upstream = new FakeUpstream().respondWith(turns(toolCalls("chatcmpl-t1", call("call_h", "hold", "{}")),
                     text("chatcmpl-t2", "Held.")));
             GatewayHarness a = replica(upstream, dataA, r, "a");
             GatewayHarness b = replica(upstream, dataB, r, "b")) {
            HttpResponse<String> created = a.post("/v1/neo/tasks",
                    "{\"model\":\"gpt-4o-mini\",\"goal\":\"Hold\",\"tools\":[" + gatewayTool("hold") + "]}");
            assertEquals(202, created.statusCode(), created.body());
            String id = (String) obj(created.body()).get("id");
            assertTrue(holding.await(20, java.util.concurrent.TimeUnit.SECONDS));

            HttpResponse<String> onA = a.get("/v1/neo/tasks/" + id, "Authorization", GatewayHarness.AUTH);
            HttpResponse<String> onB = b.get("/v1/neo/tasks/" + id, "Authorization", GatewayHarness.AUTH);
            assertEquals(200, onB.statusCode(), onB.body());
            assertEquals("application/json", onB.headers().firstValue("content-type").orElse(null));
            assertEquals(onA.body(), onB.body(), "B answers A's task as A does");
            assertEquals("running", obj(onB.body()).get("status"));

            HttpResponse<String> events = b.get("/v1/neo/tasks/" + id + "/events", "Authorization", GatewayHarness.AUTH);
            assertEquals(409, events.statusCode(), events.body());
            assertEquals("application/json", events.headers().firstValue("content-type").orElse(null));
            assertEquals("Task " + id + " runs on the gateway replica 'a', which streams its events; GET /neo/tasks/" + id
                    + " answers on every replica.", obj(obj(events.body()).get("error")).get("message"));

            HttpResponse<String> cancelled = b.post("/v1/neo/tasks/" + id + "/cancel", "");
            assertEquals(200, cancelled.statusCode(), cancelled.body());
            assertEquals("cancelled", obj(cancelled.body()).get("status"), cancelled.body());
            assertEquals("cancelled", obj(a.get("/v1/neo/tasks/" + id, "Authorization", GatewayHarness.AUTH).body()).get("status"));
        }
    }

    @Test
    void redisKilled_bothReplicasServeOnTheirOwnState_without5xx() throws Exception {
        try (RedisServer r = RedisServer.start();
             FakeUpstream upstream = new FakeUpstream().respondWith(turns(toolCalls("chatcmpl-u1", DEPLOY_CALL),
                     text("chatcmpl-u2", "Deployed.")));
             GatewayHarness a = replica(upstream, dataA, r, "a");
             GatewayHarness b = replica(upstream, dataB, r, "b")) {
            r.kill();
            HttpResponse<String> paused = a.post("/v1/chat/completions", ask(gatewayTool("deploy"), ""));
            assertEquals(200, paused.statusCode(), paused.body());
            String approvalId = (String) ext(paused.body()).get("approval_id");
            HttpResponse<String> onB = b.post("/v1/chat/resume", resume(approvalId));
            assertEquals(404, onB.statusCode(), "B cannot know A's approval without Redis: " + onB.body());
            HttpResponse<String> onA = a.post("/v1/chat/resume", resume(approvalId));
            assertEquals(200, onA.statusCode(), onA.body());
            assertEquals("Deployed.", AgentTestBase.message(onA.body()).get("content"), onA.body());
            HttpResponse<String> echo = b.post("/v1/chat/completions",
                    "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertEquals(200, echo.statusCode(), echo.body());
        }
    }

    static String chat() {
        return "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    }

    static Map<String, Object> health(GatewayHarness g) throws Exception {
        HttpResponse<String> r = g.get("/v1/providers");
        assertEquals(200, r.statusCode(), r.body());
        for (Object p : GatewayHarness.list(obj(r.body()).get("data"))) {
            Object ds = obj(p).get("deployments");
            if (ds == null) continue;
            for (Object d : GatewayHarness.list(ds)) if (DEPLOYMENT.equals(obj(d).get("deployment"))) return obj(d);
        }
        throw new AssertionError("no deployment " + DEPLOYMENT + " in " + r.body());
    }
}
