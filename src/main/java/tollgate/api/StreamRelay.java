package tollgate.api;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import tollgate.http.SseWriter;
import tollgate.json.Json;
import tollgate.json.JsonBuffer;
import tollgate.json.MemberScan;
import tollgate.conversation.ClientToolIds;
import tollgate.provider.RawChunk;
import tollgate.provider.Usage;
import tollgate.route.ChatSink;
import tollgate.route.Deployment;
import tollgate.route.Dispatcher;

/**
 * Passes a provider's chunks to the client: the model id the client asked for, the extension
 * object on the first chunk (its ids are known before any token), and usage only when the
 * client asked for it ({@code stream_options.include_usage}; the gateway always asks the
 * upstream, so that usage is recorded either way). Without it, OpenAI sends no usage at all:
 * the usage-only chunk ({@code "choices":[]}) is dropped and {@code usage} removed elsewhere.
 * Tool call ids the gateway rewrote for the provider are given back as the client's own. What
 * the answering attempt brings (its repairs, the route, the {@code x-tollgate-route} header)
 * arrives in {@link #begin}, before its first chunk; the usage chunk, when the client asked for
 * usage, carries the extension object again with {@code cost} and {@code savings}.
 *
 * <p>Chunks a provider passes through as bytes ({@link RawChunk}) are written as those bytes
 * with the same changes spliced in ({@link Splice}): the model value replaced, a
 * {@code "usage":null} member cut, the extension inserted before the closing brace. Nothing is
 * parsed or re-encoded, and nothing is allocated per chunk.
 */
final class StreamRelay implements ChatSink {
    private final SseWriter sse;
    private final String clientModel;
    private final boolean includeUsage;
    private final String extensionField;
    private final Map<String, Object> extension;
    private final Dispatcher dispatcher;
    private final tollgate.account.Charge charge;
    private ClientToolIds toolIds = ClientToolIds.NONE;
    private Deployment chosen;
    private Splice splice;
    private boolean first = true;

    StreamRelay(SseWriter sse, String clientModel, boolean includeUsage, String extensionField, Map<String, Object> extension,
                Dispatcher dispatcher, tollgate.account.Charge charge) {
        this.dispatcher = dispatcher;
        this.charge = charge;
        this.sse = sse;
        this.clientModel = clientModel;
        this.includeUsage = includeUsage;
        this.extensionField = extensionField;
        this.extension = extension;
    }

    @Override
    public void begin(Begin begin) {
        sse.header(Extension.ROUTE_HEADER, begin.chosen().id()); // lost if a heartbeat already opened the stream
        toolIds = begin.toolIds();
        chosen = begin.chosen();
        Extension.begin(extension, begin);
        JsonBuffer member = new JsonBuffer(256);
        Json.write(extensionField, member);
        member.append((byte) ':');
        Json.write(extension, member);
        this.splice = new Splice(Json.toBytes(clientModel), member.toByteArray());
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
        if (includeUsage && chosen != null && chunk.get("usage") != null && !chunk.containsKey(extensionField)) {
            // The cost is known once the usage is: the usage chunk carries it (the first chunk
            // carries the ids and the route).
            tollgate.route.Cost cost = dispatcher.cost(chosen, Usage.fromJson(chunk.get("usage")));
            Map<String, Object> ext = new java.util.LinkedHashMap<>();
            if (cost.usd() != null) ext.put("cost", Extension.usd(cost.usd()));
            if (cost.savings() != null) ext.put("savings", Extension.usd(cost.savings()));
            // What the stream is charged when it ends, and the balance after that charge.
            long credits = charge.credits(cost.usd());
            ext.put("credits_charged", credits);
            Long balance = charge.balance();
            if (balance != null) ext.put("balance", balance - credits);
            chunk.put(extensionField, ext);
        }
        if (first) {
            chunk.put(extensionField, extension);
            first = false;
        }
        sse.send(chunk, !moreReady);
    }

    @Override
    public void raw(RawChunk chunk, boolean moreReady) {
        // Ids to put back inside choices, or the usage chunk the client gets (once per stream,
        // with the cost added): those take the object.
        if (!toolIds.none() || (includeUsage && chunk.scan().has(RawChunk.USAGE) && !chunk.scan().isNull(RawChunk.USAGE))) {
            chunk(chunk.parse(), moreReady);
            return;
        }
        splice.set(chunk, !includeUsage, first);
        first = false;
        sse.send(splice, !moreReady);
    }

    /**
     * The bytes of one passed-through chunk with at most three edits, written in position
     * order: the {@code model} value replaced, the {@code usage} member cut (when it is null and
     * the client did not ask for usage; a non-null one never arrives here), the extension member
     * inserted before the closing brace. Reused for every chunk of the stream.
     */
    private static final class Splice implements SseWriter.Event {
        private final byte[] model;
        private final byte[] extensionMember;
        private final int[] from = new int[3];
        private final int[] to = new int[3];
        private final byte[][] with = new byte[3][];
        private byte[] data;
        private int start;
        private int end;
        private int edits;
        private boolean commaBeforeInsert;

        Splice(byte[] model, byte[] extensionMember) {
            this.model = model;
            this.extensionMember = extensionMember;
        }

        void set(RawChunk chunk, boolean cutUsage, boolean insertExtension) {
            MemberScan s = chunk.scan();
            data = chunk.data();
            start = chunk.offset();
            end = start + chunk.length();
            edits = 0;
            int members = s.members();
            if (s.has(RawChunk.MODEL)) edit(s.valueStart(RawChunk.MODEL), s.valueEnd(RawChunk.MODEL), model);
            if (cutUsage && s.has(RawChunk.USAGE)) {
                edit(s.cutStart(RawChunk.USAGE), s.cutEnd(RawChunk.USAGE), null);
                members--;
            }
            if (insertExtension) {
                commaBeforeInsert = members > 0;
                edit(s.closeBrace(), s.closeBrace(), extensionMember);
            }
            // at most three edits: an insertion sort by position
            for (int i = 1; i < edits; i++) {
                for (int j = i; j > 0 && from[j] < from[j - 1]; j--) swap(j, j - 1);
            }
        }

        private void edit(int f, int t, byte[] bytes) {
            from[edits] = f;
            to[edits] = t;
            with[edits] = bytes;
            edits++;
        }

        private void swap(int a, int b) {
            int f = from[a], t = to[a];
            byte[] w = with[a];
            from[a] = from[b];
            to[a] = to[b];
            with[a] = with[b];
            from[b] = f;
            to[b] = t;
            with[b] = w;
        }

        @Override
        public void writeTo(OutputStream out) throws IOException {
            int p = start;
            for (int i = 0; i < edits; i++) {
                out.write(data, p, from[i] - p);
                if (with[i] == extensionMember && commaBeforeInsert) out.write(',');
                if (with[i] != null) out.write(with[i]);
                p = to[i];
            }
            out.write(data, p, end - p);
        }
    }
}
