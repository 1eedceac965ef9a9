package tollgate.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Autobahn|Testsuite groups 1 (framing), 2 (pings and pongs), 3 (reserved bits) and 4 (opcodes)
 * against the echo server, modelled on crossbario/autobahn-testsuite
 * {@code autobahntestsuite/autobahntestsuite/case/case1_1_*.py, case1_2_*.py, case2_*.py,
 * case3_*.py, case4_1_*.py, case4_2_*.py}. Each case checks the exact frames the server sends
 * back, or the exact close code it fails the connection with.
 */
class WsFramingTest {
    private static WsServer server;

    @BeforeAll
    static void start() throws IOException { server = Servers.echo(); }

    @AfterAll
    static void stop() { server.close(); }

    private static RawClient open() throws IOException { return RawClient.open(server.port()); }

    private static byte[] bytes(int n, int fill) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) fill);
        return b;
    }

    private static void echo(int opcode, int length) throws IOException {
        try (RawClient c = open()) {
            byte[] p = bytes(length, opcode == 1 ? '*' : 0xFE);
            c.send(opcode, p);
            c.expectFrame(opcode, p);
            c.sendClose(1000, "");
            c.expectClose(1000);
            c.expectEof();
        }
    }

    // ---- 1.1 text messages, 1.2 binary messages ------------------------------------------

    @Test void case_1_1_1_emptyText() throws IOException { echo(1, 0); }
    @Test void case_1_1_2_text125() throws IOException { echo(1, 125); }
    @Test void case_1_1_3_text126() throws IOException { echo(1, 126); }
    @Test void case_1_1_4_text127() throws IOException { echo(1, 127); }
    @Test void case_1_1_5_text128() throws IOException { echo(1, 128); }
    @Test void case_1_1_6_text65535() throws IOException { echo(1, 65535); }
    @Test void case_1_1_7_text65536() throws IOException { echo(1, 65536); }

    @Test
    void case_1_1_8_text65536ChoppedIn997() throws IOException {
        try (RawClient c = open()) {
            byte[] p = bytes(65536, '*');
            c.writeChopped(c.frame(true, 0, 1, p), 997);
            c.expectFrame(1, p);
        }
    }

    @Test void case_1_2_1_emptyBinary() throws IOException { echo(2, 0); }
    @Test void case_1_2_2_binary125() throws IOException { echo(2, 125); }
    @Test void case_1_2_3_binary126() throws IOException { echo(2, 126); }
    @Test void case_1_2_4_binary127() throws IOException { echo(2, 127); }
    @Test void case_1_2_5_binary128() throws IOException { echo(2, 128); }
    @Test void case_1_2_6_binary65535() throws IOException { echo(2, 65535); }
    @Test void case_1_2_7_binary65536() throws IOException { echo(2, 65536); }

    @Test
    void case_1_2_8_binary65536ChoppedIn997() throws IOException {
        try (RawClient c = open()) {
            byte[] p = bytes(65536, 0xFE);
            c.writeChopped(c.frame(true, 0, 2, p), 997);
            c.expectFrame(2, p);
        }
    }

    @Test
    void case_1_x_largeTextWithinTheCap() throws IOException {
        echo(1, 16 * 1024 * 1024 - 1);
    }

    @Test
    void case_1_x_choppedByteByByte() throws IOException {
        try (RawClient c = open()) {
            byte[] p = RawClient.utf8("Hello, byte by byte");
            c.writeChopped(c.frame(true, 0, 1, p), 1);
            c.expectFrame(1, p);
        }
    }

    // ---- 2 pings and pongs ------------------------------------------------------------------

    private static void pingPong(byte[] payload, int chop) throws IOException {
        try (RawClient c = open()) {
            c.writeChopped(c.frame(true, 0, 9, payload), chop);
            c.expectFrame(10, payload);
            c.sendClose(1000, "");
            c.expectClose(1000);
        }
    }

    @Test void case_2_1_pingWithoutPayload() throws IOException { pingPong(new byte[0], 1 << 20); }
    @Test void case_2_2_pingWithTextPayload() throws IOException { pingPong(RawClient.utf8("Hello, world!"), 1 << 20); }

    @Test
    void case_2_3_pingWithBinaryPayload() throws IOException {
        pingPong(new byte[] {0x00, (byte) 0xff, (byte) 0xfe, (byte) 0xfd, (byte) 0xfc, (byte) 0xfb, 0x00, (byte) 0xff}, 1 << 20);
    }

    @Test void case_2_4_pingWith125Bytes() throws IOException { pingPong(bytes(125, 0xFE), 1 << 20); }

    @Test
    void case_2_5_pingWith126BytesFails() throws IOException {
        try (RawClient c = open()) {
            c.send(9, bytes(126, 0xFE));
            c.expectClosedWith(1002);
        }
    }

    @Test void case_2_6_ping125ChoppedByteByByte() throws IOException { pingPong(bytes(125, 0xFE), 1); }

    @Test
    void case_2_7_unsolicitedPongIgnored() throws IOException {
        try (RawClient c = open()) {
            c.send(10, new byte[0]);
            c.sendText("after the pong");
            c.expectText("after the pong");
        }
    }

    @Test
    void case_2_8_unsolicitedPongWithPayloadIgnored() throws IOException {
        try (RawClient c = open()) {
            c.send(10, RawClient.utf8("unsolicited pong payload"));
            c.sendText("after the pong");
            c.expectText("after the pong");
        }
    }

    @Test
    void case_2_9_unsolicitedPongThenPing() throws IOException {
        try (RawClient c = open()) {
            c.send(10, RawClient.utf8("unsolicited pong payload"));
            c.send(9, RawClient.utf8("ping payload"));
            c.expectFrame(10, RawClient.utf8("ping payload"));
        }
    }

    @Test
    void case_2_10_tenPingsAllAnswered() throws IOException {
        try (RawClient c = open()) {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            for (int i = 0; i < 10; i++) all.writeBytes(c.frame(true, 0, 9, RawClient.utf8("payload-" + i)));
            c.write(all.toByteArray());
            for (int i = 0; i < 10; i++) c.expectFrame(10, RawClient.utf8("payload-" + i));
        }
    }

    @Test
    void case_2_11_tenPingsChoppedAllAnswered() throws IOException {
        try (RawClient c = open()) {
            for (int i = 0; i < 10; i++) c.writeChopped(c.frame(true, 0, 9, RawClient.utf8("payload-" + i)), 1);
            for (int i = 0; i < 10; i++) c.expectFrame(10, RawClient.utf8("payload-" + i));
        }
    }

    @Test
    void case_2_x_pingAfterCloseNotAnswered() throws IOException {
        try (RawClient c = open()) {
            c.sendClose(1000, "");
            c.send(9, RawClient.utf8("too late"));
            c.expectClose(1000);
            c.expectEof();
        }
    }

    // ---- 3 reserved bits ----------------------------------------------------------------------

    @Test
    void case_3_1_textWithRsv1() throws IOException {
        try (RawClient c = open()) {
            c.write(c.frame(true, 1, 1, RawClient.utf8("Hello, world!")));
            c.expectClosedWith(1002);
        }
    }

    /** A valid echo first, then the bad frame, then a ping that must not be answered. */
    private static void afterEcho(int rsv, int opcode, byte[] payload, int chop) throws IOException {
        try (RawClient c = open()) {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            all.writeBytes(c.frame(true, 0, 1, RawClient.utf8("Hello, world!")));
            all.writeBytes(c.frame(true, rsv, opcode, payload));
            all.writeBytes(c.frame(true, 0, 9, new byte[0]));
            c.writeChopped(all.toByteArray(), chop);
            c.expectText("Hello, world!");
            c.expectClosedWith(1002);
        }
    }

    @Test void case_3_2_textWithRsv2AfterEcho() throws IOException { afterEcho(2, 1, RawClient.utf8("Hello, world!"), 1 << 20); }
    @Test void case_3_3_textWithRsv3AfterEchoAtOnce() throws IOException { afterEcho(3, 1, RawClient.utf8("Hello, world!"), 1 << 20); }
    @Test void case_3_4_textWithRsv4Chopped() throws IOException { afterEcho(4, 1, RawClient.utf8("Hello, world!"), 1); }

    @Test
    void case_3_5_binaryWithRsv5() throws IOException {
        try (RawClient c = open()) {
            c.write(c.frame(true, 5, 2, bytes(8, 0xFF)));
            c.expectClosedWith(1002);
        }
    }

    @Test
    void case_3_6_pingWithRsv6() throws IOException {
        try (RawClient c = open()) {
            c.write(c.frame(true, 6, 9, RawClient.utf8("Hello, world!")));
            c.expectClosedWith(1002);
        }
    }

    @Test
    void case_3_7_closeWithRsv7() throws IOException {
        try (RawClient c = open()) {
            c.write(c.frame(true, 7, 8, RawClient.closePayload(1000, "")));
            c.expectClosedWith(1002);
        }
    }

    // ---- 4 opcodes ------------------------------------------------------------------------------

    private static void reservedOpcode(int opcode, byte[] payload) throws IOException {
        try (RawClient c = open()) {
            c.send(opcode, payload);
            c.expectClosedWith(1002);
        }
    }

    @Test void case_4_1_1_opcode3() throws IOException { reservedOpcode(3, new byte[0]); }
    @Test void case_4_1_2_opcode4WithPayload() throws IOException { reservedOpcode(4, RawClient.utf8("reserved opcode payload")); }
    @Test void case_4_1_3_opcode5AfterEcho() throws IOException { afterEcho(0, 5, new byte[0], 1 << 20); }
    @Test void case_4_1_4_opcode6AfterEcho() throws IOException { afterEcho(0, 6, RawClient.utf8("reserved opcode payload"), 1 << 20); }
    @Test void case_4_1_5_opcode7AfterEcho() throws IOException { afterEcho(0, 7, RawClient.utf8("reserved opcode payload"), 1 << 20); }
    @Test void case_4_2_1_opcode11() throws IOException { reservedOpcode(11, new byte[0]); }
    @Test void case_4_2_2_opcode12WithPayload() throws IOException { reservedOpcode(12, RawClient.utf8("reserved opcode payload")); }
    @Test void case_4_2_3_opcode13AfterEcho() throws IOException { afterEcho(0, 13, new byte[0], 1 << 20); }
    @Test void case_4_2_4_opcode14AfterEcho() throws IOException { afterEcho(0, 14, RawClient.utf8("reserved opcode payload"), 1 << 20); }
    @Test void case_4_2_5_opcode15AfterEcho() throws IOException { afterEcho(0, 15, RawClient.utf8("reserved opcode payload"), 1 << 20); }

    // ---- masking and lengths (RFC 6455 §5.1, §5.2) -------------------------------------------------

    @Test
    void unmaskedClientFrameFails() throws IOException {
        try (RawClient c = open()) {
            c.write(c.frame(true, 0, 1, RawClient.utf8("not masked"), false));
            c.expectClosedWith(1002);
        }
    }

    @Test
    void sixtyFourBitLengthWithMostSignificantBitFails() throws IOException {
        try (RawClient c = open()) {
            c.write(new byte[] {(byte) 0x82, (byte) 0xFF, (byte) 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4});
            c.expectClosedWith(1002);
        }
    }

    @Test
    void serverFramesUseMinimalLengthEncoding() throws IOException {
        try (RawClient c = open()) {
            c.send(2, bytes(126, 1));
            c.in.mark(4);
            assertEquals(0x82, c.readByte());
            assertEquals(126, c.readByte());
            assertEquals(0, c.readByte());
            assertEquals(126, c.readByte());
        }
    }
}
