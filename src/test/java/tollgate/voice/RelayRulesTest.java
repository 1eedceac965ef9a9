package tollgate.voice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;

/** The relay's small rules: close codes each way, the error event, which messages are session updates, session caps. */
class RelayRulesTest {
    @Test
    void closeCodes_relayedAsTheWireAllows() {
        // RFC 6455 §7.4.1: 1005/1006/1015 never on the wire; protocol-level codes are not the other side's business.
        int[] in = {1000, 1001, 1002, 1003, 1005, 1006, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 1015, 2999, 3000, 4999, 5000};
        int[] toClient = {1000, 1001, 1000, 1003, 1000, 1000, 1000, 1008, 1000, 1000, 1011, 1012, 1013, 1014, 1000, 1000, 3000, 4999, 1000};
        int[] toUpstream = {1000, 1001, 1000, 1003, 1000, 1000, 1000, 1008, 1000, 1000, 1011, 1001, 1001, 1001, 1000, 1000, 3000, 4999, 1000};
        for (int i = 0; i < in.length; i++) {
            assertEquals(toClient[i], RealtimeEvents.relayable(in[i]), "to the client: " + in[i]);
            assertEquals(toUpstream[i], RealtimeEvents.toUpstream(in[i]), "upstream (java.net.http.WebSocket refuses 1012-1014): " + in[i]);
        }
    }

    @Test
    void failures_endWithAMeaningfulCloseCode() {
        assertEquals(1014, RealtimeEvents.closeCode(new GatewayException(ErrorKind.PROVIDER_AUTH_FAILED, "x")));
        assertEquals(1014, RealtimeEvents.closeCode(new GatewayException(ErrorKind.PROVIDER_STREAM_BROKEN, "x")));
        assertEquals(1013, RealtimeEvents.closeCode(new GatewayException(ErrorKind.PROVIDER_RATE_LIMITED, "x")));
        assertEquals(1013, RealtimeEvents.closeCode(new GatewayException(ErrorKind.PROVIDER_UNAVAILABLE, "x")));
        assertEquals(1008, RealtimeEvents.closeCode(new GatewayException(ErrorKind.POLICY_INSUFFICIENT_CREDITS, "x")));
        assertEquals(1008, RealtimeEvents.closeCode(new GatewayException(ErrorKind.CALLER_INVALID_REQUEST, "x")));
        assertEquals(1011, RealtimeEvents.closeCode(new GatewayException(ErrorKind.GATEWAY_INTERNAL, "x")));
        assertEquals(1001, RealtimeEvents.closeCode(new GatewayException(ErrorKind.GATEWAY_SHUTTING_DOWN, "x")));
    }

    @Test
    void theErrorEvent_isOpenAisShape() {
        String e = RealtimeEvents.error(GatewayException.invalid("session", "'session' must be an object."), "invalid_event");
        assertTrue(e.matches("\\{\"type\":\"error\",\"event_id\":\"event_tg_[0-9a-f]{24}\",\"error\":\\{\"message\":\"'session' must be "
                + "an object.\",\"type\":\"invalid_request_error\",\"param\":\"session\",\"code\":\"invalid_event\",\"event_id\":null}}"), e);
    }

    private static byte[] b(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    @Test
    void sessionUpdates_everySpellingIsFound_audioIsNot() {
        SessionUpdates u = new SessionUpdates("m", "alloy", false);
        assertTrue(u.isUpdate(b("{\"type\":\"session.update\",\"session\":{}}")));
        assertTrue(u.isUpdate(b("{\"session\":{},\"type\" : \"session.update\"}")));
        assertTrue(u.isUpdate(b("{\"type\":\"session\\u002eupdate\"}")), "an escaped value");
        assertTrue(u.isUpdate(b("{\"t\\u0079pe\":\"session.update\"}")), "an escaped key");
        assertTrue(u.isUpdate(b("{\"type\":\"x\",\"type\":\"session.update\"}")), "a key twice");
        assertFalse(u.isUpdate(b("{\"type\":\"input_audio_buffer.append\",\"audio\":\"session.update\"}")));
        assertFalse(u.isUpdate(b("{\"type\":\"session.updated\"}")));
        assertFalse(u.isUpdate(b("not json")));
        assertFalse(SessionUpdates.mayBeUpdate(b("{\"type\":\"input_audio_buffer.append\",\"audio\":\"QUJD+/==\"}")),
                "an audio append is ruled out without a JSON scan");
        assertTrue(SessionUpdates.mayBeUpdate(b("{\"x\":\"\\u0041\"}")), "any escape may spell it");
        assertTrue(SessionUpdates.mayBeUpdate(b("session.update")));
        assertFalse(SessionUpdates.mayBeUpdate(b("session.updat")));
    }

    @Test
    void theGatewaysUpdate_goesFirstOnlyBeforeAFirstMessageThatIsNotOne() {
        SessionUpdates u = new SessionUpdates("m", "alloy", false);
        String preface = u.preface(false);
        assertTrue(preface.startsWith("{\"type\":\"session.update\",\"session\":{\"type\":\"realtime\",\"model\":\"m\""), preface);
        assertNull(u.preface(false), "once");
        SessionUpdates v = new SessionUpdates("m", "alloy", false);
        assertNull(v.preface(true), "the client's own first update is completed instead");
        String first = v.text(b("{\"type\":\"session.update\",\"session\":{\"type\":\"realtime\"}}"), true);
        assertTrue(first.contains("\"voice\":\"alloy\""), first);
        String later = v.text(b("{\"type\":\"session.update\",\"session\":{\"type\":\"realtime\",\"model\":\"other\"}}"), true);
        assertEquals("{\"type\":\"session.update\",\"session\":{\"type\":\"realtime\",\"model\":\"m\"}}", later);
        assertThrows(GatewayException.class, () -> v.text(b("{\"type\":\"session.update\",\"session\":3}"), true));
    }

    @Test
    void sessionCounts_capInTotalAndPerKey_underConcurrency() throws Exception {
        SessionCounts counts = new SessionCounts(10, 3);
        List<SessionCounts.Slot> slots = new ArrayList<>();
        for (int i = 0; i < 3; i++) slots.add(counts.open("a"));
        GatewayException perKey = assertThrows(GatewayException.class, () -> counts.open("a"));
        assertEquals(429, perKey.httpStatus());
        slots.get(0).close();
        slots.get(0).close(); // idempotent
        slots.set(0, counts.open("a"));
        AtomicInteger won = new AtomicInteger(), busy = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String key = "k" + (i % 20);
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    go.await();
                    counts.open(key);
                    won.incrementAndGet();
                } catch (GatewayException e) {
                    if (e.httpStatus() == 503) busy.incrementAndGet();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        go.countDown();
        for (Thread t : threads) t.join();
        assertEquals(7, won.get(), "10 in total, 3 already open");
        assertEquals(33, busy.get());
        assertEquals(10, counts.total());
    }
}
