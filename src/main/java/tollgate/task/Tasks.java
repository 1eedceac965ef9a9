package tollgate.task;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import tollgate.account.Account;
import tollgate.account.Accounts;
import tollgate.agent.AgentLoop;
import tollgate.agent.Execution;
import tollgate.agent.TaskHandoff;
import tollgate.call.Cancellation;
import tollgate.call.Clock;
import tollgate.config.AgentConfig;
import tollgate.memory.MemoryBudget;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.log.Log;
import tollgate.provider.Upstream;
import tollgate.route.ChatRequest;

/**
 * Durable agent tasks (issue 12, seed 000's {@code POST /neo/tasks}): what the task endpoints
 * and {@code POST /v1/chat/resume} ({@link TaskHandoff}) call. A task is stored before it is
 * answered, runs in the background ({@link TaskRunner}), publishes its events ({@link TaskEvents})
 * and survives restarts: at start-up, tasks found queued or running run again from their last
 * checkpoint (the step that was in flight when the process died runs again: its model call is
 * made, and charged, a second time), tasks waiting for an approval go on waiting.
 *
 * <p>A waiting task whose approval expires fails ({@code approval_expired}) as soon as anything
 * reads it, or at the next sweep ({@link #SWEEP_EVERY}), which also deletes ended tasks older
 * than {@code agent.task_retention_ms}. Another key's task is unknown (404), like a task that
 * never was, so that ids cannot be probed across keys.
 */
public final class Tasks implements TaskHandoff {
    /** The model of a task that names neither a model nor a policy. */
    public static final String DEFAULT_MODEL = "neo-mode/balanced";
    public static final int DEFAULT_LIST_LIMIT = 20;
    public static final int MAX_LIST_LIMIT = 100;
    /** Longest a cancel waits for a running task to stop before answering with it as it stands. */
    static final Duration CANCEL_WAIT = Duration.ofSeconds(10);
    /** How often expired approvals and ended tasks past their retention are swept. */
    static final Duration SWEEP_EVERY = Duration.ofMinutes(1);
    /** Longest an event follower sleeps without news before looking again. */
    static final Duration FOLLOW_WAIT = Duration.ofSeconds(30);
    /** Longest {@link #stop} waits for running tasks to stop. */
    static final Duration STOP_WAIT = Duration.ofSeconds(5);

    /** Where a follower's events go (an SSE stream). May throw {@code ClientGoneException}. */
    @FunctionalInterface
    public interface EventSink {
        void event(long id, String type, Map<String, Object> data);
    }

    private final TaskStore store;
    private final TaskRunner runner;
    private final TaskEngine engine;
    private final AgentConfig config;
    private final Webhooks webhooks;
    private final Clock clock;
    private final SweepLoop sweeper = new SweepLoop(SWEEP_EVERY, this::sweep);
    /** Tasks found queued at start-up, run by {@link #start}. */
    List<TaskEntry> recovered = List.of();
    /** Other replicas' tasks (issue 14); null when state is local. */
    private SharedTasks shared;

    Tasks(TaskStore store, TaskEngine engine, Accounts accounts, AgentConfig config, Webhooks webhooks, Clock clock) {
        this.store = store;
        this.engine = engine;
        this.config = config;
        this.webhooks = webhooks;
        this.clock = clock;
        this.runner = new TaskRunner(store, engine, accounts, webhooks, clock, config.maxRunningTasks());
    }

    /**
     * The tasks of {@code dataDir}, indexed (nothing runs before {@link #start}).
     *
     * @param loop   the current config generation's agent loop (read at each start and run)
     * @param budget the gateway's memory budget, which each run's answers, arguments and conversation are held in
     */
    public static Tasks open(Path dataDir, Supplier<AgentLoop> loop, Accounts accounts, AgentConfig config, Upstream upstream,
                             MemoryBudget budget, Clock clock) throws IOException {
        return open(dataDir, loop, accounts, config, upstream, budget, clock, null);
    }

