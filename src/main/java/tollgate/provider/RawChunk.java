package tollgate.provider;

import java.util.Map;
import tollgate.json.Json;
import tollgate.json.JsonMeter;
import tollgate.json.MemberScan;

/**
 * One OpenAI {@code chat.completion.chunk} passed through as the upstream's own bytes
 * ({@code data()[offset(), offset() + length())}), already checked to be a JSON object, with
 * where its top-level {@link #MODEL} and {@link #USAGE} members are ({@link #scan()}). A sink
 * that only needs to splice a few bytes (the model id, the extension object) writes it on without
 * parsing; one that needs the object calls {@link #parse()}.
 *
 * <p>Owned by the decoder and reused for the next event: valid only until the sink returns.
 */
public final class RawChunk {
    /** Index of {@code model} in {@link #scan()}. */
    public static final int MODEL = 0;
    /** Index of {@code usage} in {@link #scan()}. */
    public static final int USAGE = 1;
    /** Index of {@code error}. */
    public static final int ERROR = 2;
    /** Index of {@code choices}. */
    public static final int CHOICES = 3;

    private final MemberScan scan = new MemberScan("model", "usage", "error", "choices");
    private byte[] data;
    private int offset;
    private int length;

    /** Scans {@code data[off, off + len)}; false if it is not one JSON object. */
    public boolean scan(byte[] data, int off, int len) {
        this.data = data;
        this.offset = off;
        this.length = len;
        return scan.scan(data, off, len);
    }

    public byte[] data() { return data; }

    public int offset() { return offset; }

    public int length() { return length; }

    /** Where the members are (indices {@link #MODEL}, {@link #USAGE}, ...). */
    public MemberScan scan() { return scan; }

    /** The chunk as a parsed object (for sinks that change more than a few bytes). */
    public Map<String, Object> parse() {
        return parse(JsonMeter.NONE);
    }

    /** As {@link #parse()}, charging {@code meter} for the tree as it is built: for a chunk kept after the call. */
    public Map<String, Object> parse(JsonMeter meter) {
        return Json.asObject(Json.parse(data, offset, length, meter));
    }
}
