package tollgate.task;

import java.util.LinkedHashMap;
import java.util.Map;
import tollgate.json.JsonNumber;

/**
 * A task as it is kept, apart from its agent execution (which {@link TaskStore} keeps beside it
 * in the same file, so that the two are always replaced together).
 *
 * @param id         {@code task_<uuid>}
 * @param keyId      the account id of the key that created it: only that key sees it
 * @param keyName    the key's name (logs)
 * @param requestId  the request id of the request that created it
 * @param model      the model as asked for ({@code neo-mode/balanced} when none was)
 * @param status     where it stands
 * @param createdMs  epoch milliseconds
 * @param startedMs  when it first ran, 0 before
 * @param endedMs    when it ended, 0 before
 * @param maxSteps   its step limit
 * @param webhook    where its end is posted, or null
 * @param metadata   the client's labels (strings), or null
 * @param result     when succeeded: {@code content}, {@code completion} (and {@code stopped}); else null
 * @param error      when failed: an OpenAI error object ({@code message, type, param, code}); else null
 * @param approval   when waiting: {@code approval_id}, {@code expires_at_ms}, {@code calls}; else null
 */
public record Task(String id, String keyId, String keyName, String requestId, String model, TaskStatus status, long createdMs,
                   long startedMs, long endedMs, int maxSteps, String webhook, Map<String, Object> metadata,
                   Map<String, Object> result, Map<String, Object> error, Map<String, Object> approval) {

    /** The same task in {@code next} status (its approval dropped unless it waits). */
    public Task with(TaskStatus next) {
        return new Task(id, keyId, keyName, requestId, model, next, createdMs, startedMs, endedMs, maxSteps, webhook, metadata,
                result, error, next == TaskStatus.WAITING_APPROVAL ? approval : null);
    }

    /** Running from {@code nowMs} (its first start kept). */
    public Task running(long nowMs) {
        return new Task(id, keyId, keyName, requestId, model, TaskStatus.RUNNING, createdMs, startedMs == 0 ? nowMs : startedMs, 0,
                maxSteps, webhook, metadata, null, null, null);
    }

    /** Waiting for {@code newApproval}. */
    public Task waiting(Map<String, Object> newApproval) {
        return new Task(id, keyId, keyName, requestId, model, TaskStatus.WAITING_APPROVAL, createdMs, startedMs, 0, maxSteps, webhook,
                metadata, null, null, newApproval);
    }

    /** Ended at {@code nowMs} in {@code end} with {@code newResult} or {@code newError}. */
    public Task ended(TaskStatus end, long nowMs, Map<String, Object> newResult, Map<String, Object> newError) {
        if (!end.ended()) throw new IllegalArgumentException(end + " is not an end");
        return new Task(id, keyId, keyName, requestId, model, end, createdMs, startedMs, nowMs, maxSteps, webhook, metadata,
                newResult, newError, null);
    }

    /** When its approval expires (epoch ms), or 0 when it waits for none. */
    public long approvalExpiresMs() {
        return approval != null && approval.get("expires_at_ms") instanceof Number n ? n.longValue() : 0;
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("key_id", keyId);
        m.put("key_name", keyName);
        m.put("request_id", requestId);
        m.put("model", model);
        m.put("status", status.wire());
        m.put("created_ms", createdMs);
        m.put("started_ms", startedMs);
        m.put("ended_ms", endedMs);
        m.put("max_steps", maxSteps);
        m.put("webhook", webhook);
        m.put("metadata", metadata);
        m.put("result", result);
        m.put("error", error);
        m.put("approval", approval);
        return m;
    }

    /** @throws IllegalArgumentException not a task as {@link #toJson} writes it */
    @SuppressWarnings("unchecked")
    static Task fromJson(Object json) {
        try {
            Map<String, Object> m = (Map<String, Object>) json;
            Map<String, Object> approval = (Map<String, Object>) m.get("approval");
            if (approval != null) {
                approval = new LinkedHashMap<>(approval);
                approval.put("expires_at_ms", number(approval, "expires_at_ms"));
            }
            Task t = new Task(required(m, "id"), required(m, "key_id"), (String) m.get("key_name"), (String) m.get("request_id"),
                    required(m, "model"), TaskStatus.of(required(m, "status")), number(m, "created_ms"), number(m, "started_ms"),
                    number(m, "ended_ms"), (int) number(m, "max_steps"), (String) m.get("webhook"),
                    (Map<String, Object>) m.get("metadata"), (Map<String, Object>) m.get("result"),
                    (Map<String, Object>) m.get("error"), approval);
            if (t.status == TaskStatus.WAITING_APPROVAL && approval == null) throw new IllegalArgumentException("waiting without an approval");
            return t;
        } catch (ClassCastException | NullPointerException e) {
            throw new IllegalArgumentException("not a task: " + e.getMessage(), e);
        }
    }

    private static String required(Map<String, Object> m, String key) {
        if (!(m.get(key) instanceof String s)) throw new IllegalArgumentException("member '" + key + "' is not a string");
        return s;
    }

    private static long number(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (v instanceof Number n) return n.longValue();
        if (v instanceof JsonNumber n && n.isInteger()) return n.longValue();
        throw new IllegalArgumentException("member '" + key + "' is not an integer");
    }
}
