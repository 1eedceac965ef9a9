package tollgate.agent;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tollgate.account.Account;
import tollgate.account.Charge;
import tollgate.call.Cancellation;
import tollgate.error.ClientGoneException;
import tollgate.error.GatewayException;
import tollgate.http.RequestIds;
import tollgate.log.Log;
import tollgate.memory.Reservation;
import tollgate.provider.Usage;
import tollgate.route.Caller;
import tollgate.route.ChatRequest;
import tollgate.route.Dispatched;
import tollgate.tool.ToolOutput;

/**
 * One {@link AgentLoop#run}: from the execution's state to its outcome. The state says what comes
 * next, so that a new execution, one resumed after an approval and a task's checkpoint after a
 * restart all continue the same way:
 * <pre>
 *   the loop's last assistant message has calls without a result ──▶ settle them:
 *       gateway calls run (in parallel) · decided approvals applied · undecided ones ──▶ Paused
 *       client calls left ──▶ ClientTools
 *   its last message is its answer ──▶ Answered
 *   otherwise ──▶ a model call (the last allowed one with tool_choice "none") ──▶ its answer, or its calls
 * </pre>
 */
final class Run {
    private final AgentLoop loop;
    private final Execution ex;
    private final Account account;
    private final Cancellation cancel;
    private final Reservation memory;
    private final AgentListener listener;
    private final AgentStream stream;
    private final long deadline;
    private final Set<String> clientFunctions;
    private long mark;

    Run(AgentLoop loop, Execution ex, Account account, Cancellation cancel, Reservation memory, AgentListener listener,
        AgentStream stream) {
        this.loop = loop;
        this.ex = ex;
        this.account = account;
        this.cancel = cancel;
        this.memory = memory;
        this.listener = listener;
        this.stream = stream;
        this.mark = loop.clock().nanos();
        this.deadline = mark + Math.max(0, ex.maxWallMs() - ex.wallUsedMs()) * 1_000_000L;
        this.clientFunctions = clientFunctions(ex);
    }

    Outcome run() {
        Map<String, Object> pending = ex.pending();
        if (pending != null && pending.get("decision") == null) {
            throw new IllegalStateException("execution " + ex.id() + " waits for an approval: decide() first");
        }
        try {
            while (true) {
                if (cancel.isCancelled()) throw new ClientGoneException(null);
                Map<String, Object> last = Conversation.lastAssistant(ex);
                List<Map<String, Object>> open = Conversation.unanswered(ex, last);
                Outcome o;
                if (!open.isEmpty()) o = settle(last, open);
                else if (Conversation.isAnswer(ex, last)) o = new Outcome.Answered(completion(last, "stop"), null);
                else o = modelCall();
                if (o != null) return o;
            }
        } finally {
            wall();
        }
    }

    /** Adds the running time since the last mark to the execution's (so that a checkpoint or a pause has it). */
    private void wall() {
        long now = loop.clock().nanos();
        ex.addWall((now - mark) / 1_000_000);
        mark = now;
    }

