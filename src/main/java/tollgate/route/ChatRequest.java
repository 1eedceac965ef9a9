package tollgate.route;

import java.util.List;
import java.util.Map;

/**
 * A chat request that a wire surface has validated ({@code api.ChatRequestValidator} for
 * {@code POST /chat/completions}, and the legacy {@code /chat} through it), with the few
 * fields the gateway itself acts on pulled out. Everything else stays in {@code body}, which is
 * the very map that was validated (not a copy), so that it can be forwarded upstream unchanged.
 *
 * @param model             the requested model, non-empty
 * @param body              the validated request object, as parsed
 * @param stream            {@code stream == true}
 * @param includeUsage      {@code stream == true && stream_options.include_usage == true}
 * @param metadataRequestId {@code metadata.request_id}, or null when absent
 * @param mode              {@code metadata.mode}, or null when absent
 * @param taskHint          {@code taskHint} (writing, code-generation, reasoning, vision, general), or null
 * @param policy            {@code policy} (frugal, balanced, premium), or null
 * @param fallbacks         {@code models}: models to try in order after {@code model}
 *                          (OpenRouter's convention), or an empty list
 * @param agent             whether the request needs the agent loop (issue 12): its {@code tools}
 *                          name gateway tools ({@code {"type": "gateway"}}), or its
 *                          {@code metadata.requires_approval} gates functions of its own
 * @param messages          the client's Anthropic Messages request when {@code body} is its
 *                          translation ({@code POST /v1/messages}), passed to every attempt for
 *                          providers that send it natively ({@link tollgate.provider.NativeMessages}); else null
 */
public record ChatRequest(
        String model,
        Map<String, Object> body,
        boolean stream,
        boolean includeUsage,
        String metadataRequestId,
        String mode,
        String taskHint,
        String policy,
        List<String> fallbacks,
        boolean agent,
        tollgate.provider.NativeMessages messages) {

    /**
     * {@code metadata.requires_approval} (issue 12): the functions (or gateway tools) whose calls
     * wait for a human's approval, comma-separated, since metadata values are strings (OpenAI).
     */
    public static final String REQUIRES_APPROVAL = "requires_approval";

    /** A request that did not come in as Anthropic Messages. */
    public ChatRequest(String model, Map<String, Object> body, boolean stream, boolean includeUsage, String metadataRequestId,
                       String mode, String taskHint, String policy, List<String> fallbacks, boolean agent) {
        this(model, body, stream, includeUsage, metadataRequestId, mode, taskHint, policy, fallbacks, agent, null);
    }

    /** This request carrying the client's Messages request it was translated from. */
    public ChatRequest withMessages(tollgate.provider.NativeMessages messages) {
        return new ChatRequest(model, body, stream, includeUsage, metadataRequestId, mode, taskHint, policy, fallbacks, agent, messages);
    }

    /** A request without gateway tools or approvals. */
    public ChatRequest(String model, Map<String, Object> body, boolean stream, boolean includeUsage, String metadataRequestId,
                       String mode, String taskHint, String policy, List<String> fallbacks) {
        this(model, body, stream, includeUsage, metadataRequestId, mode, taskHint, policy, fallbacks, false);
    }
}
