package tollgate.provider;

import java.util.List;
import java.util.Map;

/**
 * Turns one upstream event stream, event by event, into OpenAI {@code chat.completion.chunk}
 * objects (protocols.md §2). Made by {@link Dialect#decoder} for one stream; not thread-safe.
 */
public interface StreamDecoder {

    /**
     * Decodes one event, appending the chunks it yields (zero or more) to {@code out}.
     *
     * <p>Usage, when the upstream reports it, is delivered as OpenAI's separate usage chunk
     * ({@code "choices":[]} plus {@code usage}) before the stream ends, and is also what
     * {@link #usage()} returns.
     *
     * @return true when this event ended the stream cleanly (OpenAI's {@code [DONE]}, Anthropic's
     *         {@code message_stop}); the provider reads no further
     * @throws tollgate.error.GatewayException for an error event, or an event that cannot be
     *         read ({@code PROVIDER_ERROR}; the provider turns it into {@code PROVIDER_STREAM_BROKEN}
     *         once chunks were delivered)
     */
    boolean decode(SseEvent event, List<Map<String, Object>> out);

    /** The usage reported so far, or {@link Usage#NONE}. */
    Usage usage();
}
