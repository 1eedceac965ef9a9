package tollgate.route;

import java.util.Map;
import tollgate.conversation.ClientToolIds;
import tollgate.conversation.Repairs;
import tollgate.provider.ChunkSink;

/**
 * Where a streamed answer goes: a wire surface's writer. The {@link Dispatcher} calls
 * {@link #begin} at most once, when an attempt's first content is ready (so nothing an attempt
 * that then failed over produced ever reaches it; never when every attempt failed before any
 * content), and then the chunks of that attempt only.
 */
public interface ChatSink extends ChunkSink {

    /** What the answering attempt needs the writer to know before its first chunk. */
    record Begin(Deployment chosen, Map<String, Object> route, ClientToolIds toolIds, Repairs repairs) {}

    /**
     * The attempt that answers: its deployment, the route explanation so far (null when the
     * client chose the model itself and nothing was retried), the tool call ids to give back, and
     * the repairs made to the conversation for it.
     */
    void begin(Begin begin);
}
