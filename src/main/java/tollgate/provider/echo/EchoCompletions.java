package tollgate.provider.echo;

import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tollgate.error.ClientGoneException;
import tollgate.error.GatewayException;
import tollgate.json.JsonNumber;
import tollgate.provider.CompletionProvider.Call;
import tollgate.provider.CompletionProvider.Completions;
import tollgate.provider.CompletionProvider.Result;
import tollgate.provider.CompletionProvider.Shape;
import tollgate.provider.CompletionProvider.Sink;
import tollgate.provider.CompletionShapes;
import tollgate.provider.Usage;

/**
 * The echo provider's completions, both shapes, offline and deterministic (for demos and tests).
 *
 * <ul>
 *   <li>Text: {@code "Echo: " + prompt}, and when a non-empty {@code suffix} is given
 *       {@code " / " + suffix}; with {@code "echo": true} (legacy completions) the prompt comes
 *       first, as OpenAI does. Cut at {@code max_tokens} × {@link EchoReply#CHARS_PER_TOKEN}
 *       characters (at most {@link EchoProvider#MAX_OUTPUT_TOKENS} tokens) with
 *       {@code finish_reason: "length"}, else {@code "stop"}.</li>
 *   <li>{@code id} {@code cmpl-echo-} and 8 hex digits of a CRC-32 of the request body,
 *       {@code created} the clock's second, {@code model} the upstream model. Usage: prompt =
 *       ceil(characters of prompt and suffix / 4), at least 1; completion = words produced.</li>
 *   <li>Legacy completions: {@code n} identical choices (at most {@link EchoProvider#MAX_CHOICES});
 *       {@code logprobs} cannot be produced and is refused (400).</li>
 *   <li>Streams, one word a chunk: FIM as Mistral streams it (a first {@code role} delta with
 *       empty content, a chunk per word, a last {@code {"content":""}} delta with the finish
 *       reason and the usage); legacy completions as OpenAI (a chunk per word and choice, a
 *       finishing chunk with empty text, then the usage chunk with {@code "choices":[]}).
 *       Model {@code echo-slow} pauses {@link EchoProvider#SLOW_CHUNK_DELAY} between chunks.</li>
 * </ul>
 */
final class EchoCompletions implements Completions {
    private final InstantSource clock;

    EchoCompletions(InstantSource clock) {
        this.clock = clock;
    }

    @Override
    public boolean serves(Shape shape) { return true; }

    /** What one call produces. */
    private record Reply(String text, String finishReason, long promptTokens, long completionTokens, int choices) {
        Map<String, Object> usage() {
            Map<String, Object> u = new LinkedHashMap<>();
            u.put("prompt_tokens", JsonNumber.of(promptTokens));
            u.put("completion_tokens", JsonNumber.of(completionTokens));
            u.put("total_tokens", JsonNumber.of(promptTokens + completionTokens));
            return u;
        }

        Usage tokens() { return new Usage(promptTokens, completionTokens, promptTokens + completionTokens); }
    }

    private static Reply reply(Call call) {
        Map<String, Object> body = call.body();
        if (call.shape() == Shape.COMPLETIONS && body.get("logprobs") != null) {
            throw GatewayException.invalid("logprobs", "The parameter 'logprobs' is not supported by provider '"
                    + call.model().provider() + "', which serves the model '" + call.model().id() + "'.");
        }
        String prompt = body.get("prompt") instanceof String p ? p
                : body.get("prompt") instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof String p0 ? p0 : "";
        String suffix = body.get("suffix") instanceof String s ? s : "";
        String made = "Echo: " + prompt + (suffix.isEmpty() ? "" : " / " + suffix);
        long tokens = EchoProvider.MAX_OUTPUT_TOKENS;
        if (body.get("max_tokens") instanceof JsonNumber n && n.isInteger()) {
            try {
                tokens = Math.min(tokens, Math.max(0, n.longValue()));
            } catch (NumberFormatException tooBig) {
                // larger than the echo limit: that applies
            }
        }
        int maxChars = (int) (tokens * EchoReply.CHARS_PER_TOKEN);
        boolean cut = made.length() > maxChars;
        if (cut) made = made.substring(0, maxChars > 0 && Character.isHighSurrogate(made.charAt(maxChars - 1)) ? maxChars - 1 : maxChars);
        long promptTokens = Math.max(1, (prompt.length() + suffix.length() + EchoReply.CHARS_PER_TOKEN - 1) / EchoReply.CHARS_PER_TOKEN);
        String text = call.shape() == Shape.COMPLETIONS && Boolean.TRUE.equals(body.get("echo")) ? prompt + made : made;
        int choices = 1;
        if (call.shape() == Shape.COMPLETIONS && body.get("n") instanceof JsonNumber n && n.isInteger()) {
            try {
                choices = (int) Math.max(1, Math.min(EchoProvider.MAX_CHOICES, n.longValue()));
            } catch (NumberFormatException tooBig) {
                choices = EchoProvider.MAX_CHOICES;
            }
        }
        return new Reply(text, cut ? "length" : "stop", promptTokens, EchoReply.words(made), choices);
    }