    private Outcome modelCall() {
        String stopped = null;
        if (ex.modelCalls() + 1 >= ex.maxSteps()) stopped = "max_steps";
        else if (loop.clock().nanos() >= deadline) stopped = "max_wall";
        if (ex.modelCalls() >= ex.maxSteps()) {
            // Only a state written by another version could get here: nothing more may be called.
            return new Outcome.Answered(completion(Conversation.assistant(null, null, null), "length"), "max_steps");
        }
        ChatRequest request = Conversation.request(ex, stream != null, stopped != null);
        Charge charge = account == null ? Charge.none() : loop.accounts().charge(account);
        if (stream != null) charge.streamHeld(); // the run's stream holds the key's slot (AgentLoop#run)
        charge.onLimits(listener::rateLimits);
        Caller caller = new Caller(ex.keyName(), ex.requestId(), ex.id(), cancel, memory, charge);
        StepStream sink = stream == null ? null : new StepStream(stream);
        long t0 = loop.clock().nanos();
        Dispatched d;
        try (charge) {
            d = loop.dispatcher().dispatch(caller, request, sink);
        } catch (GatewayException | ClientGoneException e) {
            ex.modelCalled();
            failed(e, t0);
            throw e;
        }
        ex.modelCalled();
        Usage u = d.usage();
        ex.charged(u.promptTokens(), u.completionTokens(), d.credits(), d.cost());
        ex.route(d.route());
        long now = loop.clock().millis() / 1000;
        Map<String, Object> completion = sink == null ? d.completion() : sink.completion(d.chosen().model().id(), now);
        Map<String, Object> message = Conversation.message(completion);
        List<Map<String, Object>> calls = Conversation.calls(message.get("tool_calls"));
        if (sink == null && Conversation.chars(message, calls) > AgentLoop.MAX_STEP_CHARS) {
            // A streamed answer is cut off at the limit (StepStream); one that came whole, here.
            GatewayException e = StepStream.tooLong();
            failed(e, t0);
            throw e;
        }
        if (calls.size() > AgentLoop.MAX_CALLS_PER_STEP) {
            Log.warn("agent_calls_dropped", "execution_id", ex.id(), "calls", calls.size(), "kept", AgentLoop.MAX_CALLS_PER_STEP);
            calls = new ArrayList<>(calls.subList(0, AgentLoop.MAX_CALLS_PER_STEP));
        }
        ids(calls);
        // A non-streamed answer's tree is held in the call's memory since its parse; a streamed
        // one was assembled outside it.
        if (sink != null) memory.reserve(Conversation.heldBytes(Conversation.chars(message, calls)));
        if (stopped != null) calls.removeIf(c -> !clientFunctions.contains(Conversation.name(c))); // no tool of the gateway's runs after the last call
        ex.messages().add(Conversation.assistant(message.get("content"), message.get("refusal"), calls));
        Map<String, Object> step = new LinkedHashMap<>();
        step.put("type", "model");
        step.put("deployment", d.chosen().id());
        step.put("model", d.chosen().model().id());
        step.put("duration_ms", (loop.clock().nanos() - t0) / 1_000_000);
        step.put("outcome", "ok");
        step.put("finish_reason", calls.isEmpty() ? finishReason(completion) : "tool_calls");
        if (!calls.isEmpty()) step.put("tool_calls", calls.size());
        step.put("prompt_tokens", Math.max(0, u.promptTokens()));
        step.put("completion_tokens", Math.max(0, u.completionTokens()));
        step.put("credits", d.credits());
        report(step);
        if (!calls.isEmpty()) return null; // settled next
        if (message.remove("tool_calls") != null) setFinish(completion, "stop"); // the last call's calls of the gateway's, dropped
        return new Outcome.Answered(completion, stopped);
    }

    /** Records a model call that failed (its ledger record is the dispatcher's), then the run ends with its error. */
    private void failed(RuntimeException e, long t0) {
        Map<String, Object> step = new LinkedHashMap<>();
        step.put("type", "model");
        step.put("duration_ms", (loop.clock().nanos() - t0) / 1_000_000);
        step.put("outcome", e instanceof GatewayException ? "error" : "cancelled");
        if (e instanceof GatewayException g) step.put("status", g.httpStatus());
        try {
            report(step);
        } catch (RuntimeException listenerFailed) {
            e.addSuppressed(listenerFailed); // the run's own error is the one to report
        }
    }

    /** Runs, refuses or hands back the calls of the loop's last assistant message that have no result yet. */
    private Outcome settle(Map<String, Object> assistant, List<Map<String, Object>> open) {
        Map<String, Object> pending = ex.pending();
        String decision = pending == null ? null : (String) pending.get("decision");
        Set<String> decided = new HashSet<>();
        if (decision != null) for (Map<String, Object> c : Conversation.calls(pending.get("calls"))) decided.add(Conversation.id(c));
        String reason = pending == null ? null : (String) pending.get("reason");
        List<ToolRunner.Planned> toRun = new ArrayList<>();
        List<Map<String, Object>> client = new ArrayList<>(), waiting = new ArrayList<>();
        Map<String, Map<String, Object>> results = new LinkedHashMap<>();
        Map<String, Map<String, Object>> steps = new LinkedHashMap<>();
        for (Map<String, Object> c : open) {
            String id = Conversation.id(c), fn = Conversation.name(c), tool = ex.gatewayTools().get(fn);
            if (ex.approvalTools().contains(fn) && !decided.contains(id)) {
                waiting.add(c);
            } else if (decided.contains(id) && !"approve".equals(decision)) {
                results.put(id, Conversation.toolMessage(id, "The user refused this call" + (reason == null || reason.isBlank()
                        ? "." : ": " + reason)));
                steps.put(id, toolStep(tool != null ? tool : fn, id, 0, ToolOutput.Outcome.REJECTED, 0));
            } else if (tool != null) {
                toRun.add(new ToolRunner.Planned(id, fn, tool, Conversation.arguments(c)));
            } else if (clientFunctions.contains(fn)) {
                client.add(c);
            } else {
                results.put(id, Conversation.toolMessage(id, "There is no tool named " + fn + "."));
            }
        }
        if (decision != null) ex.pending(null);
        for (ToolRunner.Planned p : toRun) listener.toolStarted(ex, p.tool(), p.callId());
        long left = deadline - loop.clock().nanos();
        for (ToolRunner.Done done : loop.runner().run(toRun, loop.config().maxParallelTools(), ex, account, cancel,
                System.nanoTime() + left, memory)) {
            String id = done.call().callId();
            ToolOutput out = done.output();
            results.put(id, Conversation.toolMessage(id, out.content() == null ? "" : out.content()));
            Map<String, Object> step = toolStep(done.call().tool(), id, done.durationMs(), out.outcome(), out.credits());
            if (!out.attachments().isEmpty()) {
                // What the tool made for the client (images): in the step, never in the model's prompt.
                List<Object> made = new ArrayList<>(out.attachments().size());
                for (ToolOutput.Attachment a : out.attachments()) made.add(a.toJson());
                step.put("attachments", made);
            }
            steps.put(id, step);
            ex.charged(0, 0, out.credits(), out.cost()); // an image's USD with its credits, as a model call's
        }
        if (cancel.isCancelled()) throw new ClientGoneException(null);
        for (Map<String, Object> c : open) {
            Map<String, Object> m = results.get(Conversation.id(c));
            if (m == null) continue;
            memory.reserve(Conversation.heldBytes(((String) m.get("content")).length())); // held until the run ends, in every prompt
            ex.messages().add(m);
        }
        for (Map<String, Object> c : open) {
            Map<String, Object> s = steps.get(Conversation.id(c));
            if (s != null) report(s);
        }
        if (!waiting.isEmpty()) return pause(assistant, waiting);
        if (!client.isEmpty()) return new Outcome.ClientTools(completion(Conversation.assistant(assistant.get("content"), null, client),
                "tool_calls"));
        return null;
    }

