package tollgate.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.GatewayHarness.obj;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tollgate.json.Json;

/**
 * The loop with configured {@code http} tools against a fake tool service on loopback: the
 * model's calls are POSTed there (at once when it asks for several), the answers go back to
 * the model, and a tool configured with {@code requires_approval} waits for a human.
 */
class AgentHttpToolTest extends AgentTestBase {
    /** Both tool requests must be in the service at once for either to be answered. */
    final CountDownLatch both = new CountDownLatch(2);
    final List<String> received = Collections.synchronizedList(new ArrayList<>());
    ExecutorService executor;
    HttpServer tools;

    @Override
    GatewayHarness.Builder builder(FakeUpstream upstream) {
        try {
            if (tools == null) startTools();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        String url = "http://127.0.0.1:" + tools.getAddress().getPort();
        return super.builder(upstream).top("tools", "[{\"name\": \"weather\", \"type\": \"http\", \"url\": \"" + url + "/weather\","
                + " \"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}, \"required\": [\"city\"]}},"
                + " {\"name\": \"stocks\", \"type\": \"http\", \"url\": \"" + url + "/stocks\"},"
                + " {\"name\": \"refund\", \"type\": \"http\", \"url\": \"" + url + "/refund\", \"requires_approval\": true}]");
    }

    void startTools() throws java.io.IOException {
        executor = Executors.newVirtualThreadPerTaskExecutor();
        tools = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        tools.setExecutor(executor);
        tools.createContext("/", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), UTF_8);
            String path = ex.getRequestURI().getPath();
            received.add(path + " " + body + " " + ex.getRequestHeaders().getFirst("content-type"));
            String answer = path.equals("/refund") ? "{\"refunded\":true}" : path.substring(1) + " for " + body;
            if (!path.equals("/refund")) {
                both.countDown();
                try {
                    if (!both.await(10, SECONDS)) answer = "alone";
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] b = answer.getBytes(UTF_8);
            ex.sendResponseHeaders(200, b.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(b);
            }
        });
        tools.start();
    }

    @AfterEach
    void stopTools() {
        tools.stop(0);
        executor.shutdownNow();
    }

    @Test
    void twoHttpToolsAreCalledAtOnce_andTheirAnswersGoToTheModel() throws Exception {
        upstream.respondWith(turns(toolCalls("chatcmpl-u1", call("c1", "weather", "{\"city\":\"Oslo\"}"), call("c2", "stocks", "{}")),
                text("chatcmpl-u2", "Cold, and up.")));

        HttpResponse<String> r = gw.post("/v1/chat/completions", ask(gatewayTool("weather") + "," + gatewayTool("stocks"), ""));

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
        assertEquals("Cold, and up.", message(r.body()).get("content"));
        List<Object> sent = messages(upstream.requests().get(1));
        assertEquals("{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":" + Json.toString("weather for {\"city\":\"Oslo\"}") + "}",
                Json.toString(sent.get(2)));
        assertEquals("{\"role\":\"tool\",\"tool_call_id\":\"c2\",\"content\":\"stocks for {}\"}", Json.toString(sent.get(3)));
        assertTrue(received.contains("/weather {\"city\":\"Oslo\"} application/json"), received.toString());
        // The model saw the configured schema.
        assertEquals("{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}",
                Json.toString(obj(obj(GatewayHarness.list(obj(upstream.requests().get(0).bodyText()).get("tools")).get(0))
                        .get("function")).get("parameters")));
    }

    @Test
    void aConfiguredApproval_pausesUntilResumed() throws Exception {
        upstream.respondWith(turns(toolCalls("chatcmpl-u1", call("c1", "refund", "{\"order\":7}")), text("chatcmpl-u2", "Refunded.")));

        HttpResponse<String> r = gw.post("/v1/chat/completions", ask(gatewayTool("refund"), ""));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
        Map<String, Object> ext = ext(r.body());
        assertTrue(received.isEmpty(), "nothing runs before the approval");

        r = gw.post("/v1/chat/resume", "{\"approval_id\":\"" + ext.get("approval_id") + "\",\"decision\":\"approve\"}");

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
        assertEquals("Refunded.", message(r.body()).get("content"));
        assertEquals(List.of("/refund {\"order\":7} application/json"), received);
        assertEquals("{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"{\\\"refunded\\\":true}\"}",
                Json.toString(messages(upstream.requests().get(1)).get(2)));
    }
}
