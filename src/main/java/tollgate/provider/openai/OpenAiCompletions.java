package tollgate.provider.openai;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tollgate.json.Json;
import tollgate.json.JsonBuffer;
import tollgate.provider.CompletionExchange;
import tollgate.provider.CompletionProvider.Call;
import tollgate.provider.CompletionProvider.Completions;
import tollgate.provider.CompletionProvider.Result;
import tollgate.provider.CompletionProvider.Shape;
import tollgate.provider.CompletionProvider.Sink;
import tollgate.provider.CompletionShapes;
import tollgate.provider.Usage;

/**
 * Kind {@code openai}: OpenAI's legacy completions endpoint, {@code POST {base_url}/completions}
 * (protocols.md §2), which OpenAI ({@code gpt-3.5-turbo-instruct}) and the OpenAI-compatible
 * servers that fill in the middle (DeepSeek's {@code /beta}, vLLM, llama.cpp) serve with
 * {@code prompt} + {@code suffix}.
 *
 * <ul>
 *   <li>Legacy completions go through as the client sent them, {@code model} replaced by the
 *       upstream name and the gateway's {@code metadata} left out; answers and chunks pass
 *       through.</li>
 *   <li>FIM (Mistral's request) is translated: {@code random_seed} is {@code seed}, the other
 *       fields keep their names ({@code min_tokens} included, which vLLM takes and OpenAI itself
 *       refuses with a 400 that reaches the client); the {@code text_completion} answer and
 *       chunks become Mistral's chat-shaped ones ({@link CompletionShapes}).</li>
 *   <li>A stream always asks for {@code stream_options.include_usage}, keeping the client's
 *       other options: the gateway meters every call.</li>
 * </ul>
 */
public final class OpenAiCompletions implements Completions {
    /** Path of the completions endpoint under {@code base_url}. */
    public static final String PATH = "/completions";
    /** First size of the upstream body buffer, in bytes; it grows as needed. */
    static final int INITIAL_BODY_BYTES = 4096;

    private final CompletionExchange exchange;

    public OpenAiCompletions(CompletionExchange exchange) {
        this.exchange = exchange;
    }

    @Override
    public boolean serves(Shape shape) { return true; }

    @Override
    public Result complete(Call call) {
        Map<String, Object> answer = exchange.post(call, PATH, body(call));
        Usage usage = Usage.fromJson(answer.get("usage"));
        return new Result(call.shape() == Shape.FIM ? CompletionShapes.fimFromText(answer) : answer, usage);
    }

    @Override
    public Usage stream(Call call, Sink sink) {
        Chunks chunks = new Chunks(call.shape());
        exchange.stream(call, PATH, body(call), chunks, sink);
        return chunks.usage;
    }

    /** Upstream chunks as they are (legacy completions) or as FIM chunks; the usage seen. */
    private static final class Chunks implements CompletionExchange.Decoder {
        private final CompletionShapes.FimChunks fim;
        Usage usage = Usage.NONE;

        Chunks(Shape shape) {
            this.fim = shape == Shape.FIM ? new CompletionShapes.FimChunks() : null;
        }

        @Override
        public void decode(Map<String, Object> event, List<Map<String, Object>> out) {
            if (event.get("usage") instanceof Map<?, ?>) usage = Usage.fromJson(event.get("usage"));
            if (fim == null) out.add(event);
            else fim.add(event, out);
        }

        @Override
        public void end(List<Map<String, Object>> out) {
            if (fim != null) fim.end(out);
        }
    }

    /** The upstream body, in a buffer charged to the call's memory (released once sent). */
    static JsonBuffer body(Call call) {
        Map<String, Object> up = new LinkedHashMap<>();
        if (!call.body().containsKey("model")) up.put("model", call.upstreamModel()); // first, where clients put it
        for (Map.Entry<String, Object> e : call.body().entrySet()) {
            String key = e.getKey();
            if (Call.GATEWAY_FIELDS.contains(key)) continue;
            Object value = e.getValue();
            if (key.equals("model")) value = call.upstreamModel();
            else if (key.equals("stream")) value = call.stream();
            else if (key.equals("stream_options") && call.stream()) value = withUsage(value);
            else if (call.shape() == Shape.FIM && key.equals("random_seed")) key = "seed";
            up.put(key, value);
        }
        if (call.stream()) {
            up.putIfAbsent("stream", Boolean.TRUE);
            up.putIfAbsent("stream_options", withUsage(null));
        }
        JsonBuffer out = new JsonBuffer(INITIAL_BODY_BYTES, call.memory());
        Json.write(up, out);
        return out;
    }

    /** The client's {@code stream_options} with {@code include_usage} set. */
    private static Map<String, Object> withUsage(Object streamOptions) {
        Map<String, Object> copy = new LinkedHashMap<>();
        if (streamOptions instanceof Map<?, ?> m) m.forEach((k, v) -> copy.put((String) k, v));
        copy.put("include_usage", Boolean.TRUE);
        return copy;
    }
}
