package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static tollgate.gateway.GatewayHarness.obj;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import tollgate.tool.GatewayTool;
import tollgate.tool.ToolOutput;

/**
 * The fixture of the task tests (issue 12, {@code /neo/tasks}): the agent tests' scripted
 * upstream and tools, a second key, a tool that holds its call until released or cancelled, and
 * readers for the task API's answers and its event streams.
 */
abstract class TaskTestBase extends AgentTestBase {
    static final String OTHER_KEY = "sk-test-other-0123456789";
    static final String OTHER_AUTH = "Bearer " + OTHER_KEY;
    static final String CONFIG = GatewayHarness.STANDARD_CONFIG.replace(
            "\"keys\": [{\"name\": \"t\", \"key\": \"sk-test-0123456789abcdef\"}]",
            "\"keys\": [{\"name\": \"t\", \"key\": \"sk-test-0123456789abcdef\"}, {\"name\": \"other\", \"key\": \"" + OTHER_KEY + "\"}]");
    static final String LOOKUP_CALL = call("call_l", "lookup", "{\"q\":\"tollgate\"}");

    /** Released by the test; a cancellation ends its wait too. */
    final CountDownLatch release = new CountDownLatch(1);
    final CountDownLatch holding = new CountDownLatch(1);
    final TestTool lookup = new TestTool("lookup", call -> ToolOutput.ok("found: " + call.arguments().get("q")));
    final TestTool hold = new TestTool("hold", call -> {
        CountDownLatch cancelled = new CountDownLatch(1);
        call.cancellation().onCancel(cancelled::countDown);
        holding.countDown();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (release.getCount() > 0 && cancelled.getCount() > 0 && System.nanoTime() < deadline) {
                release.await(20, TimeUnit.MILLISECONDS); // either latch ends the wait
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return cancelled.getCount() == 0 ? ToolOutput.error("cancelled") : ToolOutput.ok("held and released");
    });

    @Override
    List<GatewayTool> tools() { return List.of(lookup, hold); }

    @Override
    GatewayHarness.Builder builder(FakeUpstream upstream) {
        GatewayHarness.Builder b = GatewayHarness.builder(upstream.url(), dataDir).config(CONFIG).tools(tools());
        if (agentSection() != null) b.top("agent", agentSection());
        return b;
    }

    /** A model that calls {@code call} first, then answers {@code answer}. */
    static FakeUpstream.Behaviour callsThenAnswers(String call, String answer) {
        return turns(toolCalls("chatcmpl-t1", call), text("chatcmpl-t2", answer));
    }

    static String task(String tools, String extra) {
        return "{\"model\":\"gpt-4o-mini\",\"goal\":\"Find tollgate\",\"tools\":[" + tools + "]" + (extra.isEmpty() ? "" : "," + extra) + "}";
    }

    HttpResponse<String> create(String body) throws Exception {
        HttpResponse<String> r = gw.post("/v1/neo/tasks", body);
        assertEquals(202, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(null), r.body());
        assertEquals("/v1/neo/tasks/" + obj(r.body()).get("id"), r.headers().firstValue("Location").orElse(null));
        return r;
    }

    String createId(String body) throws Exception {
        return (String) obj(create(body).body()).get("id");
    }

    /** Polls (20 ms) the task until it has {@code status}, for at most 20 s. */
    Map<String, Object> awaitStatus(String id, String status) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            HttpResponse<String> r = gw.get("/v1/neo/tasks/" + id, "Authorization", GatewayHarness.AUTH);
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(null), r.body());
            Map<String, Object> t = obj(r.body());
            if (status.equals(t.get("status"))) return t;
            if (System.nanoTime() > deadline) throw new AssertionError("task " + id + " is " + t.get("status") + ", not " + status + ": " + r.body());
            Thread.sleep(20);
        }
    }

    /** One event of a task's stream. */
    record Event(String id, String type, String data) {
        @Override public String toString() { return id + " " + type + " " + data; }
    }

    /** The events of an SSE text (comments skipped), each with its id, type and data. */
    static List<Event> events(String text) {
        List<Event> out = new ArrayList<>();
        for (String block : text.split("\n\n")) {
            String id = null, type = null;
            StringBuilder data = null;
            for (String line : block.split("\n")) {
                if (line.startsWith("id: ")) id = line.substring(4);
                else if (line.startsWith("event: ")) type = line.substring(7);
                else if (line.startsWith("data: ")) data = (data == null ? new StringBuilder() : data.append('\n')).append(line.substring(6));
            }
            if (data != null) out.add(new Event(id, type, data.toString()));
        }
        return out;
    }

    /** Reads events off an open stream until {@code n} have come (or the stream ends). */
    static List<Event> read(BufferedReader in, int n) throws IOException {
        List<Event> out = new ArrayList<>();
        StringBuilder block = new StringBuilder();
        String line;
        while (out.size() < n && (line = in.readLine()) != null) {
            if (!line.isEmpty()) {
                block.append(line).append('\n');
                continue;
            }
            out.addAll(events(block.toString()));
            block.setLength(0);
        }
        return out;
    }

    static BufferedReader reader(InputStream in) {
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    }

    static List<String> types(List<Event> events) {
        return events.stream().map(e -> e.id() + " " + e.type() + (e.type().equals("status") ? " " + obj(e.data()).get("status") : "")).toList();
    }
}
