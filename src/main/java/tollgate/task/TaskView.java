package tollgate.task;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tollgate.agent.Execution;
import tollgate.json.JsonNumber;

/**
 * A task as the API shows it ({@code GET /neo/tasks/{id}}, the lists, the webhook's body): the
 * object {@code neo.task}. Times are Unix seconds as in OpenAI's objects ({@code created_at}),
 * but an approval's {@code expires_at} is ISO-8601 as seed 003 writes it, so that it reads the
 * same as in a paused chat completion. Every member is present, null when it does not apply.
 */
final class TaskView {
    private TaskView() { throw new AssertionError(); }

    static final String OBJECT = "neo.task";
    /** Seed 003's {@code expires_at}: {@code 2026-06-08T16:20:00.000Z}. */
    static final DateTimeFormatter ISO_MILLIS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    static Map<String, Object> render(Task t, Execution ex) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", t.id());
        m.put("object", OBJECT);
        m.put("status", t.status().wire());
        m.put("model", t.model());
        m.put("created_at", seconds(t.createdMs()));
        m.put("started_at", t.startedMs() == 0 ? null : seconds(t.startedMs()));
        m.put("ended_at", t.endedMs() == 0 ? null : seconds(t.endedMs()));
        m.put("max_steps", t.maxSteps());
        m.put("execution_id", ex.id());
        m.put("request_id", t.requestId());
        m.put("steps", new ArrayList<>(ex.steps()));
        m.put("result", t.result());
        m.put("error", t.error());
        Map<String, Object> usage = new LinkedHashMap<>();
        usage.put("prompt_tokens", ex.promptTokens());
        usage.put("completion_tokens", ex.completionTokens());
        usage.put("total_tokens", ex.promptTokens() + ex.completionTokens());
        m.put("usage", usage);
        m.put("credits_charged", ex.credits());
        m.put("cost", new JsonNumber(ex.cost().toPlainString())); // USD, as the extension object's
        m.put("approval", approval(t.approval()));
        m.put("metadata", t.metadata());
        m.put("webhook", t.webhook());
        return m;
    }

    /** The approval as the client sees it, or null. */
    static Map<String, Object> approval(Map<String, Object> a) {
        if (a == null) return null;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("approval_id", a.get("approval_id"));
        m.put("execution_id", a.get("execution_id"));
        m.put("expires_at", iso(((Number) a.get("expires_at_ms")).longValue()));
        m.put("calls", a.get("calls") instanceof List<?> calls ? calls : List.of());
        return m;
    }

    static String iso(long epochMs) { return ISO_MILLIS.format(Instant.ofEpochMilli(epochMs)); }

    private static long seconds(long ms) { return ms / 1000; }
}
