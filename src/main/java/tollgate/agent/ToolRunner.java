package tollgate.agent;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import tollgate.account.Account;
import tollgate.call.Cancellation;
import tollgate.json.Json;
import tollgate.json.JsonException;
import tollgate.log.Log;
import tollgate.tool.GatewayTool;
import tollgate.tool.ToolBox;
import tollgate.tool.ToolInvocation;
import tollgate.tool.ToolOutput;

/**
 * Runs the gateway tool calls of one step at once, each on a virtual thread of its own, at most
 * {@code agent.max_parallel_tools} at a time, and waits for all of them. A call whose arguments
 * are not a JSON object, whose tool is gone or no longer the key's, never runs: the model is told
 * why. Each call gets its own {@link Cancellation}, fired when the run's fires (a
 * {@code Cancellation} holds one action, and a tool registers its own).
 */
final class ToolRunner {
    /**
     * How long past its deadline a tool is waited for before the step goes on without it (its
     * contract is to return by the deadline; this bounds one that does not).
     */
    static final long GRACE_NANOS = 5_000_000_000L;

    /** One gateway call to make. */
    record Planned(String callId, String function, String tool, String arguments) {}

    /** What one call came to. */
    record Done(Planned call, ToolOutput output, long durationMs) {}

    private final ToolBox box;

    ToolRunner(ToolBox box) {
        this.box = box;
    }

    /**
     * Runs {@code calls} and returns their results in the same order.
     *
     * @param deadlineNanos {@link System#nanoTime()} by which every tool must have returned (the loop's deadline)
     */
    List<Done> run(List<Planned> calls, int maxParallel, Execution ex, Account account, Cancellation run, long deadlineNanos) {
        int n = calls.size();
        ToolOutput[] outputs = new ToolOutput[n];
        long[] took = new long[n];
        Cancellation[] each = new Cancellation[n];
        Thread[] threads = new Thread[n];
        Semaphore slots = new Semaphore(maxParallel);
        for (int i = 0; i < n; i++) each[i] = new Cancellation();
        run.onCancel(() -> {
            for (Cancellation c : each) c.cancel();
        });
        for (int i = 0; i < n; i++) {
            int k = i;
            Planned p = calls.get(i);
            ToolInvocation invocation;
            GatewayTool tool = box.find(p.tool());
            String refused = refusal(tool, p, ex.keyName());
            Map<String, Object> args = refused == null ? arguments(p.arguments()) : null;
            if (refused == null && args == null) refused = "The arguments of this call are not a JSON object; call "
                    + p.function() + " again with a JSON object of its parameters.";
            if (refused != null) {
                outputs[k] = ToolOutput.error(refused);
                continue;
            }
            invocation = new ToolInvocation(p.callId(), args, ex.keyName(), account, ex.requestId(), ex.id(), each[k], deadlineNanos);
            threads[k] = Thread.ofVirtual().name("tollgate-tool").start(() -> {
                long t0 = System.nanoTime();
                outputs[k] = call(tool, invocation, slots);
                took[k] = System.nanoTime() - t0;
            });
        }
        List<Done> done = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            if (threads[i] != null && !join(threads[i], deadlineNanos + GRACE_NANOS)) {
                each[i].cancel();
                Log.warn("tool_overran", "tool", calls.get(i).tool(), "execution_id", ex.id());
                outputs[i] = ToolOutput.timeout("The tool did not answer in time.");
            }
            done.add(new Done(calls.get(i), outputs[i], took[i] / 1_000_000));
        }
        return done;
    }

    private static ToolOutput call(GatewayTool tool, ToolInvocation invocation, Semaphore slots) {
        try {
            long wait = invocation.remainingNanos();
            if (wait <= 0) return ToolOutput.timeout("The execution's time limit was reached before the tool could run.");
            if (!slots.tryAcquire(wait, TimeUnit.NANOSECONDS)) {
                return ToolOutput.timeout("The execution's time limit was reached before the tool could run.");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return cancelled();
        }
        try {
            if (invocation.cancellation().isCancelled()) return cancelled();
            ToolOutput out = tool.run(invocation);
            return out != null ? out : ToolOutput.error("The tool gave no answer.");
        } catch (RuntimeException e) {
            // A tool's contract is never to throw; one that does must not take the run down, nor leak its message.
            Log.error("tool_failed", "tool", tool.name(), "exception", e.getClass().getName());
            return ToolOutput.error("The tool failed.");
        } finally {
            slots.release();
        }
    }

    private static ToolOutput cancelled() {
        return new ToolOutput("The call was cancelled.", ToolOutput.Outcome.CANCELLED, 0);
    }

    /** Why the call may not run, or null. */
    private static String refusal(GatewayTool tool, Planned p, String keyName) {
        if (tool == null) return "The tool " + p.function() + " is no longer available.";
        if (!tool.allows(keyName)) return "The tool " + p.function() + " is no longer allowed for this key.";
        return null;
    }

    /** The model's arguments as an object ({@code ""} as {@code {}}: some models send nothing for no parameters), or null. */
    private static Map<String, Object> arguments(String text) {
        if (text == null || text.isBlank()) return new java.util.LinkedHashMap<>();
        try {
            return Json.asObject(Json.parse(text));
        } catch (JsonException e) {
            return null;
        }
    }

    /** Waits for {@code t} until {@code deadline} ({@link System#nanoTime()}); whether it ended. */
    private static boolean join(Thread t, long deadline) {
        try {
            long left = deadline - System.nanoTime();
            if (left > 0) t.join(java.time.Duration.ofNanos(left));
            return !t.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !t.isAlive();
        }
    }
}
