package tollgate.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.GatewayHarness.list;
import static tollgate.gateway.GatewayHarness.obj;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tasks across restarts: a task running when the gateway stops (gracefully, or killed) goes on
 * at the next start from its last checkpoint; the step that was in flight runs again, the
 * completed ones do not.
 */
class TaskRestartGatewayTest extends TaskTestBase {
    @TempDir Path processDir;

    @Override
    FakeUpstream newUpstream() throws Exception {
        return new FakeUpstream().respondWith(callsThenAnswers(call("call_h", "hold", "{}"), "Done after the restart."));
    }

    @Test
    void aTaskRunningAtAStop_goesOnAtTheNextStart_fromItsCheckpoint() throws Exception {
        String id = createId(task(gatewayTool("hold"), ""));
        assertTrue(holding.await(20, TimeUnit.SECONDS)); // the model's step is done, the tool's in flight
        gw.close();
        release.countDown();

        gw = builder(upstream).start();
        Map<String, Object> done = awaitStatus(id, "succeeded");
        assertEquals("Done after the restart.", obj(done.get("result")).get("content"));
        assertEquals(2, upstream.requests().size(), "the completed model call is not made again");
        assertEquals(2, hold.calls.size(), "the tool call in flight is");
        List<Event> ev = events(gw.get("/v1/neo/tasks/" + id + "/events", "Authorization", GatewayHarness.AUTH).body());
        assertTrue(types(ev).contains("5 status queued"), types(ev).toString());
        assertEquals("{\"status\":\"queued\",\"reason\":\"restart\"}", ev.get(4).data());
    }

    @Test
    void aTaskRunningWhenTheProcessIsKilled_goesOnInTheNextProcess() throws Exception {
        AtomicInteger toolCalls = new AtomicInteger();
        CountDownLatch firstCall = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        HttpServer tool = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        tool.createContext("/", ex -> {
            ex.getRequestBody().readAllBytes();
            if (toolCalls.incrementAndGet() == 1) {
                firstCall.countDown();
                try {
                    never.await(30, TimeUnit.SECONDS); // the gateway dies meanwhile
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] b = "{\"result\":\"looked up\"}".getBytes(UTF_8);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        tool.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()); // the first call blocks its thread
        tool.start();
        upstream.respondWith(callsThenAnswers(call("call_s", "slow", "{\"q\":\"x\"}"), "Survived a crash."));
        String config = GatewayHarness.STANDARD_CONFIG.replace("\"${FAKE_URL}", "\"" + upstream.url()).replace("\"models\": [",
                "\"tools\": [{\"name\": \"slow\", \"type\": \"http\", \"url\": \"http://127.0.0.1:" + tool.getAddress().getPort()
                        + "/slow\", \"timeout_ms\": 60000}],\n  \"models\": [");
        String id;
        try {
            try (GatewayProcess first = GatewayProcess.start(processDir, config, List.of("-Xmx128m"), Map.of())) {
                HttpResponse<String> r = post(first, "/v1/neo/tasks", task(gatewayTool("slow"), ""));
                assertEquals(202, r.statusCode(), r.body());
                assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(null));
                id = (String) obj(r.body()).get("id");
                assertTrue(firstCall.await(20, TimeUnit.SECONDS), first.describe());
                first.kill();
            }
            try (GatewayProcess second = GatewayProcess.start(processDir, config, List.of("-Xmx128m"), Map.of())) {
                Map<String, Object> done = null;
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (System.nanoTime() < deadline) {
                    done = obj(get(second, "/v1/neo/tasks/" + id).body());
                    if ("succeeded".equals(done.get("status"))) break;
                    Thread.sleep(50);
                }
                assertEquals("succeeded", done.get("status"), second.describe());
                assertEquals("Survived a crash.", obj(done.get("result")).get("content"));
                List<String> steps = new ArrayList<>();
                for (Object s : list(done.get("steps"))) steps.add(obj(s).get("type") + ":" + obj(s).get("outcome"));
                assertEquals(List.of("model:ok", "tool:ok", "model:ok"), steps);
                assertEquals(2, upstream.requests().size(), "the model call before the crash was not made again");
                assertEquals(2, toolCalls.get(), "the tool call in flight at the crash was");
                List<Event> ev = events(get(second, "/v1/neo/tasks/" + id + "/events").body());
                assertEquals("{\"status\":\"queued\",\"reason\":\"restart\"}", ev.get(4).data());
                assertEquals("status", ev.get(ev.size() - 1).type());
            }
        } finally {
            never.countDown();
            tool.stop(0);
        }
    }

    private HttpResponse<String> post(GatewayProcess p, String path, String body) throws Exception {
        return gw.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.port() + path)).timeout(Duration.ofSeconds(20))
                .header("Authorization", GatewayHarness.AUTH).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString(UTF_8));
    }

    private HttpResponse<String> get(GatewayProcess p, String path) throws Exception {
        return gw.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.port() + path)).timeout(Duration.ofSeconds(20))
                .header("Authorization", GatewayHarness.AUTH).GET().build(), HttpResponse.BodyHandlers.ofString(UTF_8));
    }
}
