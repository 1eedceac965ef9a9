package tollgate.task;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import tollgate.agent.Execution;
import tollgate.agent.TaskHandoff;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.json.Json;
import tollgate.log.Log;
import tollgate.state.Poller;
import tollgate.state.Redis;
import tollgate.state.RedisException;
import tollgate.state.Script;
import tollgate.state.SharedState;

/**
 * Tasks seen from every replica (issue 14, "task ownership"), in Redis; without it this does
 * not exist. A task lives, runs and keeps its events on the replica that created it (its data
 * directory), which holds a lease on it while it has not ended; every change of it is mirrored,
 * as {@code GET /neo/tasks/{id}} renders it, so that any replica can answer for it. Keys, a
 * task's in one hash slot:
 * <pre>
 *   &lt;prefix&gt;task:{&lt;id&gt;}          hash: key (key id), owner (replica id), view (its JSON); PX = task retention
 *   &lt;prefix&gt;task:{&lt;id&gt;}:lease    the owning replica's id while it has not ended; PX = {@link #LEASE_TTL_MS}, renewed
 *   &lt;prefix&gt;task-inbox:{&lt;replica&gt;}  list of requests for that replica's tasks (JSON): cancel, resume
 * </pre>
 * On another replica than the owner: {@code GET} answers the mirror; a cancel is sent to the
 * owner's inbox (polled every {@link #POLL_INTERVAL_MS}) and answered with the mirror once the
 * task has ended, or as it stands after {@link Tasks#CANCEL_WAIT}; a resumed approval of the
 * task is sent to the owner the same way (202 with the mirror); the events stream is 409 naming
 * the owner (events are kept where the task runs); the key's list is this replica's tasks only.
 * Redis unreachable: every replica answers for its own tasks only, as without it.
 */
final class SharedTasks implements AutoCloseable {
    /** How often the owner reads its inbox, in milliseconds. */
    static final long POLL_INTERVAL_MS = 500;
    /** Time to live of a task's lease, in milliseconds; renewed every third of it while the task has not ended. */
    static final long LEASE_TTL_MS = 30_000;
    /** Largest mirrored view, in bytes: a larger one is mirrored without its {@code steps} (null). */
    static final int MAX_VIEW_BYTES = 1024 * 1024;
    /** Most inbox requests taken in one poll. */
    static final int MAX_INBOX_BATCH = 100;
    /** Time to live of an inbox, in milliseconds: a replica gone for good leaves nothing behind. */
    static final long INBOX_TTL_MS = 24 * 3_600_000L;
    /** How often a non-owner's cancel looks at the mirror for the task's end, in milliseconds. */
    static final long CANCEL_LOOK_MS = 100;

    /** KEYS[1] the lease; ARGV replica id, ttl ms. 1 when this replica holds it (now), else the holder's id. */
    static final Script LEASE = Script.of("task_lease", """
            local v = redis.call('GET', KEYS[1])
            if v == false or v == ARGV[1] then
              redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
              return 1
            end
            return v
            """);

    /** A task as another replica mirrored it. */
    record Mirror(String owner, Map<String, Object> view) {
        String status() { return String.valueOf(view.get("status")); }
    }

    private final SharedState state;
    private final Redis redis;
    private final TaskStore store;
    private final Tasks tasks;
    private final long retentionMs;
    private final Poller poller;
    private long lastRenewMs;

    private SharedTasks(SharedState state, TaskStore store, Tasks tasks, long retentionMs) {
        this.state = state;
        this.redis = state.redis();
        this.store = store;
        this.tasks = tasks;
        this.retentionMs = retentionMs;
        this.poller = new Poller("tollgate-shared-tasks", POLL_INTERVAL_MS, "shared_tasks_failed", this::poll);
    }

    /** Null when state is local. */
    static SharedTasks of(SharedState state, TaskStore store, Tasks tasks, long retentionMs) {
        return state == null || !state.shared() ? null : new SharedTasks(state, store, tasks, retentionMs);
    }

    void start() { poller.start(); }

    private String taskKey(String id) { return state.key("task:{" + id + "}"); }

    private String leaseKey(String id) { return state.key("task:{" + id + "}:lease"); }

