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
import tollgate.json.JsonMeter;
import tollgate.log.Log;
import tollgate.memory.Reservation;
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
     * @param memory        the run's share of the memory budget, charged for the calls' parsed arguments while they run
     * @throws tollgate.memory.BudgetExceededException when the arguments do not fit (no call has started)
     */
    List<Done> run(List<Planned> calls, int maxParallel, Execution ex, Account account, Cancellation run, long deadlineNanos,
                   Reservation memory) {
        long[] parsed = new long[1]; // the arguments' trees, held by the tools until they return
        JsonMeter meter = bytes -> {
            memory.reserve(bytes);
            parsed[0] += bytes;
        };
        try {
            return run(calls, maxParallel, ex, account, run, deadlineNanos, meter);
        } finally {
            memory.release(parsed[0]);
        }
    }

    private List<Done> run(List<Planned> calls, int maxParallel, Execution ex, Account account, Cancellation run, long deadlineNanos,
                           JsonMeter meter) {
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
        // Every call's arguments first: one that does not fit in the memory budget fails the step before any tool starts.
        GatewayTool[] tools = new GatewayTool[n];
        ToolInvocation[] invocations = new ToolInvocation[n];
        for (int i = 0; i < n; i++) {
            Planned p = calls.get(i);
            GatewayTool tool = box.find(p.tool());
            String refused = refusal(tool, p, ex.keyName());
            Map<String, Object> args = refused == null ? arguments(p.arguments(), meter) : null;
            if (refused == null && args == null) refused = "The arguments of this call are not a JSON object; call "
                    + p.function() + " again with a JSON object of its parameters.";
            if (refused != null) {
                outputs[i] = ToolOutput.error(refused);
                continue;
            }
            tools[i] = tool;
            invocations[i] = new ToolInvocation(p.callId(), args, ex.keyName(), account, ex.requestId(), ex.id(), each[i], deadlineNanos);
        }
        for (int i = 0; i < n; i++) {
            if (invocations[i] == null) continue;
            int k = i;
            GatewayTool tool = tools[k];
            ToolInvocation invocation = invocations[k];
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

    /**
     * The model's arguments as an object ({@code ""} as {@code {}}: some models send nothing for
     * no parameters), or null. The tree is charged to {@code meter} as it is built: a few
     * megabytes of arguments can make a tree ten times larger (a number per two characters).
     */
    private static Map<String, Object> arguments(String text, JsonMeter meter) {
        if (text == null || text.isBlank()) return new java.util.LinkedHashMap<>();
        try {
            byte[] utf8 = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            return Json.asObject(Json.parse(utf8, 0, utf8.length, meter));
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
