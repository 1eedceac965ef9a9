package tollgate.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Autobahn|Testsuite group 6 (UTF-8 handling, RFC 6455 §5.6, §8.1) against the echo server,
 * modelled on crossbario/autobahn-testsuite {@code autobahntestsuite/autobahntestsuite/case/case6_*.py}
 * and its sequences ({@code case6_x_x.py}, from Markus Kuhn's UTF-8 decoder stress test): valid
 * text is echoed whole, however it is fragmented; invalid text fails the connection with 1007 at
 * the first bad byte, before the rest of the message arrives.
 */
class WsUtf8Test {
    private static final HexFormat HEX = HexFormat.of();
    /** "κόσμε" (Autobahn 6.5.1, 6.6.x). */
    private static final String KOSME = "cebae1bdb9cf83cebcceb5";
    private static WsServer server;

    @BeforeAll
    static void start() throws IOException { server = Servers.echo(); }

    @AfterAll
    static void stop() { server.close(); }

    private static RawClient open() throws IOException { return RawClient.open(server.port()); }

    /** Valid UTF-8: first and last sequences of each length (6.7, 6.8), boundaries (6.9–6.11), noncharacters (6.22), BOM (6.23). */
    static Stream<String> valid() {
        return Stream.of(KOSME, "00", "c280", "e0a080", "f0908080", "7f", "dfbf", "efbfbf", "f48fbfbf",
                "ed9fbf", "ee8080", "efbfbd", "efbfbe", "efb790", "efbbbf", "f0a08080", "f3bfbfbf",
                "48656c6c6f2dc2b540c39fc3b6c3a4c3bcc3a0c3a12d5554462d382121");
    }

    /**
     * Invalid UTF-8: 5/6-byte forms and code points over U+10FFFF (6.7, 6.9), stray continuation
     * bytes (6.12), lonely start bytes (6.13), missing last continuation (6.14, 6.15), impossible
     * bytes (6.16), overlong forms (6.17–6.19), surrogates alone and paired (6.20, 6.21), and
     * Autobahn 6.3.1.
     */
    static Stream<String> invalid() {
        return Stream.of("f888808080", "fc8480808080", "f7bfbfbf", "f4908080", "80", "bf", "80bf", "80bf80",
                "c020", "e020", "f020", "c0", "e080", "f08080", "df", "efbf", "f4bfbf", KOSME + "ce",
                "fe", "ff", "fefeffff", "c0af", "e080af", "f08080af", "c1bf", "e09fbf", "f08fbfbf", "c080",
                "e08080", "f0808080", "eda080", "edadbf", "edae80", "edafbf", "edb080", "edbe80", "edbfbf",
                "eda080edb080", "edafbfedbfbf", "cebae1bdb9cf83cebcceb5eda080656469746564");
    }

    @ParameterizedTest(name = "6.x valid {0}")
    @MethodSource("valid")
    void case_6_5_validTextEchoedInOneFrame(String hex) throws IOException {
        try (RawClient c = open()) {
            c.send(1, HEX.parseHex(hex));
            c.expectFrame(1, HEX.parseHex(hex));
        }
    }

    @ParameterizedTest(name = "6.6 valid {0}, one byte per fragment")
    @MethodSource("valid")
    void case_6_6_validTextEchoedFromOneByteFragments(String hex) throws IOException {
        byte[] p = HEX.parseHex(hex);
        try (RawClient c = open()) {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            for (int i = 0; i < p.length; i++) {
                all.writeBytes(c.frame(i == p.length - 1, 0, i == 0 ? 1 : 0, new byte[] {p[i]}));
            }
            c.write(all.toByteArray());
            c.expectFrame(1, p);
        }
    }

    @ParameterizedTest(name = "6.x invalid {0}")
    @MethodSource("invalid")
    void case_6_x_invalidTextFails1007(String hex) throws IOException {
        try (RawClient c = open()) {
            c.send(1, HEX.parseHex(hex));
            c.expectClosedWith(1007);
        }
    }

    @ParameterizedTest(name = "6.x invalid {0}, one byte per fragment")
    @MethodSource("invalid")
    void case_6_x_invalidTextInOneByteFragmentsFails1007(String hex) throws IOException {
        byte[] p = HEX.parseHex(hex);
        try (RawClient c = open()) {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            for (int i = 0; i < p.length; i++) {
                all.writeBytes(c.frame(i == p.length - 1, 0, i == 0 ? 1 : 0, new byte[] {p[i]}));
            }
            c.write(all.toByteArray());
            c.expectClosedWith(1007);
        }
    }

    @Test
    void case_6_1_1_emptyText() throws IOException {
        try (RawClient c = open()) {
            c.send(1, new byte[0]);
            c.expectFrame(1, new byte[0]);
        }
    }

    @Test
    void case_6_1_3_emptyFirstAndLastFragments() throws IOException {
        try (RawClient c = open()) {
            c.write(c.frame(false, 0, 1, new byte[0]));
            c.write(c.frame(false, 0, 0, RawClient.utf8("middle frame payload")));
            c.write(c.frame(true, 0, 0, new byte[0]));
            c.expectText("middle frame payload");
        }
    }

    @Test
    void case_6_2_2_validTextSplitInsideACodePoint() throws IOException {
        byte[] p = RawClient.utf8("Hello-µ@ßöäüàá-UTF-8!!");
        try (RawClient c = open()) {
            c.write(c.frame(false, 0, 1, java.util.Arrays.copyOf(p, 7)));   // ends inside 'µ' (c2 b5)
            c.write(c.frame(true, 0, 0, java.util.Arrays.copyOfRange(p, 7, p.length)));
            c.expectFrame(1, p);
        }
    }

    @Test
    void case_6_2_3_textInOneByteFramesWrittenOneByteAtATime() throws IOException {
        byte[] p = HEX.parseHex(KOSME);
        try (RawClient c = open()) {
            for (int i = 0; i < p.length; i++) c.writeChopped(c.frame(i == p.length - 1, 0, i == 0 ? 1 : 0, new byte[] {p[i]}), 1);
            c.expectFrame(1, p);
        }
    }

    // ---- 6.4 fail-fast: the close arrives although the message (or even the frame) is not finished

    @Test
    void case_6_4_1_failFastOnAnInvalidFragment() throws IOException {
        try (RawClient c = open()) {
            c.write(c.frame(false, 0, 1, HEX.parseHex(KOSME)));
            c.write(c.frame(false, 0, 0, HEX.parseHex("f4908080")));
            c.expectClosedWith(1007);   // before fragment 3 ("edited") is sent
        }
    }

    @Test
    void case_6_4_2_failFastOnTheFragmentThatCompletesAnInvalidSequence() throws IOException {
        try (RawClient c = open()) {
            c.write(c.frame(false, 0, 1, HEX.parseHex(KOSME + "f4")));
            c.write(c.frame(false, 0, 0, HEX.parseHex("90")));
            c.expectClosedWith(1007);
        }
    }

    @Test
    void case_6_4_3_failFastInsideOneFrame() throws IOException {
        byte[] payload = HEX.parseHex(KOSME + "f4908080" + "656469746564");
        try (RawClient c = open()) {
            byte[] frame = c.frame(true, 0, 1, payload);
            int header = frame.length - payload.length;
            int part1 = header + KOSME.length() / 2;
            c.write(java.util.Arrays.copyOf(frame, part1));
            c.write(java.util.Arrays.copyOfRange(frame, part1, part1 + 4));
            c.expectClosedWith(1007);   // the frame's last 6 bytes were never sent
        }
    }

    @Test
    void case_6_4_4_failFastOnTheByteThatMakesItInvalid() throws IOException {
        byte[] payload = HEX.parseHex(KOSME + "f4908080" + "656469746564");
        try (RawClient c = open()) {
            byte[] frame = c.frame(true, 0, 1, payload);
            int part1 = frame.length - payload.length + KOSME.length() / 2;
            c.write(java.util.Arrays.copyOf(frame, part1 + 1));                // … f4: still a valid prefix
            c.write(java.util.Arrays.copyOfRange(frame, part1 + 1, part1 + 2)); // 90: now invalid
            c.expectClosedWith(1007);
        }
    }

    @Test
    void binaryIsNotCheckedForUtf8() throws IOException {
        try (RawClient c = open()) {
            c.send(2, HEX.parseHex("fffe80c0"));
            c.expectFrame(2, HEX.parseHex("fffe80c0"));
        }
    }

    /** The validator alone: every split point of every sequence gives the same verdict as the whole. */
    @Test
    void validatorIsIndependentOfWhereTheBytesAreSplit() {
        Stream.concat(valid().map(h -> h + ":ok"), invalid().map(h -> h + ":bad")).forEach(entry -> {
            String[] parts = entry.split(":");
            byte[] b = HEX.parseHex(parts[0]);
            boolean expected = parts[1].equals("ok");
            assertEquals(expected, Utf8.valid(b, 0, b.length), parts[0]);
            for (int cut = 0; cut <= b.length; cut++) {
                int state = Utf8.scan(Utf8.ACCEPT, b, 0, cut);
                state = Utf8.scan(state, b, cut, b.length - cut);
                assertEquals(expected, state == Utf8.ACCEPT, parts[0] + " split at " + cut);
            }
        });
    }

    @Test
    void validatorAgreesWithTheJdkOnEveryCodePoint() {
        for (int cp = 0; cp <= 0x10FFFF; cp += (cp < 0x3000 ? 1 : 37)) {
            if (cp >= 0xD800 && cp <= 0xDFFF) continue;
            byte[] b = new String(Character.toChars(cp)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            assertEquals(Utf8.ACCEPT, Utf8.scan(Utf8.ACCEPT, b, 0, b.length), "U+" + Integer.toHexString(cp));
        }
    }
}
