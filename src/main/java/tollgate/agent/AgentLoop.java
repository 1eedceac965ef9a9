package tollgate.agent;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tollgate.account.Account;
import tollgate.account.Accounts;
import tollgate.call.Cancellation;
import tollgate.call.Clock;
import tollgate.config.AgentConfig;
import tollgate.error.GatewayException;
import tollgate.http.RequestIds;
import tollgate.json.JsonNumber;
import tollgate.memory.Reservation;
import tollgate.route.ChatRequest;
import tollgate.route.Dispatcher;
import tollgate.tool.ToolBox;

/**
 * The agent loop (issue 12): a model call through the {@link Dispatcher}; the gateway tools it
 * asked for run (in parallel); again, until the model answers, calls a tool of the client's, or
 * calls a tool that needs a human's approval (the execution pauses, persisted in
 * {@link Approvals}). Bounded by the execution's step limit, its wall-clock limit and the key's
 * credits; every model call is its own dispatched, admitted, charged and recorded request (one
 * ledger record per call, all with the execution's id).
 *
 * <p>Transport-neutral: chat completions (stream or not), {@code POST /v1/chat/resume} and
 * background tasks all run executions through {@link #run}. Thread-safe: one instance serves
 * every execution; an execution is run by one thread at a time.
 */
public final class AgentLoop {
    /**
     * Most tool calls the gateway takes from one model call; those past it are dropped from the
     * model's message, as if it had not made them. A model asked to can emit thousands of calls
     * in one answer, each a tool run (an HTTP request, a subprocess) for the price of one model
     * call, and each result held in every later prompt: 64 is as many as
     * {@code agent.max_parallel_tools} may run at once, far above what models make in practice.
     */
    public static final int MAX_CALLS_PER_STEP = 64;
    /**
     * Most characters of text, refusal and tool arguments one model call's answer may hold,
     * streamed or not: the answer goes into every later prompt (and a paused execution's file).
     */
    public static final int MAX_STEP_CHARS = 4 * 1024 * 1024;

    private final Dispatcher dispatcher;
    private final ToolBox tools;
    private final Accounts accounts;
    private final Approvals approvals;
    private final AgentConfig config;
    private final Clock clock;
    private final ToolRunner runner;
    private volatile TaskHandoff handoff = TaskHandoff.NONE;

    /**
     * @param accounts where each model call's charge is opened (null: nothing charged, tests)
     */
    public AgentLoop(Dispatcher dispatcher, ToolBox tools, Accounts accounts, Approvals approvals, AgentConfig config, Clock clock) {
        this.dispatcher = dispatcher;
        this.tools = tools;
        this.accounts = accounts;
        this.approvals = approvals;
        this.config = config;
        this.clock = clock;
        this.runner = new ToolRunner(tools);
    }

    public ToolBox tools() { return tools; }

    public AgentConfig config() { return config; }

    /** Where paused executions wait for {@code POST /v1/chat/resume}. */
    public Approvals approvals() { return approvals; }

    /** Where a resumed approval of a background task goes ({@link TaskHandoff#NONE} until the task runner installs itself). */
    public TaskHandoff handoff() { return handoff; }

    /** Installs the task runner's handoff (at start-up). */
    public void handoff(TaskHandoff h) { this.handoff = h; }

    Dispatcher dispatcher() { return dispatcher; }

    Clock clock() { return clock; }

    ToolRunner runner() { return runner; }

    /** Opens each model call's charge; a loop without accounts (tests) charges nothing. */
    Accounts accounts() { return accounts; }

    /**
     * Whether {@code request} needs the loop: it names gateway tools, or client tools that need
     * approval. Read from the validated request: nothing is parsed again.
     */
    public static boolean involves(ChatRequest request) {
        return request.agent();
    }

