package tollgate.api;

import java.util.List;
import java.util.Map;
import tollgate.http.SseWriter;
import tollgate.provider.ChunkSink;

/**
 * Passes a provider's chunks to the client: the model id the client asked for, the extension
 * object on the first chunk (its ids are known before any token), and usage only when the
 * client asked for it ({@code stream_options.include_usage}; the gateway always asks the
 * upstream, so that usage is recorded either way). Without it, OpenAI sends no usage at all:
 * the usage-only chunk ({@code "choices":[]}) is dropped and {@code usage} removed elsewhere.
 * Tool call ids the gateway rewrote for the provider are given back as the client's own.
 */
final class StreamRelay implements ChunkSink {
    private final SseWriter sse;
    private final String clientModel;
    private final boolean includeUsage;
    private final String extensionField;
    private final Map<String, Object> extension;
    private final ClientToolIds toolIds;
    private boolean first = true;

    StreamRelay(SseWriter sse, String clientModel, boolean includeUsage, String extensionField, Map<String, Object> extension,
                ClientToolIds toolIds) {
        this.toolIds = toolIds;
        this.sse = sse;
        this.clientModel = clientModel;
        this.includeUsage = includeUsage;
        this.extensionField = extensionField;
        this.extension = extension;
    }

    @Override
    public void chunk(Map<String, Object> chunk) {
        chunk(chunk, false);
    }

    @Override
    public void chunk(Map<String, Object> chunk, boolean moreReady) {
        if (!includeUsage) {
            Object usage = chunk.remove("usage");
            if (usage != null && chunk.get("choices") instanceof List<?> choices && choices.isEmpty()) {
                if (!moreReady) sse.flush(); // what earlier chunks left must not wait
                return;
            }
        }
        if (chunk.containsKey("model")) chunk.put("model", clientModel);
        toolIds.restoreChunk(chunk);
        if (first) {
            chunk.put(extensionField, extension);
            first = false;
        }
        sse.send(chunk, !moreReady);
    }
}
