package tollgate.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.route.FakeChatProvider.stream;
import static tollgate.route.FakeChatProvider.streamThenFail;
import static tollgate.route.RouteFixtures.abc;
import static tollgate.route.RouteFixtures.caller;
import static tollgate.route.RouteFixtures.contentChunk;
import static tollgate.route.RouteFixtures.finishChunk;
import static tollgate.route.RouteFixtures.pa;
import static tollgate.route.RouteFixtures.pb;
import static tollgate.route.RouteFixtures.req;
import static tollgate.route.RouteFixtures.roleChunk;
import static tollgate.route.RouteFixtures.streamBroken;
import static tollgate.route.RouteFixtures.tried;
import static tollgate.route.RouteFixtures.unavailable;

import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.provider.Usage;
import tollgate.route.RouteFixtures.RecordingSink;
import tollgate.route.RouteFixtures.World;

/**
 * Dispatcher over scripted streaming providers: a failure before the first content fails over
 * invisibly; after content has gone out it is the client's error.
 */
class DispatcherStreamTest {

    @Test
    void aStreamThatFailsBeforeContentFailsOverInvisibly() {
        World w = abc();
        pa(w).always(streamThenFail(List.of(roleChunk("a1")), streamBroken("The upstream stream broke off")));
        List<String> bChunks = List.of(roleChunk("b1"), contentChunk("b1", "Hi"), finishChunk("b1"));
        pb(w).then(stream(bChunks, new Usage(5, 2, 7)));
        RecordingSink sink = new RecordingSink();
        Dispatched d = w.dispatcher().dispatch(caller(), req("a").fallbacks("b").stream().build(), sink);

        assertEquals(1, sink.begins.size(), "begin() exactly once");
        assertEquals("pb/b", sink.begins.get(0).chosen().id());
        assertEquals(bChunks, sink.chunks, "only the answering attempt's chunks");
        assertEquals(2, pa(w).callCount(), "retried once before failing over");
        assertTrue(pa(w).calls().get(0).stream());
        assertEquals(List.of("pa/a=broken_stream", "pa/a=broken_stream", "pb/b=ok"), tried(sink.begins.get(0).route()));
        assertSame(sink.begins.get(0).route(), d.route());
        assertNull(d.completion());
        assertEquals(new Usage(5, 2, 7), d.usage());
        assertEquals("pb/b", d.chosen().id());
        assertEquals(2, w.deployment("a").breaker().failures());
    }

    @Test
    void aStreamFailingBeforeAnyChunkFailsOverToo() {
        World w = abc();
        w.config = RouteFixtures.config(0);
        pa(w).thenFail(unavailable("Upstream down"));
        List<String> bChunks = List.of(contentChunk("b1", "Hi"), finishChunk("b1"));
        pb(w).then(stream(bChunks, Usage.NONE));
        RecordingSink sink = new RecordingSink();
        Dispatched d = w.dispatcher().dispatch(caller(), req("a").fallbacks("b").stream().build(), sink);
        assertEquals(1, sink.begins.size());
        assertEquals(bChunks, sink.chunks);
        // No usage reported: the stream is costed from an estimate (Settlement.answered), the
        // prompt estimate plus the tokens delivered, at the answering deployment's (b's) prices.
        // Prompt (PromptEstimate): 3 to prime the reply + 4 framing the one message + the 11 ASCII
        // characters of "hello there" at 4 a token, rounded up (3) = 10. Delivered (Delivered):
        // "Hi" at 4 characters a token, rounded up, and at least 1 for a chunk with content = 1;
        // the finish chunk carries no text = 0. So 10 × 0.000001 + 1 × 0.000002 USD.
        long promptTokens = 3 + 4 + Math.ceilDiv("hello there".length(), 4);
        long delivered = Math.max(1, Math.ceilDiv("Hi".length(), 4));
        BigDecimal estimated = new BigDecimal("0.000001").multiply(BigDecimal.valueOf(promptTokens))
                .add(new BigDecimal("0.000002").multiply(BigDecimal.valueOf(delivered))).stripTrailingZeros();
        assertEquals(new BigDecimal("0.000012"), estimated);
        assertEquals(estimated, d.cost(), "no usage reported: costed from the prompt estimate and the tokens delivered");
    }

    @Test
    void aStreamThatFailsAfterContentRethrowsAndCallsNoOtherUpstream() {
        World w = abc();
        GatewayException broke = new GatewayException(ErrorKind.PROVIDER_STREAM_BROKEN, "The upstream stream broke off", null, 0, null);
        List<String> aChunks = List.of(roleChunk("a1"), contentChunk("a1", "Hel"));
        pa(w).then(streamThenFail(aChunks, () -> broke));
        RecordingSink sink = new RecordingSink();
        GatewayException e = assertThrows(GatewayException.class,
                () -> w.dispatcher().dispatch(caller(), req("a").fallbacks("b").stream().build(), sink));
        assertSame(broke, e);
        assertEquals(1, sink.begins.size());
        assertEquals("pa/a", sink.begins.get(0).chosen().id());
        assertEquals(aChunks, sink.chunks);
        assertEquals(1, pa(w).callCount(), "no retry after content went out");
        assertEquals(0, pb(w).callCount());
        assertEquals(0, w.clock.slept());
        assertEquals(1, w.deployment("a").breaker().failures());
    }

    @Test
    void aStreamWithoutContentStillBeginsWhenTheUpstreamEndsCleanly() {
        World w = abc();
        List<String> chunks = List.of(roleChunk("a1"));
        pa(w).then(stream(chunks, new Usage(3, 0, 3)));
        RecordingSink sink = new RecordingSink();
        Dispatched d = w.dispatcher().dispatch(caller(), req("a").stream().build(), sink);
        assertEquals(1, sink.begins.size());
        assertNull(sink.begins.get(0).route(), "the client's model, first try");
        assertEquals(chunks, sink.chunks);
        assertEquals(new BigDecimal("0.000009"), d.cost());
    }
}
