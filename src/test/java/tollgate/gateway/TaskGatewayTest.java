package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.GatewayHarness.errorJson;
import static tollgate.gateway.GatewayHarness.list;
import static tollgate.gateway.GatewayHarness.obj;

import java.io.BufferedReader;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tollgate.json.Json;

/** {@code POST /neo/tasks} to its end: the task object, its events (SSE with ids), the key's list, bad requests. */
class TaskGatewayTest extends TaskTestBase {

    @Override
    FakeUpstream newUpstream() throws Exception {
        return new FakeUpstream().respondWith(callsThenAnswers(LOOKUP_CALL, "Found it."));
    }

    @Test
    void aTask_isAnswered202AtOnce_thenRunsTheLoopToSucceeded() throws Exception {
        HttpResponse<String> r = create(task(gatewayTool("lookup"), "\"metadata\":{\"ticket\":\"T-1\"}"));
        Map<String, Object> created = obj(r.body());
        String id = (String) created.get("id");
        assertTrue(id.matches("task_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"), id);
        assertEquals("/v1/neo/tasks/" + id, r.headers().firstValue("Location").orElseThrow());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElseThrow());
        assertEquals("queued", created.get("status"));
        assertEquals(List.of("id", "object", "status", "model", "created_at", "started_at", "ended_at", "max_steps", "execution_id",
                "request_id", "steps", "result", "error", "usage", "credits_charged", "cost", "approval", "metadata", "webhook"),
                List.copyOf(created.keySet()));
        assertEquals("neo.task", created.get("object"));
        assertEquals(r.headers().firstValue("x-request-id").orElseThrow(), created.get("request_id"));

        Map<String, Object> done = awaitStatus(id, "succeeded");
        assertEquals("Found it.", obj(done.get("result")).get("content"));
        assertEquals("{\"prompt_tokens\":200,\"completion_tokens\":40,\"total_tokens\":240}", Json.toString(done.get("usage")));
        assertEquals("2", done.get("credits_charged").toString());
        assertEquals("0.000054", done.get("cost").toString(), "two model calls at " + STEP_COST + " USD");
        assertEquals("{\"ticket\":\"T-1\"}", Json.toString(done.get("metadata")));
        List<String> steps = new ArrayList<>();
        for (Object s : list(done.get("steps"))) steps.add(obj(s).get("type") + ":" + obj(s).get("outcome"));
        assertEquals(List.of("model:ok", "tool:ok", "model:ok"), steps);
        assertEquals(1, lookup.calls.size());
        assertEquals(2, upstream.requests().size());
        assertEquals("{\"role\":\"user\",\"content\":\"Find tollgate\"}", Json.toString(messages(upstream.requests().get(0)).get(0)),
                "the goal is the one user message");