    private Outcome pause(Map<String, Object> assistant, List<Map<String, Object>> waiting) {
        wall();
        // The store adds approval_id and expires_at_ms to the pending calls, and writes the execution.
        Map<String, Object> pending = new LinkedHashMap<>();
        pending.put("calls", waiting);
        ex.pending(pending);
        Outcome.Approval approval;
        try {
            approval = loop.approvals().pause(ex, waiting, loop.config().approvalTtl());
        } catch (RuntimeException e) {
            ex.pending(null);
            throw e;
        }
        return new Outcome.Paused(completion(Conversation.assistant(assistant.get("content"), null, waiting), "tool_calls"), approval);
    }

    private void report(Map<String, Object> step) {
        wall();
        ex.steps().add(step);
        listener.step(ex, step);
    }

    private static Map<String, Object> toolStep(String tool, String callId, long ms, ToolOutput.Outcome outcome, long credits) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("type", "tool");
        s.put("tool", tool);
        s.put("call_id", callId);
        s.put("duration_ms", ms);
        s.put("outcome", outcome.wire());
        s.put("credits", credits);
        return s;
    }

    private Map<String, Object> completion(Map<String, Object> message, String finishReason) {
        return Conversation.completion("chatcmpl-" + RequestIds.newUuid().replace("-", ""), loop.clock().millis() / 1000, ex.model(),
                message, finishReason);
    }

    /**
     * Every call an id unique in the conversation: some models send none, the same one twice, or
     * number each answer's calls from 0 again. A reused id is a duplicate to the tool call repair
     * (seed 002), which would drop that call and its result from every later prompt: the model,
     * not seeing them, would call again and again.
     */
    private void ids(List<Map<String, Object>> calls) {
        Set<String> seen = new HashSet<>();
        for (Object m : ex.messages()) {
            if (m instanceof Map<?, ?> message && message.get("tool_calls") instanceof List<?> earlier) {
                for (Object c : earlier) if (c instanceof Map<?, ?> call && call.get("id") instanceof String id) seen.add(id);
            }
        }
        for (Map<String, Object> c : calls) {
            String id = Conversation.id(c);
            if (id == null || id.isEmpty() || !seen.add(id)) {
                id = "call_" + RequestIds.newUuid().replace("-", "").substring(0, 24);
                c.put("id", id);
                seen.add(id);
            }
        }
    }

    /** The function tools the client declared itself (the gateway's are in {@link Execution#gatewayTools()}). */
    private static Set<String> clientFunctions(Execution ex) {
        Set<String> names = new HashSet<>();
        if (ex.body().get("tools") instanceof List<?> tools) {
            for (Object t : tools) {
                if (t instanceof Map<?, ?> m && m.get("function") instanceof Map<?, ?> f && f.get("name") instanceof String n
                        && !ex.gatewayTools().containsKey(n)) {
                    names.add(n);
                }
            }
        }
        return names;
    }

    private static String finishReason(Map<String, Object> completion) {
        if (completion.get("choices") instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof Map<?, ?> c
                && c.get("finish_reason") instanceof String f) {
            return f;
        }
        return "stop";
    }

    @SuppressWarnings("unchecked")
    private static void setFinish(Map<String, Object> completion, String reason) {
        if (completion.get("choices") instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof Map<?, ?> c) {
            ((Map<String, Object>) c).put("finish_reason", reason);
        }
    }
}
