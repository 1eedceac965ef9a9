package tollgate.provider.mistral;

import java.util.List;
import java.util.Map;
import java.util.Set;
import tollgate.config.ProviderConfig;
import tollgate.json.JsonBuffer;
import tollgate.provider.ChatCall;
import tollgate.provider.ChatResult;
import tollgate.provider.Dialect;
import tollgate.provider.SseEvent;
import tollgate.provider.StreamDecoder;
import tollgate.provider.ToolIdRule;
import tollgate.provider.Usage;
import tollgate.provider.openai.OpenAiDialect;
import tollgate.provider.openai.UpstreamBody;

/**
 * Kind {@code mistral}: Mistral's chat API ({@code POST {base_url}/chat/completions}), which is
 * OpenAI's format with three differences that break OpenAI clients sent straight through:
 * <ul>
 *   <li>Tool call ids must be exactly 9 of {@code [a-zA-Z0-9]} (protocols.md §6); the gateway
 *       rewrites others before dispatch ({@link #toolIdRule}) and maps them back.</li>
 *   <li>Unknown fields are refused (422 {@code extra_forbidden}), {@code stream_options}
 *       included (mistralai/platform-docs-public#7, avante.nvim#2347): only {@link #ACCEPTED}
 *       goes up. Usage arrives on the last chunk without asking.</li>
 *   <li>{@code seed} is {@code random_seed}; {@code max_completion_tokens} is {@code max_tokens}.</li>
 * </ul>
 * On the way down, Mistral's tool calls lack OpenAI's {@code "type":"function"} in stream deltas
 * (clients that check it reject them); it is added to every call that carries an id.
 */
public final class MistralDialect implements Dialect {

    public static final String KIND = "mistral";

    /** Mistral chat request fields (docs.mistral.ai/api, "Chat Completion"). */
    static final Set<String> ACCEPTED = Set.of("model", "messages", "temperature", "top_p", "max_tokens",
            "stream", "stop", "random_seed", "response_format", "tools", "tool_choice", "presence_penalty",
            "frequency_penalty", "n", "prediction", "parallel_tool_calls", "safe_prompt", "prompt_mode");

    /** OpenAI names Mistral spells differently. */
    static final Map<String, String> RENAMED = Map.of("seed", "random_seed", "max_completion_tokens", "max_tokens");

    /** OpenAI fields that do not change the answer, which Mistral would refuse. */
    static final Set<String> DROPPED = Set.of("user", "store", "service_tier");

    private static final UpstreamBody.Rules RULES = new UpstreamBody.Rules(false, ACCEPTED, RENAMED, DROPPED);

    private final OpenAiDialect openAi = new OpenAiDialect(KIND, RULES);

    @Override public String kind() { return KIND; }

    @Override public String path() { return openAi.path(); }

    @Override public List<String> fixedHeaders(ProviderConfig config) { return openAi.fixedHeaders(config); }

    @Override public ToolIdRule toolIdRule() { return MistralToolIds.RULE; }

    @Override public JsonBuffer body(ChatCall call) { return openAi.body(call); }

    @Override
    public ChatResult completion(Map<String, Object> answer, ChatCall call, String providerId) {
        ChatResult result = openAi.completion(answer, call, providerId);
        typeToolCalls(result.completion(), "message");
        return result;
    }

    @Override
    public StreamDecoder decoder(ChatCall call, String providerId) {
        StreamDecoder chunks = openAi.decoder(call, providerId);
        return new StreamDecoder() {
            @Override
            public boolean decode(SseEvent event, List<Map<String, Object>> out) {
                int from = out.size();
                boolean end = chunks.decode(event, out);
                for (int i = from; i < out.size(); i++) typeToolCalls(out.get(i), "delta");
                return end;
            }

            @Override
            public Usage usage() { return chunks.usage(); }
        };
    }

    /** Adds {@code "type":"function"} to each {@code choices[].<field>.tool_calls[]} entry with an id and no type. */
    @SuppressWarnings("unchecked")
    static void typeToolCalls(Map<String, Object> object, String field) {
        if (!(object.get("choices") instanceof List<?> choices)) return;
        for (Object choice : choices) {
            if (choice instanceof Map<?, ?> c && c.get(field) instanceof Map<?, ?> m
                    && m.get("tool_calls") instanceof List<?> calls) {
                for (Object call : calls) {
                    if (call instanceof Map<?, ?> tc && tc.get("id") != null && !tc.containsKey("type")) {
                        ((Map<String, Object>) tc).put("type", "function");
                    }
                }
            }
        }
    }
}
