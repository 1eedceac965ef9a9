package tollgate.json;

/**
 * Told, as a parse builds its tree, roughly how many bytes of heap the tree takes, before that
 * heap is allocated; it may refuse by throwing, which aborts the parse. The figures are
 * estimates of retained size on a 64-bit JVM with compressed pointers ({@link JsonParser}'s
 * {@code *_BYTES} constants), charged in steps of {@link #STEP_BYTES} and once at the end.
 */
@FunctionalInterface
public interface JsonMeter {
    /** Charges are gathered up to this many bytes before the meter is called. */
    int STEP_BYTES = 16 * 1024;

    /** A meter that accepts everything. */
    JsonMeter NONE = bytes -> { };

    /** {@code bytes} more are about to be held; throw to refuse. */
    void charge(long bytes);
}
