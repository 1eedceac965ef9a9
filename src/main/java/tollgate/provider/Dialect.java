package tollgate.provider;

import java.util.List;
import java.util.Map;
import tollgate.config.ProviderConfig;
import tollgate.json.JsonBuffer;

/**
 * The wire format of one upstream kind: how the gateway's OpenAI-shaped {@link ChatCall}
 * becomes that upstream's HTTP request, and how its answers become OpenAI objects again.
 * {@link HttpChatProvider} does the HTTP (time limits, cancellation, status classification,
 * SSE framing); a dialect only translates, so it can be tested on recorded bodies alone.
 *
 * <p>Contract:
 * <ul>
 *   <li>Implementations are immutable and thread-safe; per-stream state lives in the
 *       {@link StreamDecoder} that {@link #decoder} returns.</li>
 *   <li>{@link #body} never modifies {@link ChatCall#body()}. A request parameter the upstream
 *       cannot honour is refused with a {@code CALLER_INVALID_REQUEST} {@code GatewayException}
 *       that names the parameter as {@code param} and the provider's limit in its message, before
 *       anything is sent; a dialect never silently changes what the client asked for.</li>
 *   <li>Translated objects are what an OpenAI client expects, field for field (protocols.md §2):
 *       {@code chat.completion} from {@link #completion}, {@code chat.completion.chunk}s from the
 *       decoder, usage as OpenAI's {@code usage} object.</li>
 *   <li>Errors an upstream reports inside a 2xx answer (an error object, a stream {@code error}
 *       event) are thrown as classified {@code GatewayException}s ({@link UpstreamErrors}).</li>
 * </ul>
 */
public interface Dialect {

    /** The provider kind this dialect serves, e.g. {@code anthropic}. */
    String kind();

    /** Appended to the provider's {@code base_url}: {@code /chat/completions}, {@code /messages}. */
    String path();

    /**
     * Headers sent on every request, as name, value pairs (authentication, API version). The
     * provider's configured extra headers are added after these and replace them by name.
     */
    List<String> fixedHeaders(ProviderConfig config);

    /**
     * Headers of this call only, as name, value pairs, set after the fixed and configured ones
     * (replacing them by name): Anthropic's dialect passes on the client's {@code anthropic-beta}
     * (joined to an operator-configured one in {@code config}'s headers, never replacing it) and
     * {@code anthropic-version} for a native Messages call ({@link NativeMessages}). None by default.
     */
    default List<String> callHeaders(ChatCall call, ProviderConfig config) { return List.of(); }

    /** Which tool call ids the upstream accepts; the gateway rewrites others before dispatch. */
    default ToolIdRule toolIdRule() { return ToolIdRule.ANY; }

    /**
     * The upstream request body for {@code call} (stream or not per {@link ChatCall#stream()}),
     * in a buffer charged to {@link ChatCall#memory()} (the provider releases it once sent).
     *
     * @throws tollgate.error.GatewayException {@code CALLER_INVALID_REQUEST} for a parameter the
     *                                         upstream cannot honour
     */
    JsonBuffer body(ChatCall call);

    /**
     * Translates a 2xx non-streaming answer, already parsed as a JSON object.
     *
     * @param providerId for error messages
     * @throws tollgate.error.GatewayException when the object is an error or not an answer
     */
    ChatResult completion(Map<String, Object> answer, ChatCall call, String providerId);

    /** A decoder for one upstream stream; used by one thread only. */
    StreamDecoder decoder(ChatCall call, String providerId);
}
