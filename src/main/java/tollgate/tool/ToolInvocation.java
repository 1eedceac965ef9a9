package tollgate.tool;

import java.util.Map;
import tollgate.account.Account;
import tollgate.call.Cancellation;

/**
 * One call of a {@link GatewayTool}.
 *
 * @param callId        the model's id for the call ({@code tool_calls[].id})
 * @param arguments     the arguments, parsed (the model's JSON string was an object); never null
 * @param keyName       the client key's name (for logs), or null
 * @param account       the key's account, to charge what the tool costs (image generation), or null
 * @param requestId     the request id, for the upstream's logs
 * @param executionId   the execution the call belongs to
 * @param cancellation  fired when the caller leaves, a task is cancelled, or the gateway stops
 * @param deadlineNanos {@code System.nanoTime()} by which the tool must have returned: the agent loop's own deadline
 *                      (its wall-clock limit); the tool returns earlier when its own timeout is shorter
 */
public record ToolInvocation(String callId, Map<String, Object> arguments, String keyName, Account account, String requestId,
                             String executionId, Cancellation cancellation, long deadlineNanos) {

    /** Nanoseconds left before the deadline (≤ 0: none). */
    public long remainingNanos() {
        return deadlineNanos - System.nanoTime();
    }
}
