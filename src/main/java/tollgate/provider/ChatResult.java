package tollgate.provider;

import java.util.Map;

/**
 * A non-streaming completion: the OpenAI {@code chat.completion} object (mutable; the gateway
 * rewrites {@code model} and adds its extension object before writing it) and its usage.
 */
public record ChatResult(Map<String, Object> completion, Usage usage) {}
