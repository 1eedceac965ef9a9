package tollgate.agent;

import java.util.Map;
import tollgate.account.Account;
import tollgate.account.Accounts;
import tollgate.call.Cancellation;
import tollgate.call.Clock;
import tollgate.config.AgentConfig;
import tollgate.route.ChatRequest;
import tollgate.route.ChatSink;
import tollgate.route.Dispatcher;
import tollgate.tool.ToolBox;

/**
 * The agent loop (issue 12): a model call through the {@link Dispatcher}; the gateway tools it
 * asked for run (in parallel); again, until the model answers, calls a tool of the client's, or
 * calls a tool that needs a human's approval (the execution pauses, persisted). Bounded by the
 * execution's step limit, its wall-clock limit and the key's credits; every model call is its own
 * dispatched, charged and recorded request (one ledger record per step).
 *
 * <p>Transport-neutral: chat completions (stream or not), {@code POST /v1/chat/resume} and
 * background tasks all run executions through {@link #run}.
 */
public final class AgentLoop {
    private final Dispatcher dispatcher;
    private final ToolBox tools;
    private final Accounts accounts;
    private final AgentConfig config;
    private final Clock clock;

    public AgentLoop(Dispatcher dispatcher, ToolBox tools, Accounts accounts, AgentConfig config, Clock clock) {
        this.dispatcher = dispatcher;
        this.tools = tools;
        this.accounts = accounts;
        this.config = config;
        this.clock = clock;
    }

    public ToolBox tools() { return tools; }

    public AgentConfig config() { return config; }

    /** Whether {@code request} needs the loop: it names gateway tools, or client tools that need approval. */
    public static boolean involves(ChatRequest request) {
        throw new UnsupportedOperationException("issue 12: agent loop");
    }

    /**
     * A new execution for a validated request: its gateway tools resolved (those the key may not
     * use refused, 403 naming the tool) and turned into functions.
     *
     * @param taskId   the task it runs for, or null
     * @param maxSteps its step limit
     * @param maxWallMs its wall-clock limit
     */
    public Execution start(ChatRequest request, Account account, String requestId, String taskId, int maxSteps, long maxWallMs) {
        throw new UnsupportedOperationException("issue 12: agent loop");
    }

    /**
     * Runs {@code execution} from where it stands (a new one, one resumed after an approval with
     * its decision applied, or a task's checkpoint) until it answers, returns client tool calls,
     * or pauses.
     *
     * @param account  the key's account: each model call is charged to it, or null (tests)
     * @param cancel   fired when the caller leaves or the task is cancelled: the run ends with
     *                 {@code ClientGoneException}
     * @param listener told about each completed step
     * @param stream   where the final answer streams (progress in between), or null for no stream
     */
    public Outcome run(Execution execution, Account account, Cancellation cancel, AgentListener listener, ChatSink stream) {
        throw new UnsupportedOperationException("issue 12: agent loop");
    }

    /** Applies a human's decision to a paused execution (its pending calls approved or refused). */
    public void decide(Execution execution, TaskHandoff.Decision decision) {
        throw new UnsupportedOperationException("issue 12: agent loop");
    }

    @SuppressWarnings("unused")
    private Map<String, Object> unused() { return Map.of(dispatcher.hashCode() + "", tools, "" + accounts, config, "c", clock); }
}
