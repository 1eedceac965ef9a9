package tollgate.task;

import java.util.function.Supplier;
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

    /**
     * The loop, each run holding what it parses and adds to its conversation in the gateway's
     * {@code budget}. Each start and run takes the loop {@code loop} gives then: the current
     * config generation's (issue 13's reload), so a task run after a reload uses the new models
     * and tools while one already running goes on with the loop it has.
     */
    static TaskEngine of(Supplier<AgentLoop> loop, MemoryBudget budget) {
        return new TaskEngine() {
            @Override
            public Execution start(ChatRequest request, Account account, String requestId, String taskId, int maxSteps, long maxWallMs) {
                return loop.get().start(request, account, requestId, taskId, maxSteps, maxWallMs);
            }

            @Override
            public Outcome run(Execution execution, Account account, Cancellation cancel, AgentListener listener) {
                try (Reservation memory = budget.open()) {
                    return loop.get().run(execution, account, cancel, memory, listener, null);
                }
            }
        };
    }
}