    /** As above, seen from every replica sharing {@code state} ({@link SharedTasks}; issue 14); null or local: this one only. */
    public static Tasks open(Path dataDir, Supplier<AgentLoop> loop, Accounts accounts, AgentConfig config, Upstream upstream,
                             MemoryBudget budget, Clock clock, tollgate.state.SharedState state) throws IOException {
        TaskStore store = new TaskStore(dataDir, config.maxTasksPerKey());
        Webhooks webhooks = new Webhooks(upstream::client, config.webhookAllow(), config.webhookSecret(), clock);
        Tasks t = new Tasks(store, TaskEngine.of(loop, budget), accounts, config, webhooks, clock);
        t.share(state);
        t.recovered = store.open(clock);
        loop.get().handoff(t); // POST /v1/chat/resume hands a task's approval here (a reload's new loop: Gateway)
        return t;
    }

    public AgentConfig config() { return config; }

    /** Seen from every replica sharing {@code state} (before {@link #start}); nothing when it is null or local. */
    void share(tollgate.state.SharedState state) {
        shared = SharedTasks.of(state, store, this, config.taskRetention().toMillis());
        store.shared = shared; // mirrored from the next write on
    }

    /** Why {@code url} may not be a task's webhook under {@code config} (400 naming {@code webhook}), or null when it may. */
    public static String webhookRefusal(AgentConfig config, String url) {
        return Webhooks.refusal(config.webhookAllow(), url);
    }

    /** Starts running: the tasks found queued at start-up, then the periodic sweep. */
    public void start() {
        for (TaskEntry e : recovered) runner.submit(e);
        if (!recovered.isEmpty()) Log.info("tasks_resumed", "count", recovered.size());
        recovered = List.of();
        sweep();
        sweeper.start("tollgate-task-sweep");
        if (shared != null) shared.start();
    }

    /**
     * Stops, before the server drains and the ledger closes: followers end (they resume with
     * {@code Last-Event-ID}), running tasks are cancelled and stay {@code running} on disk (the
     * next start goes on from their checkpoint), webhooks still being delivered are abandoned.
     */
    public void stop() {
        sweeper.stop();
        if (shared != null) shared.close();
        store.close();
        runner.stop(STOP_WAIT);
        webhooks.close();
    }

    /**
     * Creates a task for a validated request (no client tools: the caller refused them) and
     * queues it.
     *
     * @return the task (status {@code queued})
     * @throws GatewayException 429 past {@code agent.max_tasks_per_key}; the loop's errors (403 a tool)
     */
    public Map<String, Object> create(ChatRequest request, Account account, String requestId, int maxSteps, String webhook,
                                      Map<String, Object> metadata) {
        String id = "task_" + UUID.randomUUID();
        Execution ex = engine.start(request, account, requestId, id, maxSteps, config.taskMaxWall().toMillis());
        Task task = new Task(id, account.id(), account.name(), requestId, request.model(), TaskStatus.QUEUED, clock.millis(), 0, 0,
                maxSteps, webhook, metadata, null, null, null);
        TaskEntry e = store.create(task, ex.toJson());
        Log.info("task_created", "task_id", id, "key", account.name(), "model", request.model());
        runner.submit(e);
        return TaskView.render(task, ex);
    }

    /** The task {@code id} of the key {@code keyId}; 404 when it has none of that id. */
    public Map<String, Object> get(String id, String keyId) {
        if (shared != null && store.entry(id, keyId) == null) return shared.get(id, keyId); // another replica's, or 404
        return view(found(id, keyId));
    }

    /**
     * The key's tasks, newest first: {@code limit} of them after the task {@code after} (null: from
     * the newest), in OpenAI's list shape; fewer, with {@code has_more}, when they would take the
     * page past {@link TaskPage#MAX_LIST_BYTES}.
     */
    public Map<String, Object> list(String keyId, String after, int limit) {
        return TaskPage.of(store.byKey(keyId), after, limit, store::fileBytes, this::view);
    }

