package tollgate.provider.mistral;

import java.util.LinkedHashMap;
import java.util.Map;
import tollgate.error.GatewayException;
import tollgate.provider.EmbeddingsCall;

/**
 * Kind {@code mistral}'s embeddings body ({@code POST {base_url}/embeddings}, protocols-2.md §11,
 * from mistralai/client-python's {@code EmbeddingRequest}): {@code model}, {@code input} (a string
 * or an array of strings: Mistral takes no token arrays, so they are refused here, before any
 * call, and a group may try its next member), {@code output_dimension} for OpenAI's
 * {@code dimensions}, and {@code encoding_format}. Mistral refuses unknown fields
 * ({@code extra_forbidden}), so OpenAI's {@code user}, which does not change the vectors, is not
 * sent (as for chat, {@link MistralDialect#DROPPED}). The answer has OpenAI's shape.
 */
public final class MistralEmbeddings {
    private MistralEmbeddings() { throw new AssertionError(); }

    public static Map<String, Object> body(EmbeddingsCall call) {
        EmbeddingsCall.Request r = call.request();
        if (r.tokenIds()) {
            throw GatewayException.invalid("input", "Mistral's embeddings API takes texts only, not token arrays; send 'input' "
                    + "as a string or an array of strings, or use another embeddings model.").noRetry();
        }
        Map<String, Object> up = new LinkedHashMap<>();
        up.put("model", call.upstreamModel());
        up.put("input", r.input());
        if (r.dimensions() > 0) up.put("output_dimension", r.dimensions());
        if (r.encodingFormat() != null) up.put("encoding_format", r.encodingFormat());
        return up;
    }
}
