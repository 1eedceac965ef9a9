package tollgate.websocket;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Autobahn|Testsuite group 5 (fragmentation, RFC 6455 §5.4) against the echo server, modelled on
 * crossbario/autobahn-testsuite {@code autobahntestsuite/autobahntestsuite/case/case5_*.py}.
 * {@code chop} is the size of the pieces the frames are written in (Autobahn's "chopped" variants).
 */
class WsFragmentationTest {
    private static final int AT_ONCE = 1 << 20;
    private static WsServer server;

    @BeforeAll
    static void start() throws IOException { server = Servers.echo(); }

    @AfterAll
    static void stop() { server.close(); }

    private static RawClient open() throws IOException { return RawClient.open(server.port()); }

    private static byte[] t(String s) { return RawClient.utf8(s); }

    /** Frames written back to back as one byte string. */
    private static byte[] frames(byte[]... f) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] b : f) all.writeBytes(b);
        return all.toByteArray();
    }

    private static void fails(int chop, java.util.function.Function<RawClient, byte[]> bytes) throws IOException {
        try (RawClient c = open()) {
            c.writeChopped(bytes.apply(c), chop);
            c.expectClosedWith(1002);
        }
    }

    @Test
    void case_5_1_fragmentedPingFails() throws IOException {
        fails(AT_ONCE, c -> frames(c.frame(false, 0, 9, t("fragment1")), c.frame(true, 0, 0, t("fragment2"))));
    }

    @Test
    void case_5_2_fragmentedPongFails() throws IOException {
        fails(AT_ONCE, c -> frames(c.frame(false, 0, 10, t("fragment1")), c.frame(true, 0, 0, t("fragment2"))));
    }

    private static void twoFragments(int opcode, int chop) throws IOException {
        try (RawClient c = open()) {
            c.writeChopped(frames(c.frame(false, 0, opcode, t("fragment1")), c.frame(true, 0, 0, t("fragment2"))), chop);
            c.expectFrame(opcode, t("fragment1fragment2"));
        }
    }

    @Test void case_5_3_textInTwoFragments() throws IOException { twoFragments(1, AT_ONCE); }
    @Test void case_5_4_textInTwoFragmentsWrittenApart() throws IOException { twoFragments(1, 20); }
    @Test void case_5_5_textInTwoFragmentsChoppedByteByByte() throws IOException { twoFragments(1, 1); }
    @Test void case_5_x_binaryInTwoFragments() throws IOException { twoFragments(2, AT_ONCE); }

    /** Pings between fragments are answered at once, before the message is complete. */
    private static void pingBetween(int chop) throws IOException {
        try (RawClient c = open()) {
            c.writeChopped(frames(c.frame(false, 0, 1, t("fragment1")), c.frame(true, 0, 9, t("ping payload"))), chop);
            c.expectFrame(10, t("ping payload"));
            c.writeChopped(c.frame(true, 0, 0, t("fragment2")), chop);
            c.expectFrame(1, t("fragment1fragment2"));
        }
    }

    @Test void case_5_6_pingBetweenFragments() throws IOException { pingBetween(AT_ONCE); }
    @Test void case_5_7_pingBetweenFragmentsWrittenApart() throws IOException { pingBetween(7); }
    @Test void case_5_8_pingBetweenFragmentsChoppedByteByByte() throws IOException { pingBetween(1); }

    @Test
    void case_5_9_continuationWithoutMessage() throws IOException {
        fails(AT_ONCE, c -> frames(c.frame(true, 0, 0, t("non-continuation payload")), c.frame(true, 0, 1, t("Hello, world!"))));
    }

    @Test
    void case_5_10_continuationWithoutMessageWrittenApart() throws IOException {
        fails(5, c -> frames(c.frame(true, 0, 0, t("non-continuation payload")), c.frame(true, 0, 1, t("Hello, world!"))));
    }

    @Test
    void case_5_11_continuationWithoutMessageChoppedByteByByte() throws IOException {
        fails(1, c -> frames(c.frame(true, 0, 0, t("non-continuation payload")), c.frame(true, 0, 1, t("Hello, world!"))));
    }

    @Test
    void case_5_12_unfinishedContinuationWithoutMessage() throws IOException {
        fails(AT_ONCE, c -> frames(c.frame(false, 0, 0, t("non-continuation payload")), c.frame(true, 0, 1, t("Hello, world!"))));
    }

    @Test
    void case_5_13_unfinishedContinuationWithoutMessageWrittenApart() throws IOException {
        fails(5, c -> frames(c.frame(false, 0, 0, t("non-continuation payload")), c.frame(true, 0, 1, t("Hello, world!"))));
    }

    @Test
    void case_5_14_unfinishedContinuationWithoutMessageChoppedByteByByte() throws IOException {
        fails(1, c -> frames(c.frame(false, 0, 0, t("non-continuation payload")), c.frame(true, 0, 1, t("Hello, world!"))));
    }

    @Test
    void case_5_15_textFrameInsideAFragmentedMessage() throws IOException {
        try (RawClient c = open()) {
            c.write(frames(c.frame(false, 0, 1, t("fragment1")), c.frame(true, 0, 0, t("fragment2")),
                    c.frame(false, 0, 0, t("fragment3")), c.frame(true, 0, 1, t("fragment4"))));
            c.expectFrame(1, t("fragment1fragment2"));
            c.expectClosedWith(1002);
        }
    }

    @Test
    void case_5_16_continuationFirstThenTextFragments() throws IOException {
        fails(AT_ONCE, c -> frames(c.frame(false, 0, 0, t("fragment1")), c.frame(false, 0, 1, t("fragment2")),
                c.frame(true, 0, 0, t("fragment3"))));
    }

    @Test
    void case_5_17_finishedContinuationFirstThenTextFragments() throws IOException {
        fails(AT_ONCE, c -> frames(c.frame(true, 0, 0, t("fragment1")), c.frame(false, 0, 1, t("fragment2")),
                c.frame(true, 0, 0, t("fragment3"))));
    }

    @Test
    void case_5_18_newTextFrameInsideFragmentedText() throws IOException {
        fails(AT_ONCE, c -> frames(c.frame(false, 0, 1, t("fragment1")), c.frame(true, 0, 1, t("fragment2"))));
    }

    @Test
    void case_5_x_newBinaryFrameInsideFragmentedText() throws IOException {
        fails(AT_ONCE, c -> frames(c.frame(false, 0, 1, t("fragment1")), c.frame(true, 0, 2, t("fragment2"))));
    }

    private static void fiveFragmentsWithPings(int chop) throws IOException {
        try (RawClient c = open()) {
            c.writeChopped(frames(c.frame(false, 0, 1, t("fragment1")), c.frame(true, 0, 9, t("pongme 1!"))), chop);
            c.expectFrame(10, t("pongme 1!"));
            c.writeChopped(frames(c.frame(false, 0, 0, t("fragment2")), c.frame(false, 0, 0, t("fragment3")),
                    c.frame(false, 0, 0, t("fragment4")), c.frame(true, 0, 9, t("pongme 2!"))), chop);
            c.expectFrame(10, t("pongme 2!"));
            c.writeChopped(c.frame(true, 0, 0, t("fragment5")), chop);
            c.expectFrame(1, t("fragment1fragment2fragment3fragment4fragment5"));
        }
    }

    @Test void case_5_19_fiveFragmentsWithPingsBetween() throws IOException { fiveFragmentsWithPings(AT_ONCE); }
    @Test void case_5_20_fiveFragmentsWithPingsBetweenChopped() throws IOException { fiveFragmentsWithPings(3); }

    @Test
    void case_5_x_emptyFragments() throws IOException {
        try (RawClient c = open()) {
            c.write(frames(c.frame(false, 0, 2, new byte[0]), c.frame(false, 0, 0, new byte[0]), c.frame(true, 0, 0, new byte[0])));
            c.expectFrame(2, new byte[0]);
        }
    }

    @Test
    void case_5_x_messagesAfterAFragmentedOne() throws IOException {
        try (RawClient c = open()) {
            c.write(frames(c.frame(false, 0, 2, t("ab")), c.frame(true, 0, 0, t("cd")), c.frame(true, 0, 1, t("next"))));
            c.expectFrame(2, t("abcd"));
            c.expectText("next");
        }
    }
}
