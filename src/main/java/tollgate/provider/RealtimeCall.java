package tollgate.provider;

import tollgate.call.Cancellation;

/**
 * What a realtime session asks of its upstream.
 *
 * @param upstreamModel the model id sent upstream ({@code ?model=} of OpenAI's {@code /v1/realtime})
 * @param beta          the client speaks the beta Realtime API (it sent {@code OpenAI-Beta: realtime=v1}):
 *                      the upstream is asked for the beta interface too
 * @param cancellation  fired when the client leaves or the gateway shuts down during the connect
 */
public record RealtimeCall(String upstreamModel, boolean beta, Cancellation cancellation) {
}