    /**
     * Cancels a task: a queued or waiting one at once; a running one has its cancellation fired
     * (the loop stops mid-step) and this waits up to {@link #CANCEL_WAIT} for it to stop.
     *
     * @throws GatewayException 404 unknown; 409 when it has already ended
     */
    public Map<String, Object> cancel(String id, String keyId) {
        if (shared != null && store.entry(id, keyId) == null) return shared.cancel(id, keyId, CANCEL_WAIT); // its owner's
        TaskEntry e = found(id, keyId);
        expireIfDue(e);
        e.lock.lock();
        try {
            TaskStatus s = e.status;
            if (s.ended()) throw ended(id, s.wire());
            if (s == TaskStatus.RUNNING) {
                runner.cancelRunning(e);
                long left = CANCEL_WAIT.toNanos();
                while (!e.status.ended() && left > 0) left = e.changed.awaitNanos(left);
            } else {
                TaskStore.Stored st = store.read(e);
                runner.end(e, st.task(), st.execution(), TaskStatus.CANCELLED, null, null);
            }
        } catch (IOException io) {
            throw unreadable(e, io);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        } finally {
            e.lock.unlock();
        }
        return view(e);
    }

    /**
     * Sends the task's events with an id above {@code after} to {@code sink}, in order, then
     * those that follow as they happen, and returns once the task has ended and its last event is
     * sent, when {@code gone} fires (the client left), or when the gateway stops.
     *
     * @throws GatewayException 404 before anything is sent when the key has no such task
     */
    public void follow(String id, String keyId, long after, EventSink sink, Cancellation gone) {
        if (shared != null && store.entry(id, keyId) == null) throw shared.follow(id, keyId); // 409 naming its owner, or 404
        TaskEntry e = found(id, keyId);
        expireIfDue(e);
        gone.onCancel(e::signal);
        Path dir = store.dir(e);
        long offset = 0;
        while (true) {
            long to;
            boolean ended;
            e.lock.lock();
            try {
                while (e.eventBytes == offset && !e.status.ended() && !e.closing && !gone.isCancelled()) {
                    long wait = FOLLOW_WAIT.toNanos();
                    long expires = e.approvalExpiresMs;
                    if (expires > 0) wait = Math.min(wait, Math.max(1, TimeUnit.MILLISECONDS.toNanos(expires - clock.millis() + 1)));
                    e.changed.awaitNanos(wait);
                    if (expires > 0 && clock.millis() > expires) break;
                }
                to = e.eventBytes;
                ended = e.status.ended();
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                e.lock.unlock();
            }
            try {
                TaskEvents.read(dir, offset, to, ev -> {
                    if (ev.id() > after) sink.event(ev.id(), ev.type(), ev.data());
                });
            } catch (IOException io) {
                throw unreadable(e, io);
            }
            offset = to;
            if (ended || e.closing || gone.isCancelled()) return;
            expireIfDue(e);
        }
    }

    /**
     * {@code POST /v1/chat/resume} claimed the approval of a waiting task and applied the
     * decision: the task is queued again from that state.
     *
     * @return the task (202 for the resume)
     * @throws GatewayException 404 when the task is gone; 409 when it no longer waits (cancelled, or failed as its approval expired)
     */
    @Override
    public Map<String, Object> resumed(Execution execution, Decision decision) {
        TaskEntry e = store.entry(execution.taskId(), null);
        if (e == null && shared != null) return shared.resumed(execution, decision); // handed to its owner
        if (e == null) throw new GatewayException(ErrorKind.CALLER_NOT_FOUND, "The task of this approval no longer exists.");
        e.lock.lock();
        try {
            if (e.status != TaskStatus.WAITING_APPROVAL) throw notWaiting(e.id, e.status.wire());
            TaskStore.Stored s = store.read(e);
            store.write(e, s.task().with(TaskStatus.QUEUED), execution.toJson());
            store.event(e, "status", TaskStore.status(TaskStatus.QUEUED, decision.approve() ? "approved" : "rejected"), false);
        } catch (IOException io) {
            throw unreadable(e, io);
        } finally {
            e.lock.unlock();
        }
        runner.submit(e);
        return view(e);
    }

