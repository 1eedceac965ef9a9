package tollgate.api;

import static tollgate.api.Validation.bool;
import static tollgate.api.Validation.integer;
import static tollgate.api.Validation.number;
import static tollgate.api.Validation.string;

import java.util.List;
import java.util.Map;
import tollgate.error.GatewayException;

/**
 * A validated {@code POST /fim/completions} request, Mistral's FIM (protocols.md §6; the
 * {@code FIMCompletionRequest} of Mistral's SDKs): {@code model}, {@code prompt} (required),
 * {@code suffix}, {@code max_tokens}, {@code min_tokens}, {@code temperature}, {@code top_p},
 * {@code stop} (a string or an array), {@code random_seed}, {@code stream}, and the gateway's
 * {@code metadata}. JSON null counts as absent (the SDKs send {@code "model": null} and other
 * explicit nulls). Any other field is refused, as Mistral refuses it ({@code extra_forbidden}):
 * a misspelt parameter must not be ignored.
 *
 * @param model             the model asked for, or null for the first model that serves FIM
 * @param body              what goes upstream: the client's fields without nulls, {@code max_tokens}
 *                          set to {@link #maxTokens}
 * @param stream            {@code stream == true}
 * @param prompt            the text before the gap
 * @param suffix            the text after it, or null
 * @param maxTokens         the client's {@code max_tokens} capped at {@code fim.max_tokens}, or
 *                          the cap when the client gave none
 * @param metadataRequestId {@code metadata.request_id}, or null
 */
record FimRequest(String model, Map<String, Object> body, boolean stream, String prompt, String suffix, long maxTokens,
                  String metadataRequestId) {

    /** The fields Mistral's FIM endpoint takes, and the gateway's own {@code metadata}. */
    static final List<String> FIELDS = List.of("model", "prompt", "suffix", "max_tokens", "min_tokens", "temperature", "top_p",
            "stop", "random_seed", "stream", "metadata");
    /** Most stop sequences accepted. */
    static final int MAX_STOP = 16;

    /**
     * @param cap {@code fim.max_tokens}
     * @throws GatewayException {@code CALLER_INVALID_REQUEST} (400) naming the field at the first problem
     */
    static FimRequest validate(Object parsed, long cap) {
        Map<String, Object> body = CompletionFields.body(parsed);
        String model = CompletionFields.model(body);
        Object p = body.get("prompt");
        if (p == null) throw Validation.missing("prompt");
        String prompt = string("prompt", p);
        boolean stream = false;
        String suffix = null, requestId = null;
        long asked = -1, min = -1;
        for (Map.Entry<String, Object> e : body.entrySet()) {
            Object v = e.getValue();
            String key = e.getKey();
            if (!FIELDS.contains(key)) {
                throw GatewayException.invalid(key, "Unrecognized request argument supplied: '" + key + "'. FIM requests take "
                        + String.join(", ", FIELDS) + ".");
            }
            if (v == null) continue;
            switch (key) {
                case "suffix" -> suffix = string(key, v);
                case "max_tokens" -> {
                    integer(key, v, 0, Long.MAX_VALUE);
                    asked = CompletionFields.whole(v);
                }
                case "min_tokens" -> {
                    integer(key, v, 0, Long.MAX_VALUE);
                    min = CompletionFields.whole(v);
                }
                case "temperature" -> number(key, v, 0, 2);
                case "top_p" -> number(key, v, 0, 1);
                case "stop" -> CompletionFields.stop(v, MAX_STOP);
                case "random_seed" -> integer(key, v, 0, Long.MAX_VALUE);
                case "stream" -> stream = bool(key, v);
                case "metadata" -> requestId = CompletionFields.metadataRequestId(v);
                default -> { } // model and prompt: checked above
            }
        }
        long maxTokens = asked < 0 ? cap : Math.min(asked, cap);
        if (min > maxTokens) {
            throw GatewayException.invalid("min_tokens", "Invalid value for 'min_tokens': " + min + " is more than 'max_tokens' ("
                    + maxTokens + (asked < 0 || asked > cap ? ", the gateway's limit for FIM" : "") + ").");
        }
        return new FimRequest(model, CompletionFields.withMaxTokens(body, maxTokens), stream, prompt, suffix, maxTokens, requestId);
    }
}
