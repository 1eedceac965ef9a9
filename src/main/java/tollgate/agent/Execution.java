package tollgate.agent;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The state of one agent execution: everything needed to continue it after a pause (an approval)
 * or a restart (a task), as one JSON object ({@link #toJson}, {@link #fromJson}). Used by one
 * thread at a time (the loop, or whoever persists it between steps).
 *
 * <p>The conversation is kept as the client would send it (its tool call ids, not a provider's),
 * so that each step can be dispatched like a new chat request.
 */
public final class Execution {
    /** The format of {@link #toJson}; a file of another version is refused, never half-read. */
    public static final int VERSION = 1;

    private final String id;
    private final String keyId;
    private final String keyName;
    private final String requestId;
    private final String taskId;
    private final String model;
    private final Map<String, Object> body;
    private final Map<String, String> gatewayTools;
    private final Set<String> approvalTools;
    private final int maxSteps;
    private final long maxWallMs;
    private final List<Object> messages;
    private final List<Map<String, Object>> steps;
    private int modelCalls;
    private long wallUsedMs;
    private long promptTokens;
    private long completionTokens;
    private long credits;
    private BigDecimal cost = BigDecimal.ZERO;
    private Map<String, Object> pending;
    /** The last model call's route explanation, for the answer (not persisted: it explains one HTTP answer). */
    private Map<String, Object> route;

    /**
     * @param id            the execution id ({@code execution_id})
     * @param keyId         the account id of the key that started it (a resume by another key is refused)
     * @param keyName       the key's name (logs, tool permissions)
     * @param requestId     the request id of the request that started it
     * @param taskId        the task it runs for, or null for a chat request
     * @param model         the model as the client asked for it (a group, {@code neo-mode/...})
     * @param body          the chat request without {@code messages} and {@code stream}, its gateway
     *                      tools already turned into functions: what every step sends
     * @param gatewayTools  function name the model sees → gateway tool name
     * @param approvalTools the functions (as the model sees them) whose calls wait for a human: the
     *                      client's own listed in {@code metadata.requires_approval}, and the gateway
     *                      tools that require approval (fixed when the execution starts)
     * @param maxSteps      most model calls
     * @param maxWallMs     the most running time (waiting for an approval not counted)
     * @param messages      the conversation so far
     */
    public Execution(String id, String keyId, String keyName, String requestId, String taskId, String model,
                     Map<String, Object> body, Map<String, String> gatewayTools, Set<String> approvalTools, int maxSteps,
                     long maxWallMs, List<Object> messages) {
        this.id = id;
        this.keyId = keyId;
        this.keyName = keyName;
        this.requestId = requestId;
        this.taskId = taskId;
        this.model = model;
        this.body = body;
        this.gatewayTools = gatewayTools;
        this.approvalTools = approvalTools;
        this.maxSteps = maxSteps;
        this.maxWallMs = maxWallMs;
        this.messages = messages;
        this.steps = new ArrayList<>();
    }

    public String id() { return id; }
    public String keyId() { return keyId; }
    public String keyName() { return keyName; }
    public String requestId() { return requestId; }
    public String taskId() { return taskId; }
    public String model() { return model; }
    public Map<String, Object> body() { return body; }
    public Map<String, String> gatewayTools() { return gatewayTools; }
    public Set<String> approvalTools() { return approvalTools; }
    public int maxSteps() { return maxSteps; }
    public long maxWallMs() { return maxWallMs; }
    /** The conversation so far (mutable: the loop appends to it). */
    public List<Object> messages() { return messages; }
    /** The steps so far, as the extension object lists them (mutable: the loop appends). */
    public List<Map<String, Object>> steps() { return steps; }
    public int modelCalls() { return modelCalls; }
    public void modelCalled() { modelCalls++; }
    public long wallUsedMs() { return wallUsedMs; }
    public void addWall(long ms) { wallUsedMs += ms; }
    public long promptTokens() { return promptTokens; }
    public long completionTokens() { return completionTokens; }
    public long credits() { return credits; }

    /** USD the model calls and priced tool calls (image generation) cost so far (those whose cost is known). */
    public BigDecimal cost() { return cost; }

    /** Adds one charged call's usage, credits and cost (null: unknown) to the execution's totals. */
    public void charged(long prompt, long completion, long credits, BigDecimal usd) {
        charged(prompt, completion, credits);
        if (usd != null) cost = cost.add(usd);
    }

    /** Adds one charged call's usage and credits to the execution's totals. */
    public void charged(long prompt, long completion, long credits) {
        this.promptTokens += Math.max(0, prompt);
        this.completionTokens += Math.max(0, completion);
        this.credits += credits;
    }

    /** The last model call's route explanation (null when none was made by this process, or nothing to explain). */
    public Map<String, Object> route() { return route; }
    public void route(Map<String, Object> r) { this.route = r; }

    /** What waits for approval ({@code approval_id}, {@code expires_at_ms}, the calls), or null. */
    public Map<String, Object> pending() { return pending; }
    public void pending(Map<String, Object> p) { this.pending = p; }

    /** The whole state as JSON values (maps, lists, strings, numbers), for a file. */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", VERSION);
        m.put("id", id);
        m.put("key_id", keyId);
        m.put("key_name", keyName);
        m.put("request_id", requestId);
        m.put("task_id", taskId);
        m.put("model", model);
        m.put("body", body);
        m.put("gateway_tools", gatewayTools);
        m.put("approval_tools", new ArrayList<>(approvalTools));
        m.put("max_steps", maxSteps);
        m.put("max_wall_ms", maxWallMs);
        m.put("messages", messages);
        m.put("steps", steps);
        m.put("model_calls", modelCalls);
        m.put("wall_used_ms", wallUsedMs);
        m.put("prompt_tokens", promptTokens);
        m.put("completion_tokens", completionTokens);
        m.put("credits", credits);
        m.put("cost", cost.toPlainString());
        m.put("pending", pending);
        return m;
    }

    /**
     * The execution {@link #toJson} wrote.
     *
     * @throws IllegalArgumentException not such a state (another version, a member missing or of the wrong type)
     */
    @SuppressWarnings("unchecked")
    public static Execution fromJson(Object json) {
        try {
            Map<String, Object> m = (Map<String, Object>) json;
            if (number(m, "version") != VERSION) throw new IllegalArgumentException("execution state of version " + m.get("version"));
            Map<String, String> tools = new LinkedHashMap<>();
            for (var e : ((Map<String, Object>) m.get("gateway_tools")).entrySet()) tools.put(e.getKey(), (String) e.getValue());
            Set<String> approval = new LinkedHashSet<>();
            for (Object o : (List<Object>) m.get("approval_tools")) approval.add((String) o);
            Execution ex = new Execution((String) m.get("id"), (String) m.get("key_id"), (String) m.get("key_name"),
                    (String) m.get("request_id"), (String) m.get("task_id"), (String) m.get("model"),
                    new LinkedHashMap<>((Map<String, Object>) m.get("body")), tools, approval, (int) number(m, "max_steps"),
                    number(m, "max_wall_ms"), new ArrayList<>((List<Object>) m.get("messages")));
            if (ex.id == null || ex.model == null) throw new IllegalArgumentException("execution state without id or model");
            for (Object s : (List<Object>) m.get("steps")) ex.steps.add((Map<String, Object>) s);
            ex.modelCalls = (int) number(m, "model_calls");
            ex.wallUsedMs = number(m, "wall_used_ms");
            ex.promptTokens = number(m, "prompt_tokens");
            ex.completionTokens = number(m, "completion_tokens");
            ex.credits = number(m, "credits");
            if (m.get("cost") instanceof String c) ex.cost = new BigDecimal(c);
            ex.pending = (Map<String, Object>) m.get("pending");
            return ex;
        } catch (ClassCastException | NullPointerException | NumberFormatException e) {
            throw new IllegalArgumentException("not an execution state: " + e.getMessage(), e);
        }
    }

    private static long number(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (v instanceof Number n) return n.longValue();
        if (v instanceof tollgate.json.JsonNumber n) return Long.parseLong(n.text());
        throw new IllegalArgumentException("member '" + key + "' is not a number");
    }
}
