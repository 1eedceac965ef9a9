package tollgate.provider.openai;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tollgate.config.ProviderConfig;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.json.JsonBuffer;
import tollgate.provider.ChatCall;
import tollgate.provider.ChatResult;
import tollgate.provider.Dialect;
import tollgate.provider.StreamDecoder;
import tollgate.provider.UpstreamErrors;
import tollgate.provider.Usage;

/**
 * Kind {@code openai}: any upstream that speaks OpenAI's Chat Completions API (OpenAI, Ollama,
 * vLLM, llama.cpp, Groq, Together, DeepSeek, OpenRouter). {@code POST {base_url}/chat/completions}
 * with {@code Authorization: Bearer} (only when a key is configured). The body is the client's,
 * as {@link UpstreamBody} writes it; answers are OpenAI's already and pass through.
 *
 * <p>Also the base of {@code mistral} ({@link tollgate.provider.mistral.MistralDialect}), whose
 * API is OpenAI's with a narrower parameter set: {@link UpstreamBody.Rules} says which.
 */
public final class OpenAiDialect implements Dialect {

    public static final String KIND = "openai";
    /** Path of the Chat Completions endpoint under {@code base_url}. */
    public static final String PATH = "/chat/completions";

    private final String kind;
    private final UpstreamBody.Rules rules;

    /** The plain {@code openai} kind: every field passes through. */
    public OpenAiDialect() {
        this(KIND, UpstreamBody.Rules.OPENAI);
    }

    /** An OpenAI-like kind with its own body rules. */
    public OpenAiDialect(String kind, UpstreamBody.Rules rules) {
        this.kind = kind;
        this.rules = rules;
    }

    @Override public String kind() { return kind; }

    @Override public String path() { return PATH; }

    @Override
    public List<String> fixedHeaders(ProviderConfig config) {
        List<String> h = new ArrayList<>(2);
        if (config.apiKey() != null && !config.apiKey().isBlank()) {
            h.add("Authorization");
            h.add("Bearer " + config.apiKey());
        }
        return h;
    }

    @Override
    public JsonBuffer body(ChatCall call) {
        return UpstreamBody.write(call, rules);
    }

    @Override
    public ChatResult completion(Map<String, Object> answer, ChatCall call, String providerId) {
        if (answer.get("error") != null && !(answer.get("choices") instanceof List)) {
            throw UpstreamErrors.fromErrorObject(providerId, answer.get("error"));
        }
        if (!(answer.get("choices") instanceof List)) {
            throw new GatewayException(ErrorKind.PROVIDER_ERROR, "Provider '" + providerId
                    + "' returned a response that is not a chat completion", null, 200, null);
        }
        return new ChatResult(answer, Usage.fromJson(answer.get("usage")));
    }

    @Override
    public StreamDecoder decoder(ChatCall call, String providerId) {
        return new OpenAiStream(providerId);
    }
}
