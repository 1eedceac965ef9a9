package tollgate.api;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tollgate.account.Charge;
import tollgate.http.HttpCall;
import tollgate.http.RequestIds;
import tollgate.json.Json;
import tollgate.json.JsonBuffer;
import tollgate.provider.Embeddings;
import tollgate.route.Caller;
import tollgate.route.Embedding;
import tollgate.route.Served;
import tollgate.route.ServiceDispatcher;

/**
 * {@code POST /embeddings}: OpenAI's embeddings API (protocols-2.md §11; the OpenAI SDKs'
 * {@code embeddings.create} with the gateway as base URL) on the models with capability
 * {@code embeddings}, through {@link Embedding}: routed, admitted, held and charged per prompt
 * token, failed over, recorded. The answer is OpenAI's shape,
 * {@code {"object":"list","data":[{"object":"embedding","index":i,"embedding":[...]|"<base64>"}],
 * "model":<as asked>,"usage":{"prompt_tokens","total_tokens"}}}, with the extension object
 * ({@code execution_id}, {@code request_id}, {@code route}, {@code cost}, {@code credits_charged},
 * {@code balance}) and {@code x-tollgate-route}. The usage is the upstream's, or the gateway's
 * estimate when it reported none.
 *
 * <p>Answers are large (2048 inputs of 3072 floats), so the body is written straight into one
 * buffer charged to the call's memory, each vector copied as the bytes the provider holds
 * ({@link Embeddings.Vector#writeTo}): never a tree of numbers.
 */
final class EmbeddingsEndpoint implements Authenticated.Inner {
    /** Bytes of the answer besides the vectors, per vector ({@code {"object":"embedding","index":2047,"embedding":},}). */
    static final int ENTRY_BYTES = 48;
    /** Bytes of the answer around the vectors (object, model, usage, extension object), first guess; the buffer grows. */
    static final int FRAME_BYTES = 1024;

    private final ServiceDispatcher services;
    private final String extensionField;

    EmbeddingsEndpoint(ServiceDispatcher services, String extensionField) {
        this.services = services;
        this.extensionField = extensionField;
    }

    @Override
    public void handle(HttpCall call, Charge charge) throws IOException {
        EmbeddingsRequest r = EmbeddingsRequest.validate(ChatCompletionsEndpoint.parse(call));
        call.log("model", r.model());
        call.log("inputs", r.request().count());
        Map<String, Object> ext = new LinkedHashMap<>();
        ext.put("execution_id", RequestIds.newUuid());
        ext.put("request_id", call.requestId());
        Caller caller = new Caller(call.keyName(), call.requestId(), (String) ext.get("execution_id"), call.cancellation(),
                call.memory(), charge);
        Served<Embeddings> done = Embedding.embed(services, caller, r.model(), r.request(), r.estimate(), null);
        call.log("provider", done.chosen().model().provider());
        call.log("deployment", done.chosen().id());
        if (done.route() != null && done.route().get("tried") instanceof List<?> tried) call.log("tried", tried.size());
        call.log("prompt_tokens", done.meter().promptTokens());
        if (done.cost() != null) call.log("cost", Extension.usd(done.cost()));
        if (done.credits() != 0) call.log("credits", done.credits());
        if (done.route() != null) ext.put("route", done.route());
        if (done.cost() != null) ext.put("cost", Extension.usd(done.cost()));
        ext.put("credits_charged", done.credits());
        if (done.balance() != null) ext.put("balance", done.balance());
        JsonBuffer out = answer(done.value(), r.model(), done.meter().promptTokens(), extensionField, ext, call.memory());
        call.setResponseHeader(Extension.ROUTE_HEADER, done.chosen().id());
        call.respond(200, "application/json", out.array(), out.length());
    }

    /** The answer's bytes, in a buffer sized for the vectors up front (one allocation for a large answer) and charged to {@code memory}. */
    static JsonBuffer answer(Embeddings e, String model, long tokens, String extensionField, Map<String, Object> ext,
                             tollgate.json.JsonMeter memory) {
        long size = FRAME_BYTES;
        for (Embeddings.Vector v : e.vectors()) size += v.length() + ENTRY_BYTES;
        JsonBuffer out = new JsonBuffer((int) Math.min(size, Integer.MAX_VALUE - 8L), memory);
        out.appendAscii("{\"object\":\"list\",\"data\":[");
        List<Embeddings.Vector> vectors = e.vectors();
        for (int i = 0; i < vectors.size(); i++) {
            out.appendAscii(i == 0 ? "{\"object\":\"embedding\",\"index\":" : ",{\"object\":\"embedding\",\"index\":")
                    .appendAscii(Integer.toString(i)).appendAscii(",\"embedding\":");
            vectors.get(i).writeTo(out);
            out.append((byte) '}');
        }
        out.appendAscii("],\"model\":");
        Json.write(model, out);
        out.appendAscii(",\"usage\":{\"prompt_tokens\":").appendAscii(Long.toString(tokens))
                .appendAscii(",\"total_tokens\":").appendAscii(Long.toString(tokens)).appendAscii("},");
        Json.write(extensionField, out);
        out.append((byte) ':');
        Json.write(ext, out);
        out.append((byte) '}');
        return out;
    }
}
