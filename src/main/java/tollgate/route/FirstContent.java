package tollgate.route;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import tollgate.memory.Reservation;
import tollgate.provider.ChunkSink;
import tollgate.provider.RawChunk;

/**
 * Holds an attempt's chunks until the first one with content, so that an attempt which fails
 * before any content reached the client can fail over invisibly. Content is text, a tool call,
 * a refusal or a finish reason, or a native Messages event that delivers any block
 * ({@link tollgate.provider.NativeMessages#hasContent}); the role-only first delta and keep-alives are not. Once it has
 * committed, chunks (and raw bytes) pass straight through; all it does with them is count the
 * tokens they deliver ({@link Delivered}), what the stream is charged if it ends without usage.
 *
 * <p>What it holds outlives the provider's own reservation for the event, so a chunk passed as
 * bytes is parsed against the request's memory budget and its tree stays charged until the
 * chunks go out ({@link #commit}) or the attempt is dropped ({@link #release}): an upstream that
 * sends large chunks without content gets the request a 503 {@code gateway_busy}, not the heap.
 * (Chunks a dialect decodes into maps carry only the fields it builds, a few hundred bytes.)
 */
final class FirstContent implements ChunkSink {
    /** Chunks held before content at most; a stream of that many empty deltas commits anyway. */
    static final int MAX_HELD_CHUNKS = 32;

    private final ChatSink out;
    private final Supplier<ChatSink.Begin> begin;
    private List<Map<String, Object>> held;
    private boolean committed;
    private long committedAtNanos;
    private final tollgate.call.Clock clock;
    private final Reservation memory;
    /** Bytes of {@link #memory} the held chunks' trees are charged. */
    private long charged;
    /** Tokens estimated in what went out ({@link Delivered}). */
    private long delivered;

    FirstContent(ChatSink out, Supplier<ChatSink.Begin> begin, tollgate.call.Clock clock, Reservation memory) {
        this.out = out;
        this.begin = begin;
        this.clock = clock;
        this.memory = memory;
    }

    boolean committed() { return committed; }

    /** Tokens estimated in the chunks that went out so far. */
    long deliveredTokens() { return delivered; }

    /** {@link tollgate.call.Clock#nanos()} when the first content went out. */
    long committedAtNanos() { return committedAtNanos; }

    @Override
    public void chunk(Map<String, Object> chunk) {
        chunk(chunk, false);
    }

    @Override
    public void chunk(Map<String, Object> chunk, boolean moreReady) {
        if (committed) {
            delivered += Delivered.tokens(chunk);
            out.chunk(chunk, moreReady);
            return;
        }
        if (!hasContent(chunk) && (held == null || held.size() < MAX_HELD_CHUNKS)) {
            if (held == null) held = new ArrayList<>(4);
            held.add(chunk);
            return;
        }
        commit();
        delivered += Delivered.tokens(chunk);
        out.chunk(chunk, moreReady);
    }

    @Override
    public void raw(RawChunk chunk, boolean moreReady) {
        if (committed) {
            delivered += Delivered.tokens(chunk);
            out.raw(chunk, moreReady);
            return;
        }
        // Only until the first content: the bytes are not kept past this call, the tree may be.
        long before = memory.held();
        Map<String, Object> parsed = chunk.parse(memory);
        charged += memory.held() - before;
        chunk(parsed, moreReady);
    }

    /** Gives back what held chunks were charged; after a commit, or when the attempt is dropped. Idempotent. */
    void release() {
        memory.release(charged);
        charged = 0;
    }

    /** The upstream ended cleanly: whatever it sent goes out, content or not. */
    void finish() {
        if (!committed) commit();
    }

    private void commit() {
        committed = true;
        committedAtNanos = clock.nanos();
        out.begin(begin.get());
        if (held != null) {
            for (int i = 0; i < held.size(); i++) {
                delivered += Delivered.tokens(held.get(i));
                out.chunk(held.get(i), true);
            }
            held = null;
        }
        release();
    }

    /** Text, tool calls, a refusal, or a finish reason in any choice. */
    static boolean hasContent(Map<String, Object> chunk) {
        // A native Messages stream: a thinking delta is content too, though it has no OpenAI chunk.
        if (chunk.get(tollgate.provider.NativeMessages.EVENTS) instanceof List<?> events
                && tollgate.provider.NativeMessages.hasContent(events)) return true;
        if (!(chunk.get("choices") instanceof List<?> choices)) return false;
        for (Object c : choices) {
            if (!(c instanceof Map<?, ?> choice)) continue;
            if (choice.get("finish_reason") != null) return true;
            if (choice.get("delta") instanceof Map<?, ?> delta) {
                if (delta.get("content") instanceof String s && !s.isEmpty()) return true;
                if (delta.get("tool_calls") != null || delta.get("function_call") != null) return true;
                if (delta.get("refusal") instanceof String r && !r.isEmpty()) return true;
            }
        }
        return false;
    }
}
