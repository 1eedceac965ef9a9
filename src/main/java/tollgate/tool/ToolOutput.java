package tollgate.tool;

/**
 * What one tool call came to.
 *
 * @param content what the model is given as the {@code tool} message's content (text, often JSON)
 * @param outcome how it went, for the extension object's steps and the logs
 * @param credits credits the call charged to the key (image generation), else 0
 */
public record ToolOutput(String content, Outcome outcome, long credits) {

    /** How a tool call went. */
    public enum Outcome {
        OK, ERROR, TIMEOUT, CANCELLED, REJECTED;

        /** As the extension object and the task events show it. */
        public String wire() { return name().toLowerCase(java.util.Locale.ROOT); }
    }

    public static ToolOutput ok(String content) { return new ToolOutput(content, Outcome.OK, 0); }

    /** A failure the model is told about ({@code message} must hold no secret). */
    public static ToolOutput error(String message) { return new ToolOutput(message, Outcome.ERROR, 0); }

    public static ToolOutput timeout(String message) { return new ToolOutput(message, Outcome.TIMEOUT, 0); }

    public static ToolOutput cancelled(String message) { return new ToolOutput(message, Outcome.CANCELLED, 0); }
}