    @Override
    public Result complete(Call call) {
        if (call.cancellation().isCancelled()) throw new ClientGoneException(null);
        Reply r = reply(call);
        Map<String, Object> text = header(call, CompletionShapes.TEXT_COMPLETION);
        List<Object> choices = new ArrayList<>();
        for (int i = 0; i < r.choices(); i++) choices.add(textChoice(i, r.text(), r.finishReason()));
        text.put("choices", choices);
        text.put("usage", r.usage());
        return new Result(call.shape() == Shape.FIM ? CompletionShapes.fimFromText(text) : text, r.tokens());
    }

    @Override
    public Usage stream(Call call, Sink sink) {
        Reply r = reply(call);
        boolean slow = EchoProvider.SLOW_MODEL.equals(call.upstreamModel());
        int[] sent = {0};
        if (call.shape() == Shape.FIM) {
            Map<String, Object> header = header(call, CompletionShapes.CHAT_COMPLETION_CHUNK);
            Map<String, Object> first = new LinkedHashMap<>();
            first.put("role", "assistant");
            first.put("content", "");
            emit(call, sink, fimChunk(header, first, null, null), slow, sent);
            for (String piece : EchoReply.pieces(r.text())) {
                Map<String, Object> delta = new LinkedHashMap<>();
                delta.put("content", piece);
                emit(call, sink, fimChunk(header, delta, null, null), slow, sent);
            }
            Map<String, Object> last = new LinkedHashMap<>();
            last.put("content", "");
            emit(call, sink, fimChunk(header, last, r.finishReason(), r.usage()), slow, sent);
            return r.tokens();
        }
        Map<String, Object> header = header(call, CompletionShapes.TEXT_COMPLETION);
        for (String piece : EchoReply.pieces(r.text())) {
            for (int i = 0; i < r.choices(); i++) emit(call, sink, textChunk(header, textChoice(i, piece, null)), slow, sent);
        }
        for (int i = 0; i < r.choices(); i++) emit(call, sink, textChunk(header, textChoice(i, "", r.finishReason())), slow, sent);
        Map<String, Object> usage = new LinkedHashMap<>(header);
        usage.put("choices", new ArrayList<>(0));
        usage.put("usage", r.usage());
        emit(call, sink, usage, slow, sent);
        return r.tokens();
    }

    private static void emit(Call call, Sink sink, Map<String, Object> chunk, boolean slow, int[] sent) {
        if (slow && sent[0] > 0) {
            try {
                Thread.sleep(EchoProvider.SLOW_CHUNK_DELAY);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ClientGoneException(e);
            }
        }
        if (call.cancellation().isCancelled()) throw new ClientGoneException(null);
        sink.chunk(chunk);
        sent[0]++;
    }

    private static Map<String, Object> fimChunk(Map<String, Object> header, Map<String, Object> delta, String finish,
                                                Map<String, Object> usage) {
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("index", JsonNumber.of(0));
        choice.put("delta", delta);
        choice.put("finish_reason", finish);
        Map<String, Object> chunk = new LinkedHashMap<>(header);
        chunk.put("choices", new ArrayList<>(List.of(choice)));
        if (usage != null) chunk.put("usage", usage);
        return chunk;
    }

    private static Map<String, Object> textChunk(Map<String, Object> header, Map<String, Object> choice) {
        Map<String, Object> chunk = new LinkedHashMap<>(header);
        chunk.put("choices", new ArrayList<>(List.of(choice)));
        return chunk;
    }

    private static Map<String, Object> textChoice(int index, String text, String finish) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("text", text);
        c.put("index", JsonNumber.of(index));
        c.put("logprobs", null);
        c.put("finish_reason", finish);
        return c;
    }

    private Map<String, Object> header(Call call, String object) {
        return EchoProvider.header("cmpl-echo-", call.body(), call.memory(), clock, object, call.upstreamModel());
    }
}
