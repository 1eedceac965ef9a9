package tollgate.provider.anthropic;

import static tollgate.provider.anthropic.AnthropicMessages.prefix;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tollgate.error.GatewayException;
import tollgate.json.Json;
import tollgate.json.JsonBuffer;
import tollgate.json.JsonNumber;
import tollgate.provider.ChatCall;

/**
 * Writes the Anthropic Messages request for an OpenAI Chat Completions request
 * (protocols.md §7). One pass over the client's top-level fields collects what is sent and
 * refuses what Anthropic cannot honour, before anything is written; then the body is written in
 * a fixed order. The client's body is never modified; its values (schemas, numbers) are written
 * as they are, so numbers keep their exact text.
 *
 * <p>Field by field:
 * <ul>
 *   <li>{@code max_tokens} (required by Anthropic): the client's {@code max_completion_tokens},
 *       else its {@code max_tokens}, else the model's configured {@code max_output_tokens}, else
 *       {@link #DEFAULT_MAX_TOKENS}.</li>
 *   <li>{@code temperature} up to {@link #MAX_TEMPERATURE} (Anthropic's range is 0–1; OpenAI's
 *       is 0–2 and is not rescaled, since that would change what the client asked for);
 *       {@code top_p} and Anthropic's own {@code top_k} as they are.</li>
 *   <li>{@code stop} → {@code stop_sequences}; {@code user} → {@code metadata.user_id}.</li>
 *   <li>Tools and JSON output: {@link AnthropicTools}.</li>
 *   <li>Dropped because they do not change the answer: {@code stream_options} (Anthropic always
 *       reports usage), {@code store}, {@code service_tier}, {@code parallel_tool_calls: true}
 *       (Anthropic's default), {@code response_format} {@code text}, the gateway's own
 *       {@link ChatCall#GATEWAY_FIELDS}, and explicit nulls (absent, as for the validator).</li>
 *   <li>Refused with a 400 naming the parameter: everything else Anthropic has no equivalent
 *       for ({@code n > 1}, {@code logit_bias}, {@code logprobs}, {@code seed}, penalties, audio,
 *       …), and any unknown field, since Anthropic rejects fields it does not know.</li>
 * </ul>
 */
final class AnthropicRequest {
    private AnthropicRequest() { throw new AssertionError(); }

    /** {@code max_tokens} when neither the client nor the model config gives one. */
    static final long DEFAULT_MAX_TOKENS = 4096;
    /** Highest {@code temperature} Anthropic accepts (protocols.md §7: "0–1"). */
    static final double MAX_TEMPERATURE = 1.0;
    /** First buffer size, in bytes; it grows as needed. */
    static final int INITIAL_BYTES = 4096;

