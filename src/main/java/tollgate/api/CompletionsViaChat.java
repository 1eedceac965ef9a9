package tollgate.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tollgate.error.GatewayException;
import tollgate.json.JsonNumber;
import tollgate.provider.ChatCall;
import tollgate.provider.ChatProvider;
import tollgate.provider.ChatResult;
import tollgate.provider.CompletionProvider.Call;
import tollgate.provider.CompletionProvider.Result;
import tollgate.provider.CompletionProvider.Sink;
import tollgate.provider.CompletionShapes;
import tollgate.provider.Usage;

/**
 * Legacy completions on a chat model (one without the {@code completions} capability): the
 * prompt becomes the one user message of a chat request, and the chat answer becomes a
 * {@code text_completion} again ({@link CompletionShapes}), streams chunk by chunk, the usage
 * kept. The chat request carries the sampling fields a chat API shares with completions
 * ({@link #SHARED}); what a chat model cannot do is refused with a 400 naming it:
 * {@code suffix} (fill-in-the-middle), {@code echo}, {@code logprobs} (a chat model's are per
 * token of a message, not of the text), {@code best_of} above {@code n}, {@code max_tokens: 0},
 * and any field outside these lists.
 */
final class CompletionsViaChat {
    private CompletionsViaChat() { throw new AssertionError(); }

    /** Completions fields a chat request takes under the same name and meaning. */
    static final Set<String> SHARED = Set.of("max_tokens", "temperature", "top_p", "n", "stop", "presence_penalty",
            "frequency_penalty", "seed", "logit_bias", "user");
    /** Completions fields the wrapping handles itself. */
    static final Set<String> HANDLED = Set.of("model", "prompt", "stream", "stream_options", "metadata");

    static Result complete(ChatProvider chat, Call call) {
        ChatResult r = chat.chat(chatCall(call));
        return new Result(CompletionShapes.textFromChat(r.completion()), r.usage());
    }

    static Usage stream(ChatProvider chat, Call call, Sink sink) {
        List<Map<String, Object>> out = new ArrayList<>(2);
        return chat.stream(chatCall(call), chunk -> {
            CompletionShapes.textChunks(chunk, out);
            for (Map<String, Object> c : out) sink.chunk(c);
            out.clear();
        });
    }

    private static ChatCall chatCall(Call call) {
        Map<String, Object> body = chatBody(call.body());
        long prompt = tollgate.conversation.PromptEstimate.tokens(body);
        return new ChatCall(body, call.model(), call.stream(), call.requestId(), call.cancellation(), prompt, call.memory());
    }

    /**
     * The chat request for a validated completions body.
     *
     * @throws GatewayException {@code CALLER_INVALID_REQUEST} naming a field a chat model cannot honour
     */
    static Map<String, Object> chatBody(Map<String, Object> completions) {
        Map<String, Object> chat = new LinkedHashMap<>();
        if (completions.get("model") != null) chat.put("model", completions.get("model"));
        Map<String, Object> user = new LinkedHashMap<>();
        user.put("role", "user");
        user.put("content", completions.get("prompt"));
        chat.put("messages", new ArrayList<>(List.of(user)));
        for (Map.Entry<String, Object> e : completions.entrySet()) {
            String key = e.getKey();
            Object v = e.getValue();
            if (HANDLED.contains(key)) continue;
            switch (key) {
                case "suffix" -> {
                    if (!"".equals(v)) throw refused(key, "fill-in-the-middle");
                }
                case "echo" -> {
                    if (!Boolean.FALSE.equals(v)) throw refused(key, "echoing the prompt");
                }
                case "logprobs" -> throw refused(key, "log probabilities of the text");
                case "best_of" -> {
                    long n = completions.get("n") instanceof JsonNumber c ? c.longValue() : 1;
                    if (((JsonNumber) v).longValue() != n) throw refused(key, "choosing the best of several completions");
                }
                default -> {
                    if (!SHARED.contains(key)) throw refused(key, "this parameter");
                    if (key.equals("max_tokens") && v instanceof JsonNumber n && n.text().equals("0")) {
                        throw GatewayException.invalid(key, "Invalid value for 'max_tokens': a chat model produces at least 1 token; "
                                + "'max_tokens': 0 needs a model with the 'completions' capability.");
                    }
                    chat.put(key, v);
                }
            }
        }
        if (Boolean.TRUE.equals(completions.get("stream"))) chat.put("stream", Boolean.TRUE);
        return chat;
    }

    private static GatewayException refused(String key, String what) {
        return GatewayException.invalid(key, "The parameter '" + key + "' is not supported here: the model is a chat model, "
                + "served by wrapping the prompt as a chat message, and a chat model cannot do " + what
                + ". Remove it, or choose a model with the 'completions' capability.");
    }
}
