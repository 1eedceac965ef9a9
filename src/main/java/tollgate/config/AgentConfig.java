package tollgate.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The {@code agent} section (issue 12): the bounds of the agent loop that runs gateway tools,
 * of paused executions waiting for a human's approval, and of background tasks
 * ({@code POST /neo/tasks}).
 *
 * @param maxSteps          most model calls one chat request's loop may make (the last is made
 *                          with {@code tool_choice: "none"} so that it answers)
 * @param maxWall           longest a chat request's loop may run before its last model call
 * @param approvalTtl       how long a paused execution waits for {@code POST /v1/chat/resume}
 * @param maxParallelTools  most gateway tools one step runs at once
 * @param taskMaxSteps      {@code max_steps} of a task that names none, and the most it may name
 * @param taskMaxWall       longest a task may run (waiting for an approval not counted)
 * @param maxRunningTasks   tasks running at once in this process (more wait, {@code queued})
 * @param maxTasksPerKey    tasks one key may have that have not ended (more are refused with 429)
 * @param taskRetention     how long an ended task is kept (then deleted from the data directory)
 * @param webhookAllow      URL prefixes a task's {@code webhook} must start with (empty: webhooks refused)
 * @param webhookSecret     HMAC-SHA256 key signing webhook bodies ({@code x-tollgate-signature}), or null
 */
public record AgentConfig(int maxSteps, Duration maxWall, Duration approvalTtl, int maxParallelTools, int taskMaxSteps,
                          Duration taskMaxWall, int maxRunningTasks, int maxTasksPerKey, Duration taskRetention,
                          List<String> webhookAllow, String webhookSecret) {

    public static final int DEFAULT_MAX_STEPS = 8;
    /** Most steps anything may ask for: each is a model call, charged. */
    public static final int MAX_MAX_STEPS = 200;
    public static final Duration DEFAULT_MAX_WALL = Duration.ofMinutes(2);
    /** Seed 003's example pauses for 15 minutes. */
    public static final Duration DEFAULT_APPROVAL_TTL = Duration.ofMinutes(15);
    public static final int DEFAULT_MAX_PARALLEL_TOOLS = 8;
    public static final int DEFAULT_TASK_MAX_STEPS = 32;
    public static final Duration DEFAULT_TASK_MAX_WALL = Duration.ofMinutes(30);
    public static final int DEFAULT_MAX_RUNNING_TASKS = 16;
    public static final int DEFAULT_MAX_TASKS_PER_KEY = 100;
    public static final Duration DEFAULT_TASK_RETENTION = Duration.ofDays(7);

    public static final AgentConfig DEFAULTS = new AgentConfig(DEFAULT_MAX_STEPS, DEFAULT_MAX_WALL, DEFAULT_APPROVAL_TTL,
            DEFAULT_MAX_PARALLEL_TOOLS, DEFAULT_TASK_MAX_STEPS, DEFAULT_TASK_MAX_WALL, DEFAULT_MAX_RUNNING_TASKS,
            DEFAULT_MAX_TASKS_PER_KEY, DEFAULT_TASK_RETENTION, List.of(), null);

    static final List<String> KEYS = List.of("max_steps", "max_wall_ms", "approval_ttl_ms", "max_parallel_tools", "task_max_steps",
            "task_max_wall_ms", "max_running_tasks", "max_tasks_per_key", "task_retention_ms", "webhook_allow", "webhook_secret");

    static AgentConfig read(ConfigReader r, Map<String, Object> top) {
        if (top.get("agent") == null) return DEFAULTS;
        String p = "agent";
        Map<String, Object> a = r.object(p, top.get("agent"), KEYS);
        long day = ConfigLoader.MAX_MILLIS;
        int steps = (int) r.integer(a, p, "max_steps", DEFAULT_MAX_STEPS, 1, MAX_MAX_STEPS);
        Duration wall = r.millis(a, p, "max_wall_ms", DEFAULT_MAX_WALL.toMillis(), 1000, day);
        Duration ttl = r.millis(a, p, "approval_ttl_ms", DEFAULT_APPROVAL_TTL.toMillis(), 1000, 7 * day);
        int parallel = (int) r.integer(a, p, "max_parallel_tools", DEFAULT_MAX_PARALLEL_TOOLS, 1, 64);
        int taskSteps = (int) r.integer(a, p, "task_max_steps", DEFAULT_TASK_MAX_STEPS, 1, MAX_MAX_STEPS);
        Duration taskWall = r.millis(a, p, "task_max_wall_ms", DEFAULT_TASK_MAX_WALL.toMillis(), 1000, 7 * day);
        int running = (int) r.integer(a, p, "max_running_tasks", DEFAULT_MAX_RUNNING_TASKS, 1, 10_000);
        int perKey = (int) r.integer(a, p, "max_tasks_per_key", DEFAULT_MAX_TASKS_PER_KEY, 1, 1_000_000);
        Duration retention = r.millis(a, p, "task_retention_ms", DEFAULT_TASK_RETENTION.toMillis(), 60_000, 365 * day);
        List<String> allow = List.of();
        List<Object> list = r.array(a, p, "webhook_allow");
        if (list != null) {
            java.util.ArrayList<String> prefixes = new java.util.ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                String path = ConfigReader.index("agent.webhook_allow", i);
                String prefix = r.string(path, list.get(i));
                if (!prefix.startsWith("http://") && !prefix.startsWith("https://")) {
                    throw r.expected(path, "a URL prefix starting with http:// or https://", list.get(i));
                }
                prefixes.add(prefix);
            }
            allow = List.copyOf(prefixes);
        }
        String secret = a.get("webhook_secret") == null ? null : r.secret("agent.webhook_secret", a.get("webhook_secret"));
        return new AgentConfig(steps, wall, ttl, parallel, taskSteps, taskWall, running, perKey, retention, allow, secret);
    }

    /** Without the webhook secret. */
    @Override
    public String toString() {
        return "AgentConfig[maxSteps=" + maxSteps + ", maxWall=" + maxWall + ", approvalTtl=" + approvalTtl + ", maxParallelTools="
                + maxParallelTools + ", taskMaxSteps=" + taskMaxSteps + ", taskMaxWall=" + taskMaxWall + ", maxRunningTasks="
                + maxRunningTasks + ", maxTasksPerKey=" + maxTasksPerKey + ", taskRetention=" + taskRetention + ", webhookAllow="
                + webhookAllow + ", webhookSecret=" + (webhookSecret == null ? "null" : "(hidden)") + "]";
    }
}
