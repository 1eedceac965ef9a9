package tollgate.task;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import tollgate.account.Account;
import tollgate.account.Accounts;
import tollgate.agent.AgentListener;
import tollgate.agent.Execution;
import tollgate.agent.Outcome;
import tollgate.call.Cancellation;
import tollgate.call.Clock;
import tollgate.error.ErrorBody;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.memory.BudgetExceededException;
import tollgate.json.Json;
import tollgate.log.Log;

/**
 * Runs queued tasks in the background: each on a virtual thread of its own, at most
 * {@code agent.max_running_tasks} at once (a fair semaphore: the longest waiting runs next; no
 * pool). A run takes the task from its checkpoint, runs the agent loop with the key's account and
 * a {@link Cancellation} of its own, and after every step writes the checkpoint (durably) and then
 * a {@code step} event, so that a restart re-runs at most the step that was in flight.
 *
 * <p>How a run ends: answered → succeeded; paused for an approval → waiting_approval (the loop
 * has persisted the approval); a failure → failed with its error; cancelled by a client →
 * cancelled; cut by a gateway stop → left running on disk (the next start queues it again).
 */
final class TaskRunner {
    private final TaskStore store;
    private final TaskEngine engine;
    private final Accounts accounts;
    private final Webhooks webhooks;
    private final Clock clock;
    private final Semaphore slots;
    /** Threads waiting for a slot: interrupted by {@link #stop} (a running one is cancelled instead). */
    private final Set<Thread> waiting = ConcurrentHashMap.newKeySet();
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;

    TaskRunner(TaskStore store, TaskEngine engine, Accounts accounts, Webhooks webhooks, Clock clock, int maxRunning) {
        this.store = store;
        this.engine = engine;
        this.accounts = accounts;
        this.webhooks = webhooks;
        this.clock = clock;
        this.slots = new Semaphore(maxRunning, true);
    }

    /** Runs {@code e} when a slot is free (if it is still queued then). */
    void submit(TaskEntry e) {
        if (stopping) return; // it stays queued on disk: the next start runs it
        Thread t = Thread.ofVirtual().name("tollgate-task-" + e.id).unstarted(() -> {
            try {
                slot(e);
            } finally {
                threads.remove(Thread.currentThread());
            }
        });
        threads.add(t);
        t.start();
    }

    private void slot(TaskEntry e) {
        waiting.add(Thread.currentThread());
        try {
            slots.acquire();
        } catch (InterruptedException stopped) {
            return;
        } finally {
            waiting.remove(Thread.currentThread());
        }
        try {
            run(e);
        } catch (RuntimeException bug) {
            Log.error("task_run_failed", "task_id", e.id, "exception", bug.toString());
        } finally {
            slots.release();
        }
    }

    private void run(TaskEntry e) {
        Cancellation cancel = new Cancellation();
        Task task;
        Execution ex;
        e.lock.lock();
        try {
            if (e.status != TaskStatus.QUEUED || stopping) return;
            SharedTasks shared = store.shared;
            if (shared != null && !shared.lease(e.id)) return; // another replica runs it (a data directory they share)
            TaskStore.Stored s = store.read(e);
            task = s.task().running(clock.millis());
            try {
                ex = Execution.fromJson(s.execution());
            } catch (IllegalArgumentException unreadable) {
                Log.error("task_checkpoint_unreadable", "task_id", e.id, "error", unreadable.getMessage());
                end(e, s.task(), s.execution(), TaskStatus.FAILED, null, error(new GatewayException(ErrorKind.GATEWAY_INTERNAL,
                        "The task's saved state could not be read; it cannot go on.")));
                return;
            }
            store.write(e, task, s.execution());
            store.event(e, "status", TaskStore.status(TaskStatus.RUNNING, null), false);
            e.running = cancel;
            e.cancelRequested = false;
        } catch (IOException io) {
            Log.error("task_write_failed", "task_id", e.id, "error", String.valueOf(io.getMessage()));
            return; // left as it is on disk; the next start tries again
        } finally {
            e.lock.unlock();
        }
        Outcome outcome = null;
        RuntimeException failure = null;
        try {
            outcome = engine.run(ex, account(task), cancel, listener(e, task));
        } catch (RuntimeException f) {
            failure = f;
        }
        finish(e, task, ex, outcome, failure);
    }

