package tollgate.provider;

import java.util.Map;

/**
 * The client's own Anthropic Messages request ({@code POST /v1/messages}, protocols-2.md §10),
 * carried beside its translation so that a provider that speaks Messages natively can send it
 * "through with minimal change" instead of the translation: the model replaced by the upstream
 * model, everything else (unknown fields, thinking blocks, {@code cache_control}) as the client
 * sent it, and its {@code anthropic-version} and {@code anthropic-beta} headers passed on verbatim.
 *
 * <p>The seam, end to end: the Messages surface puts this on {@code route.ChatRequest}; the
 * dispatcher puts it on every {@link ChatCall} it makes; a {@link Dialect} that can use it
 * (Anthropic's) sends {@link #body()} and {@link Dialect#callHeaders} and marks what it returns:
 * a non-streamed completion carries the upstream's message under {@link #ANSWER}, and a stream's
 * chunks carry the upstream's events under {@link #EVENTS}, in order, each on the first chunk
 * that follows it. Everything else the gateway does (routing, failover before the first content,
 * usage, charging) works on the OpenAI translation as for any request. Every other dialect
 * ignores this and translates {@link ChatCall#body()} as usual, so the surface must read the
 * markers to know which it got. The marker keys start with {@code _} and never reach a client.
 *
 * @param body    the validated Messages request as parsed (read-only)
 * @param version the client's {@code anthropic-version}, or null when it sent none
 * @param beta    the client's {@code anthropic-beta} (a comma-separated list), or null
 */
public record NativeMessages(Map<String, Object> body, String version, String beta) {

    /** On a non-streamed completion from a native call: the upstream's Messages answer, as parsed. */
    public static final String ANSWER = "_anthropic_message";
    /** On a stream chunk from a native call: the {@link Event}s that came before it, in order. */
    public static final String EVENTS = "_anthropic_events";

    /** One upstream stream event: its SSE {@code event:} name and its data, parsed. */
    public record Event(String type, Map<String, Object> data) {}

    /**
     * Whether {@code events} deliver content: a block's delta (text, tool input, thinking), a
     * block that starts with content (a tool use, a redacted thinking block), or the message's end.
     */
    public static boolean hasContent(java.util.List<?> events) {
        for (Object o : events) {
            if (!(o instanceof Event e)) continue;
            switch (e.type()) {
                case "content_block_delta", "message_delta" -> { return true; }
                case "content_block_start" -> {
                    if (e.data().get("content_block") instanceof Map<?, ?> b
                            && !("text".equals(b.get("type")) && "".equals(b.get("text")))
                            && !("thinking".equals(b.get("type")) && "".equals(b.get("thinking")))) return true;
                }
                default -> { }
            }
        }
        return false;
    }
}
