package tollgate.provider;

import java.util.Map;

/** Where a streaming provider delivers chunks; see {@link ChatProvider#stream}. */
@FunctionalInterface
public interface ChunkSink {
    /**
     * Takes one OpenAI {@code chat.completion.chunk} object, a new map on every call: the sink
     * may modify it and may keep it (the router holds the first chunks of an attempt until it
     * knows the attempt will answer). Throws {@link tollgate.error.ClientGoneException} when the
     * client has gone away.
     */
    void chunk(Map<String, Object> chunk);

    /**
     * As {@link #chunk(Map)}, with a hint: {@code moreReady} is true when the provider already
     * holds the next chunk (it arrived in the same network read), so the sink may defer
     * sending this one and write both at once. The provider's next call, its return, or its
     * throw ends the deferral; a provider never waits on the network after passing
     * {@code true}. Streams that trickle token by token pass {@code false} every time.
     */
    default void chunk(Map<String, Object> chunk, boolean moreReady) {
        chunk(chunk);
    }

    /**
     * A chunk the provider passes through as the upstream's bytes ({@link RawChunk}, valid only
     * during the call); {@code moreReady} as for {@link #chunk(Map, boolean)}. By default it is
     * parsed and given to {@link #chunk(Map, boolean)}; a sink that can splice bytes overrides
     * this and writes it on without parsing it.
     */
    default void raw(RawChunk chunk, boolean moreReady) {
        chunk(chunk.parse(), moreReady);
    }
}
