package tollgate.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Autobahn|Testsuite group 7 (close handling, RFC 6455 §5.5.1, §7) against the echo server,
 * modelled on crossbario/autobahn-testsuite {@code autobahntestsuite/autobahntestsuite/case/case7_*.py}
 * ({@code case7_7_X.py} valid codes, {@code case7_9_X.py} invalid codes).
 *
 * <p>A close without a payload is answered with a close without a payload (RFC 6455 §5.5.1: the
 * endpoint echoes the status code it received, and there was none); the handler then sees
 * {@code peerCloseCode() == 1005}.
 */
class WsCloseTest {
    private static WsServer server;
    /** What each session's handler saw at its end: "peerCode peerReason / sentCode". */
    private static final BlockingQueue<String> ENDINGS = new LinkedBlockingQueue<>();

    @BeforeAll
    static void start() throws IOException {
        server = WsServer.bind("127.0.0.1", 0, null, 100, Servers.limits(WsLimits.DEFAULT_MAX_MESSAGE_BYTES), (req, up) -> {
            WsConnection c = up.accept(null, null);
            Servers.echoLoop(c);
            ENDINGS.add(req.path() + "|" + c.peerCloseCode() + " " + c.peerCloseReason() + " / " + c.sentCloseCode() + " " + c.isOpen());
        });
        server.start();
    }

    @AfterAll
    static void stop() { server.close(); }

    /** Each session on its own path, so that a handler still ending from an earlier case is told apart. */
    private static final java.util.concurrent.atomic.AtomicInteger SESSION = new java.util.concurrent.atomic.AtomicInteger();
    private static volatile String path;

    private static RawClient open() throws IOException {
        path = "/session-" + SESSION.incrementAndGet();
        return RawClient.open(server.port(), path);
    }

