package tollgate.provider;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import tollgate.error.ClientGoneException;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;

/**
 * Relays one upstream event stream to a {@link ChunkSink}, for {@link HttpChatProvider#stream}:
 * reads events until the dialect's decoder sees the end, scrubs each of the configured secrets,
 * and hands it on either as the upstream's own bytes ({@link StreamDecoder#passThrough}: nothing
 * parsed, nothing copied) or decoded into chunk objects. A chunk goes out with
 * {@code moreReady} when another chunk of the same event, or an already-buffered event, follows
 * it, so that events that arrived together are written together.
 *
 * <p>Memory: the reader's buffers are charged as they grow; an event larger than
 * {@link #SMALL_EVENT_BYTES} reserves {@link #PARSE_FACTOR} times its size while it is decoded or
 * handed to the sink (which may parse a passed-through chunk); small ones are transient and
 * covered by the heap's headroom.
 */
final class StreamPump {
    /** Events up to this size are decoded without a reservation of their own. */
    static final int SMALL_EVENT_BYTES = 4096;
    /** Heap a parsed event takes per byte of its JSON, at most (tiny values: about 15 times). */
    static final int PARSE_FACTOR = 16;

    private final HttpChatProvider provider;
    private final ChatCall call;
    private final IdleWatchdog.Watch watch;

    StreamPump(HttpChatProvider provider, ChatCall call, IdleWatchdog.Watch watch) {
        this.provider = provider;
        this.call = call;
        this.watch = watch;
    }

    /** See {@link ChatProvider#stream}: the usage on a clean end; throws otherwise. */
    Usage pump(SseReader events, StreamDecoder decoder, ChunkSink sink) {
        List<Map<String, Object>> chunks = new ArrayList<>(2);
        Secrets secrets = provider.secrets();
        long delivered = 0;
        while (true) {
            try {
                if (!events.advance()) throw failure(delivered, null);
            } catch (IOException e) {
                throw failure(delivered, e);
            }
            byte[] data = events.data();
            int length = events.dataLength();
            byte[] clean = secrets.scrub(data, 0, length);
            if (clean != data) {
                data = clean;
                length = clean.length;
            }
            // Reserved for either path: a sink given the raw bytes may parse them too (RawChunk.parse).
            long reserved = length > SMALL_EVENT_BYTES ? (long) length * PARSE_FACTOR : 0;
            call.memory().reserve(reserved);
            try {
                RawChunk raw = decoder.passThrough(data, length, events.eventType());
                if (raw != null) {
                    // ClientGoneException propagates; the caller's finally closes the upstream.
                    sink.raw(raw, events.hasBufferedEvent());
                    delivered++;
                    continue;
                }
                boolean end = decode(decoder, new SseEvent(events.eventType(), Arrays.copyOf(data, length)), chunks, delivered);
                int n = chunks.size();
                for (int i = 0; i < n; i++) {
                    sink.chunk(chunks.get(i), i < n - 1 || (!end && events.hasBufferedEvent()));
                    delivered++;
                }
                chunks.clear();
                if (end) return decoder.usage();
            } finally {
                call.memory().release(reserved);
            }
        }
    }

    private static boolean decode(StreamDecoder decoder, SseEvent event, List<Map<String, Object>> chunks, long delivered) {
        try {
            return decoder.decode(event, chunks);
        } catch (GatewayException e) {
            if (delivered > 0 && e.kind() == ErrorKind.PROVIDER_ERROR && e.upstreamStatus() == 200) {
                throw new GatewayException(ErrorKind.PROVIDER_STREAM_BROKEN, e.getMessage(), null, 200, e).withDetail(e.detail());
            }
            throw e;
        }
    }

    /**
     * The exception for a body that failed ({@code e}) or a stream that ended before its
     * end-of-stream event ([DONE], message_stop) ({@code e == null}), after {@code delivered}
     * chunks: the client leaving and the idle timeout come first; a failure before any chunk is
     * classified like any failed exchange.
     */
    RuntimeException failure(long delivered, IOException e) {
        String id = provider.id();
        if (call.cancellation().isCancelled()) return new ClientGoneException(e);
        if (watch.fired()) {
            return new GatewayException(ErrorKind.PROVIDER_TIMEOUT, "Provider '" + id + "' sent nothing for "
                    + watch.idle().toMillis() + " ms", null, 0, e).withDetail(provider.where() + ": idle for "
                    + watch.idle().toMillis() + " ms (idle_timeout_ms) after " + delivered + " chunks");
        }
        if (e == null) {
            return new GatewayException(ErrorKind.PROVIDER_STREAM_BROKEN,
                    "Provider '" + id + "' stream ended without its end-of-stream event", null, 200, null)
                    .withDetail(provider.where() + ": the stream ended after " + delivered + " chunks without [DONE]");
        }
        if (delivered == 0) return UpstreamErrors.fromException(id, provider.where(), e);
        return new GatewayException(ErrorKind.PROVIDER_STREAM_BROKEN,
                "Provider '" + id + "' stream broke off: " + e.getMessage(), null, 200, e)
                .withDetail(provider.where() + ": " + UpstreamErrors.chain(e) + " after " + delivered + " chunks");
    }
}
