package tollgate.provider;

import java.util.Map;
import java.util.Set;
import tollgate.call.Cancellation;
import tollgate.catalog.Model;
import tollgate.error.ClientGoneException;
import tollgate.error.GatewayException;
import tollgate.memory.Reservation;

/**
 * Capability: text completions from a prompt (and an optional suffix: fill-in-the-middle), in
 * two wire shapes ({@link Shape}). A provider that has it returns its {@link Completions} from
 * {@link #completions()}; callers test {@code provider instanceof CompletionProvider} and then
 * {@link Completions#serves}.
 */
public interface CompletionProvider extends Provider {

    /**
     * What this provider serves, or null when its kind serves no completions (an HTTP provider
     * of kind {@code anthropic}).
     */
    Completions completions();

    /** The two answers a completion call can be asked for. */
    enum Shape {
        /**
         * Mistral's FIM ({@code POST /v1/fim/completions}, protocols.md §6): a
         * {@code chat.completion} object with {@code choices[].message.content}, streamed as
         * {@code chat.completion.chunk}s with {@code choices[].delta.content} and the usage on the
         * last one (Mistral's own stream has no separate usage chunk).
         */
        FIM,
        /**
         * OpenAI's legacy completions ({@code POST /v1/completions}, protocols.md §2): a
         * {@code text_completion} object with {@code choices[].text}, streamed as
         * {@code text_completion} chunks, and the usage in a last chunk of its own with
         * {@code "choices":[]} (OpenAI's {@code stream_options.include_usage} shape).
         */
        COMPLETIONS
    }

    /**
     * One completion request on its way to a provider.
     *
     * @param shape        what the answer must look like
     * @param body         the client's validated request in the inbound shape's fields, with
     *                     {@code max_tokens} already set to what may be produced (read-only)
     * @param model        the model of this attempt ({@link Model#upstream()} is sent upstream)
     * @param stream       whether the client asked for a stream
     * @param requestId    the request id; may be sent upstream as {@code x-request-id}
     * @param cancellation where the provider registers what aborts its upstream wait
     * @param memory       the request's share of the memory budget
     * @param providerKey  the client's own provider key ({@code X-Provider-Key}), sent upstream
     *                     instead of the configured one, or null. Never logged, never in a message.
     */
    record Call(Shape shape, Map<String, Object> body, Model model, boolean stream, String requestId,
                Cancellation cancellation, Reservation memory, String providerKey) {

        /** Request fields that belong to the gateway and are never sent upstream. */
        public static final Set<String> GATEWAY_FIELDS = Set.of("metadata");

        /** The model name to send upstream. */
        public String upstreamModel() { return model.upstream(); }

        @Override
        public String toString() { // never the key
            return "Call[" + shape + ", model=" + model.id() + ", stream=" + stream + ", ownKey=" + (providerKey != null) + "]";
        }
    }

    /** A non-streamed answer in the call's shape (mutable: the gateway rewrites {@code model}), and its usage. */
    record Result(Map<String, Object> answer, Usage usage) {}

    /** Where a stream's chunks go. */
    @FunctionalInterface
    interface Sink {
        /**
         * One chunk in the call's shape, a new map each time (the sink may change it). Throws
         * {@link ClientGoneException} when the client has gone away.
         */
        void chunk(Map<String, Object> chunk);
    }

    /**
     * The completion calls of one provider.
     *
     * <p>Contract, as for {@link ChatProvider}:
     * <ul>
     *   <li>Both calls run on the caller's (virtual) thread and block it until done.</li>
     *   <li>{@link Call#body()} is not modified. The upstream body is built from it with
     *       {@link Call#upstreamModel()} as the model, without {@link Call#GATEWAY_FIELDS}. A
     *       parameter the upstream cannot honour in the asked shape (OpenAI's {@code echo} on
     *       Mistral's FIM endpoint) is refused with {@code CALLER_INVALID_REQUEST} naming it,
     *       before anything is sent; nothing the client asked for is silently dropped.</li>
     *   <li>Failures are classified {@link GatewayException}s; an upstream's error text is
     *       scrubbed of the configured secrets and of {@link Call#providerKey()}. An upstream
     *       that refuses the client's own key is the client's fault
     *       ({@code CALLER_INVALID_REQUEST}, param {@code X-Provider-Key}), not the gateway's.</li>
     *   <li>Cancellation ({@link Call#cancellation()}) makes a blocked call throw
     *       {@link ClientGoneException}.</li>
     * </ul>
     */
    interface Completions {

        /** Whether {@code shape} is served. */
        boolean serves(Shape shape);

        /** A non-streamed completion, in the call's shape, with the usage the upstream reported. */
        Result complete(Call call);

        /**
         * A streamed completion: calls {@code sink} once per chunk in the call's shape, in order,
         * never with {@code [DONE]}; the usage chunk is always delivered (the provider asks the
         * upstream for it). Returns the usage ({@link Usage#NONE} when none was reported) once the
         * upstream ended cleanly; throws the classified error if it fails before the first chunk,
         * {@code PROVIDER_STREAM_BROKEN} if it breaks off after one.
         */
        Usage stream(Call call, Sink sink);
    }
}
