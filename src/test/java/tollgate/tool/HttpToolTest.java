package tollgate.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tollgate.call.Cancellation;
import tollgate.json.Json;
import tollgate.provider.Upstream;

/** The http tool against a loopback endpoint: what it sends, what the model gets, and every way the call can fail. */
class HttpToolTest {
    private final Upstream upstream = new Upstream(Duration.ofSeconds(5));
    private final CountDownLatch release = new CountDownLatch(1);
    private FakeEndpoint endpoint;

    @BeforeEach
    void start() throws IOException {
        endpoint = new FakeEndpoint(FakeEndpoint.fixed(200, "application/json", "{\"temp\":21.5,\"city\":\"Zürich\"}"));
    }

    @AfterEach
    void stop() {
        release.countDown();
        endpoint.close();
        upstream.close();
    }

    private HttpTool tool(String extra) {
        return new HttpTool(Calls.tool("{\"name\": \"weather\", \"type\": \"http\", \"url\": \"" + endpoint.url("/hook?v=1") + "\""
                + extra + "}"), upstream);
    }

    @Test
    void postsTheArguments_withTheHeaders_andGivesTheModelTheAnswer() throws Exception {
        HttpTool t = tool(", \"headers\": {\"authorization\": \"Bearer sk-tool-secret-123456\", \"x-team\": \"blue\"}");
        ToolOutput out = t.run(Calls.call("{\"city\": \"Zürich\", \"days\": 2}"));

        assertEquals(new ToolOutput("{\"temp\":21.5,\"city\":\"Zürich\"}", ToolOutput.Outcome.OK, 0), out);
        FakeEndpoint.Received r = endpoint.received.poll(5, TimeUnit.SECONDS);
        assertEquals("POST", r.method());
        assertEquals("/hook?v=1", r.uri());
        assertEquals("{\"city\":\"Zürich\",\"days\":2}", r.body());
        assertEquals("application/json", r.header("content-type"));
        assertEquals("req-42", r.header("x-request-id"));
        assertEquals("Bearer sk-tool-secret-123456", r.header("authorization"));
        assertEquals("blue", r.header("x-team"));
    }

    @Test
    void theTypesOwnDescriptionAndSchema_unlessConfigured() {
        HttpTool plain = tool("");
        assertEquals("weather", plain.name());
        assertEquals(java.util.Map.of("type", "object"), plain.parameters());
        assertTrue(plain.description().contains("weather"), plain.description());
        assertTrue(plain.allows("anyone"));
        assertFalse(plain.requiresApproval());
        HttpTool own = tool(", \"description\": \"Weather now\", \"requires_approval\": true, \"keys\": [\"alice\"]");
        assertEquals("Weather now", own.description());
        assertTrue(own.requiresApproval());
        assertTrue(own.allows("alice"));
        assertFalse(own.allows("bob"));
    }

    @Test
    void aCredentialTheEndpointEchoes_isRedacted() {
        endpoint.answer(ex -> FakeEndpoint.fixed(200, "text/plain", "you sent " + ex.getRequestHeaders().getFirst("authorization"))
                .respond(ex));
        ToolOutput out = tool(", \"headers\": {\"authorization\": \"Bearer sk-tool-secret-123456\"}").run(Calls.call("{}"));
        assertEquals("you sent Bearer [redacted]", out.content());
    }

    @Test
    void aNon2xxAnswer_isAnErrorWithItsStatusAndTheStartOfItsBody() {
        endpoint.answer(FakeEndpoint.fixed(503, "application/json", "{\"error\":\"overloaded\"}" + "x".repeat(5000)));
        ToolOutput out = tool("").run(Calls.call("{}"));
        assertEquals(ToolOutput.Outcome.ERROR, out.outcome());
        assertTrue(out.content().startsWith("the tool's endpoint answered HTTP 503: {\"error\":\"overloaded\"}xxx"), out.content());
        assertTrue(out.content().endsWith("\n[output cut at 1024 bytes]"), out.content());
        assertTrue(out.content().length() < 1200, "excerpt only: " + out.content().length());
    }

    @Test
    void argumentsAgainstTheSchema_areCheckedBeforeAnythingIsSent() throws Exception {
        HttpTool t = tool(", \"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}},"
                + " \"required\": [\"city\"]}");
        ToolOutput out = t.run(Calls.call("{\"city\": 7}"));
        assertEquals(new ToolOutput("invalid arguments for weather: $.city: expected string, got number", ToolOutput.Outcome.ERROR, 0),
                out);
        assertTrue(t.run(Calls.call("{}")).content().contains("city"), "names the missing property");
        assertNull(endpoint.received.poll(200, TimeUnit.MILLISECONDS), "nothing was sent");
    }

