package tollgate.tool;

import java.math.BigDecimal;
import java.util.List;

/**
 * What one tool call came to.
 *
 * @param content     what the model is given as the {@code tool} message's content (text, often JSON)
 * @param outcome     how it went, for the extension object's steps and the logs
 * @param credits     credits the call charged to the key (image generation), else 0
 * @param attachments what the tool made for the client rather than for the model (image
 *                    generation's images): never put in the model's prompt, where base64 data
 *                    would be huge and paid for as tokens; {@link #content} names each by its
 *                    {@link Attachment#id()}. Empty for most tools.
 * @param cost        USD the call cost at the model's prices (image generation), null when none
 *                    or unknown: added to the execution's {@code cost} as {@code credits} to its
 *                    credits, so that an answer's (or a task's) {@code cost} and
 *                    {@code credits_charged} cover the same calls
 */
public record ToolOutput(String content, Outcome outcome, long credits, List<Attachment> attachments, BigDecimal cost) {

    public ToolOutput {
        attachments = attachments == null ? List.of() : List.copyOf(attachments);
    }

    /** An output that cost nothing in USD the gateway knows of (or whose cost is unknown). */
    public ToolOutput(String content, Outcome outcome, long credits, List<Attachment> attachments) {
        this(content, outcome, credits, attachments, null);
    }

    /** An output without attachments. */
    public ToolOutput(String content, Outcome outcome, long credits) {
        this(content, outcome, credits, List.of());
    }

    /** How a tool call went. */
    public enum Outcome {
        OK, ERROR, TIMEOUT, CANCELLED, REJECTED;

        /** As the extension object and the task events show it. */
        public String wire() { return name().toLowerCase(java.util.Locale.ROOT); }
    }

    /**
     * One thing a tool made for the client: a URL, or the bytes in base64, or both.
     *
     * @param id        the handle the model's content names it by (unique within the execution)
     * @param mediaType e.g. {@code image/png}, or null when not known (a URL's)
     * @param url       where it is ({@code https:} or {@code data:}), or null
     * @param b64Json   the file in base64 (RFC 4648 §4), or null
     */
    public record Attachment(String id, String mediaType, String url, String b64Json) {

        /** For the extension object's steps (and a task's events): the members that are set. */
        public java.util.Map<String, Object> toJson() {
            java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("id", id);
            if (mediaType != null) m.put("media_type", mediaType);
            if (url != null) m.put("url", url);
            if (b64Json != null) m.put("b64_json", b64Json);
            return m;
        }
    }

    public static ToolOutput ok(String content) { return new ToolOutput(content, Outcome.OK, 0); }

    /** A failure the model is told about ({@code message} must hold no secret). */
    public static ToolOutput error(String message) { return new ToolOutput(message, Outcome.ERROR, 0); }

    public static ToolOutput timeout(String message) { return new ToolOutput(message, Outcome.TIMEOUT, 0); }

    public static ToolOutput cancelled(String message) { return new ToolOutput(message, Outcome.CANCELLED, 0); }
}