    /**
     * A new execution for a validated request: its gateway tools resolved (unknown ones refused,
     * 400 naming {@code tools[i].name} and listing the key's; those the key may not use, 403) and
     * turned into functions; its {@code tool_choice} and {@code metadata.requires_approval} turned
     * into those functions' names.
     *
     * @param account  the key's account (its name decides the tools it may use), or null (tests)
     * @param taskId   the task it runs for, or null
     * @param maxSteps its step limit
     * @param maxWallMs its wall-clock limit
     */
    @SuppressWarnings("unchecked")
    public Execution start(ChatRequest request, Account account, String requestId, String taskId, int maxSteps, long maxWallMs) {
        Map<String, Object> body = request.body();
        if (body.get("n") instanceof JsonNumber n && !n.text().equals("1")) {
            throw GatewayException.invalid("n", "Invalid value for 'n': a request with gateway tools or approvals answers with one "
                    + "choice; leave 'n' out or set it to 1.");
        }
        String keyName = account == null ? null : account.name();
        List<?> declared = body.get("tools") instanceof List<?> l ? l : List.of();
        Functions.Resolved resolved = Functions.resolve(declared, tools, keyName);
        Map<String, Object> steps = new LinkedHashMap<>(body);
        steps.remove("messages");
        steps.remove("stream");
        if (resolved.tools().isEmpty()) {
            // A '<server>.*' of a server without tools, and nothing else: OpenAI refuses the
            // members that need tools without them.
            steps.remove("tools");
            steps.remove("tool_choice");
            steps.remove("parallel_tool_calls");
        } else {
            steps.put("tools", resolved.tools());
        }
        if (steps.get("tool_choice") instanceof Map<?, ?> choice && choice.get("function") instanceof Map<?, ?> f) {
            String name = (String) f.get("name");
            String fn = resolved.byGateway().get(name);
            if (fn == null && !resolved.wire().containsKey(name) && !clientFunction(declared, name)) {
                throw GatewayException.invalid("tool_choice.function.name", "Invalid value for 'tool_choice.function.name': the gateway "
                        + "has no tool '" + name + "' for this request.");
            }
            if (fn != null) {
                Map<String, Object> named = new LinkedHashMap<>();
                named.put("type", "function");
                named.put("function", Map.of("name", fn));
                steps.put("tool_choice", named);
            }
        }
        Set<String> approval = new LinkedHashSet<>(resolved.approval());
        Object metadata = body.get("metadata");
        if (metadata instanceof Map<?, ?> m && m.get(ChatRequest.REQUIRES_APPROVAL) instanceof String list) {
            for (String raw : list.split(",")) {
                String name = raw.strip();
                String fn = resolved.byGateway().get(name);
                if (fn == null && !clientFunction(declared, name)) {
                    throw GatewayException.invalid("metadata." + ChatRequest.REQUIRES_APPROVAL, "Invalid value for 'metadata."
                            + ChatRequest.REQUIRES_APPROVAL + "': the gateway has no tool '" + name + "' for this request.");
                }
                approval.add(fn != null ? fn : name);
            }
        }
        List<Object> messages = new ArrayList<>((List<Object>) body.get("messages"));
        return new Execution(RequestIds.newUuid(), account == null ? null : account.id(), keyName, requestId, taskId, request.model(),
                steps, resolved.wire(), approval, maxSteps, maxWallMs, messages);
    }

    private static boolean clientFunction(List<?> declared, String name) {
        for (Object t : declared) {
            if (t instanceof Map<?, ?> m && m.get("function") instanceof Map<?, ?> f && name.equals(f.get("name"))) return true;
        }
        return false;
    }

    /**
     * Runs {@code execution} from where it stands (a new one, one resumed after an approval with
     * its decision applied, or a task's checkpoint) until it answers, returns client tool calls, or
     * pauses. A failure ends it: a {@code GatewayException} (a model call's: 402 when the credits
     * run out, 429 for the key's limits, the upstream's; an approval that cannot be stored), or
     * {@code ClientGoneException} when {@code cancel} fired; the steps made until then are charged
     * and recorded.
     *
     * @param account  the key's account: each model call is admitted and charged to it, or null (tests)
     * @param cancel   fired when the caller leaves or the task is cancelled: the model call or the
     *                 tools in flight are cancelled and the run ends with {@code ClientGoneException}
     * @param memory   the caller's share of the memory budget, charged for what streams hold
     * @param listener told about each completed step
     * @param stream   where the answer streams (only its text; progress is the listener's to show),
     *                 or null for no stream; the caller holds one of the key's stream slots for the
     *                 whole run ({@code Charge.holdStream}), so its model calls take none
     * @throws IllegalStateException when the execution waits for a decision ({@link #decide} first)
     */
    public Outcome run(Execution execution, Account account, Cancellation cancel, Reservation memory, AgentListener listener,
                       AgentStream stream) {
        return new Run(this, execution, account, cancel, memory, listener, stream).run();
    }

    /**
     * Applies a human's decision to a paused execution: {@link #run} then runs the approved calls
     * of the gateway's (and hands the approved calls of the client's back to it), or tells the
     * model each call was refused, with the reason.
     *
     * @throws IllegalStateException when the execution is not paused
     */
    public void decide(Execution execution, TaskHandoff.Decision decision) {
        Map<String, Object> pending = execution.pending();
        if (pending == null) throw new IllegalStateException("execution " + execution.id() + " is not paused");
        Map<String, Object> decided = new LinkedHashMap<>(pending);
        decided.put("decision", decision.approve() ? "approve" : "reject");
        if (decision.reason() != null) decided.put("reason", decision.reason());
        execution.pending(decided);
    }
}