    /**
     * @throws GatewayException {@code CALLER_INVALID_REQUEST} naming the parameter Anthropic
     *                          cannot honour
     */
    static JsonBuffer write(ChatCall call) {
        Map<String, Object> body = call.body();
        String provider = call.model().provider();
        Object maxTokens = null, maxCompletionTokens = null, temperature = null, topP = null, topK = null;
        Object stop = null, user = null, toolChoice = null;
        List<?> tools = null;
        boolean parallel = true;
        for (Map.Entry<String, Object> e : body.entrySet()) {
            Object v = e.getValue();
            if (v == null) continue; // explicit null = absent, as in ChatRequestValidator
            String key = e.getKey();
            switch (key) {
                case "model", "messages", "stream", "response_format" -> { } // read below
                case "max_tokens" -> maxTokens = v;
                case "max_completion_tokens" -> maxCompletionTokens = v;
                case "temperature" -> {
                    if (!(v instanceof JsonNumber n) || n.doubleValue() > MAX_TEMPERATURE) {
                        throw GatewayException.invalid(key, prefix(provider) + "accepts 'temperature' from 0 to 1; got "
                                + v + ".");
                    }
                    temperature = v;
                }
                case "top_p" -> topP = v;
                case "top_k" -> topK = topK(v, provider);
                case "stop" -> stop = v;
                case "user" -> user = v;
                case "tools" -> tools = (List<?>) v;
                case "tool_choice" -> toolChoice = v;
                case "parallel_tool_calls" -> parallel = !Boolean.FALSE.equals(v);
                case "stream_options", "store", "service_tier" -> { } // no effect on the answer
                case "n" -> {
                    if (!(v instanceof JsonNumber n && n.doubleValue() == 1)) {
                        throw refuse(key, provider, "accepts 'n' only as 1 (Anthropic returns one choice); got " + v + ".");
                    }
                }
                case "logit_bias" -> {
                    if (v instanceof Map<?, ?> m && !m.isEmpty()) {
                        throw refuse(key, provider, "does not support 'logit_bias' (Anthropic has no token biasing).");
                    }
                }
                case "logprobs" -> {
                    if (Boolean.TRUE.equals(v)) {
                        throw refuse(key, provider, "does not support 'logprobs' (Anthropic returns no log probabilities).");
                    }
                }
                case "top_logprobs" ->
                        throw refuse(key, provider, "does not support 'top_logprobs' (Anthropic returns no log probabilities).");
                case "seed" ->
                        throw refuse(key, provider, "does not support 'seed' (Anthropic has no seeded sampling).");
                case "frequency_penalty", "presence_penalty" -> {
                    if (!(v instanceof JsonNumber n) || n.doubleValue() != 0) {
                        throw refuse(key, provider, "accepts '" + key + "' only as 0 (Anthropic has no repetition "
                                + "penalties); got " + v + ".");
                    }
                }
                case "audio" -> throw refuse(key, provider, "does not support 'audio' (Anthropic answers in text only).");
                case "modalities" -> {
                    if (!(v instanceof List<?> l && l.size() == 1 && "text".equals(l.get(0)))) {
                        throw refuse(key, provider, "accepts 'modalities' only as [\"text\"] (Anthropic answers in text only).");
                    }
                }
                case "prediction" ->
                        throw refuse(key, provider, "does not support 'prediction' (Anthropic has no predicted outputs).");
                case "reasoning_effort" -> throw refuse(key, provider,
                        "does not support 'reasoning_effort' (the gateway does not translate it to Anthropic's extended thinking).");
                case "web_search_options" -> throw refuse(key, provider,
                        "does not support 'web_search_options' (the gateway does not translate it to Anthropic's web search tool).");
                default -> {
                    if (!ChatCall.GATEWAY_FIELDS.contains(key)) {
                        throw refuse(key, provider, "does not support the parameter '" + key
                                + "' (Anthropic's Messages API rejects fields it does not know).");
                    }
                }
            }
        }
        AnthropicMessages.Converted conv = AnthropicMessages.convert((List<?>) body.get("messages"), provider);
        AnthropicTools.Translated tt = AnthropicTools.translate(body, tools, toolChoice, parallel, provider);

        JsonBuffer out = new JsonBuffer(INITIAL_BYTES, call.memory());
        out.append((byte) '{');
        member(out, true, "model", call.upstreamModel());
        member(out, false, "max_tokens", maxTokens(maxCompletionTokens, maxTokens, call));
        if (call.stream()) member(out, false, "stream", Boolean.TRUE);
        if (conv.system() != null) member(out, false, "system", conv.system());
        member(out, false, "messages", conv.messages());
        if (temperature != null) member(out, false, "temperature", temperature);
        if (topP != null) member(out, false, "top_p", topP);
        if (topK != null) member(out, false, "top_k", topK);
        if (stop != null) member(out, false, "stop_sequences", stop instanceof String s ? List.of(s) : stop);
        if (user instanceof String u && !u.isEmpty()) {
            Map<String, Object> metadata = new LinkedHashMap<>(2);
            metadata.put("user_id", u);
            member(out, false, "metadata", metadata);
        }
        if (tt.tools() != null) member(out, false, "tools", tt.tools());
        if (tt.toolChoice() != null) member(out, false, "tool_choice", tt.toolChoice());
        out.append((byte) '}');
        return out;
    }

    private static Object maxTokens(Object maxCompletionTokens, Object maxTokens, ChatCall call) {
        if (maxCompletionTokens != null) return maxCompletionTokens;
        if (maxTokens != null) return maxTokens;
        long configured = call.model().maxOutputTokens();
        return configured > 0 ? configured : DEFAULT_MAX_TOKENS;
    }

    /** Anthropic's {@code top_k} is "only sample from the top K options": an integer ≥ 0. */
    private static Object topK(Object v, String provider) {
        if (v instanceof JsonNumber n && n.isInteger() && !n.text().startsWith("-")) return v;
        throw refuse("top_k", provider, "accepts 'top_k' only as an integer of at least 0; got " + Json.toString(v) + ".");
    }

    private static void member(JsonBuffer out, boolean first, String key, Object value) {
        if (!first) out.append((byte) ',');
        Json.write(key, out);
        out.append((byte) ':');
        Json.write(value, out);
    }

    static GatewayException refuse(String param, String provider, String why) {
        return GatewayException.invalid(param, prefix(provider) + why);
    }
}