    /** Fails expired approvals' tasks and deletes ended tasks past their retention. */
    void sweep() {
        long now = clock.millis();
        long retention = config.taskRetention().toMillis();
        for (TaskEntry e : store.all()) {
            try {
                expireIfDue(e);
                if (e.status.ended() && e.endedMs > 0 && now - e.endedMs >= retention) {
                    store.delete(e);
                    Log.info("task_deleted", "task_id", e.id, "reason", "retention");
                }
            } catch (IOException | RuntimeException ex) {
                Log.error("task_sweep_failed", "task_id", e.id, "error", String.valueOf(ex.getMessage()));
            }
        }
    }

    /**
     * A waiting task whose approval has expired fails ({@code approval_expired}): after its
     * expiry, as {@code Approvals.claim} counts it (a claim at the expiry millisecond still wins).
     * A resume that claimed the approval in time hands the task back within milliseconds (the
     * decision is applied, not run, before); one that comes after this is answered 409.
     */
    private void expireIfDue(TaskEntry e) {
        long expires = e.approvalExpiresMs;
        if (e.status != TaskStatus.WAITING_APPROVAL || expires <= 0 || clock.millis() <= expires) return;
        e.lock.lock();
        try {
            if (e.status != TaskStatus.WAITING_APPROVAL || clock.millis() <= e.approvalExpiresMs) return;
            TaskStore.Stored s = store.read(e);
            Map<String, Object> error = new LinkedHashMap<>();
            error.put("message", "The approval " + s.task().approval().get("approval_id") + " expired at "
                    + TaskView.iso(e.approvalExpiresMs) + " before anyone decided on it.");
            error.put("type", "approval_expired");
            error.put("param", null);
            error.put("code", 410);
            runner.end(e, s.task(), s.execution(), TaskStatus.FAILED, null, error);
        } catch (IOException io) {
            throw unreadable(e, io);
        } finally {
            e.lock.unlock();
        }
    }

    private TaskEntry found(String id, String keyId) {
        TaskEntry e = store.entry(id, keyId);
        if (e == null) throw unknown(id);
        return e;
    }

    /** 404 for a task the key does not have (another key's too: ids cannot be probed across keys). */
    static GatewayException unknown(String id) {
        return new GatewayException(ErrorKind.CALLER_NOT_FOUND, "No task '" + clip(id) + "'.", "id");
    }

    /** 409 for a cancel of a task that has already ended ({@code status}). */
    static GatewayException ended(String id, String status) {
        return new GatewayException(ErrorKind.CALLER_CONFLICT, "Task " + id + " has already ended (" + status
                + "); only a queued, running or waiting task can be cancelled.", "id");
    }

    /** 409 for a resume of a task that is {@code status}, no longer waiting for its approval. */
    static GatewayException notWaiting(String id, String status) {
        return new GatewayException(ErrorKind.CALLER_CONFLICT, "Task " + id + " is " + status
                + "; it no longer waits for this approval.", "approval_id");
    }

    /**
     * The task as it stands, read under its lock so that it is never seen halfway through a
     * change (its file written, its index entry not yet); an approval that has expired is
     * applied first.
     */
    private Map<String, Object> view(TaskEntry e) {
        TaskStore.Stored s;
        e.lock.lock();
        try {
            expireIfDue(e);
            s = store.read(e);
        } catch (java.nio.file.NoSuchFileException deleted) {
            throw unknown(e.id);
        } catch (IOException io) {
            throw unreadable(e, io);
        } finally {
            e.lock.unlock();
        }
        try {
            return TaskView.render(s.task(), Execution.fromJson(s.execution()));
        } catch (IllegalArgumentException bad) {
            throw unreadable(e, bad);
        }
    }

    private static GatewayException unreadable(TaskEntry e, Exception io) {
        Log.error("task_unreadable", "task_id", e.id, "error", String.valueOf(io.getMessage()));
        return new GatewayException(ErrorKind.GATEWAY_INTERNAL, "Task " + e.id + " could not be read.");
    }

    static String clip(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "…";
    }
}
