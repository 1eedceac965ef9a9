package tollgate.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tollgate.memory.MemoryBudget;

/**
 * Autobahn|Testsuite group 9 (limits and performance) as correctness cases: large messages in
 * one frame, in many small fragments, and written in small pieces, all echoed byte for byte;
 * modelled on crossbario/autobahn-testsuite {@code autobahntestsuite/autobahntestsuite/case/case9_*.py}
 * (9.1 text, 9.2 binary, 9.3/9.4 fragmented, 9.5/9.6 chopped, 9.7/9.8 many messages). Plus the
 * message cap (close 1009 from the frame header, before the payload) and the memory budget (1013).
 */
class WsLimitsTest {
    private static final int KIB = 1024;
    private static final int MIB = 1024 * KIB;
    /** The cap of the capped server. */
    private static final int CAP = MIB;
    private static WsServer server;
    private static WsServer capped;

    @BeforeAll
    static void start() throws IOException {
        server = Servers.echo();
        capped = Servers.echo(Servers.limits(CAP), 10);
    }

    @AfterAll
    static void stop() {
        server.close();
        capped.close();
    }

    /** Text with multi-byte characters (so fragments split code points) of exactly {@code n} bytes. */
    private static byte[] text(int n) {
        byte[] unit = "κόσμε-Hello-µ@ßöäüàá-".getBytes(StandardCharsets.UTF_8);
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = unit[i % unit.length];
        int end = n;
        while (end > 0 && !Utf8.valid(b, 0, end)) end--;   // pad the cut character with ASCII
        Arrays.fill(b, end, n, (byte) '.');
        return b;
    }