    /** The account of the key that created the task, if it is still usable; else a 401 that fails the task. */
    private Account account(Task task) {
        Account a = accounts.get(task.keyId());
        if (a == null) {
            throw new GatewayException(ErrorKind.CALLER_UNAUTHENTICATED, "The API key that created this task no longer exists.");
        }
        return accounts.usable(a);
    }

    /**
     * Checkpoint, then the step's event: a step in the events log is a step a restart will not
     * redo. Then the key is checked again ({@link #account}): a task runs for up to
     * {@code agent.task_max_wall_ms}, and one whose key was revoked, expired or deleted meanwhile
     * must not go on calling models on it (the loop admits each call against the key's limits and
     * credits, not its revocation).
     */
    private AgentListener listener(TaskEntry e, Task task) {
        return new AgentListener() {
            @Override
            public void step(Execution execution, Map<String, Object> step) {
                checkpoint(execution, step);
                account(task); // 401: the run fails with it, the step kept
            }

            private void checkpoint(Execution execution, Map<String, Object> step) {
                e.lock.lock();
                try {
                    store.write(e, task, execution.toJson());
                    Map<String, Object> data = new LinkedHashMap<>();
                    data.put("index", execution.steps().size() - 1);
                    data.put("step", step);
                    store.event(e, "step", data, true);
                } catch (TaskStore.TooLarge big) {
                    Log.warn("task_too_large", "task_id", e.id, "bytes", big.bytes, "steps", execution.steps().size());
                    throw tooLarge(big);
                } catch (IOException io) {
                    Log.error("task_checkpoint_failed", "task_id", e.id, "error", String.valueOf(io.getMessage()));
                    throw new GatewayException(ErrorKind.GATEWAY_INTERNAL, "The task's progress could not be saved; it was stopped.");
                } finally {
                    e.lock.unlock();
                }
            }

            @Override
            public void toolStarted(Execution execution, String tool, String callId) {
                account(task); // no tool runs (an image charged) on a revoked key
                e.lock.lock();
                try {
                    Map<String, Object> data = new LinkedHashMap<>();
                    data.put("tool", tool);
                    data.put("call_id", callId);
                    store.event(e, "tool", data, true);
                } catch (IOException io) {
                    Log.warn("task_event_failed", "task_id", e.id, "error", String.valueOf(io.getMessage())); // progress only
                } finally {
                    e.lock.unlock();
                }
            }
        };
    }

    private void finish(TaskEntry e, Task task, Execution ex, Outcome outcome, RuntimeException failure) {
        e.lock.lock();
        try {
            e.running = null;
            if (e.status != TaskStatus.RUNNING) return;
            Map<String, Object> state = ex.toJson();
            if (e.cancelRequested) {
                end(e, task, state, TaskStatus.CANCELLED, null, null);
            } else if (failure != null && stopping) {
                // Cut by the stop: its cancellation (ClientGoneException), or whatever a call in
                // flight ended with as the gateway closed under it (the upstream client closes
                // next). Still running on disk: the next start goes on from here, and a genuine
                // failure happens again there.
                store.write(e, task, state);
                Log.info("task_interrupted", "task_id", e.id, "reason", "the gateway is stopping", "steps", ex.steps().size(),
                        "failure", failure.getClass().getSimpleName());
            } else if (failure instanceof GatewayException || failure instanceof BudgetExceededException) {
                // A run the memory budget could not hold fails as a request would: 503, retry later.
                GatewayException g = failure instanceof BudgetExceededException b ? b.toGatewayException() : (GatewayException) failure;
                end(e, task, state, TaskStatus.FAILED, null, error(g));
            } else if (failure != null) {
                Log.error("task_failed", "task_id", e.id, "exception", failure.toString());
                end(e, task, state, TaskStatus.FAILED, null, error(new GatewayException(ErrorKind.GATEWAY_INTERNAL,
                        "The task failed inside the gateway.")));
            } else if (outcome instanceof Outcome.Answered a) {
                end(e, task, state, TaskStatus.SUCCEEDED, result(task, a), null);
            } else if (outcome instanceof Outcome.Paused p) {
                Map<String, Object> approval = new LinkedHashMap<>();
                approval.put("approval_id", p.approval().approvalId());
                approval.put("execution_id", p.approval().executionId());
                approval.put("expires_at_ms", p.approval().expiresAtMs());
                approval.put("calls", p.approval().calls());
                Task waiting = task.waiting(approval);
                try {
                    store.write(e, waiting, state);
                } catch (TaskStore.TooLarge big) {
                    end(e, task, state, TaskStatus.FAILED, null, error(tooLarge(big)));
                    return;
                }
                store.event(e, "approval", TaskView.approval(approval), false);
                store.event(e, "status", TaskStore.status(TaskStatus.WAITING_APPROVAL, null), false);
            } else {
                // A task's request has no client tools (refused at creation); nothing here can answer them.
                end(e, task, state, TaskStatus.FAILED, null, error(new GatewayException(ErrorKind.GATEWAY_INTERNAL,
                        "The model called a tool of the client's, which a task cannot answer.")));
            }
        } catch (IOException io) {
            Log.error("task_write_failed", "task_id", e.id, "error", String.valueOf(io.getMessage()));
        } finally {
            e.changed.signalAll();
            e.lock.unlock();
        }
    }