    private String inboxKey(String replica) { return state.key("task-inbox:{" + replica + "}"); }

    // ------------------------------------------------------------------------------- owner side

    /** Mirrors the task as just written (TaskStore.write, under its lock); an ended one's lease is let go. */
    void mirror(Task task, Map<String, Object> execution) {
        Map<String, Object> view;
        try {
            view = TaskView.render(task, Execution.fromJson(execution));
        } catch (IllegalArgumentException unreadable) {
            return; // its readers answer 500 where it lives
        }
        byte[] json = Json.toBytes(view);
        if (json.length > MAX_VIEW_BYTES) {
            view.put("steps", null);
            json = Json.toBytes(view);
        }
        if (json.length > MAX_VIEW_BYTES) {
            // Still too big (a large result, or an approval's calls): what other replicas show is
            // the task's state without them; the owner serves the whole view.
            view.put("result", null);
            view.put("approval", null);
            view.put("truncated", true);
            json = Json.toBytes(view);
        }
        List<String[]> commands = new ArrayList<>();
        String key = taskKey(task.id());
        commands.add(new String[] {"HSET", key, "key", task.keyId(), "owner", state.replicaId(), "view",
                new String(json, StandardCharsets.UTF_8)});
        commands.add(new String[] {"PEXPIRE", key, Long.toString(retentionMs)});
        if (task.status().ended()) commands.add(new String[] {"DEL", leaseKey(task.id())});
        try {
            redis.pipeline(commands);
        } catch (RedisException e) {
            // Unreachable: other replicas answer 404 for it until its next change (SharedState logs state_degraded).
        }
    }

    /**
     * Whether this replica may run the task (it holds the lease now). Redis unreachable: yes
     * (its data directory is this replica's own).
     */
    boolean lease(String id) {
        try {
            Object r = redis.eval(LEASE, List.of(leaseKey(id)), List.of(state.replicaId(), Long.toString(LEASE_TTL_MS)));
            if (r instanceof Long l && l == 1) return true;
            Log.warn("task_owned_elsewhere", "task_id", id, "owner", String.valueOf(r));
            return false;
        } catch (RedisException e) {
            return true;
        }
    }

    /**
     * Takes the inbox's requests (each handled on a thread of its own), and renews the leases when
     * due. Redis unreachable: requests from other replicas wait in the inbox until it is back.
     */
    void poll() throws RedisException {
        long now = System.currentTimeMillis();
        List<String[]> commands = new ArrayList<>();
        commands.add(new String[] {"LPOP", inboxKey(state.replicaId()), Integer.toString(MAX_INBOX_BATCH)});
        if (now - lastRenewMs >= LEASE_TTL_MS / 3) {
            lastRenewMs = now;
            for (TaskEntry e : store.all()) {
                if (e.status.ended()) continue;
                // The lease script (EVAL: a pipeline cannot reload a script), so that a lease another replica holds is left to it.
                commands.add(new String[] {"EVAL", LEASE.source(), "1", leaseKey(e.id), state.replicaId(), Long.toString(LEASE_TTL_MS)});
                commands.add(new String[] {"PEXPIRE", taskKey(e.id), Long.toString(retentionMs)});
            }
        }
        Object popped = redis.pipeline(commands).get(0);
        if (!(popped instanceof List<?> requests)) return;
        for (Object r : requests) {
            if (r instanceof String s) Thread.ofVirtual().name("tollgate-task-inbox").start(() -> handle(s));
        }
    }

    private void handle(String request) {
        try {
            Map<String, Object> m = Json.asObject(Json.parse(request.getBytes(StandardCharsets.UTF_8)));
            String id = String.valueOf(m.get("task_id"));
            TaskEntry e = store.entry(id, null);
            if (e == null) return; // deleted meanwhile
            if ("cancel".equals(m.get("op"))) {
                tasks.cancel(id, e.keyId);
            } else if ("resume".equals(m.get("op"))) {
                Execution ex = Execution.fromJson(m.get("execution"));
                tasks.resumed(ex, new TaskHandoff.Decision(Boolean.TRUE.equals(m.get("approve")),
                        m.get("reason") instanceof String s ? s : null));
            }
            Log.info("task_request_from_replica", "task_id", id, "op", String.valueOf(m.get("op")));
        } catch (GatewayException g) {
            // 409: ended or no longer waiting meanwhile; the mirror says how it stands
        } catch (RuntimeException bad) {
            Log.warn("task_request_unreadable", "error", String.valueOf(bad.getMessage()));
        }
    }

