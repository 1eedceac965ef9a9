package tollgate.json;

/** Malformed or over-limit JSON, with where it went wrong (1-based line and column). */
public final class JsonException extends RuntimeException {
    private final int line;
    private final int column;
    private final long offset;

    public JsonException(String message, long offset, int line, int column) {
        super(message + " at line " + line + ", column " + column, null, false, false);
        this.offset = offset;
        this.line = line;
        this.column = column;
    }

    /** For writer errors, which have no position. */
    public JsonException(String message) {
        super(message, null, false, false);
        this.offset = -1;
        this.line = 0;
        this.column = 0;
    }

    public int line() { return line; }
    public int column() { return column; }
    public long offset() { return offset; }

    /**
     * An error at byte {@code p} of {@code buf[start, end)}. Line and column (columns count code
     * points, CRLF is one line end) are worked out only here, on failure, so that parsing never
     * tracks them.
     */
    static JsonException at(String message, byte[] buf, int start, int end, int p) {
        int line = 1;
        int column = 1;
        for (int i = start; i < p && i < end; i++) {
            byte c = buf[i];
            if (c == '\n' || (c == '\r' && (i + 1 >= end || buf[i + 1] != '\n'))) {
                line++;
                column = 1;
            } else if ((c & 0xC0) != 0x80) {
                column++;
            }
        }
        return new JsonException(message, p - start, line, column);
    }
}