    private static byte[] binary(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    /** The message sent in fragments of {@code fragment} bytes, all written at once, echoed whole. */
    private static void echo(int opcode, byte[] p, int fragment, int chop) throws IOException {
        try (RawClient c = RawClient.open(server.port())) {
            ByteArrayOutputStream all = new ByteArrayOutputStream(p.length + p.length / Math.max(fragment, 1) * 8 + 16);
            if (fragment >= p.length) {
                all.writeBytes(c.frame(true, 0, opcode, p));
            } else {
                for (int off = 0; off < p.length; off += fragment) {
                    int end = Math.min(p.length, off + fragment);
                    all.writeBytes(c.frame(end == p.length, 0, off == 0 ? opcode : 0, Arrays.copyOfRange(p, off, end)));
                }
            }
            c.writeChopped(all.toByteArray(), chop);
            c.expectFrame(opcode, p);
        }
    }

    private static final int ONE_FRAME = Integer.MAX_VALUE;
    private static final int AT_ONCE = Integer.MAX_VALUE;

    @Test void case_9_1_1_text64KiB() throws IOException { echo(1, text(64 * KIB), ONE_FRAME, AT_ONCE); }
    @Test void case_9_1_2_text256KiB() throws IOException { echo(1, text(256 * KIB), ONE_FRAME, AT_ONCE); }
    @Test void case_9_1_3_text1MiB() throws IOException { echo(1, text(MIB), ONE_FRAME, AT_ONCE); }
    @Test void case_9_1_4_text4MiB() throws IOException { echo(1, text(4 * MIB), ONE_FRAME, AT_ONCE); }
    @Test void case_9_1_6_text16MiB() throws IOException { echo(1, text(16 * MIB), ONE_FRAME, AT_ONCE); }
    @Test void case_9_2_1_binary64KiB() throws IOException { echo(2, binary(64 * KIB), ONE_FRAME, AT_ONCE); }
    @Test void case_9_2_2_binary256KiB() throws IOException { echo(2, binary(256 * KIB), ONE_FRAME, AT_ONCE); }
    @Test void case_9_2_3_binary1MiB() throws IOException { echo(2, binary(MIB), ONE_FRAME, AT_ONCE); }
    @Test void case_9_2_4_binary4MiB() throws IOException { echo(2, binary(4 * MIB), ONE_FRAME, AT_ONCE); }
    @Test void case_9_2_6_binary16MiB() throws IOException { echo(2, binary(16 * MIB), ONE_FRAME, AT_ONCE); }

    @Test void case_9_3_1_text64KiBIn64ByteFragments() throws IOException { echo(1, text(64 * KIB), 64, AT_ONCE); }
    @Test void case_9_3_x_text256KiBIn64ByteFragments() throws IOException { echo(1, text(256 * KIB), 64, AT_ONCE); }
    @Test void case_9_3_x_text1MiBIn64ByteFragments() throws IOException { echo(1, text(MIB), 64, AT_ONCE); }
    @Test void case_9_3_x_text4MiBIn64ByteFragments() throws IOException { echo(1, text(4 * MIB), 64, AT_ONCE); }
    @Test void case_9_3_3_text4MiBIn4KiBFragments() throws IOException { echo(1, text(4 * MIB), 4 * KIB, AT_ONCE); }
    @Test void case_9_3_x_text64KiBIn4KiBFragments() throws IOException { echo(1, text(64 * KIB), 4 * KIB, AT_ONCE); }
    @Test void case_9_3_x_text1MiBIn4KiBFragments() throws IOException { echo(1, text(MIB), 4 * KIB, AT_ONCE); }
    @Test void case_9_4_1_binary4MiBIn64ByteFragments() throws IOException { echo(2, binary(4 * MIB), 64, AT_ONCE); }
    @Test void case_9_4_3_binary4MiBIn4KiBFragments() throws IOException { echo(2, binary(4 * MIB), 4 * KIB, AT_ONCE); }
    @Test void case_9_4_x_binary256KiBIn64ByteFragments() throws IOException { echo(2, binary(256 * KIB), 64, AT_ONCE); }
    @Test void case_9_4_x_binary256KiBIn4KiBFragments() throws IOException { echo(2, binary(256 * KIB), 4 * KIB, AT_ONCE); }

    @Test void case_9_5_1_text1MiBWrittenIn64BytePieces() throws IOException { echo(1, text(MIB), ONE_FRAME, 64); }
    @Test void case_9_5_x_text1MiBWrittenIn4KiBPieces() throws IOException { echo(1, text(MIB), ONE_FRAME, 4 * KIB); }
    @Test void case_9_6_1_binary1MiBWrittenIn64BytePieces() throws IOException { echo(2, binary(MIB), ONE_FRAME, 64); }

    @Test
    void case_9_7_x_thousandSmallTextMessagesInOrder() throws IOException {
        for (int size : new int[] {0, 16, 64, 256, 1024, 4096}) {
            try (RawClient c = RawClient.open(server.port())) {
                OutputStream out = new BufferedOutputStream(c.out, 64 * KIB);
                for (int i = 0; i < 1000; i++) out.write(c.frame(true, 0, 1, text(size)));
                out.flush();
                for (int i = 0; i < 1000; i++) c.expectFrame(1, text(size));
            }
        }
    }

    @Test
    void case_9_8_x_thousandSmallBinaryMessagesInOrder() throws IOException {
        try (RawClient c = RawClient.open(server.port())) {
            OutputStream out = new BufferedOutputStream(c.out, 64 * KIB);
            for (int i = 0; i < 1000; i++) out.write(c.frame(true, 0, 2, binary(i)));
            out.flush();
            for (int i = 0; i < 1000; i++) c.expectFrame(2, binary(i));
        }
    }

    // ---- the message cap ------------------------------------------------------------------------

    @Test
    void messageOfExactlyTheCapIsEchoed() throws IOException {
        try (RawClient c = RawClient.open(capped.port())) {
            byte[] p = binary(CAP);
            c.send(2, p);
            c.expectFrame(2, p);
        }
    }

    @Test
    void oneByteOverTheCapIsRefused1009FromTheHeaderAlone() throws IOException {
        try (RawClient c = RawClient.open(capped.port())) {
            byte[] frame = c.frame(true, 0, 2, new byte[CAP + 1]);
            c.write(Arrays.copyOf(frame, 14));      // header and mask only: no payload byte sent
            c.expectClosedWith(1009);
        }
    }

    @Test
    void fragmentsAddingUpToOneByteOverTheCapAreRefused1009() throws IOException {
        try (RawClient c = RawClient.open(capped.port())) {
            c.write(c.frame(false, 0, 1, text(CAP / 2)));
            byte[] last = c.frame(true, 0, 0, text(CAP / 2 + 1));
            c.write(Arrays.copyOf(last, 14));        // the last fragment's header and mask only
            c.expectClosedWith(1009);
        }
    }

    @Test
    void aContinuationOfTheLargest63BitLength_isRefused1009_notOverflowed() throws IOException {
        try (RawClient c = RawClient.open(capped.port())) {
            c.write(c.frame(false, 0, 1, text(1)));
            // FIN, opcode 0 (continuation), masked, 64-bit length 2^63 - 1 (RFC 6455 §5.2: the MSB is 0), a mask.
            byte[] header = {(byte) 0x80, (byte) 0xFF, 0x7F, -1, -1, -1, -1, -1, -1, -1, 1, 2, 3, 4};
            c.write(header);
            c.expectClosedWith(1009);
        }
    }

    @Test
    void memoryFollowsTheBytesThatArrive_notTheLengthAHeaderAnnounces() throws Exception {
        // Room for the 3 MiB message and the copy its last doubling makes (the old array is released after).
        MemoryBudget budget = new MemoryBudget(6 * MIB);
        WsServer s = WsServer.bind("127.0.0.1", 0, null, 10, Servers.limits(4 * MIB), (req, up) -> {
            try (var reservation = budget.open()) {
                Servers.echoLoop(up.accept(null, reservation));
            }
        });
        s.start();
        try (RawClient c = RawClient.open(s.port())) {
            byte[] payload = binary(3 * MIB);
            byte[] frame = c.frame(true, 0, 2, payload);
            int header = frame.length - payload.length;
            c.write(Arrays.copyOf(frame, header + 1000)); // 3 MiB announced, 1,000 bytes sent
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (budget.used() == 0 && System.nanoTime() < deadline) Thread.sleep(5);
            Thread.sleep(100);
            assertTrue(budget.used() > 0 && budget.used() <= WsConnection.READ_CHUNK_BYTES,
                    "held " + budget.used() + " bytes for 1,000 received");
            c.write(Arrays.copyOfRange(frame, header + 1000, frame.length));
            c.expectFrame(2, payload); // unmasked right across the pieces it was read in
        } finally {
            s.close();
        }
    }

    @Test
    void aMessageThatDoesNotFitTheMemoryBudgetIsRefused1013() throws Exception {
        MemoryBudget budget = new MemoryBudget(64 * KIB);
        BlockingQueue<Long> heldAfter = new LinkedBlockingQueue<>();
        WsServer s = WsServer.bind("127.0.0.1", 0, null, 10, Servers.limits(MIB), (req, up) -> {
            try (var reservation = budget.open()) {
                WsConnection c = up.accept(null, reservation);
                WsMessage m = c.read();
                heldAfter.add(reservation.held());     // the message read stays reserved until the next read
                c.sendBinary(m.payload());
                assertEquals(null, c.read());
                heldAfter.add(reservation.held());
            }
        });
        s.start();
        try (RawClient c = RawClient.open(s.port())) {
            c.send(2, binary(60 * KIB));
            c.expectFrame(2, binary(60 * KIB));
            assertEquals(60L * KIB, heldAfter.poll(10, TimeUnit.SECONDS));
            c.send(2, binary(100 * KIB));
            c.expectClosedWith(1013);
            assertEquals(0L, heldAfter.poll(10, TimeUnit.SECONDS));
            assertEquals(0L, budget.used());
        } finally {
            s.close();
        }
    }

    @Test
    void fragmentedMessagesHoldOnlyTheirSizeOnceRead() throws Exception {
        MemoryBudget budget = new MemoryBudget(16 * MIB);
        BlockingQueue<Long> held = new LinkedBlockingQueue<>();
        WsServer s = WsServer.bind("127.0.0.1", 0, null, 10, Servers.limits(4 * MIB), (req, up) -> {
            try (var reservation = budget.open()) {
                WsConnection c = up.accept(null, reservation);
                WsMessage m;
                while ((m = c.read()) != null) {
                    held.add(reservation.held());
                    c.sendBinary(m.payload());
                }
            }
        });
        s.start();
        try (RawClient c = RawClient.open(s.port())) {
            byte[] p = binary(1_000_003);
            for (int off = 0; off < p.length; off += 4096) {
                int end = Math.min(p.length, off + 4096);
                c.write(c.frame(end == p.length, 0, off == 0 ? 2 : 0, Arrays.copyOfRange(p, off, end)));
            }
            c.expectFrame(2, p);
            assertEquals(1_000_003L, held.poll(10, TimeUnit.SECONDS));
            c.sendClose(1000, "");
            c.expectClose(1000);
        } finally {
            s.close();
        }
        assertTrue(budget.used() == 0, "all given back: " + budget.used());
    }
}
