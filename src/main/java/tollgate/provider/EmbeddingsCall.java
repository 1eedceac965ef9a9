package tollgate.provider;

import java.util.List;
import tollgate.call.Cancellation;
import tollgate.memory.Reservation;

/**
 * One embeddings call on its way to a provider.
 *
 * @param upstreamModel the model name sent upstream
 * @param request       what to embed, as the client asked it
 * @param requestId     the request id, sent upstream as {@code x-request-id}
 * @param cancellation  where the provider registers what aborts its upstream wait
 * @param memory        the call's share of the memory budget (the answer as it arrives)
 */
public record EmbeddingsCall(String upstreamModel, Request request, String requestId, Cancellation cancellation, Reservation memory) {

    /**
     * What to embed, in OpenAI's terms (protocols-2.md §11), checked by the surface that read it.
     *
     * @param input          the client's {@code input} as parsed (a string, an array of strings, an
     *                       array of integers or an array of arrays of integers), sent upstream as it is
     * @param items          the inputs one by one: each a non-empty {@code String} or a non-empty
     *                       {@code List} of token ids ({@link tollgate.json.JsonNumber} integers)
     * @param tokenIds       whether the inputs are token arrays rather than texts
     * @param encodingFormat {@code float} or {@code base64} as the client sent it, or null (float)
     * @param dimensions     the vectors' length asked for, or 0 for the model's own
     * @param user           the client's end-user id, or null
     */
    public record Request(Object input, List<Object> items, boolean tokenIds, String encodingFormat, int dimensions, String user) {
        /** Whether the vectors are wanted as base64 strings of little-endian float32 values. */
        public boolean base64() { return "base64".equals(encodingFormat); }

        /** How many vectors the answer holds. */
        public int count() { return items.size(); }
    }
}
