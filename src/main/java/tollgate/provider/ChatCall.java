package tollgate.provider;

import java.util.Map;
import java.util.Set;
import tollgate.config.ModelConfig;

/**
 * One chat request on its way to a provider.
 *
 * @param body          the client's validated request body (read-only for providers)
 * @param model         the resolved model entry (client id, upstream id, limits, pricing)
 * @param upstreamModel the model id to send upstream
 * @param stream        whether the client asked for a stream
 * @param requestId     the request id (client's {@code x-request-id}, or generated); may be sent
 *                      upstream as {@code x-request-id} for correlation
 * @param cancellation  where the provider registers what aborts its upstream wait
 */
public record ChatCall(
        Map<String, Object> body,
        ModelConfig model,
        String upstreamModel,
        boolean stream,
        String requestId,
        Cancellation cancellation) {

    /** Request fields that belong to the gateway and are never sent upstream. */
    public static final Set<String> GATEWAY_FIELDS = Set.of("metadata", "taskHint");
}
