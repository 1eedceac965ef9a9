package tollgate.task;

import tollgate.account.Account;
import tollgate.agent.AgentListener;
import tollgate.agent.AgentLoop;
import tollgate.agent.Execution;
import tollgate.agent.Outcome;
import tollgate.call.Cancellation;
import tollgate.memory.MemoryBudget;
import tollgate.memory.Reservation;
import tollgate.route.ChatRequest;

/**
 * What runs a task's execution: the {@link AgentLoop} ({@link #of}); a script in unit tests.
 * The contract is the loop's ({@link AgentLoop#start}, {@link AgentLoop#run} without a stream).
 */
interface TaskEngine {
    /** A new execution for the task {@code taskId} (its gateway tools resolved: 403 for one the key may not use). */
    Execution start(ChatRequest request, Account account, String requestId, String taskId, int maxSteps, long maxWallMs);

    /**
     * Runs {@code execution} on the caller's thread until it answers, pauses or fails; tells
     * {@code listener} of every completed step; ends with {@code ClientGoneException} soon after
     * {@code cancel} fires.
     */
    Outcome run(Execution execution, Account account, Cancellation cancel, AgentListener listener);

    /** The loop, each run holding what it parses and adds to its conversation in the gateway's {@code budget}. */
    static TaskEngine of(AgentLoop loop, MemoryBudget budget) {
        return new TaskEngine() {
            @Override
            public Execution start(ChatRequest request, Account account, String requestId, String taskId, int maxSteps, long maxWallMs) {
                return loop.start(request, account, requestId, taskId, maxSteps, maxWallMs);
            }

            @Override
            public Outcome run(Execution execution, Account account, Cancellation cancel, AgentListener listener) {
                try (Reservation memory = budget.open()) {
                    return loop.run(execution, account, cancel, memory, listener, null);
                }
            }
        };
    }
}
