package tollgate.provider;

import java.util.Map;
import java.util.Set;
import tollgate.call.Cancellation;
import tollgate.catalog.Model;
import tollgate.memory.MemoryBudget;
import tollgate.memory.Reservation;

/**
 * One chat request on its way to a provider.
 *
 * @param body          the client's validated request body after tool-call repair (read-only
 *                      for providers): tool call ids already satisfy the provider's
 *                      {@link ToolIdRule}
 * @param model         the model this attempt goes to (upstream name, window, limits); one
 *                      request may make several attempts, each with its own call
 * @param stream        whether the client asked for a stream
 * @param requestId     the request id (client's {@code x-request-id}, or generated); may be sent
 *                      upstream as {@code x-request-id} for correlation
 * @param cancellation  where the provider registers what aborts its upstream wait
 * @param promptTokens  the gateway's estimate of the prompt's tokens (messages, tools, images);
 *                      used where an upstream's context-window error gives no count
 * @param memory        the request's share of the memory budget: what the provider holds
 *                      (the upstream body it writes, the answer as it arrives, large events) is
 *                      reserved here before it is allocated
 * @param messages      the client's own Anthropic Messages request when it came in on
 *                      {@code /v1/messages}, for a dialect that sends it natively
 *                      ({@link NativeMessages}); null otherwise
 */
public record ChatCall(
        Map<String, Object> body,
        Model model,
        boolean stream,
        String requestId,
        Cancellation cancellation,
        long promptTokens,
        Reservation memory,
        NativeMessages messages) {

    /** Request fields that belong to the gateway and are never sent upstream. */
    public static final Set<String> GATEWAY_FIELDS = Set.of("metadata", "taskHint", "policy", "models");

    /** A call without a native Messages request. */
    public ChatCall(Map<String, Object> body, Model model, boolean stream, String requestId,
                    Cancellation cancellation, long promptTokens, Reservation memory) {
        this(body, model, stream, requestId, cancellation, promptTokens, memory, null);
    }

    /** A call outside any budget (tests, tools). */
    public ChatCall(Map<String, Object> body, Model model, boolean stream, String requestId,
                    Cancellation cancellation, long promptTokens) {
        this(body, model, stream, requestId, cancellation, promptTokens, MemoryBudget.unlimited().open());
    }

    /** The model name to send upstream. */
    public String upstreamModel() { return model.upstream(); }
}