        HttpResponse<String> ev = gw.get("/v1/neo/tasks/" + id + "/events", "Authorization", GatewayHarness.AUTH);
        assertEquals(200, ev.statusCode());
        assertEquals("text/event-stream", ev.headers().firstValue("Content-Type").orElseThrow());
        List<Event> events = events(ev.body());
        assertEquals(List.of("1 status queued", "2 status running", "3 step", "4 tool", "5 step", "6 step", "7 result", "8 status succeeded"),
                types(events));
        assertEquals("{\"tool\":\"lookup\",\"call_id\":\"call_l\"}", events.get(3).data());
        assertEquals(Json.toString(done.get("result")), events.get(6).data());
        assertTrue(ev.body().endsWith("id: 8\nevent: status\ndata: {\"status\":\"succeeded\"}\n\n"), ev.body());
    }

    @Test
    void events_resumeAfterLastEventId_orTheAfterParameter_exactly() throws Exception {
        String id = createId(task(gatewayTool("lookup"), ""));
        awaitStatus(id, "succeeded");
        HttpResponse<String> r = gw.get("/api/neo/tasks/" + id + "/events", "Authorization", GatewayHarness.AUTH, "Last-Event-ID", "5");
        assertEventStream(r);
        assertEquals(List.of("6 step", "7 result", "8 status succeeded"), types(events(r.body())));
        r = gw.get("/api/gateway/neo/tasks/" + id + "/events?after=7", "Authorization", GatewayHarness.AUTH);
        assertEventStream(r);
        assertEquals(List.of("8 status succeeded"), types(events(r.body())));
        r = gw.get("/v1/neo/tasks/" + id + "/events", "Authorization", GatewayHarness.AUTH, "Last-Event-ID", "8");
        assertEventStream(r);
        assertEquals("", r.body(), "nothing after the last event: the stream ends at once");
        r = gw.get("/v1/neo/tasks/" + id + "/events", "Authorization", GatewayHarness.AUTH, "Last-Event-ID", "x");
        assertEquals(400, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(null));
        assertEquals(errorJson("Invalid value for 'Last-Event-ID': expected the id of an event (an integer of at least 0), got 'x'.",
                "invalid_request_error", "Last-Event-ID", 400), r.body());
    }

    @Test
    void events_followTheTaskLive_untilItEnds() throws Exception {
        upstream.respondWith(callsThenAnswers(call("call_h", "hold", "{}"), "Held."));
        String id = createId(task(gatewayTool("hold"), ""));
        assertTrue(holding.await(20, TimeUnit.SECONDS));
        HttpResponse<InputStream> r = gw.http.send(gw.request("/v1/neo/tasks/" + id + "/events", "Authorization", GatewayHarness.AUTH)
                .GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        assertEquals("text/event-stream", r.headers().firstValue("Content-Type").orElseThrow());
        try (BufferedReader in = reader(r.body())) {
            assertEquals(List.of("1 status queued", "2 status running", "3 step", "4 tool"), types(read(in, 4)));
            release.countDown(); // the rest happens while the client listens
            assertEquals(List.of("5 step", "6 step", "7 result", "8 status succeeded"), types(read(in, 4)));
            assertEquals(null, in.readLine(), "the stream ends with the task");
        }
    }

    @Test
    void list_isTheKeysTasksNewestFirstInPages_andAnotherKeysTaskIsNotFound() throws Exception {
        List<String> mine = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            mine.add(createId(task(gatewayTool("lookup"), "")));
            Thread.sleep(2); // distinct creation times
        }
        HttpResponse<String> theirs = gw.send(gw.request("/v1/neo/tasks", "Authorization", OTHER_AUTH)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(task(gatewayTool("lookup"), ""))).build());
        assertEquals(202, theirs.statusCode(), theirs.body());
        assertEquals("application/json", theirs.headers().firstValue("Content-Type").orElse(null));
        String other = (String) obj(theirs.body()).get("id");

        Map<String, Object> page = jsonPage(gw.get("/v1/neo/tasks?limit=2", "Authorization", GatewayHarness.AUTH));
        assertEquals("list", page.get("object"));
        assertEquals(List.of(mine.get(2), mine.get(1)), ids(page));
        assertEquals(true, page.get("has_more"));
        page = jsonPage(gw.get("/api/neo/tasks?limit=2&after=" + page.get("last_id"), "Authorization", GatewayHarness.AUTH));
        assertEquals(List.of(mine.get(0)), ids(page));
        assertEquals(false, page.get("has_more"));
        assertEquals(List.of(other), ids(jsonPage(gw.get("/v1/neo/tasks", "Authorization", OTHER_AUTH))));

        String notFound = errorJson("No task '" + other + "'.", "not_found_error", "id", 404);
        for (String path : List.of("/v1/neo/tasks/" + other, "/v1/neo/tasks/" + other + "/events")) {
            HttpResponse<String> r = gw.get(path, "Authorization", GatewayHarness.AUTH);
            assertEquals(404, r.statusCode(), path);
            assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(null), path);
            assertEquals(notFound, r.body());
        }
        HttpResponse<String> r = gw.post("/v1/neo/tasks/" + other + "/cancel", "");
        assertEquals(404, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(null));
        assertEquals(notFound, r.body());
        String unknown = "task_00000000-0000-4000-8000-000000000000";
        r = gw.get("/v1/neo/tasks/" + unknown, "Authorization", GatewayHarness.AUTH);
        assertEquals(404, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(null));
        assertEquals(errorJson("No task '" + unknown + "'.", "not_found_error", "id", 404), r.body());
        assertEquals(400, gw.get("/v1/neo/tasks?limit=101", "Authorization", GatewayHarness.AUTH).statusCode());
        assertEquals(401, gw.get("/v1/neo/tasks").statusCode());
    }

    @Test
    void badRequests_areTheChatErrors_namingTheField() throws Exception {
        String both = "{\"model\":\"gpt-4o-mini\",\"goal\":\"g\",\"messages\":[{\"role\":\"user\",\"content\":\"m\"}]}";
        assertError(both, "Send 'messages' or 'goal', not both.", "goal");
        assertError("{\"model\":\"gpt-4o-mini\"}", "Missing required parameter: 'messages' (or 'goal', the task in words).", "messages");
        assertError(task(clientFunction("mine"), ""), "A task runs gateway tools only ({\"type\": \"gateway\", \"name\": ...}): nobody would be "
                + "there to answer a call of a function of the client's.", "tools[0].type");
        assertError(task(gatewayTool("lookup"), "\"max_steps\":0"), "Invalid value for 'max_steps': expected an integer between 1 and 32, got 0.",
                "max_steps");
        assertError(task(gatewayTool("lookup"), "\"stream\":true"), "A task does not stream; follow its events at GET /neo/tasks/{id}/events.",
                "stream");
        assertError(task(gatewayTool("lookup"), "\"webhook\":\"https://hooks.example.com/x\""),
                "Webhooks are off on this gateway (agent.webhook_allow is empty).", "webhook");
        assertError(task(gatewayTool("lookup"), "\"temperature\":5"), "Invalid value for 'temperature': expected a number between 0 and 2, got 5.",
                "temperature");
        assertError("{\"policy\":\"reckless\",\"goal\":\"g\"}", "Invalid value for 'policy': expected one of 'frugal', 'balanced', 'premium', got 'reckless'.",
                "policy");
        assertEquals(0, upstream.requests().size());
    }

    @Test
    void aPolicy_isNeoModesModel_andNeitherModelNorPolicyIsBalanced() throws Exception {
        assertEquals("neo-mode/frugal", obj(create("{\"policy\":\"frugal\",\"goal\":\"g\"}").body()).get("model"));
        assertEquals("neo-mode/balanced", obj(create("{\"goal\":\"g\"}").body()).get("model"));
    }

    @Test
    void metadataRequestId_isTheTasksRequestId_asInAChatsExtension() throws Exception {
        Map<String, Object> created = obj(create("{\"goal\":\"g\",\"metadata\":{\"request_id\":\"req_demo_001\"}}").body());
        assertEquals("req_demo_001", created.get("request_id"));
    }

    private void assertError(String body, String message, String param) throws Exception {
        HttpResponse<String> r = gw.post("/v1/neo/tasks", body);
        assertEquals(400, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(null), r.body());
        assertEquals(errorJson(message, "invalid_request_error", param, 400), r.body());
    }

    /** A 200 JSON answer (a page of tasks), parsed. */
    private static Map<String, Object> jsonPage(HttpResponse<String> r) {
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(null), r.body());
        return obj(r.body());
    }

    /** A 200 event stream, as an SSE client needs it. */
    private static void assertEventStream(HttpResponse<String> r) {
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("text/event-stream", r.headers().firstValue("Content-Type").orElse(null), r.body());
    }

    private static List<String> ids(Map<String, Object> page) {
        List<String> out = new ArrayList<>();
        for (Object o : list(page.get("data"))) out.add((String) obj(o).get("id"));
        return out;
    }
}
