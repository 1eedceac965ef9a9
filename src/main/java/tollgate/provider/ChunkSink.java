package tollgate.provider;

import java.util.Map;

/** Where a streaming provider delivers chunks; see {@link ChatProvider#stream}. */
@FunctionalInterface
public interface ChunkSink {
    /**
     * Takes one OpenAI {@code chat.completion.chunk} object. The sink may modify and keeps no
     * reference after returning. Throws {@link tollgate.error.ClientGoneException} when the
     * client has gone away.
     */
    void chunk(Map<String, Object> chunk);
}