    /** How the current session's handler saw its end. */
    private static String ending() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            String e = ENDINGS.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            assertTrue(e != null, "the handler did not end");
            if (e.startsWith(path + "|")) return e.substring(path.length() + 1);
        }
    }

    @Test
    void case_7_1_1_echoThenNormalClose() throws Exception {
        try (RawClient c = open()) {
            c.sendText("Hello World!");
            c.expectText("Hello World!");
            c.sendClose(1000, "");
            c.expectClose(1000);
            c.expectEof();
            assertEquals("1000  / 1000 false", ending());
        }
    }

    @Test
    void case_7_1_2_closeTwice() throws Exception {
        try (RawClient c = open()) {
            c.sendClose(1000, "");
            c.sendClose(1000, "");
            c.expectClose(1000);
            c.expectEof();
        }
    }

    @Test
    void case_7_1_3_pingAfterCloseNotAnswered() throws Exception {
        try (RawClient c = open()) {
            c.write(concat(c.frame(true, 0, 8, RawClient.closePayload(1000, "")), c.frame(true, 0, 9, RawClient.utf8("ping"))));
            c.expectClose(1000);
            c.expectEof();
        }
    }

    @Test
    void case_7_1_4_textAfterCloseIgnored() throws Exception {
        try (RawClient c = open()) {
            c.write(concat(c.frame(true, 0, 8, RawClient.closePayload(1000, "")), c.frame(true, 0, 1, RawClient.utf8("text"))));
            c.expectClose(1000);
            c.expectEof();
        }
    }

    @Test
    void case_7_1_5_closeInsideAFragmentedMessage() throws Exception {
        try (RawClient c = open()) {
            c.write(concat(c.frame(false, 0, 1, RawClient.utf8("fragment1")), c.frame(true, 0, 8, RawClient.closePayload(1000, "")),
                    c.frame(true, 0, 0, RawClient.utf8("fragment2"))));
            c.expectClose(1000);
            c.expectEof();
        }
    }

    @Test
    void case_7_1_6_largeMessageThenCloseThenData() throws Exception {
        try (RawClient c = open()) {
            byte[] big = new byte[256 * 1024];
            Arrays.fill(big, (byte) 'B');
            c.write(concat(c.frame(true, 0, 1, big), c.frame(true, 0, 8, RawClient.closePayload(1000, "")),
                    c.frame(true, 0, 1, RawClient.utf8("Hello World!"))));
            c.expectFrame(1, big);
            c.expectClose(1000);
            c.expectEof();
        }
    }

    @Test
    void case_7_3_1_closeWithoutPayloadAnsweredWithoutPayload() throws Exception {
        try (RawClient c = open()) {
            c.send(8, new byte[0]);
            c.expectClose(1005);
            c.expectEof();
            assertEquals("1005  / 1005 false", ending());
        }
    }

    @Test
    void case_7_3_2_closeWithOneBytePayloadFails() throws Exception {
        try (RawClient c = open()) {
            c.send(8, new byte[] {0x03});
            c.expectClosedWith(1002);
        }
    }

    @Test
    void case_7_3_3_closeWithCodeOnly() throws Exception {
        try (RawClient c = open()) {
            c.send(8, RawClient.closePayload(1000, ""));
            c.expectClose(1000);
            c.expectEof();
        }
    }

    @Test
    void case_7_3_4_closeWithCodeAndReason() throws Exception {
        try (RawClient c = open()) {
            c.sendClose(1000, "Hello World!");
            c.expectClose(1000);
            c.expectEof();
            assertEquals("1000 Hello World! / 1000 false", ending());
        }
    }

    @Test
    void case_7_3_5_closeWith123ByteReason() throws Exception {
        try (RawClient c = open()) {
            c.sendClose(1000, "*".repeat(123));
            c.expectClose(1000);
            c.expectEof();
        }
    }

    @Test
    void case_7_3_6_closeWith124ByteReasonFails() throws Exception {
        try (RawClient c = open()) {
            c.sendClose(1000, "*".repeat(124));
            c.expectClosedWith(1002);
        }
    }

    @Test
    void case_7_5_1_closeReasonInvalidUtf8Fails1007() throws Exception {
        try (RawClient c = open()) {
            byte[] p = concat(new byte[] {0x03, (byte) 0xE8}, java.util.HexFormat.of().parseHex("cebae1bdb9cf83cebcceb5eda080656469746564"));
            c.send(8, p);
            c.expectClosedWith(1007);
        }
    }

    @ParameterizedTest(name = "7.7 close code {0} echoed")
    @ValueSource(ints = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999})
    void case_7_7_validCloseCodesEchoed(int code) throws Exception {
        try (RawClient c = open()) {
            c.sendClose(code, "");
            c.expectClose(code);
            c.expectEof();
            assertEquals(code + "  / " + code + " false", ending());
        }
    }

    @ParameterizedTest(name = "7.9 close code {0} fails 1002")
    @ValueSource(ints = {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535})
    void case_7_9_invalidCloseCodesFail1002(int code) throws Exception {
        try (RawClient c = open()) {
            c.sendClose(code, "");
            c.expectClosedWith(1002);
            assertEquals("1006  / 1002 false", ending());
        }
    }

    @Test
    void case_7_x_serverInitiatedCloseThenTcpClosedByTheServer() throws Exception {
        WsServer s = WsServer.bind("127.0.0.1", 0, null, 10, Servers.limits(1024), (req, up) -> {
            WsConnection c = up.accept(null, null);
            c.sendText("bye soon");
            c.close(4001, "done");
            assertEquals(null, c.read());
            ENDINGS.add(req.path() + "|" + c.peerCloseCode() + " / " + c.sentCloseCode());
        });
        s.start();
        path = "/server-closes";
        try (RawClient c = RawClient.open(s.port(), path)) {
            c.expectText("bye soon");
            RawClient.Frame f = c.expectClose(4001);
            assertEquals("done", f.closeReason());
            c.expectEof();                          // the server's FIN right after its close (RFC 6455 §7.1.1)
            c.sendClose(4001, "");
            assertEquals("4001 / 4001", ending());
        } finally {
            s.close();
        }
    }

    @Test
    void case_7_x_closeReasonCutOnACharacterBoundary() {
        byte[] r = Frames.truncatedUtf8("é".repeat(100), 123);
        assertEquals(122, r.length);
        assertTrue(Utf8.valid(r, 0, r.length));
        assertEquals(123, Frames.truncatedUtf8("a".repeat(200), 123).length);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] p : parts) all.writeBytes(p);
        return all.toByteArray();
    }
}
