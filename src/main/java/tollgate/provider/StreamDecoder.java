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

    /**
     * For a decoder whose upstream already speaks OpenAI's chunk format: the event's data as a
     * chunk to pass through unchanged (scanned, not parsed), or null when the event needs
     * {@link #decode} (the end marker, an error, usage, anything unusual). The default passes
     * nothing through. The returned object is the decoder's own, valid until the next call.
     *
     * @param data  the event's data; {@code data[0, length)} is valid until the next event
     * @param type  the event's type ({@code message} when it named none)
     */
    default RawChunk passThrough(byte[] data, int length, String type) { return null; }
}
