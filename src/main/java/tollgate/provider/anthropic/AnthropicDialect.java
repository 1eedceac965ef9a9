package tollgate.provider.anthropic;

import java.util.List;
import java.util.Map;
import tollgate.config.ProviderConfig;
import tollgate.json.JsonBuffer;
import tollgate.provider.ChatCall;
import tollgate.provider.ChatResult;
import tollgate.provider.Dialect;
import tollgate.provider.StreamDecoder;
import tollgate.provider.ToolIdRule;

/**
 * The Anthropic Messages API as a {@link Dialect} (protocols.md §7): OpenAI Chat Completions
 * requests become {@code POST /messages} bodies, and Anthropic's messages and event streams
 * become OpenAI completions and chunks. It only translates; the HTTP is the provider's.
 *
 * <ul>
 *   <li>Request: {@link AnthropicRequest}, {@link AnthropicMessages}, {@link AnthropicTools}.</li>
 *   <li>Non-streaming answer: {@link AnthropicResponse}. Stream: {@link AnthropicStream}.</li>
 *   <li>{@code response_format} {@code json_object}/{@code json_schema} are emulated with a
 *       forced tool ({@link JsonMode}); both directions derive its name from the request body.</li>
 *   <li>A native Messages call ({@link tollgate.provider.NativeMessages}, from {@code POST /v1/messages}):
 *       the client's own body and {@code anthropic-*} headers go up instead of the translation,
 *       and the answer is kept as it came beside its translation ({@link AnthropicNative}).</li>
 * </ul>
 * Immutable and thread-safe.
 */
public final class AnthropicDialect implements Dialect {

    /** The provider kind this dialect serves. */
    public static final String KIND = "anthropic";
    /** The {@code anthropic-version} header value the translation is written against. */
    public static final String API_VERSION = "2023-06-01";
    /** Appended to the provider's base URL ({@code https://api.anthropic.com/v1}). */
    static final String PATH = "/messages";

    public AnthropicDialect() { }

    @Override
    public String kind() { return KIND; }

    @Override
    public String path() { return PATH; }

    /** {@code x-api-key} (when a key is configured) and {@code anthropic-version}. */
    @Override
    public List<String> fixedHeaders(ProviderConfig config) {
        String key = config.apiKey();
        if (key == null || key.isBlank()) return List.of("anthropic-version", API_VERSION);
        return List.of("x-api-key", key, "anthropic-version", API_VERSION);
    }

    /** Anthropic accepts tool ids matching {@code ^[a-zA-Z0-9_-]+$} only (protocols.md §7). */
    @Override
    public ToolIdRule toolIdRule() { return AnthropicToolIds.RULE; }

    @Override
    public List<String> callHeaders(ChatCall call, ProviderConfig config) {
        return call.messages() == null ? List.of() : AnthropicNative.headers(call.messages(), config.headers());
    }

    @Override
    public JsonBuffer body(ChatCall call) {
        return call.messages() == null ? AnthropicRequest.write(call) : AnthropicNative.body(call);
    }

    @Override
    public ChatResult completion(Map<String, Object> answer, ChatCall call, String providerId) {
        if (call.messages() != null) return AnthropicNative.completion(answer, call, providerId);
        return AnthropicResponse.completion(answer, call, providerId);
    }

    @Override
    public StreamDecoder decoder(ChatCall call, String providerId) {
        AnthropicStream translation = new AnthropicStream(call, providerId);
        return call.messages() == null ? translation : new AnthropicNative.Decoder(translation);
    }
}
