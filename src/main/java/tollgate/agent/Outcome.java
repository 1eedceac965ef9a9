package tollgate.agent;

import java.util.List;
import java.util.Map;

/**
 * How an agent loop's run ended when it did not fail (a failure is thrown: a
 * {@code GatewayException}, or {@code ClientGoneException} when the caller left or the run was
 * cancelled).
 */
public sealed interface Outcome {

    /** The {@code chat.completion} the client gets (model and extension object not yet set). */
    Map<String, Object> completion();

    /** The model answered (or the step or time limit made it answer: {@code stopped} says which, else null). */
    record Answered(Map<String, Object> completion, String stopped) implements Outcome {}

    /** The model called tools of the client's: they are returned to it ({@code finish_reason: "tool_calls"}). */
    record ClientTools(Map<String, Object> completion) implements Outcome {}

    /** A call needs a human's approval: the execution is persisted and waits for {@code POST /v1/chat/resume}. */
    record Paused(Map<String, Object> completion, Approval approval) implements Outcome {}

    /**
     * A paused execution's approval.
     *
     * @param approvalId  what {@code POST /v1/chat/resume} takes
     * @param executionId the execution it belongs to
     * @param expiresAtMs epoch milliseconds after which it answers 410
     * @param calls       the tool calls waiting ({@code tool_calls} entries, the client's ids)
     */
    record Approval(String approvalId, String executionId, long expiresAtMs, List<Map<String, Object>> calls) {}
}
