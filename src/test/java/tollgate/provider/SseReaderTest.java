package tollgate.provider;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseReaderTest {

    private static List<SseEvent> readAll(InputStream in) throws IOException {
        List<SseEvent> out = new ArrayList<>();
        try (SseReader r = new SseReader(in)) {
            for (SseEvent e; (e = r.next()) != null; ) out.add(e);
        }
        return out;
    }

    private static List<SseEvent> readAll(String text) throws IOException {
        return readAll(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Returns one byte per read call: every boundary falls inside a line, a CRLF, a BOM. */
    private static InputStream oneByteAtATime(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        return new InputStream() {
            int i;
            @Override public int read() { return i < b.length ? b[i++] & 0xFF : -1; }
            @Override public int read(byte[] dst, int off, int len) {
                if (i >= b.length) return -1;
                dst[off] = b[i++];
                return 1;
            }
        };
    }

    private static SseEvent ev(String type, String data) {
        return new SseEvent(type, data.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void next_dataOnlyEventsWithLf() throws IOException {
        assertEquals(List.of(ev("message", "{\"a\":1}"), ev("message", "[DONE]")),
                readAll("data: {\"a\":1}\n\ndata: [DONE]\n\n"));
    }

    @Test
    void next_acceptsCrAndCrlfAndMixedLineEnds() throws IOException {
        List<SseEvent> expected = List.of(ev("message", "one"), ev("message", "two"), ev("message", "three"));
        assertEquals(expected, readAll("data: one\r\rdata: two\r\n\r\ndata: three\n\r\n"));
    }

    @Test
    void next_ignoresCommentsIdRetryAndUnknownFields() throws IOException {
        assertEquals(List.of(ev("message", "x")),
                readAll(": ping\n\n:another\nid: 7\nretry: 1000\nfoo: bar\ndata: x\n\n"));
    }

    @Test
    void next_commentOnlyBlocksDispatchNothing() throws IOException {
        assertEquals(List.of(), readAll(": keep-alive\n\n: keep-alive\n\n"));
    }

    @Test
    void next_joinsMultipleDataLinesWithLf() throws IOException {
        assertEquals(List.of(ev("message", "a\n\nb")), readAll("data: a\ndata:\ndata: b\n\n"));
    }

    @Test
    void next_stripsOnlyOneLeadingSpace() throws IOException {
        assertEquals(List.of(ev("message", "nospace"), ev("message", "  two")),
                readAll("data:nospace\n\ndata:   two\n\n"));
    }

    @Test
    void next_fieldWithoutColonHasEmptyValue() throws IOException {
        // "data" alone appends an empty line: the event is dispatched with empty data.
        assertEquals(List.of(ev("message", "")), readAll("data\n\n"));
    }

    @Test
    void next_eventNamesAsAnthropicSendsThem() throws IOException {
        String s = "event: message_start\ndata: {\"type\":\"message_start\"}\n\n"
                + "event: ping\ndata: {}\n\n"
                + "data: no type\n\n";
        assertEquals(List.of(ev("message_start", "{\"type\":\"message_start\"}"), ev("ping", "{}"),
                ev("message", "no type")), readAll(s));
    }

    @Test
    void next_eventWithoutDataIsNotDispatchedAndItsTypeIsReset() throws IOException {
        assertEquals(List.of(ev("message", "x")), readAll("event: lonely\n\ndata: x\n\n"));
    }

    @Test
    void next_discardsIncompleteEventAtEndOfStream() throws IOException {
        // WHATWG: "If the file ends in the middle of an event, before the final empty line,
        // the incomplete event is not dispatched."
        assertEquals(List.of(ev("message", "a")), readAll("data: a\n\ndata: b\n"));
        assertEquals(List.of(ev("message", "a")), readAll("data: a\n\ndata: b"));
    }

    @Test
    void next_skipsByteOrderMark() throws IOException {
        assertEquals(List.of(ev("message", "x")), readAll("\uFEFFdata: x\n\n"));
        assertEquals(List.of(ev("message", "x")), readAll(oneByteAtATime("\uFEFFdata: x\n\n")));
    }

    @Test
    void next_sameEventsWhenTheStreamReturnsOneByteAtATime() throws IOException {
        String s = ": c\r\nevent: e\r\ndata: {\"t\":\"é→✓\"}\r\ndata: 2\r\n\r\ndata: [DONE]\r\r";
        assertEquals(readAll(s), readAll(oneByteAtATime(s)));
        assertEquals(List.of(ev("e", "{\"t\":\"é→✓\"}\n2"), ev("message", "[DONE]")), readAll(oneByteAtATime(s)));
    }

    @Test
    void next_linesLongerThanTheReadBuffer() throws IOException {
        String big = "x".repeat(SseReader.READ_BYTES * 3 + 17);
        List<SseEvent> events = readAll("data: " + big + "\n\ndata: y\n\n");
        assertEquals(2, events.size());
        assertEquals(big, events.get(0).text());
        assertEquals("y", events.get(1).text());
    }

    @Test
    void next_failsOnLineOverCap() {
        byte[] b = ("data: " + "x".repeat(100) + "\n\n").getBytes(StandardCharsets.UTF_8);
        SseReader r = new SseReader(new ByteArrayInputStream(b), 50, 1000, tollgate.json.JsonMeter.NONE);
        assertThrows(SseReader.SseLimitException.class, r::next);
        SseReader split = new SseReader(oneByteAtATime("data: " + "x".repeat(100) + "\n\n"), 50, 1000, tollgate.json.JsonMeter.NONE);
        assertThrows(SseReader.SseLimitException.class, split::next);
    }

    @Test
    void next_failsOnEventOverCap() {
        String s = "data: 0123456789\n".repeat(10) + "\n";
        SseReader r = new SseReader(new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8)), 1000, 50, tollgate.json.JsonMeter.NONE);
        assertThrows(SseReader.SseLimitException.class, r::next);
    }

    @Test
    void next_eventAtExactlyTheCapIsAccepted() throws IOException {
        String s = "data: " + "x".repeat(50) + "\n\n";
        SseReader r = new SseReader(new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8)), 56, 50, tollgate.json.JsonMeter.NONE);
        assertEquals(50, r.next().data().length);
        assertNull(r.next());
    }

    @Test
    void next_dataIsUtf8Bytes() throws IOException {
        SseEvent e = readAll("data: é\n\n").get(0);
        assertArrayEquals(new byte[] {(byte) 0xC3, (byte) 0xA9}, e.data());
    }

    @Test
    void isDone_onlyForExactSentinel() throws IOException {
        List<SseEvent> events = readAll("data: [DONE]\n\ndata: [DONE] \n\ndata: {}\n\n");
        assertTrue(events.get(0).isDone());
        assertFalse(events.get(1).isDone());
        assertFalse(events.get(2).isDone());
    }

    @Test
    void next_returnsNullRepeatedlyAtEnd() throws IOException {
        SseReader r = new SseReader(new ByteArrayInputStream(new byte[0]));
        assertNull(r.next());
        assertNull(r.next());
    }

    @Test
    void hasBufferedEvent_tellsWhetherTheNextEventIsAlreadyRead() throws IOException {
        SseReader r = new SseReader(new ByteArrayInputStream(
                "data: a\n\ndata: b\n\ndata: c".getBytes(StandardCharsets.UTF_8)));
        assertEquals("a", r.next().text());
        assertTrue(r.hasBufferedEvent(), "b is complete in the buffer");
        assertEquals("b", r.next().text());
        assertFalse(r.hasBufferedEvent(), "c has no terminating blank line yet");
    }

    @Test
    void hasBufferedEvent_acceptsCrLfAndCrLineEnds() throws IOException {
        SseReader crlf = new SseReader(new ByteArrayInputStream("data: a\r\n\r\ndata: b\r\n\r\n".getBytes(StandardCharsets.UTF_8)));
        crlf.next();
        assertTrue(crlf.hasBufferedEvent());
        SseReader cr = new SseReader(new ByteArrayInputStream("data: a\r\rdata: b\r\r".getBytes(StandardCharsets.UTF_8)));
        cr.next();
        assertTrue(cr.hasBufferedEvent());
    }

    /** Like java.net.http's body stream: one transfer chunk per read, the rest reported by available(). */
    @Test
    void eventsDeliveredInSeparateReads_areSeenTogetherWhenAlreadyAvailable() throws IOException {
        byte[][] pieces = {"data: a\n\n".getBytes(StandardCharsets.UTF_8), "data: b\n\n".getBytes(StandardCharsets.UTF_8)};
        InputStream oneChunkPerRead = new InputStream() {
            int piece;
            @Override public int read() { throw new UnsupportedOperationException(); }
            @Override public int read(byte[] b, int off, int len) {
                if (piece == pieces.length) return -1;
                byte[] p = pieces[piece++];
                System.arraycopy(p, 0, b, off, p.length);
                return p.length;
            }
            @Override public int available() { return piece < pieces.length ? 1 : 0; }
        };
        SseReader r = new SseReader(oneChunkPerRead);
        assertEquals("a", r.next().text());
        assertTrue(r.hasBufferedEvent(), "b was available without blocking, so it was read with a");
        assertEquals("b", r.next().text());
        assertNull(r.next());
    }

    /** A connection cut right behind a complete event: the event first, then the failure. */
    @Test
    void failureWhileTakingAvailableBytes_comesAfterTheEventsAlreadyRead() throws IOException {
        byte[] first = "data: a\n\n".getBytes(StandardCharsets.UTF_8);
        InputStream cutAfterOneEvent = new InputStream() {
            boolean sent;
            @Override public int read() { throw new UnsupportedOperationException(); }
            @Override public int read(byte[] b, int off, int len) throws IOException {
                if (sent) throw new IOException("connection reset");
                sent = true;
                System.arraycopy(first, 0, b, off, first.length);
                return first.length;
            }
            @Override public int available() { return 1; }
        };
        SseReader r = new SseReader(cutAfterOneEvent);
        assertEquals("a", r.next().text());
        IOException e = assertThrows(IOException.class, r::next);
        assertEquals("connection reset", e.getMessage());
    }

    @Test
    void hasBufferedEvent_doesNotCountACommentOnlyBlock() throws IOException {
        SseReader r = new SseReader(new ByteArrayInputStream(
                "data: a\n\n: keep-alive\n\n".getBytes(StandardCharsets.UTF_8)));
        assertEquals("a", r.next().text());
        assertFalse(r.hasBufferedEvent(), "a comment block dispatches no event; next() would wait");
        assertNull(r.next());
    }
}
