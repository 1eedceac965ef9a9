package tollgate.provider.mistral;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tollgate.error.GatewayException;
import tollgate.json.Json;
import tollgate.json.JsonBuffer;
import tollgate.json.JsonNumber;
import tollgate.provider.CompletionExchange;
import tollgate.provider.CompletionProvider.Call;
import tollgate.provider.CompletionProvider.Completions;
import tollgate.provider.CompletionProvider.Result;
import tollgate.provider.CompletionProvider.Shape;
import tollgate.provider.CompletionProvider.Sink;
import tollgate.provider.CompletionShapes;
import tollgate.provider.Usage;

/**
 * Kind {@code mistral}: Mistral's FIM endpoint, {@code POST {base_url}/fim/completions}
 * (protocols.md §6; Codestral).
 *
 * <ul>
 *   <li>FIM goes through as the client sent it, {@code model} replaced by the upstream name and
 *       the gateway's {@code metadata} left out; answers and chunks pass through (Mistral's usage
 *       rides on its last chunk, which is FIM's shape).</li>
 *   <li>Legacy completions (for a model that declares the {@code completions} capability) are
 *       translated: {@code seed} is {@code random_seed}; what the FIM endpoint cannot do is
 *       refused with a 400 naming it (it refuses unknown fields itself, with a 422):
 *       {@code echo}, {@code logprobs}, {@code n} or {@code best_of} above 1, penalties,
 *       {@code logit_bias}, and fields it does not know. {@code user} changes nothing in the answer
 *       and is left out. Answers and chunks become {@code text_completion}s
 *       ({@link CompletionShapes}).</li>
 * </ul>
 */
public final class MistralFim implements Completions {
    /** Path of the FIM endpoint under {@code base_url}. */
    public static final String PATH = "/fim/completions";
    /** First size of the upstream body buffer, in bytes; it grows as needed. */
    static final int INITIAL_BODY_BYTES = 4096;
    /** Legacy completions fields that the FIM endpoint takes as they are. */
    static final Set<String> SAME = Set.of("model", "prompt", "suffix", "max_tokens", "temperature", "top_p", "stop", "stream");
    /** Legacy completions fields left out: they change nothing in the answer, or only ask for what is always done. */
    static final Set<String> DROPPED = Set.of("user", "stream_options", "metadata");

    private final CompletionExchange exchange;

    public MistralFim(CompletionExchange exchange) {
        this.exchange = exchange;
    }

    @Override
    public boolean serves(Shape shape) { return true; }

    @Override
    public Result complete(Call call) {
        Map<String, Object> answer = exchange.post(call, PATH, body(call));
        Usage usage = Usage.fromJson(answer.get("usage"));
        return new Result(call.shape() == Shape.COMPLETIONS ? CompletionShapes.textFromChat(answer) : answer, usage);
    }

    @Override
    public Usage stream(Call call, Sink sink) {
        Usage[] usage = {Usage.NONE};
        boolean text = call.shape() == Shape.COMPLETIONS;
        exchange.stream(call, PATH, body(call), (event, out) -> {
            if (event.get("usage") instanceof Map<?, ?>) usage[0] = Usage.fromJson(event.get("usage"));
            if (text) CompletionShapes.textChunks(event, out);
            else out.add(event);
        }, sink);
        return usage[0];
    }

    /**
     * The upstream body, in a buffer charged to the call's memory (released once sent).
     *
     * @throws GatewayException {@code CALLER_INVALID_REQUEST} for a legacy completions field the FIM endpoint cannot honour
     */
    static JsonBuffer body(Call call) {
        Map<String, Object> up = new LinkedHashMap<>();
        if (!call.body().containsKey("model")) up.put("model", call.upstreamModel()); // first, where clients put it
        for (Map.Entry<String, Object> e : call.body().entrySet()) {
            String key = e.getKey();
            Object value = e.getValue();
            if (Call.GATEWAY_FIELDS.contains(key)) continue;
            if (call.shape() == Shape.COMPLETIONS && !SAME.contains(key)) {
                if (DROPPED.contains(key) || asksNothing(key, value)) continue;
                if (!key.equals("seed")) throw unsupported(call, key);
                key = "random_seed";
            }
            if (key.equals("model")) value = call.upstreamModel();
            else if (key.equals("stream")) value = call.stream();
            up.put(key, value);
        }
        if (call.stream()) up.putIfAbsent("stream", Boolean.TRUE);
        JsonBuffer out = new JsonBuffer(INITIAL_BODY_BYTES, call.memory());
        Json.write(up, out);
        return out;
    }

    /** A legacy completions field at the value that asks for nothing beyond what FIM does. */
    private static boolean asksNothing(String key, Object value) {
        return switch (key) {
            case "echo" -> Boolean.FALSE.equals(value);
            case "n", "best_of" -> value instanceof JsonNumber n && n.text().equals("1");
            case "presence_penalty", "frequency_penalty" -> value instanceof JsonNumber n && n.doubleValue() == 0;
            case "logit_bias" -> value instanceof Map<?, ?> m && m.isEmpty();
            default -> value instanceof List<?> l && l.isEmpty();
        };
    }

    private static GatewayException unsupported(Call call, String key) {
        return GatewayException.invalid(key, "The parameter '" + key + "' is not supported by provider '" + call.model().provider()
                + "', which serves the model '" + call.model().id() + "' through Mistral's FIM endpoint. Remove it, or choose "
                + "another model.");
    }
}