    // ---------------------------------------------------------------------------- other replicas

    /** The mirror of another replica's task of {@code keyId} (null: any key's), or null (none, or Redis unreachable). */
    Mirror find(String id, String keyId) {
        if (id == null || !TaskStore.ID.matcher(id).matches()) return null;
        try {
            if (!(redis.call("HMGET", taskKey(id), "key", "owner", "view") instanceof List<?> l) || l.size() < 3
                    || !(l.get(0) instanceof String key) || !(l.get(1) instanceof String owner) || !(l.get(2) instanceof String view)) {
                return null;
            }
            if (keyId != null && !key.equals(keyId)) return null;
            Map<String, Object> v = Json.asObject(Json.parse(view.getBytes(StandardCharsets.UTF_8)));
            return v == null ? null : new Mirror(owner, v);
        } catch (RedisException | RuntimeException e) {
            return null;
        }
    }

    /** {@code GET} of another replica's task; 404 as for an unknown one. */
    Map<String, Object> get(String id, String keyId) {
        Mirror m = find(id, keyId);
        if (m == null) throw Tasks.unknown(id);
        return m.view();
    }

    /** Cancel of another replica's task: asked of its owner, answered once it ended (or as it stands after {@code wait}). */
    Map<String, Object> cancel(String id, String keyId, java.time.Duration wait) {
        Mirror m = find(id, keyId);
        if (m == null) throw Tasks.unknown(id);
        if (TaskStatus.of(m.status()).ended()) throw Tasks.ended(id, m.status());
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("op", "cancel");
        request.put("task_id", id);
        send(m.owner(), request, id);
        long deadline = System.nanoTime() + wait.toNanos();
        while (System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(CANCEL_LOOK_MS));
            Mirror now = find(id, keyId);
            if (now == null) break;
            m = now;
            if (TaskStatus.of(m.status()).ended()) break;
        }
        return m.view();
    }

    /** The events of another replica's task: 409 naming it (events are kept where the task runs). */
    GatewayException follow(String id, String keyId) {
        Mirror m = find(id, keyId);
        if (m == null) return Tasks.unknown(id);
        return new GatewayException(ErrorKind.CALLER_CONFLICT, "Task " + id + " runs on the gateway replica '" + m.owner()
                + "', which streams its events; GET /neo/tasks/" + id + " answers on every replica.", "id");
    }

    /** A resumed approval of another replica's task: the decided execution is handed to its owner. */
    Map<String, Object> resumed(Execution ex, TaskHandoff.Decision decision) {
        Mirror m = find(ex.taskId(), null);
        if (m == null) throw new GatewayException(ErrorKind.CALLER_NOT_FOUND, "The task of this approval no longer exists.");
        if (!TaskStatus.WAITING_APPROVAL.wire().equals(m.status())) throw Tasks.notWaiting(ex.taskId(), m.status());
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("op", "resume");
        request.put("task_id", ex.taskId());
        request.put("execution", ex.toJson());
        request.put("approve", decision.approve());
        request.put("reason", decision.reason());
        send(m.owner(), request, ex.taskId());
        Map<String, Object> view = new LinkedHashMap<>(m.view());
        view.put("status", TaskStatus.QUEUED.wire()); // what its owner makes it on taking the request
        view.put("approval", null);
        return view;
    }

    private void send(String owner, Map<String, Object> request, String id) {
        String inbox = inboxKey(owner);
        try {
            redis.pipeline(List.of(new String[] {"RPUSH", inbox, new String(Json.toBytes(request), StandardCharsets.UTF_8)},
                    new String[] {"PEXPIRE", inbox, Long.toString(INBOX_TTL_MS)}));
        } catch (RedisException e) {
            throw new GatewayException(ErrorKind.GATEWAY_BUSY, "Task " + id + " runs on the gateway replica '" + owner
                    + "', which cannot be reached now; try again.");
        }
    }

    @Override
    public void close() {
        poller.close();
    }
}
