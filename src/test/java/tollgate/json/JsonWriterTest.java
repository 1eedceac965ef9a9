package tollgate.json;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class JsonWriterTest {

    private static String hex(byte[] b) { return HexFormat.of().withUpperCase().formatHex(b); }

    private static String ascii(Object value) { return new String(Json.toBytes(value), StandardCharsets.ISO_8859_1); }

    @Test
    void write_escapesEveryControlCharacter() {
        String[] expected = {
            "\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005", "\\u0006", "\\u0007",
            "\\b", "\\t", "\\n", "\\u000b", "\\f", "\\r", "\\u000e", "\\u000f",
            "\\u0010", "\\u0011", "\\u0012", "\\u0013", "\\u0014", "\\u0015", "\\u0016", "\\u0017",
            "\\u0018", "\\u0019", "\\u001a", "\\u001b", "\\u001c", "\\u001d", "\\u001e", "\\u001f"};
        for (int c = 0; c < 0x20; c++) {
            assertEquals("\"a" + expected[c] + "b\"", ascii("a" + (char) c + "b"), "control char " + c);
        }
    }

    @Test
    void write_escapesQuoteAndBackslashOnly() {
        assertEquals("\"q\\\"b\\\\s/ ~\u007F\"", ascii("q\"b\\s/ ~\u007F"));
    }

    @Test
    void write_escapesLineAndParagraphSeparators() {
        assertEquals("\"a\\u2028b\\u2029c\"", ascii("a\u2028b\u2029c"));
    }

    @Test
    void write_encodesNonAsciiAsRawUtf8() {
        assertEquals("22C3A922", hex(Json.toBytes("é")));
        assertEquals("22E282AC22", hex(Json.toBytes("€")));
        assertEquals("22DFBF22", hex(Json.toBytes("\u07FF")));
        assertEquals("22EFBFBF22", hex(Json.toBytes("\uFFFF")));
    }

    @Test
    void write_encodesSurrogatePairAsFourByteUtf8() {
        assertEquals("22F09F988022", hex(Json.toBytes("😀")));
        assertEquals("2261F48FBFBF6222", hex(Json.toBytes("a\uDBFF\uDFFFb")));
    }

    @Test
    void write_replacesLoneSurrogateWithReplacementCharacter() {
        assertEquals("22EFBFBD22", hex(Json.toBytes("\uD800")));
        assertEquals("2261EFBFBD6222", hex(Json.toBytes("a\uDC00b")));
        assertEquals("22EFBFBDF09F988022", hex(Json.toBytes("\uD83D\uD83D\uDE00")));
        assertEquals("2261EFBFBD22", hex(Json.toBytes("a\uD83D")));
        assertEquals("\uFFFDx", Json.parse(Json.toBytes("\uDE00x")));
    }

    @Test
    void write_nestedStructuresCompactly() {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("c", Map.of());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("a", Arrays.asList(1, "x", null, true, false));
        m.put("b", inner);
        m.put("d", List.of());
        m.put("k\"\n", 2L);
        assertEquals("{\"a\":[1,\"x\",null,true,false],\"b\":{\"c\":{}},\"d\":[],\"k\\\"\\n\":2}", ascii(m));
    }

    @Test
    void write_integersOfEveryWidth() {
        assertEquals("[0,-7,2147483647,-2147483648,9223372036854775807,-9223372036854775808,-32768,127,10,100]",
            ascii(List.of(0, -7L, Integer.MAX_VALUE, Integer.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE,
                Short.MIN_VALUE, Byte.MAX_VALUE, 10, 100L)));
    }

    @Test
    void write_finiteDoublesAsValidJsonNumbers() {
        assertEquals("[1.5,1.0,-0.0,1.0E300,4.9E-324,0.1]", ascii(List.of(1.5, 1.0, -0.0, 1e300, Double.MIN_VALUE, 0.1f)));
        List<?> back = (List<?>) Json.parse(Json.toBytes(List.of(1e300, 4.9E-324, 123.456)));
        assertEquals(1e300, ((JsonNumber) back.get(0)).doubleValue());
        assertEquals(123.456, ((JsonNumber) back.get(2)).doubleValue());
    }

    @Test
    void write_rejectsNonFiniteNumbers() {
        for (Object v : List.of(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Float.NaN, Float.NEGATIVE_INFINITY)) {
            assertThrows(JsonException.class, () -> Json.toBytes(v), String.valueOf(v));
            assertThrows(JsonException.class, () -> Json.toBytes(List.of(v)), String.valueOf(v));
        }
    }

    @Test
    void write_rejectsUnknownTypeNamingItsClass() {
        for (Object v : List.of(new Object(), new BigDecimal("1.5"), 'c', new int[] {1}, new StringBuilder("x"))) {
            JsonException e = assertThrows(JsonException.class, () -> Json.toBytes(Map.of("k", v)));
            assertTrue(e.getMessage().contains(v.getClass().getName()), e.getMessage());
        }
    }

    @Test
    void write_rejectsNonStringKey() {
        Map<Object, Object> m = new HashMap<>();
        m.put(1, "x");
        assertTrue(assertThrows(JsonException.class, () -> Json.toBytes(m)).getMessage().contains("java.lang.Integer"));
        Map<Object, Object> nullKey = new HashMap<>();
        nullKey.put(null, "x");
        assertThrows(JsonException.class, () -> Json.toBytes(nullKey));
    }

    @Test
    void write_jsonNumberVerbatim() {
        assertEquals("[1.0,1e400,-0,12345678901234567890,1E+2]", ascii(List.of(new JsonNumber("1.0"),
            new JsonNumber("1e400"), new JsonNumber("-0"), new JsonNumber("12345678901234567890"), new JsonNumber("1E+2"))));
    }

    @Test
    void write_rejectsJsonNumberWithInvalidText() {
        for (String t : List.of("01", "1.", ".5", "+1", "NaN", "", "1 ", "0x10")) {
            assertThrows(JsonException.class, () -> Json.toBytes(new JsonNumber(t)), t);
        }
        assertThrows(JsonException.class, () -> Json.toBytes(new JsonNumber(null)));
    }

    @Test
    void write_rawJsonVerbatim() {
        byte[] raw = "{\"y\": [1, 2], \"é\": true}".getBytes(StandardCharsets.UTF_8);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("x", new RawJson(raw));
        m.put("z", 1);
        assertEquals("{\"x\":{\"y\": [1, 2], \"é\": true},\"z\":1}", Json.toString(m));
    }

    @Test
    void write_rejectsCyclesAndExcessiveDepth() {
        List<Object> cycle = new ArrayList<>();
        cycle.add(cycle);
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertThrows(JsonException.class, () -> Json.toBytes(cycle)));
        Object deep = List.of();
        for (int i = 1; i < Json.MAX_DEPTH; i++) deep = List.of(deep);
        byte[] ok = Json.toBytes(deep);
        assertEquals(deep, Json.parse(ok));
        Object tooDeep = List.of(deep);
        assertThrows(JsonException.class, () -> Json.toBytes(tooDeep));
    }

    @Test
    void write_appendsToExistingBufferContentAndGrowsIt() {
        JsonBuffer b = new JsonBuffer(0);
        b.appendAscii("prefix:");
        String big = "é😀a\n".repeat(5000);
        Json.write(List.of(big, "x".repeat(3000)), b);
        String out = b.toString();
        assertTrue(out.startsWith("prefix:[\""));
        assertEquals(List.of(big, "x".repeat(3000)), Json.parse(out.substring("prefix:".length())));
    }

    @Test
    void write_roundTripsRandomStrings() {
        Random r = new Random(42);
        for (int i = 0; i < 2000; i++) {
            StringBuilder sb = new StringBuilder();
            int n = r.nextInt(40);
            for (int j = 0; j < n; j++) {
                switch (r.nextInt(5)) {
                    case 0 -> sb.append((char) r.nextInt(0x80));
                    case 1 -> sb.append((char) (0x80 + r.nextInt(0x780)));
                    case 2 -> sb.append((char) (0x800 + r.nextInt(0xD800 - 0x800)));
                    case 3 -> sb.appendCodePoint(0x10000 + r.nextInt(0x100000));
                    default -> sb.append(r.nextBoolean() ? '\u2028' : '"');
                }
            }
            String s = sb.toString();
            byte[] bytes = Json.toBytes(s);
            assertEquals(s, Json.parse(bytes), () -> "for bytes " + hex(bytes));
        }
    }

    @TestFactory
    Stream<DynamicTest> write_roundTripsEveryYFileOfTheCorpus() {
        return Corpus.tests("y_", f -> {
            Object parsed = Json.parse(Corpus.read(f));
            byte[] written = Json.toBytes(parsed);
            assertEquals(parsed, Json.parse(written), () -> new String(written, StandardCharsets.UTF_8));
            assertArrayEquals(written, Json.toBytes(Json.parse(written)), "writing is deterministic");
        });
    }
}
