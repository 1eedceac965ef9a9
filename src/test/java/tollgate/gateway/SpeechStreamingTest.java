package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.SpeechUpstream.DEEPGRAM_PATH;
import static tollgate.gateway.SpeechUpstream.OPENAI_PATH;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tollgate.account.UsageRecord;

/**
 * Audio flows through as it arrives, never held whole: a multi-megabyte answer sent in small
 * pieces reaches the client byte for byte; the first bytes reach the client while the upstream
 * is still holding back the rest (the fake waits until the client has them, so a gateway that
 * buffered would never deliver them); an upstream that breaks off after the first bytes cuts
 * the client's response (no clean end, so the client cannot take it for the whole file) and is
 * charged what was spoken; a client that leaves makes the gateway drop the upstream.
 */
class SpeechStreamingTest extends SpeechTestBase {
    static final byte[] BIG = audio(5 * 1024 * 1024 + 17, 7);

    /** The request for a backend: Deepgram's shape to Deepgram, OpenAI's to the OpenAI-compatible server. */
    static String path(String backend) { return backend.equals("deepgram") ? "/v1/speak?model=aura-asteria-en" : "/v1/audio/speech"; }

    static String body(String backend) {
        return backend.equals("deepgram") ? "{\"text\":\"Read me the whole book.\"}"
                : "{\"model\":\"tts-1\",\"input\":\"Read me the whole book.\",\"voice\":\"alloy\"}";
    }

    static String upstreamPath(String backend) { return backend.equals("deepgram") ? DEEPGRAM_PATH : OPENAI_PATH; }

    @ParameterizedTest
    @ValueSource(strings = {"deepgram", "openai"})
    void aMultiMegabyteAnswerInSmallPieces_arrivesExactly(String backend) throws Exception {
        upstream.on(upstreamPath(backend), SpeechUpstream.audio("audio/mpeg", BIG, 7 * 1024 + 3));
        HttpResponse<byte[]> r = speak(path(backend), body(backend));
        assertEquals(200, r.statusCode());
        assertEquals("audio/mpeg", header(r, "content-type"));
        assertEquals(BIG.length, r.body().length);
        assertArrayEquals(BIG, r.body());
    }

    @ParameterizedTest
    @ValueSource(strings = {"deepgram", "openai"})
    void theFirstBytesReachTheClient_whileTheUpstreamHoldsTheRest(String backend) throws Exception {
        int first = 3000;
        upstream.on(upstreamPath(backend), SpeechUpstream.held("audio/mpeg", BIG, first));
        HttpResponse<InputStream> r = speakStream(path(backend), body(backend));
        assertEquals(200, r.statusCode());
        try (InputStream in = r.body()) {
            // The upstream sends the rest only once released: if the gateway waited for more
            // before passing audio on, these bytes would never come (and the read fails the test).
            byte[] head = CompletableFuture.supplyAsync(() -> readN(in, first)).get(20, TimeUnit.SECONDS);
            assertArrayEquals(Arrays.copyOf(BIG, first), head);
            upstream.release();
            assertArrayEquals(Arrays.copyOfRange(BIG, first, BIG.length), in.readAllBytes());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"deepgram", "openai"})
    void anUpstreamThatBreaksOffAfterTheFirstBytes_cutsTheResponse_andIsCharged(String backend) throws Exception {
        int first = 5000;
        upstream.on(upstreamPath(backend), SpeechUpstream.breaksAfter("audio/mpeg", BIG, first));
        HttpResponse<InputStream> r = speakStream(path(backend), body(backend));
        assertEquals(200, r.statusCode()); // committed with the first bytes
        try (InputStream in = r.body()) {
            assertArrayEquals(Arrays.copyOf(BIG, first), in.readNBytes(first));
            upstream.release(); // now it breaks off
            // no terminating chunk: the client's read fails instead of ending cleanly
            assertThrows(IOException.class, () -> in.readAllBytes());
        }
        List<UsageRecord> records = records();
        assertEquals(1, records.size());
        UsageRecord rec = records.get(0);
        assertEquals(502, rec.status());
        assertEquals("tts", rec.endpoint());
        assertEquals(23, rec.characters()); // the upstream had started speaking: the text is charged
        assertEquals(backend.equals("deepgram") ? "deepgram/aura-asteria-en" : "openai/tts-1", rec.deployment());
        assertEquals(1, upstream.requests().size()); // after the first byte: no retry, no failover
    }

    @ParameterizedTest
    @ValueSource(strings = {"deepgram", "openai"})
    void aClientThatLeaves_makesTheGatewayDropTheUpstream(String backend) throws Exception {
        int first = 2000;
        upstream.on(upstreamPath(backend), SpeechUpstream.held("audio/mpeg", BIG, first));
        try (RawHttp client = gw.raw()) { // a plain socket: hanging up is closing it, nothing drained behind our back
            client.post(path(backend), body(backend), "Authorization: " + GatewayHarness.AUTH);
            RawHttp.Head head = client.readHead();
            assertEquals(200, head.status());
            assertTrue(head.chunked());
            java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
            while (got.size() < first) got.write(client.readChunk());
            assertArrayEquals(Arrays.copyOf(BIG, first), got.toByteArray());
        } // the client hangs up with 5 MB still to come
        upstream.release();
        assertTrue(upstream.awaitWriteFailure(20), "the gateway kept reading from the upstream after the client left");
    }

    private static byte[] readN(InputStream in, int n) {
        try {
            return in.readNBytes(n);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