    @Test
    void anEndpointThatNeverAnswers_timesOutAtTheToolsTimeout() {
        neverAnswer();
        long t0 = System.nanoTime();
        ToolOutput out = tool(", \"timeout_ms\": 300").run(Calls.call("{}"));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(new ToolOutput("the tool's endpoint did not answer within the tool's time limit", ToolOutput.Outcome.TIMEOUT, 0), out);
        assertTrue(ms >= 290 && ms < 10_000, "took " + ms + " ms");
    }

    @Test
    void theInvocationsDeadline_cutsTheToolsTimeout() {
        neverAnswer();
        long t0 = System.nanoTime();
        ToolOutput out = tool(", \"timeout_ms\": 60000").run(Calls.call("{}", Duration.ofMillis(300), new Cancellation()));
        assertEquals(ToolOutput.Outcome.TIMEOUT, out.outcome());
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10));
    }

    @Test
    void aCancelledCall_returnsSoon_asCancelled() throws Exception {
        CountDownLatch arrived = new CountDownLatch(1);
        endpoint.answer(ex -> {
            arrived.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Cancellation c = new Cancellation();
        Thread.ofVirtual().start(() -> {
            try {
                arrived.await();
            } catch (InterruptedException e) {
                return;
            }
            c.cancel();
        });
        ToolOutput out = tool("").run(Calls.call("{}", Duration.ofSeconds(60), c));
        assertEquals(ToolOutput.Outcome.CANCELLED, out.outcome());
        assertEquals("the call was cancelled before the tool's endpoint answered", out.content());
    }

    @Test
    void aRedirect_isNotFollowed_soTheCredentialGoesNowhereElse() throws Exception {
        try (FakeEndpoint elsewhere = new FakeEndpoint(FakeEndpoint.fixed(200, "text/plain", "took it"))) {
            endpoint.answer(ex -> {
                ex.getResponseHeaders().set("location", elsewhere.url("/steal"));
                ex.sendResponseHeaders(307, -1);
            });
            ToolOutput out = tool(", \"headers\": {\"authorization\": \"Bearer sk-tool-secret-123456\"}").run(Calls.call("{}"));
            assertEquals(new ToolOutput("the tool's endpoint answered HTTP 307", ToolOutput.Outcome.ERROR, 0), out);
            assertEquals(null, elsewhere.received.poll(300, TimeUnit.MILLISECONDS));
        }
    }

    @Test
    void aRefusedConnection_isAnError_withoutTheUrl() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        HttpTool t = new HttpTool(Calls.tool("{\"name\": \"w\", \"type\": \"http\", \"url\": \"http://127.0.0.1:" + port
                + "/x?token=abc\"}"), upstream);
        ToolOutput out = t.run(Calls.call("{}"));
        assertEquals(new ToolOutput("could not connect to the tool's endpoint (connection refused or unreachable)", ToolOutput.Outcome.ERROR,
                0), out);
    }

    @Test
    void aTenMegabyteAnswer_isCutAtTheCap_withoutBeingReadWhole() {
        endpoint.answer(ex -> {
            ex.getResponseHeaders().set("content-type", "text/plain; charset=utf-8");
            ex.sendResponseHeaders(200, 0); // chunked
            byte[] line = ("é".repeat(31) + "\n").getBytes(StandardCharsets.UTF_8); // 63 bytes: the cap falls inside an é
            try (OutputStream o = ex.getResponseBody()) {
                for (int i = 0; i < 10 * 1024 * 1024 / line.length; i++) o.write(line);
            } catch (IOException e) {
                // the tool closed the connection once it had its cap: expected
            }
        });
        ToolOutput out = tool(", \"max_output_bytes\": 4096").run(Calls.call("{}"));
        assertEquals(ToolOutput.Outcome.OK, out.outcome());
        byte[] utf8 = out.content().getBytes(StandardCharsets.UTF_8);
        assertTrue(utf8.length <= 4096 && utf8.length > 4000, "length " + utf8.length);
        assertTrue(out.content().endsWith("\n[output cut at 4096 bytes]"), out.content().substring(out.content().length() - 40));
        assertFalse(out.content().contains("\uFFFD"), "cut between characters");
    }

    @Test
    void aJsonBody_reachesTheModelAsItsText() {
        endpoint.answer(FakeEndpoint.fixed(200, "application/json", "[1, 2,\n {\"a\": null}]"));
        assertEquals("[1, 2,\n {\"a\": null}]", tool("").run(Calls.call("{}")).content());
        assertEquals(Json.parse("[1,2,{\"a\":null}]"), Json.parse(tool("").run(Calls.call("{}")).content()));
    }

    /** The endpoint holds every request until {@link #release} opens (at the end of the test). */
    void neverAnswer() {
        endpoint.answer(ex -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }
}
