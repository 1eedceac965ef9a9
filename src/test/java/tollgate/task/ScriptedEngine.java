package tollgate.task;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import tollgate.account.Account;
import tollgate.agent.AgentListener;
import tollgate.agent.Execution;
import tollgate.agent.Outcome;
import tollgate.call.Cancellation;
import tollgate.error.ClientGoneException;
import tollgate.route.ChatRequest;

/**
 * A {@link TaskEngine} whose runs follow scripts, one per run in order (then: answer "done"): the
 * runner's tests without the agent loop. Executions are the real type.
 */
final class ScriptedEngine implements TaskEngine {
    @FunctionalInterface
    interface Script {
        Outcome run(Execution ex, Cancellation cancel, AgentListener listener) throws Exception;
    }

    final LinkedBlockingQueue<Script> scripts = new LinkedBlockingQueue<>();
    /** Each run's execution as it was handed over (its JSON, before the script ran). */
    final List<Map<String, Object>> runs = new CopyOnWriteArrayList<>();
    /** Each run's account id. */
    final List<String> accounts = new CopyOnWriteArrayList<>();

    ScriptedEngine then(Script s) {
        scripts.add(s);
        return this;
    }

    @Override
    public Execution start(ChatRequest request, Account account, String requestId, String taskId, int maxSteps, long maxWallMs) {
        List<Object> messages = new ArrayList<>();
        if (request.body().get("messages") instanceof List<?> l) messages.addAll(l);
        return new Execution("exec-" + taskId.substring(5), account.id(), account.name(), requestId, taskId, request.model(),
                new LinkedHashMap<>(), Map.of(), Set.of(), maxSteps, maxWallMs, messages);
    }

    @Override
    public Outcome run(Execution execution, Account account, Cancellation cancel, AgentListener listener) {
        runs.add(tollgate.json.Json.asObject(tollgate.json.Json.parse(tollgate.json.Json.toBytes(execution.toJson())))); // a copy
        accounts.add(account.id());
        Script s = scripts.poll();
        try {
            return s == null ? answered("done") : s.run(execution, cancel, listener);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** One completed model step: appended, charged (10 prompt, 5 completion tokens, 3 credits) and reported. */
    static void step(Execution ex, AgentListener listener, String what) {
        Map<String, Object> step = new LinkedHashMap<>();
        step.put("type", "model");
        step.put("what", what);
        ex.steps().add(step);
        ex.modelCalled();
        ex.charged(10, 5, 3);
        ex.messages().add(Map.of("role", "assistant", "content", what));
        listener.step(ex, step);
    }

    static Outcome.Answered answered(String text) {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("role", "assistant");
        message.put("content", text);
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("index", 0);
        choice.put("message", message);
        choice.put("finish_reason", "stop");
        Map<String, Object> completion = new LinkedHashMap<>();
        completion.put("id", "chatcmpl-1");
        completion.put("object", "chat.completion");
        completion.put("choices", new ArrayList<>(List.of(choice)));
        return new Outcome.Answered(completion, null);
    }

    /** A script: {@code n} steps, then {@code end}. */
    static Script steps(int n, Outcome end) {
        return (ex, cancel, l) -> {
            for (int i = 0; i < n; i++) step(ex, l, "step " + (ex.steps().size() + 1));
            return end;
        };
    }

    /** A script that says it started, then waits for its cancellation and ends as the loop does: ClientGoneException. */
    static Script untilCancelled(CountDownLatch started) {
        return (ex, cancel, l) -> {
            CountDownLatch cancelled = new CountDownLatch(1);
            cancel.onCancel(cancelled::countDown);
            started.countDown();
            if (!cancelled.await(20, TimeUnit.SECONDS)) throw new AssertionError("never cancelled");
            throw new ClientGoneException(null);
        };
    }
}
