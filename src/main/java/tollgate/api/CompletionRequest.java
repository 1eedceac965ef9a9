package tollgate.api;

import static tollgate.api.Validation.bool;
import static tollgate.api.Validation.integer;
import static tollgate.api.Validation.invalidType;
import static tollgate.api.Validation.number;
import static tollgate.api.Validation.object;
import static tollgate.api.Validation.optionalBool;
import static tollgate.api.Validation.string;

import java.util.List;
import java.util.Map;
import tollgate.error.GatewayException;

/**
 * A validated {@code POST /completions} request, OpenAI's legacy completions (protocols.md §2):
 * {@code prompt}, {@code suffix}, {@code max_tokens} (OpenAI's default, {@value #DEFAULT_MAX_TOKENS},
 * when absent: the gateway sends it explicitly, so that every upstream stops where OpenAI would
 * and the credits held for the call are known), {@code temperature}, {@code top_p}, {@code n},
 * {@code best_of}, {@code stop}, {@code stream}, {@code stream_options}, {@code echo},
 * {@code logprobs}, {@code presence_penalty}, {@code frequency_penalty}, {@code seed},
 * {@code logit_bias}, {@code user}, and the gateway's {@code metadata}. JSON null counts as
 * absent; other fields pass through to OpenAI-compatible upstreams unchecked, as for chat.
 *
 * <p>{@code prompt} must be one text: a string, or an array of exactly one string (sent on as
 * the string). Several prompts in one request, and prompts as token arrays, are refused: the
 * gateway estimates, routes and charges one prompt per request, and a chat model (which a
 * completions request may be wrapped for) takes text only.
 *
 * @param model             the model asked for, or null for the first model that serves completions
 * @param body              what goes upstream: the client's fields without nulls, {@code prompt}
 *                          as a string, {@code max_tokens} set
 * @param stream            {@code stream == true}
 * @param includeUsage      {@code stream_options.include_usage == true}
 * @param prompt            the prompt
 * @param suffix            the suffix, or null
 * @param maxTokens         {@code max_tokens} as sent
 * @param choices           completions produced per prompt: the larger of {@code n} and {@code best_of}
 * @param metadataRequestId {@code metadata.request_id}, or null
 */
record CompletionRequest(String model, Map<String, Object> body, boolean stream, boolean includeUsage, String prompt,
                         String suffix, long maxTokens, long choices, String metadataRequestId) {

    /** OpenAI's {@code max_tokens} when the request gives none ("Defaults to 16"). */
    static final long DEFAULT_MAX_TOKENS = 16;
    /** OpenAI's limits: up to 4 stop sequences, {@code logprobs} 0-5, {@code n} and {@code best_of} as for chat's {@code n}. */
    static final int MAX_STOP = 4;
    static final int MAX_LOGPROBS = 5;
    static final int MAX_CHOICES = 128;

    /** @throws GatewayException {@code CALLER_INVALID_REQUEST} (400) naming the field at the first problem */
    static CompletionRequest validate(Object parsed) {
        Map<String, Object> body = CompletionFields.body(parsed);
        String model = CompletionFields.model(body);
        String prompt = prompt(body.get("prompt"));
        boolean stream = false, includeUsage = false;
        String suffix = null, requestId = null;
        long maxTokens = DEFAULT_MAX_TOKENS, n = 1, bestOf = 0; // 0: absent
        Map<String, Object> streamOptions = null;
        for (Map.Entry<String, Object> e : body.entrySet()) {
            Object v = e.getValue();
            if (v == null) continue;
            String key = e.getKey();
            switch (key) {
                case "suffix" -> suffix = string(key, v);
                case "max_tokens" -> {
                    integer(key, v, 0, Long.MAX_VALUE);
                    maxTokens = CompletionFields.whole(v);
                }
                case "temperature" -> number(key, v, 0, 2);
                case "top_p" -> number(key, v, 0, 1);
                case "n" -> {
                    integer(key, v, 1, MAX_CHOICES);
                    n = CompletionFields.whole(v);
                }
                case "best_of" -> {
                    integer(key, v, 1, MAX_CHOICES);
                    bestOf = CompletionFields.whole(v);
                }
                case "stop" -> CompletionFields.stop(v, MAX_STOP);
                case "stream" -> stream = bool(key, v);
                case "stream_options" -> {
                    streamOptions = object(key, v);
                    optionalBool(streamOptions, "include_usage", "stream_options.include_usage");
                }
                case "echo" -> bool(key, v);
                case "logprobs" -> integer(key, v, 0, MAX_LOGPROBS);
                case "presence_penalty", "frequency_penalty" -> number(key, v, -2, 2);
                case "seed" -> integer(key, v, Long.MIN_VALUE, Long.MAX_VALUE);
                case "logit_bias" -> object(key, v);
                case "user" -> string(key, v);
                case "metadata" -> requestId = CompletionFields.metadataRequestId(v);
                default -> { } // model, prompt (above) and pass-through fields
            }
        }
        if (streamOptions != null && !stream) {
            throw GatewayException.invalid("stream_options", "The 'stream_options' parameter is only allowed when 'stream' is enabled.");
        }
        if (streamOptions != null) includeUsage = Boolean.TRUE.equals(streamOptions.get("include_usage"));
        if (bestOf != 0 && bestOf < n) {
            throw GatewayException.invalid("best_of", "Invalid value for 'best_of': it must be at least 'n' (" + n + "), got " + bestOf + ".");
        }
        if (stream && bestOf > 1) {
            // OpenAI: "Results cannot be streamed" with best_of (only the best of them is returned).
            throw GatewayException.invalid("best_of", "Invalid value for 'best_of': a streamed request cannot use best_of > 1.");
        }
        Map<String, Object> out = CompletionFields.withMaxTokens(body, maxTokens);
        out.put("prompt", prompt);
        return new CompletionRequest(model, out, stream, includeUsage, prompt, suffix, maxTokens, Math.max(n, bestOf), requestId);
    }

    private static String prompt(Object v) {
        if (v == null) throw Validation.missing("prompt");
        if (v instanceof String s) return s;
        if (v instanceof List<?> list && list.size() == 1 && list.get(0) instanceof String s) return s;
        if (v instanceof List<?>) {
            throw GatewayException.invalid("prompt", "Invalid value for 'prompt': expected a string or an array of one string; "
                    + "several prompts, or prompts as token arrays, are not supported: send one request per prompt, as text.");
        }
        throw invalidType("prompt", "a string or an array of one string", v);
    }
}
