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
}
