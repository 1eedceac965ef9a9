package tollgate.api;

import java.io.IOException;
import java.util.Map;
import tollgate.account.Accounts;
import tollgate.account.Charge;
import tollgate.error.GatewayException;
import tollgate.http.HttpCall;
import tollgate.http.QueryString;
import tollgate.http.Router;
import tollgate.http.SseWriter;
import tollgate.route.ChatRequest;
import tollgate.task.Tasks;

/**
 * Durable agent tasks (issue 12; seed 000's "Agent Harness" {@code POST /neo/tasks}), on every
 * path layout, for an authenticated key, over {@link Tasks}:
 * <ul>
 *   <li>{@code POST /neo/tasks}: 202 with the task ({@code queued}) and {@code Location};</li>
 *   <li>{@code GET /neo/tasks}: the key's tasks, newest first ({@code limit} 1..100, default 20; {@code after});</li>
 *   <li>{@code GET /neo/tasks/{id}}; {@code POST /neo/tasks/{id}/cancel};</li>
 *   <li>{@code GET /neo/tasks/{id}/events}: Server-Sent Events with ids, from the start or after
 *       {@code Last-Event-ID} (or {@code ?after=}), following the task until it ends.</li>
 * </ul>
 * And a {@code neo-mode} chat request with gateway tools that carries {@code Prefer: respond-async}
 * (RFC 7240) is answered 202 with a task ({@link #startFromChat}).
 */
final class TaskEndpoints {
    static final String TASKS = "/neo/tasks";

    private final Tasks tasks;

    private TaskEndpoints(Tasks tasks) { this.tasks = tasks; }

    static void register(Router routes, Accounts keys, Tasks tasks) {
        TaskEndpoints t = new TaskEndpoints(tasks);
        routes.api("POST", TASKS, Authenticated.require(keys, t::create));
        routes.api("GET", TASKS, Authenticated.require(keys, t::list));
        for (String prefix : Router.PREFIXES) {
            String one = prefix + TASKS + "/{id}";
            routes.template("GET", one, Authenticated.require(keys, (call, charge, p) -> t.get(call, charge, p.get(0))));
            routes.template("POST", one + "/cancel", Authenticated.require(keys, (call, charge, p) -> t.cancel(call, charge, p.get(0))));
            routes.template("GET", one + "/events", Authenticated.require(keys, (call, charge, p) -> t.events(call, charge, p.get(0))));
        }
    }

    private void create(HttpCall call, Charge charge) throws IOException {
        TaskRequests.TaskRequest r = TaskRequests.read(ChatCompletionsEndpoint.parse(call), tasks.config());
        call.log("model", r.chat().model());
        Map<String, Object> task = tasks.create(r.chat(), charge.account(), requestId(call, r.chat()), r.maxSteps(), r.webhook(), r.metadata());
        answer(call, task, call.path().substring(0, call.path().length() - TASKS.length()));
    }

    /** Seed 003's {@code metadata.request_id} when the client gave one, as a chat's extension object has it; else the call's. */
    private static String requestId(HttpCall call, ChatRequest chat) {
        return chat.metadataRequestId() != null ? chat.metadataRequestId() : call.requestId();
    }

    /**
     * Answers a validated chat request with a task when it asks to ({@code Prefer: respond-async})
     * and can be one ({@link TaskRequests#taskable}); otherwise returns false and the chat goes on.
     */
    static boolean startFromChat(Tasks tasks, HttpCall call, Charge charge, ChatRequest request, String suffix) throws IOException {
        if (tasks == null || !TaskRequests.prefersAsync(call.header("Prefer")) || !TaskRequests.taskable(request)) return false;
        Map<String, Object> metadata = request.body().get("metadata") instanceof Map<?, ?> m ? Validation.cast(m) : null;
        Map<String, Object> task = tasks.create(request, charge.account(), requestId(call, request), tasks.config().taskMaxSteps(), null,
                metadata);
        call.setResponseHeader("Preference-Applied", "respond-async");
        answer(call, task, call.path().substring(0, call.path().length() - suffix.length()));
        return true;
    }

    private static void answer(HttpCall call, Map<String, Object> task, String prefix) throws IOException {
        call.log("task_id", task.get("id"));
        call.setResponseHeader("Location", prefix + TASKS + "/" + task.get("id"));
        call.respondJson(202, task);
    }

    private void list(HttpCall call, Charge charge) throws IOException {
        Map<String, java.util.List<String>> q = QueryString.parse(call.query());
        int limit = Tasks.DEFAULT_LIST_LIMIT;
        String l = QueryString.first(q, "limit");
        if (l != null) {
            try {
                limit = Integer.parseInt(l);
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > Tasks.MAX_LIST_LIMIT) {
                throw GatewayException.invalid("limit", "Invalid value for 'limit': expected an integer between 1 and "
                        + Tasks.MAX_LIST_LIMIT + ", got '" + clip(l) + "'.");
            }
        }
        call.respondJson(200, tasks.list(charge.account().id(), QueryString.first(q, "after"), limit));
    }

    private void get(HttpCall call, Charge charge, String id) throws IOException {
        call.log("task_id", id);
        call.respondJson(200, tasks.get(id, charge.account().id()));
    }

    private void cancel(HttpCall call, Charge charge, String id) throws IOException {
        call.log("task_id", id);
        call.respondJson(200, tasks.cancel(id, charge.account().id()));
    }

    private void events(HttpCall call, Charge charge, String id) {
        call.log("task_id", id);
        long after = after(call);
        SseWriter sse = call.openSse(); // opens with the first event: a 404 before it is a plain 404
        tasks.follow(id, charge.account().id(), after, sse::send, call.cancellation());
        call.log("events", sse.events());
        sse.end();
    }

    /** {@code Last-Event-ID} (a reconnecting EventSource sends it), else {@code ?after=}, else 0. */
    private static long after(HttpCall call) {
        String header = call.header("Last-Event-ID");
        String param = header != null ? "Last-Event-ID" : "after";
        String v = header != null ? header.strip() : QueryString.first(QueryString.parse(call.query()), "after");
        if (v == null || v.isEmpty()) return 0;
        try {
            long n = Long.parseLong(v);
            if (n >= 0) return n;
        } catch (NumberFormatException e) {
            // below
        }
        throw GatewayException.invalid(param, "Invalid value for '" + param + "': expected the id of an event (an integer of at least 0), got '"
                + clip(v) + "'.");
    }

    private static String clip(String s) {
        return s.length() <= 64 ? s : s.substring(0, 61) + "...";
    }
}
