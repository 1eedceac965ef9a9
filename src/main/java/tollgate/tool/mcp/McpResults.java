package tollgate.tool.mcp;

import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import tollgate.json.Json;
import tollgate.tool.ToolOutput;
import tollgate.tool.ToolText;

/**
 * A {@code tools/call} result as the model is given it (MCP 2025-06-18 server/tools §Tool
 * Result): the text parts joined by newlines; an image, audio or binary resource described in a
 * line ({@code [image image/png, 12345 bytes]}), as the model cannot use base64 it is handed as
 * text; a resource's text with its URI; {@code structuredContent} as JSON when there is no
 * content. {@code isError: true} is a tool error: the text goes to the model as an error outcome.
 * Everything is cut to the server's {@code max_output_bytes} of UTF-8, at a character boundary,
 * and marked as cut ({@link ToolText#cap}).
 */
final class McpResults {
    private McpResults() { throw new AssertionError(); }

    /** The outcome of a call whose result is {@code result}; {@code scrub} removes the server's secrets. */
    static ToolOutput output(Map<String, Object> result, int maxBytes, UnaryOperator<String> scrub) {
        String text = scrub.apply(text(result));
        boolean error = Boolean.TRUE.equals(result.get("isError"));
        if (error) return ToolOutput.error(ToolText.cap(text.isEmpty() ? "the tool failed without saying why" : text, maxBytes));
        return ToolOutput.ok(ToolText.cap(text, maxBytes));
    }

    /** A failed exchange as the tool's outcome. */
    static ToolOutput failure(McpException e, int maxBytes) {
        String message = ToolText.cap(e.getMessage(), maxBytes);
        return switch (e.kind()) {
            case TIMEOUT -> ToolOutput.timeout(message);
            case CANCELLED -> ToolOutput.cancelled(message);
            default -> ToolOutput.error(message);
        };
    }

    static String text(Map<String, Object> result) {
        StringBuilder out = new StringBuilder();
        if (result.get("content") instanceof List<?> parts) {
            for (Object o : parts) {
                Map<String, Object> part = Json.asObject(o);
                if (part == null) continue;
                if (!out.isEmpty()) out.append('\n');
                out.append(describe(part));
            }
        }
        if (out.isEmpty() && result.get("structuredContent") != null) out.append(Json.toString(result.get("structuredContent")));
        return out.toString();
    }

    private static String describe(Map<String, Object> part) {
        String type = part.get("type") instanceof String t ? t : "unknown";
        return switch (type) {
            case "text" -> string(part, "text");
            case "image", "audio" -> "[" + type + " " + mime(part) + ", " + ToolText.base64Bytes(string(part, "data")) + " bytes]";
            case "resource_link" -> "[resource " + string(part, "name") + " <" + string(part, "uri") + ">]";
            case "resource" -> resource(Json.asObject(part.get("resource")));
            default -> "[" + type + " content]";
        };
    }

    private static String resource(Map<String, Object> r) {
        if (r == null) return "[resource]";
        String head = "[resource <" + string(r, "uri") + ">";
        if (r.get("text") instanceof String text) return head + "]\n" + text;
        return head + " " + mime(r) + ", " + ToolText.base64Bytes(string(r, "blob")) + " bytes]";
    }

    private static String mime(Map<String, Object> m) {
        return m.get("mimeType") instanceof String s ? s : "of unknown type";
    }

    private static String string(Map<String, Object> m, String key) {
        return m.get(key) instanceof String s ? s : "";
    }
}
