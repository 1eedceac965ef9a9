package tollgate.catalog;

/**
 * What a request asks the model to do, which decides the quality that counts when a policy
 * ranks models. Seed 000's {@code taskHint}: {@code "writing" | "code-generation" |
 * "reasoning" | "vision"}; {@code general} is ours, for anything else.
 */
public enum Task {
    GENERAL("general"),
    WRITING("writing"),
    CODE_GENERATION("code-generation"),
    REASONING("reasoning"),
    VISION("vision");

    private final String wire;

    Task(String wire) {
        this.wire = wire;
    }

    /** The name on the wire ({@code taskHint}, the route explanation, config keys). */
    public String wire() { return wire; }

    /** The task named {@code wire}, or null if none is. */
    public static Task fromWire(String wire) {
        for (Task t : values()) if (t.wire.equals(wire)) return t;
        return null;
    }
}
