package tollgate.json;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Locating top-level members without parsing, and refusing whatever the parser would refuse. */
class MemberScanTest {
    private final MemberScan scan = new MemberScan("model", "usage");

    private static String cut(String s, int from, int to) {
        byte[] b = s.getBytes(UTF_8);
        return new String(b, 0, from, UTF_8) + new String(b, to, b.length - to, UTF_8);
    }

    private static String span(String s, int from, int to) {
        return new String(s.getBytes(UTF_8), from, to - from, UTF_8);
    }

    @Test
    void scan_findsTopLevelMembersOnly() {
        String s = "{\"id\":\"x\",\"choices\":[{\"delta\":{\"content\":\"\\\"model\\\":\\\"no\\\"\",\"model\":1}}],"
                + "\"model\":\"gpt-4o\",\"usage\":null}";
        assertTrue(scan.scan(s.getBytes(UTF_8), 0, s.getBytes(UTF_8).length));
        assertEquals("\"gpt-4o\"", span(s, scan.valueStart(0), scan.valueEnd(0)));
        assertTrue(scan.isNull(1));
        assertEquals(4, scan.members());
        assertFalse(scan.irregular());
        assertEquals(s.length() - 1, scan.closeBrace());
        assertEquals("{\"id\":\"x\",\"choices\":[{\"delta\":{\"content\":\"\\\"model\\\":\\\"no\\\"\",\"model\":1}}],\"model\":\"gpt-4o\"}",
                cut(s, scan.cutStart(1), scan.cutEnd(1)));
    }

    @Test
    void cut_firstMiddleAndOnlyMember_keepTheObjectValid() {
        String first = "{\"usage\":null,\"a\":1}";
        assertTrue(scan.scan(first.getBytes(UTF_8), 0, first.length()));
        assertEquals("{\"a\":1}", cut(first, scan.cutStart(1), scan.cutEnd(1)));
        String middle = "{ \"a\" : 1 , \"usage\" : null , \"b\" : 2 }";
        assertTrue(scan.scan(middle.getBytes(UTF_8), 0, middle.length()));
        assertEquals("{ \"a\" : 1  , \"b\" : 2 }", cut(middle, scan.cutStart(1), scan.cutEnd(1)));
        String only = "{\"usage\":null}";
        assertTrue(scan.scan(only.getBytes(UTF_8), 0, only.length()));
        assertEquals("{}", cut(only, scan.cutStart(1), scan.cutEnd(1)));
        assertEquals(1, scan.members());
    }

    @Test
    void aSliceOfALargerArray_isScannedInPlace() {
        byte[] b = "xx{\"model\":\"m\"}yy".getBytes(UTF_8);
        assertTrue(scan.scan(b, 2, 13));
        assertEquals(11, scan.valueStart(0));
        assertEquals(14, scan.valueEnd(0));
        assertEquals(14, scan.closeBrace());
    }

    @Test
    void duplicateOrEscapedKeys_areIrregular() {
        String dup = "{\"model\":\"a\",\"model\":\"b\"}";
        assertTrue(scan.scan(dup.getBytes(UTF_8), 0, dup.length()));
        assertTrue(scan.irregular());
        String escaped = "{\"mod\\u0065l\":\"a\"}";
        assertTrue(scan.scan(escaped.getBytes(UTF_8), 0, escaped.length()));
        assertTrue(scan.irregular());
        String plain = "{\"model\":\"a\"}";
        assertTrue(scan.scan(plain.getBytes(UTF_8), 0, plain.length()));
        assertFalse(scan.irregular(), "state from an earlier scan does not leak");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "[DONE]", "[1]", "\"s\"", "{", "{\"a\":1", "{\"a\":1}}", "{\"a\":01}", "{\"a\":tru}",
            "{\"a\":\"\\x\"}", "{\"a\":\"\\ud800\"}", "{\"a\":\"\u0001\"}", "{\"a\" 1}", "{a:1}", "{\"a\":[1,]}", "{\"a\":1,}"})
    void whatTheParserRefuses_isRefused(String text) {
        assertFalse(scan.scan(text.getBytes(UTF_8), 0, text.getBytes(UTF_8).length), text);
        assertThrowsOnParse(text);
    }

    @Test
    void invalidUtf8InAString_isRefused() {
        byte[] b = {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, '"', '}'};
        assertFalse(scan.scan(b, 0, b.length));
    }

    @Test
    void nestingDeeperThanTheParsersLimit_isRefused() {
        String deep = "{\"a\":" + "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH) + "}";
        assertFalse(scan.scan(deep.getBytes(UTF_8), 0, deep.length()));
        String ok = "{\"a\":" + "[".repeat(Json.MAX_DEPTH - 1) + "]".repeat(Json.MAX_DEPTH - 1) + "}";
        assertTrue(scan.scan(ok.getBytes(UTF_8), 0, ok.length()));
    }

    private static void assertThrowsOnParse(String text) {
        try {
            Object v = Json.parse(text);
            assertFalse(v instanceof java.util.Map<?, ?>, "the parser accepted an object: " + text);
        } catch (JsonException expected) {
            // refused by both
        }
    }
}
