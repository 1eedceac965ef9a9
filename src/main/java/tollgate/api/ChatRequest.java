package tollgate.api;

import java.util.Map;

/**
 * A POST /chat/completions body that {@link ChatRequestValidator} has accepted, with the few
 * fields the gateway itself acts on pulled out. Everything else stays in {@code body}, which is
 * the very map that was validated (not a copy), so that it can be forwarded upstream unchanged.
 *
 * @param model             the requested model, non-empty
 * @param body              the validated request object, as parsed
 * @param stream            {@code stream == true}
 * @param includeUsage      {@code stream == true && stream_options.include_usage == true}
 * @param metadataRequestId {@code metadata.request_id}, or null when absent
 * @param mode              {@code metadata.mode}, or null when absent
 * @param taskHint          {@code taskHint} (one of writing, code-generation, reasoning, vision), or null
 */
public record ChatRequest(
        String model,
        Map<String, Object> body,
        boolean stream,
        boolean includeUsage,
        String metadataRequestId,
        String mode,
        String taskHint) {
}
