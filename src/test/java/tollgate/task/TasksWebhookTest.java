package tollgate.task;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tollgate.json.Json;

/** A task's end posted to its webhook: signed, retried, only to allowed URLs. */
class TasksWebhookTest extends TasksTestBase {
    record Delivery(String event, String signature, String contentType, byte[] body) {}

    static final String SECRET = "whsec-test-0123456789";
    final LinkedBlockingQueue<Delivery> received = new LinkedBlockingQueue<>();
    final AtomicInteger failFirst = new AtomicInteger();
    HttpServer receiver;
    String base;

    @BeforeEach
    void receiver() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        receiver.createContext("/", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            received.add(new Delivery(ex.getRequestHeaders().getFirst("x-tollgate-event"), ex.getRequestHeaders().getFirst("x-tollgate-signature"),
                    ex.getRequestHeaders().getFirst("content-type"), body));
            int status = failFirst.getAndDecrement() > 0 ? 500 : 204;
            ex.sendResponseHeaders(status, -1);
            ex.close();
        });
        receiver.start();
        base = "http://127.0.0.1:" + receiver.getAddress().getPort();
    }

    @AfterEach
    void stopReceiver() { receiver.stop(0); }

    static String hmac(byte[] body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(UTF_8), "HmacSHA256"));
        return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
    }

    @Test
    void theEndOfATask_isPostedSigned_andRetriedAfterAFailure() throws Exception {
        failFirst.set(1);
        engine.then(ScriptedEngine.steps(1, ScriptedEngine.answered("done!")));
        Tasks tasks = open(config(4, 100, List.of(base + "/hooks"), SECRET), engine, accounts);
        String id = id(tasks.create(request("x"), alice, "req_1", 8, base + "/hooks/tasks?team=7", null));

        Delivery first = received.poll(10, TimeUnit.SECONDS);
        Delivery second = received.poll(10, TimeUnit.SECONDS);
        assertTrue(first != null && second != null, "a failed delivery is tried again");
        assertEquals(first.signature(), second.signature());
        assertEquals("task.succeeded", second.event());
        assertEquals("application/json", second.contentType());
        assertEquals(hmac(second.body()), second.signature(), "x-tollgate-signature is the HMAC-SHA256 of the exact body");
        Map<String, Object> task = Json.asObject(Json.parse(second.body()));
        assertEquals(id, task.get("id"));
        assertEquals("succeeded", task.get("status"));
        assertEquals("done!", ((Map<?, ?>) task.get("result")).get("content"));
        assertEquals(Json.toString(tasks.get(id, alice.id())), new String(second.body(), UTF_8), "the body is the task as GET shows it");
        assertEquals(Webhooks.FIRST_BACKOFF.toNanos(), clock.slept(), "one backoff, on the task's clock");
        assertNull(received.poll(200, TimeUnit.MILLISECONDS), "delivered once it succeeded");
    }

    @Test
    void aDeliveryThatKeepsFailing_stopsAfterItsAttempts() throws Exception {
        failFirst.set(100);
        Tasks tasks = open(config(4, 100, List.of(base + "/"), null), engine, accounts);
        tasks.create(request("x"), alice, "req_1", 8, base + "/h", null);
        for (int i = 0; i < Webhooks.ATTEMPTS; i++) {
            Delivery d = received.poll(10, TimeUnit.SECONDS);
            assertTrue(d != null);
            assertNull(d.signature(), "unsigned without a secret");
        }
        assertNull(received.poll(300, TimeUnit.MILLISECONDS));
    }

    @Test
    void aWebhookNoLongerAllowedAfterARestart_isNotCalled() throws Exception {
        long expires = clock.millis() + 60_000;
        engine.then((ex, cancel, l) -> new tollgate.agent.Outcome.Paused(ScriptedEngine.answered(null).completion(),
                new tollgate.agent.Outcome.Approval("a-1", ex.id(), expires, List.of())));
        Tasks first = open(config(4, 100, List.of(base + "/hooks/"), null), engine, accounts);
        String id = id(first.create(request("x"), alice, "req_1", 8, base + "/hooks/t", null));
        awaitStatus(first, id, alice, "waiting_approval");
        first.stop();
        opened.remove(first);

        // The operator takes the receiver off agent.webhook_allow (say, it was abused) and restarts.
        Tasks second = open(config(4, 100, List.of("https://hooks.example.com/"), null), new ScriptedEngine(), accounts);
        assertStatus("cancelled", second.cancel(id, alice.id()));
        assertNull(received.poll(500, TimeUnit.MILLISECONDS), "not posted to a URL the gateway no longer allows");
    }

    @Test
    void webhookUrls_mustStartWithAnAllowedPrefix_atABoundary() {
        List<String> allow = List.of("https://hooks.example.com", "http://127.0.0.1:8080/cb/");
        assertNull(Webhooks.refusal(allow, "https://hooks.example.com"));
        assertNull(Webhooks.refusal(allow, "https://hooks.example.com/t/1"));
        assertNull(Webhooks.refusal(allow, "https://hooks.example.com?x=1"));
        assertNull(Webhooks.refusal(allow, "http://127.0.0.1:8080/cb/anything"));
        for (String bad : List.of("https://hooks.example.com.evil.io/", "https://hooks.example.com@evil.io/", "https://hooks.example.co",
                "http://127.0.0.1:8080/cbx", "http://127.0.0.1:80801/cb/", "http://169.254.169.254/latest/meta-data", "https://user:pw@hooks.example.com/")) {
            assertTrue(Webhooks.refusal(allow, bad) != null, bad);
        }
        assertEquals("Webhooks are off on this gateway (agent.webhook_allow is empty).", Webhooks.refusal(List.of(), "https://a.b/"));
    }

    @Test
    void webhookUrls_mayNotClimbOutOfAnAllowedPath_withDotSegments() {
        List<String> allow = List.of("https://hooks.example.com/tollgate/");
        assertNull(Webhooks.refusal(allow, "https://hooks.example.com/tollgate/t/1.json?x=..%2F"));
        for (String bad : List.of("https://hooks.example.com/tollgate/../admin", "https://hooks.example.com/tollgate/./../admin",
                "https://hooks.example.com/tollgate/..", "https://hooks.example.com/tollgate/%2e%2e/admin",
                "https://hooks.example.com/tollgate/%2E./admin", "https://hooks.example.com/tollgate/..%2Fadmin",
                "https://hooks.example.com/tollgate/a%5c..%5c..%5cadmin")) {
            assertEquals("A webhook URL's path may not hold dot segments ('.', '..') or encoded dots, slashes or backslashes.",
                    Webhooks.refusal(allow, bad), bad);
        }
    }
}
