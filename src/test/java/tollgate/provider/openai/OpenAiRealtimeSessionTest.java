package tollgate.provider.openai;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.provider.IdleWatchdog;
import tollgate.provider.RealtimeListener;
import tollgate.provider.RealtimeMessage;
import tollgate.provider.Secrets;

/**
 * The session's bookkeeping, driven as the JDK WebSocket drives it (callbacks on a stub
 * WebSocket): demand given back for parts, pings and pongs but not for whole messages, parts
 * joined, the cap counted in UTF-8 bytes, exactly one end.
 */
class OpenAiRealtimeSessionTest {

    /** Counts what the session asks of the JDK WebSocket. */
    static final class StubSocket implements WebSocket {
        int requested;
        boolean aborted;
        final List<String> closes = new CopyOnWriteArrayList<>();

        @Override public CompletableFuture<WebSocket> sendText(CharSequence data, boolean last) { return CompletableFuture.completedFuture(this); }
        @Override public CompletableFuture<WebSocket> sendBinary(ByteBuffer data, boolean last) { return CompletableFuture.completedFuture(this); }
        @Override public CompletableFuture<WebSocket> sendPing(ByteBuffer message) { return CompletableFuture.completedFuture(this); }
        @Override public CompletableFuture<WebSocket> sendPong(ByteBuffer message) { return CompletableFuture.completedFuture(this); }

        @Override
        public CompletableFuture<WebSocket> sendClose(int statusCode, String reason) {
            closes.add(statusCode + " " + reason);
            return CompletableFuture.completedFuture(this);
        }

        @Override public void request(long n) { requested += (int) n; }
        @Override public String getSubprotocol() { return ""; }
        @Override public boolean isOutputClosed() { return false; }
        @Override public boolean isInputClosed() { return false; }
        @Override public void abort() { aborted = true; }
    }

    static final class Recorder implements RealtimeListener {
        final List<RealtimeMessage> messages = new CopyOnWriteArrayList<>();
        final List<Object> ends = new CopyOnWriteArrayList<>();

        @Override public void onMessage(RealtimeMessage message) { messages.add(message); }
        @Override public void onClose(int code, String reason) { ends.add(code + " " + reason); }
        @Override public void onError(GatewayException error) { ends.add(error); }
    }

    private final IdleWatchdog dog = new IdleWatchdog();
    private final StubSocket ws = new StubSocket();
    private final Recorder rec = new Recorder();

    @AfterEach
    void stop() { dog.close(); }

    private OpenAiRealtimeSession open(int cap) {
        OpenAiRealtimeSession s = new OpenAiRealtimeSession("oai", Secrets.NONE, dog, rec, cap, "GET ws://x/v1/realtime",
                Duration.ofSeconds(5));
        s.onOpen(ws);
        return s;
    }

    @Test
    void demand_partsPingsAndPongsGiveItBack_wholeMessagesDoNot() {
        OpenAiRealtimeSession s = open(1000);
        assertEquals(0, ws.requested, "onOpen asks for nothing: the gateway's first request() does");
        s.request();
        assertEquals(1, ws.requested);
        s.onText(ws, "{\"a\":", false);
        s.onPing(ws, ByteBuffer.allocate(0));
        s.onText(ws, "1}", true);
        assertEquals(3, ws.requested, "one for the part, one for the ping; none for the whole message");
        s.onPong(ws, ByteBuffer.allocate(0));
        assertEquals(4, ws.requested);
        assertEquals(1, rec.messages.size());
        assertEquals("{\"a\":1}", rec.messages.get(0).text());
        s.onBinary(ws, ByteBuffer.wrap(new byte[] {1, 2}), false);
        s.onBinary(ws, ByteBuffer.wrap(new byte[] {3}), true);
        assertEquals(5, ws.requested);
        assertArrayEquals(new byte[] {1, 2, 3}, rec.messages.get(1).binary());
        s.onText(ws, "next", true);
        assertEquals("next", rec.messages.get(2).text(), "the joining state was reset");
        assertEquals(List.of(), rec.ends);
    }

