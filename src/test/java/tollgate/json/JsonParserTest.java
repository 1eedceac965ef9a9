package tollgate.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonParserTest {

    private static byte[] utf8(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    /** A JSON string literal around the given hex bytes, e.g. {@code "C3A9"} gives {@code "é"}. */
    private static byte[] quotedHex(String hex) {
        byte[] inner = HexFormat.of().parseHex(hex);
        byte[] b = new byte[inner.length + 2];
        b[0] = '"';
        System.arraycopy(inner, 0, b, 1, inner.length);
        b[b.length - 1] = '"';
        return b;
    }

    private static JsonException rejects(String json) { return assertThrows(JsonException.class, () -> Json.parse(json)); }

    private static String nested(int depth) { return "[".repeat(depth) + "]".repeat(depth); }

    @Test
    void parse_mapsEachJsonTypeToItsJavaType() {
        Map<String, Object> m = Json.asObject(Json.parse("{\"s\":\"x\",\"n\":1,\"t\":true,\"f\":false,\"z\":null,\"a\":[],\"o\":{}}"));
        assertInstanceOf(LinkedHashMap.class, m);
        assertEquals("x", m.get("s"));
        assertEquals(new JsonNumber("1"), m.get("n"));
        assertEquals(Boolean.TRUE, m.get("t"));
        assertEquals(Boolean.FALSE, m.get("f"));
        assertTrue(m.containsKey("z"));
        assertNull(m.get("z"));
        assertInstanceOf(ArrayList.class, m.get("a"));
        assertInstanceOf(LinkedHashMap.class, m.get("o"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-0", "1.0", "-0.0", "1E+2", "1e-2", "2E2", "0.5e10", "12345678901234567890",
        "1e400", "-1e-400", "123.456000", "9007199254740993"})
    void parse_keepsNumberTextExactly(String text) {
        assertEquals(new JsonNumber(text), Json.parse(text));
        assertEquals(List.of(new JsonNumber(text)), Json.parse("[" + text + "]"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"01", "-01", "00", "01.5", "007"})
    void parse_rejectsLeadingZero(String text) {
        assertTrue(rejects(text).getMessage().startsWith("Leading zeros are not allowed"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"+1", ".5", "-.5", "1.", "1.e5", "1e", "1e+", "1E-", "-", "--1", "0x1", "1_000",
        "Infinity", "-Infinity", "NaN", "1.5.", "[1.]", "[-]", "1ee2", "0e", "2.e-3"})
    void parse_rejectsMalformedNumber(String text) {
        rejects(text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "\n\t\r ", "1 2", "{}x", "[] []", "tru", "trux", "True", "nul", "fals",
        "'a'", "[1,]", "[,1]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "{\"a\":}", "[1 2]", "{\"a\":1 \"b\":2}", "\f1",
        "\u00a01", "[\"a\"", "{\"a\":1", "{,}", "{\"a\"}", "[1}", "{\"a\":1]"})
    void parse_rejectsMalformedStructure(String text) {
        rejects(text);
    }

    @Test
    void parse_acceptsRfcWhitespaceAroundAndBetween() {
        assertEquals(Map.of("a", List.of(new JsonNumber("1"))), Json.parse(" \t\r\n{ \"a\" :\n[ 1\t] }\r\n"));
    }

    @Test
    void parse_reportsLineColumnAndOffsetOfError() {
        JsonException e = rejects("{\n  \"a\": 1,\n  \"b\": x\n}");
        assertEquals("Unexpected character 'x' at line 3, column 8", e.getMessage());
        assertEquals(3, e.line());
        assertEquals(8, e.column());
        assertEquals(19, e.offset());
    }

    @Test
    void parse_countsColumnsInCodePointsAndCrLfAsOneLineBreak() {
        JsonException e = rejects("[\"é😀\", x]");
        assertEquals(1, e.line());
        assertEquals(8, e.column());
        assertEquals(11, e.offset());
        JsonException crlf = rejects("[\r\n\r\n  ?]");
        assertEquals(3, crlf.line());
        assertEquals(3, crlf.column());
        JsonException cr = rejects("[\r\r?]");
        assertEquals(3, cr.line());
        assertEquals(1, cr.column());
    }

    @Test
    void parse_reportsOffsetRelativeToTheSlice() {
        byte[] buf = utf8("xx[1,?]yy");
        JsonException e = assertThrows(JsonException.class, () -> Json.parse(buf, 2, 5));
        assertEquals(3, e.offset());
        assertEquals(4, e.column());
        assertEquals(List.of(new JsonNumber("1")), Json.parse(utf8("xx[1]yy"), 2, 3));
    }

    @Test
    void parse_rejectsOutOfBoundsSlice() {
        assertThrows(IndexOutOfBoundsException.class, () -> Json.parse(new byte[4], 2, 3));
        assertThrows(IndexOutOfBoundsException.class, () -> Json.parse(new byte[4], -1, 2));
    }

    @Test
    void parse_reportsUnterminatedStringAtItsOpeningQuote() {
        JsonException e = rejects("[1, \"abc");
        assertEquals("Unterminated string at line 1, column 5", e.getMessage());
        assertTrue(rejects("\"ab\\").getMessage().startsWith("Unterminated string"));
        assertTrue(rejects("\"é").getMessage().startsWith("Unterminated string"));
    }

    @Test
    void parse_reportsEndOfInput() {
        assertTrue(rejects("{\"a\":").getMessage().startsWith("Unexpected end of input"));
        assertTrue(rejects("").getMessage().startsWith("Unexpected end of input"));
    }

    @Test
    void parse_accepts128NestedArraysAndRejects129() {
        Object v = Json.parse(nested(128));
        for (int i = 1; i < 128; i++) v = ((List<?>) v).get(0);
        assertEquals(List.of(), v);
        JsonException e = rejects(nested(129));
        assertEquals("Nesting deeper than 128 at line 1, column 129", e.getMessage());
    }

    @Test
    void parse_countsObjectsTowardsTheDepthCap() {
        String obj128 = "{\"a\":".repeat(64) + "[".repeat(64) + "]".repeat(64) + "}".repeat(64);
        Json.parse(obj128);
        rejects("[" + obj128 + "]");
    }

    @Test
    void parse_rejectsVeryDeepNestingWithoutStackOverflow() {
        rejects("[".repeat(1_000_000));
        rejects("{\"a\":".repeat(200_000));
    }

    @Test
    void parse_rejectsInputOverTheSizeCap() {
        byte[] ten = utf8("[1,2,3,45]");
        assertEquals(4, ((List<?>) JsonParser.parse(ten, 0, 10, false, 10, JsonMeter.NONE)).size());
        byte[] eleven = utf8("[1,2,3,456]");
        JsonException e = assertThrows(JsonException.class, () -> JsonParser.parse(eleven, 0, 11, false, 10, JsonMeter.NONE));
        assertTrue(e.getMessage().startsWith("Input of 11 bytes exceeds the limit of 10 bytes"), e.getMessage());
        assertTrue(Json.MAX_INPUT_BYTES >= 1 << 20);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "C080", "C1BF",             // overlong 2-byte
        "E08080", "E09FBF",         // overlong 3-byte
        "F0808080", "F08FBFBF",     // overlong 4-byte
        "EDA080", "EDBFBF",         // UTF-16 surrogates encoded in UTF-8
        "F4908080", "F5808080", "F7BFBFBF", // beyond U+10FFFF
        "F8888080", "FC80808080", "FE", "FF",
        "80", "BF", "41BF42",       // stray continuation bytes
        "C3", "E282", "F09F98",     // truncated before the closing quote
        "C341", "E28241", "F09F9841", "E2C3A9" // lead byte followed by a non-continuation
    })
    void parse_rejectsInvalidUtf8InString(String hex) {
        // Plain, after valid non-ASCII text, and after an escape: each takes a different decoding path.
        for (String prefix : List.of("", "C3A9", "5C6E", "C3A95C6E")) {
            JsonException e = assertThrows(JsonException.class, () -> Json.parse(quotedHex(prefix + hex)), prefix);
            assertTrue(e.getMessage().startsWith("Invalid UTF-8"), e.getMessage());
        }
    }

    @Test
    void parse_rejectsUtf8TruncatedAtEndOfInput() {
        byte[] b = {'"', 'a', (byte) 0xE2, (byte) 0x82};
        assertThrows(JsonException.class, () -> Json.parse(b));
    }

    @Test
    void parse_rejectsNonAsciiOutsideStrings() {
        assertTrue(assertThrows(JsonException.class, () -> Json.parse(HexFormat.of().parseHex("5B80315D")))
            .getMessage().startsWith("Invalid UTF-8 byte 0x80"));
        assertTrue(rejects("[é]").getMessage().startsWith("Unexpected character U+00E9"));
    }

    @Test
    void parse_rejectsByteOrderMark() {
        byte[] bom = HexFormat.of().parseHex("EFBBBF7B7D");
        assertTrue(assertThrows(JsonException.class, () -> Json.parse(bom)).getMessage().startsWith("Byte order mark"));
    }

    @Test
    void parse_decodesUtf8AtEveryLengthBoundary() {
        String hex = "C280" + "DFBF" + "E0A080" + "ED9FBF" + "EE8080" + "EFBFBF" + "F0908080" + "F48FBFBF";
        String expected = new StringBuilder().appendCodePoint(0x80).appendCodePoint(0x7FF).appendCodePoint(0x800)
            .appendCodePoint(0xD7FF).appendCodePoint(0xE000).appendCodePoint(0xFFFF).appendCodePoint(0x10000)
            .appendCodePoint(0x10FFFF).toString();
        assertEquals(expected, Json.parse(quotedHex(hex)));
        assertEquals("a" + expected + "\n", Json.parse(quotedHex("61" + hex + "5C6E")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"\\uD800\"", "\"\\uDC00\"", "\"\\uDBFF\\uDBFF\"", "\"\\uD800\\u0041\"", "\"\\uD800x\"",
        "\"\\uD800\\n\"", "\"\\uDFFF\\uD800\"", "\"a\\uD83D\"", "{\"\\uDE00\":1}"})
    void parse_rejectsEscapedLoneSurrogate(String json) {
        assertTrue(rejects(json).getMessage().startsWith("Unpaired surrogate"));
    }

    @Test
    void parse_decodesEscapedSurrogatePairToOneCodePoint() {
        String s = (String) Json.parse("\"\\uD83D\\uDE00\"");
        assertEquals(2, s.length());
        assertEquals(0x1F600, s.codePointAt(0));
        assertEquals(s, Json.parse("\"\\ud83d\\ude00\""));
        assertEquals(0x10FFFF, ((String) Json.parse("\"\\uDBFF\\uDFFF\"")).codePointAt(0));
    }

    @Test
    void parse_decodesEveryEscape() {
        assertEquals("\"\\/\b\f\n\r\tAé\u0000\u2028", Json.parse("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\\u00e9\\u0000\\u2028\""));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"\\x\"", "\"\\'\"", "\"\\U0041\"", "\"\\u12G4\"", "\"\\u004\"", "\"\\a\"", "\"\\0\""})
    void parse_rejectsInvalidEscape(String json) {
        rejects(json);
    }

    @Test
    void parse_rejectsEveryUnescapedControlCharacterInString() {
        for (int c = 0; c < 0x20; c++) {
            for (String prefix : List.of("61", "C3A9", "5C6E")) {
                byte[] b = quotedHex(prefix + String.format("%02X", c) + "62");
                JsonException e = assertThrows(JsonException.class, () -> Json.parse(b), "control char " + c);
                assertTrue(e.getMessage().startsWith("Unescaped control character"), e.getMessage());
                assertEquals(prefix.equals("5C6E") ? 4 : 3, e.column());
            }
        }
        assertEquals("a\u007Fb", Json.parse(new byte[] {'"', 'a', 0x7F, 'b', '"'}));
    }

    @Test
    void parse_decodesLongStringsPastTheScratchBuffer() {
        String s = "x".repeat(100) + "é".repeat(10_000) + "\\n" + "😀".repeat(5000);
        String expected = "x".repeat(100) + "é".repeat(10_000) + "\n" + "😀".repeat(5000);
        assertEquals(List.of(expected, expected), Json.parse("[\"" + s + "\",\"" + s + "\"]"));
    }

    @Test
    void parseWithComments_skipsLineAndBlockComments() {
        String json = "// leading\n{ /* before key */ \"a\" /* x */ : /* y */ 1, // trailing ñ\r\n"
            + "\"b\": [ 2 /* ** */ ] /**/ } // end without newline";
        Map<String, Object> expected = Map.of("a", new JsonNumber("1"), "b", List.of(new JsonNumber("2")));
        assertEquals(expected, Json.parseWithComments(utf8(json)));
        rejects(json);
    }

    @Test
    void parseWithComments_leavesCommentLikeTextInStrings() {
        assertEquals("// not /* a comment */", Json.parseWithComments(utf8("\"// not /* a comment */\"")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{} /* open", "/* open", "1 /* open *", "1 /", "/ 1", "1 /x/", "/* only a comment */",
        "// only a comment", "[1 /* a */ /* b ]"})
    void parseWithComments_rejectsUnterminatedOrStrayComment(String json) {
        assertThrows(JsonException.class, () -> Json.parseWithComments(utf8(json)));
    }

    @Test
    void parseWithComments_reportsUnterminatedCommentAtItsStart() {
        JsonException e = assertThrows(JsonException.class, () -> Json.parseWithComments(utf8("{}\n  /* open")));
        assertEquals("Unterminated comment at line 2, column 3", e.getMessage());
    }

    @Test
    void parseWithComments_rejectsInvalidUtf8InComment() {
        byte[] b = HexFormat.of().parseHex("2F2F C080 0A 31".replace(" ", ""));
        assertThrows(JsonException.class, () -> Json.parseWithComments(b));
        assertEquals(new JsonNumber("1"), Json.parseWithComments(HexFormat.of().parseHex("2F2FC3A90A31")));
    }

    @Test
    void parse_duplicateKeyLastValueWins() {
        Map<String, Object> m = Json.asObject(Json.parse("{\"a\":1,\"b\":2,\"a\":3}"));
        assertEquals(2, m.size());
        assertEquals(new JsonNumber("3"), m.get("a"));
        assertEquals(List.of("a", "b"), List.copyOf(m.keySet()));
    }

    @Test
    void parse_preservesKeyOrder() {
        Map<String, Object> m = Json.asObject(Json.parse("{\"z\":1,\"a\":2,\"m\":3,\"é\":4,\"b\":5}"));
        assertEquals(List.of("z", "a", "m", "é", "b"), List.copyOf(m.keySet()));
    }
}