    /**
     * Ends the task: its file, then its {@code error} or {@code result} event and its final
     * {@code status} event, then the webhook. The caller holds {@code e.lock}.
     */
    void end(TaskEntry e, Task task, Map<String, Object> execution, TaskStatus status, Map<String, Object> result,
             Map<String, Object> error) throws IOException {
        Task done = task.ended(status, clock.millis(), result, error);
        try {
            store.write(e, done, execution);
        } catch (TaskStore.TooLarge big) {
            execution = store.read(e).execution(); // the last checkpoint, which fitted: a task that ends stays readable
            store.write(e, done, execution);
        }
        if (error != null) store.event(e, "error", Map.of("error", error), false);
        if (result != null) store.event(e, "result", result, false);
        store.event(e, "status", TaskStore.status(status, null), false);
        Log.info("task_ended", "task_id", e.id, "status", status.wire());
        if (done.webhook() != null) {
            byte[] body = Json.toBytes(TaskView.render(done, Execution.fromJson(execution)));
            webhooks.deliver(e.id, done.webhook(), "task." + status.wire(), body);
        }
    }

    private static Map<String, Object> result(Task task, Outcome.Answered a) {
        Map<String, Object> completion = a.completion();
        completion.put("model", task.model());
        Map<String, Object> r = new LinkedHashMap<>();
        Object content = null, finish = null;
        if (completion.get("choices") instanceof List<?> choices && !choices.isEmpty() && choices.get(0) instanceof Map<?, ?> c) {
            finish = c.get("finish_reason");
            if (c.get("message") instanceof Map<?, ?> m) content = m.get("content");
        }
        r.put("content", content);
        r.put("finish_reason", finish);
        r.put("stopped", a.stopped());
        r.put("completion", completion);
        return r;
    }

    /** Why a task whose state outgrew its file stopped (413: the task asked for more than a task may keep). */
    static GatewayException tooLarge(TaskStore.TooLarge big) {
        return new GatewayException(ErrorKind.CALLER_BODY_TOO_LARGE, "The task's state (its conversation, its steps and their "
                + "results) grew past " + big.max + " bytes, the most a task may keep; it was stopped after its last step that fitted.");
    }

    /** The error object of {@code g} (OpenAI's: message, type, param, code). */
    static Map<String, Object> error(GatewayException g) {
        return Json.asObject(ErrorBody.toMap(g).get("error"));
    }

    /** Asks a running task to stop; the caller holds {@code e.lock}. */
    void cancelRunning(TaskEntry e) {
        e.cancelRequested = true;
        Cancellation c = e.running;
        if (c != null) Thread.ofVirtual().start(c::cancel); // its action may block: not under the task's lock
    }

    /**
     * Stops running: no new run starts, waiting ones give up their turn, running ones are
     * cancelled (they stay {@code running} on disk and go on at the next start), for at most
     * {@code wait}.
     */
    void stop(Duration wait) {
        stopping = true;
        for (Thread t : waiting) t.interrupt();
        for (TaskEntry e : store.all()) {
            // Under the task's lock, under which a run checks stopping and sets running: a run
            // is either seen here and cancelled, or sees stopping and does not start.
            Cancellation c;
            e.lock.lock();
            try {
                c = e.running;
            } finally {
                e.lock.unlock();
            }
            if (c != null) c.cancel();
        }
        long deadline = System.nanoTime() + wait.toNanos();
        for (Thread t : threads) {
            try {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !t.join(Duration.ofNanos(left))) {
                    Log.warn("task_stop_timeout", "thread", t.getName());
                }
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