    @Test
    void cap_countsUtf8Bytes_exactlyAtTheLimitPasses() {
        OpenAiRealtimeSession s = open(10);
        s.onText(ws, "é".repeat(5), true); // 10 bytes
        s.onText(ws, "ééé", false);
        s.onText(ws, "éé", true); // 10 bytes in parts
        assertEquals(2, rec.messages.size());
        assertEquals("é".repeat(5), rec.messages.get(1).text());
        s.onText(ws, "é".repeat(5) + "x", true); // 11
        assertTrue(ws.aborted);
        GatewayException e = assertInstanceOf(GatewayException.class, rec.ends.get(0));
        assertEquals(ErrorKind.PROVIDER_STREAM_BROKEN, e.kind());
        assertEquals("Provider 'oai': upstream sent a message over 10 bytes", e.getMessage());
        s.onClose(ws, 1006, "");
        assertEquals(1, rec.ends.size(), "exactly one end");
    }

    @Test
    void cap_inParts_textAndBinary() {
        OpenAiRealtimeSession s = open(8);
        s.onText(ws, "12345", false);
        s.onText(ws, "6789", true);
        assertEquals(List.of(), rec.messages);
        assertEquals(1, rec.ends.size());

        Recorder r2 = new Recorder();
        StubSocket w2 = new StubSocket();
        OpenAiRealtimeSession b = new OpenAiRealtimeSession("oai", Secrets.NONE, dog, r2, 8, "w", Duration.ofSeconds(5));
        b.onOpen(w2);
        b.onBinary(w2, ByteBuffer.allocate(5), false);
        b.onBinary(w2, ByteBuffer.allocate(4), true);
        assertTrue(w2.aborted);
        assertEquals(1, r2.ends.size());
    }

    @Test
    void close_upstreamCodePassedOn_abnormalIsAnError() {
        OpenAiRealtimeSession s = open(100);
        s.onClose(ws, 4001, "bye");
        assertEquals(List.of("4001 bye"), rec.ends);
        s.onError(ws, new java.io.IOException("late"));
        assertEquals(1, rec.ends.size());

        Recorder r2 = new Recorder();
        OpenAiRealtimeSession cut = new OpenAiRealtimeSession("oai", Secrets.NONE, dog, r2, 100, "w", Duration.ofSeconds(5));
        cut.onOpen(ws);
        cut.onClose(ws, 1006, "");
        GatewayException e = assertInstanceOf(GatewayException.class, r2.ends.get(0));
        assertEquals(ErrorKind.PROVIDER_STREAM_BROKEN, e.kind());
        assertEquals("Provider 'oai': the upstream ended the connection without a close frame", e.getMessage());
    }

    @Test
    void gatewayClose_sendsASendableCode_dropsLaterMessages_andAbortIsSilent() {
        OpenAiRealtimeSession s = open(100);
        s.close(1009, "r".repeat(200));
        assertEquals(List.of("1000 " + "r".repeat(123)), ws.closes, "1009 is a server's code; the reason fits a control frame");
        int before = ws.requested;
        s.onText(ws, "late", true);
        assertEquals(List.of(), rec.messages);
        assertEquals(before + 1, ws.requested, "read on towards the close");
        s.close(1000, "again");
        assertEquals(1, ws.closes.size());
        s.abort();
        s.onClose(ws, 1000, "");
        assertEquals(List.of(), rec.ends, "nothing after abort()");
    }

    @Test
    void closeReason_cutOnACodePoint() {
        assertEquals(120, OpenAiRealtimeSession.closeReason("😀".repeat(40)).getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
        assertEquals("ok", OpenAiRealtimeSession.closeReason("ok"));
        assertEquals(4001, OpenAiRealtimeSession.sendable(4001));
        assertEquals(1000, OpenAiRealtimeSession.sendable(1002));
        assertEquals(4, OpenAiRealtimeSession.utf8Length("😀"));
    }
}
