package tollgate.provider;

import java.util.Map;
import tollgate.call.Cancellation;
import tollgate.memory.Reservation;

/**
 * One image generation on its way to a provider.
 *
 * @param upstreamModel the model name sent upstream
 * @param request       what to generate
 * @param requestId     the request id, sent upstream as {@code x-request-id}
 * @param cancellation  where the provider registers what aborts its upstream wait
 * @param memory        the call's share of the memory budget (the answer as it arrives)
 * @param deadlineNanos {@code System.nanoTime()} by which the call must have ended, or 0 for the
 *                      provider's own {@code deadline_ms} only
 */
public record ImagesCall(String upstreamModel, Request request, String requestId, Cancellation cancellation, Reservation memory,
                         long deadlineNanos) {

    /**
     * What to generate, in OpenAI's terms (protocols-2.md §14), checked by the surface that read it.
     *
     * @param prompt         the text description
     * @param n              how many images (1-10), or 0 to leave it to the upstream (1)
     * @param size           e.g. {@code 1024x1024} or {@code auto}, or null for the upstream's default
     * @param quality        e.g. {@code standard}, {@code hd}, {@code low}, or null
     * @param responseFormat {@code url} or {@code b64_json}, or null for the upstream's default
     * @param extra          further OpenAI fields passed as they are ({@code style}, {@code background},
     *                       {@code output_format}, {@code output_compression}, {@code moderation},
     *                       {@code user}), in the client's order; empty for none
     */
    public record Request(String prompt, int n, String size, String quality, String responseFormat, Map<String, Object> extra) {

        /** How many images were asked for: {@code n}, or the upstream's default of 1. */
        public int count() { return n > 0 ? n : 1; }
    }
}
