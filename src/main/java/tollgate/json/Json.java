package tollgate.json;

import java.util.Map;

/**
 * Tollgate's JSON codec: a strict RFC 8259 parser over UTF-8 bytes and a compact writer.
 *
 * <p>Parsed values: objects are {@code LinkedHashMap<String,Object>} (key order kept, a duplicate key
 * keeps its last value), arrays {@code ArrayList<Object>}, strings {@code String}, numbers
 * {@link JsonNumber} (exact source text), {@code Boolean}, and JSON null is Java {@code null}.
 * Anything malformed or over a limit is a {@link JsonException} with line and column.
 */
public final class Json {
    private Json() { throw new AssertionError(); }

    /** Deepest nesting of arrays and objects accepted. */
    public static final int MAX_DEPTH = 128;
    /** Largest input accepted by parse, in bytes. */
    public static final int MAX_INPUT_BYTES = 256 * 1024 * 1024;

    /** Strict RFC 8259 parse of UTF-8 bytes. Objects are LinkedHashMap<String,Object>, arrays ArrayList<Object>, numbers JsonNumber, null is Java null. */
    public static Object parse(byte[] utf8) { return parse(utf8, 0, utf8.length); }
    public static Object parse(byte[] buf, int off, int len) { return JsonParser.parse(buf, off, len, false, JsonMeter.NONE); }
    /** As parse, charging {@code meter} for the tree as it is built (a refusal aborts the parse). */
    public static Object parse(byte[] buf, int off, int len, JsonMeter meter) { return JsonParser.parse(buf, off, len, false, meter); }
    public static Object parse(String text) { return parse(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)); }
    /** As parse, but also skips // line and slash-star block comments (for the config file). */
    public static Object parseWithComments(byte[] utf8) { return JsonParser.parse(utf8, 0, utf8.length, true, JsonMeter.NONE); }

    public static byte[] toBytes(Object value) { JsonBuffer b = new JsonBuffer(256); write(value, b); return b.toByteArray(); }
    public static String toString(Object value) { return new String(toBytes(value), java.nio.charset.StandardCharsets.UTF_8); }
    /**
     * Appends {@code value} as compact JSON. Accepts Map (String keys), List, String, JsonNumber,
     * Boolean, null, Integer, Long, Short, Byte, finite Double and Float, and RawJson (copied
     * verbatim); anything else is a JsonException. On an exception, {@code out} may hold a partial value.
     */
    public static void write(Object value, JsonBuffer out) { JsonWriter.write(value, out); }

    /** The value as an object map, or null if it is not a JSON object. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> asObject(Object value) { return value instanceof Map<?, ?> m ? (Map<String, Object>) m : null; }
}
