package tollgate.error;

import java.util.LinkedHashMap;
import java.util.Map;
import tollgate.json.Json;
import tollgate.json.JsonBuffer;

/**
 * Renders errors in the one shape clients see (OpenAI's, with the numeric status as
 * {@code code}, as in seed 002's error table):
 * <pre>{"error":{"message":"…","type":"invalid_request_error","param":"temperature","code":400}}</pre>
 * Always through the JSON writer, so messages that quote client input are escaped.
 */
public final class ErrorBody {
    private ErrorBody() { throw new AssertionError(); }

    /** Longest message rendered, in chars: messages quote client input, which must not come back whole. */
    public static final int MAX_MESSAGE_CHARS = 2048;
    /** Longest {@code param} rendered, in chars. */
    public static final int MAX_PARAM_CHARS = 256;

    /** The error object as a map, for callers that embed it (e.g. an SSE event). */
    public static Map<String, Object> toMap(GatewayException e) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("message", clip(e.getMessage(), MAX_MESSAGE_CHARS));
        error.put("type", e.kind().type());
        error.put("param", clip(e.param(), MAX_PARAM_CHARS));
        error.put("code", e.httpStatus());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", error);
        return body;
    }

    public static byte[] render(GatewayException e) { return Json.toBytes(toMap(e)); }

    /**
     * The same error for a client of Deepgram's API ({@code /listen}, {@code /speak}, seed 000's
     * {@code /deepgram/...}): OpenAI's {@code error} object, and beside it Deepgram's own error
     * fields ({@code category}, {@code message}, {@code request_id}: the "modern" error of
     * Deepgram's API, {@code ErrorResponseModernError} in @deepgram/sdk 5), which the Deepgram
     * SDKs make their exception's message from (v4: {@code err.msg || err.message || ...}; an
     * OpenAI body alone reads there as "[object Object]").
     */
    public static byte[] renderForDeepgram(GatewayException e, String requestId) {
        Map<String, Object> body = toMap(e);
        body.put("category", e.kind().type().toUpperCase(java.util.Locale.ROOT));
        body.put("message", clip(e.getMessage(), MAX_MESSAGE_CHARS));
        body.put("request_id", requestId);
        return Json.toBytes(body);
    }

    /** {@code s} cut to {@code max} chars (with an ellipsis), never inside a surrogate pair. */
    public static String clip(String s, int max) {
        if (s == null || s.length() <= max) return s;
        int end = Character.isHighSurrogate(s.charAt(max - 1)) ? max - 1 : max;
        return s.substring(0, end) + "…";
    }

    public static void render(GatewayException e, JsonBuffer out) { Json.write(toMap(e), out); }
}
