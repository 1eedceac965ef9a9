package tollgate.provider.openai;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
import tollgate.provider.IdleWatchdog;
import tollgate.provider.Secrets;
import tollgate.provider.TranscriptionUpload;
import tollgate.provider.UpstreamErrors;

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
    private final IdleWatchdog watchdog;
    private final Function<EmbeddingsCall, Map<String, Object>> body;

    /** @param body the upstream body's members for a call (refusing, no-retry, what the upstream cannot take) */
    public OpenAiEmbeddings(Exchange exchange, IdleWatchdog watchdog, Function<EmbeddingsCall, Map<String, Object>> body) {
        this.exchange = exchange;
        this.watchdog = watchdog;
        this.body = body;
    }

    public Embeddings embed(EmbeddingsCall call) {
        if (call.cancellation().isCancelled()) throw new ClientGoneException(null);
        Map<String, Object> members = body.apply(call); // may refuse: before anything is sent
        URI uri = exchange.endpoint(PATH);
        String where = "POST " + uri;
        JsonBuffer out = new JsonBuffer(INITIAL_BODY_BYTES, call.memory());
        HttpResponse<byte[]> response;
        try {
            Json.write(members, out);
            HttpRequest.Builder b = exchange.request(uri)
                    .setHeader("Content-Type", "application/json")
                    .setHeader("Accept", "application/json");
            if (TranscriptionUpload.headerSafe(call.requestId())) b.setHeader("x-request-id", call.requestId());
            HttpRequest request = b.POST(HttpRequest.BodyPublishers.ofByteArray(out.array(), 0, out.length())).build();
            response = exchange.send(request, headersArrived -> new CappedBody(EmbeddingsProvider.MAX_ANSWER_BYTES, watchdog,
                    exchange.config().idleTimeout(), headersArrived, call.memory()), call.cancellation(), where, exchange.config().deadline());
        } finally {
            call.memory().release(out.capacity()); // sent (or abandoned) by now
        }
        byte[] raw = response.body();
        long held = raw.length; // gathered by CappedBody
        boolean kept = false;
        try {
            byte[] clean = raw;
            Secrets secrets = exchange.secrets();
            if (secrets.contains(raw, 0, raw.length)) { // rare: the scrubbed copy is held too
                long copy = Secrets.maxScrubbedLength(raw.length);
                call.memory().reserve(copy);
                held += copy;
                clean = secrets.scrub(raw, 0, raw.length);
            }
            int status = response.statusCode();
            if (status < 200 || status > 299) {
                throw exchange.scrubbed(UpstreamErrors.fromStatus(exchange.providerId(), where, call.upstreamModel(), status,
                        response.headers(), clean));
            }
            Embeddings answer;
            try {
                answer = EmbeddingsAnswer.read(clean, clean.length, call, exchange.providerId(), where);
            } catch (GatewayException e) {
                throw exchange.scrubbed(e);
            }
            kept = true; // the vectors are spans of these bytes until the response is written
            return answer;
        } finally {
            if (!kept) call.memory().release(held);
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
