package tollgate.provider.openai;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import tollgate.error.ClientGoneException;
import tollgate.error.GatewayException;
import tollgate.json.Json;
import tollgate.json.JsonBuffer;
import tollgate.provider.CappedBody;
import tollgate.provider.Embeddings;
import tollgate.provider.EmbeddingsAnswer;
import tollgate.provider.EmbeddingsCall;
import tollgate.provider.EmbeddingsProvider;
import tollgate.provider.Exchange;

/**
 * OpenAI-compatible embeddings: {@code POST {base_url}/embeddings} with {@code model},
 * {@code input} (as the client sent it), {@code encoding_format}, {@code dimensions} and
 * {@code user}; the answer {@code {"object":"list","data":[{"index","embedding"}],"usage"}}
 * (protocols-2.md §11). Kind {@code mistral} uses it with its own body
 * ({@link tollgate.provider.mistral.MistralEmbeddings}).
 *
 * <p>The client's {@code encoding_format} is asked of the upstream, so that its vectors pass
 * through as they came (a base64 client gets OpenAI's base64 bytes, a float client its float
 * text); {@link EmbeddingsAnswer} converts only what an upstream sent in the other encoding.
 * The answer is gathered whole ({@link CappedBody}: up to {@link EmbeddingsProvider#MAX_ANSWER_BYTES},
 * reserved in the call's memory as it arrives) and scrubbed of the configured secrets. Time limits
 * are the provider's ({@code timeout_ms}, {@code idle_timeout_ms}, {@code deadline_ms}).
 */
public final class OpenAiEmbeddings {
    /** Path of the endpoint under {@code base_url}. */
    public static final String PATH = "/embeddings";
    /** First size of the request body buffer, in bytes; it grows as needed (up to the client's body). */
    static final int INITIAL_BODY_BYTES = 1024;

    private final Exchange exchange;
    private final Function<EmbeddingsCall, Map<String, Object>> body;

    /** @param body the upstream body's members for a call (refusing, no-retry, what the upstream cannot take) */
    public OpenAiEmbeddings(Exchange exchange, Function<EmbeddingsCall, Map<String, Object>> body) {
        this.exchange = exchange;
        this.body = body;
    }

    public Embeddings embed(EmbeddingsCall call) {
        if (call.cancellation().isCancelled()) throw new ClientGoneException(null);
        Map<String, Object> members = body.apply(call); // may refuse: before anything is sent
        URI uri = exchange.endpoint(PATH);
        JsonBuffer out = new JsonBuffer(INITIAL_BODY_BYTES, call.memory());
        try {
            Json.write(members, out);
        } catch (RuntimeException e) {
            call.memory().release(out.capacity());
            throw e;
        }
        Exchange.Whole whole = exchange.postJson(uri, out, EmbeddingsProvider.MAX_ANSWER_BYTES, call.requestId(), call.upstreamModel(),
                call.memory(), call.cancellation(), exchange.config().deadline());
        boolean kept = false;
        try {
            byte[] clean = whole.bytes();
            Embeddings answer;
            try {
                answer = EmbeddingsAnswer.read(clean, clean.length, call, exchange.providerId(), whole.where());
            } catch (GatewayException e) {
                throw exchange.scrubbed(e);
            }
            kept = true; // the vectors are spans of these bytes until the response is written
            return answer;
        } finally {
            if (!kept) call.memory().release(whole.held());
        }
    }

    /** The plain OpenAI body: every field the client set, under OpenAI's names. */
    public static Map<String, Object> body(EmbeddingsCall call) {
        EmbeddingsCall.Request r = call.request();
        Map<String, Object> up = new LinkedHashMap<>();
        up.put("model", call.upstreamModel());
        up.put("input", r.input());
        if (r.encodingFormat() != null) up.put("encoding_format", r.encodingFormat());
        if (r.dimensions() > 0) up.put("dimensions", r.dimensions());
        if (r.user() != null) up.put("user", r.user());
        return up;
    }
}
