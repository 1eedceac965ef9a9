package tollgate.api;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import tollgate.error.ErrorBody;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.http.ErrorShape;
import tollgate.json.Json;

/**
 * Errors on Anthropic's surface in Anthropic's shape (protocols-2.md §10, "Errors"):
 * <pre>{"type":"error","error":{"type":"rate_limit_error","message":"…"},"request_id":"…"}</pre>
 * with {@code error.type} from the status by Anthropic's table, and after a stream has started
 * as {@code event: error} with the same object (the SDKs raise it; a data-only event they would
 * drop). The retry headers stay the gateway's, and so does the status but for an upstream's
 * 529: that stays a 529 ({@link #status}).
 */
final class MessagesErrors implements ErrorShape {
    static final MessagesErrors SHAPE = new MessagesErrors();

    private static final byte[] EVENT = "event: error\ndata: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);

    private MessagesErrors() { }

    /**
     * Anthropic's {@code error.type} for a status: its table, "other 4XX" as
     * {@code invalid_request_error}; a 503 (every upstream unavailable, the gateway busy) as
     * {@code overloaded_error}, what Anthropic calls its own temporary unavailability; other 5xx
     * as {@code api_error}.
     */
    static String type(int status) {
        return switch (status) {
            case 401 -> "authentication_error";
            case 402 -> "billing_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 409 -> "conflict_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 504 -> "timeout_error";
            case 503, 529 -> "overloaded_error";
            default -> status < 500 ? "invalid_request_error" : "api_error";
        };
    }

    /**
     * An upstream's 529 (overloaded) is answered 529, not the gateway's 503: the Anthropic SDKs
     * map 529 to their own {@code OverloadedError} and a 503 to {@code InternalServerError}
     * (protocols-2.md §10, "Errors"); the type is {@code overloaded_error} either way.
     */
    @Override
    public int status(GatewayException e) {
        return e.kind() == ErrorKind.PROVIDER_UNAVAILABLE && e.upstreamStatus() == OVERLOADED ? OVERLOADED : e.httpStatus();
    }

    /** Anthropic's "overloaded" status. */
    static final int OVERLOADED = 529;

    /** The error object, {@code {"type":"error","error":{…},"request_id":…}}. */
    static Map<String, Object> toMap(GatewayException e, String requestId) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("type", type(e.httpStatus()));
        String message = e.kind() == ErrorKind.CALLER_CONTEXT_TOO_LONG ? promptTooLong(e.getMessage()) : e.getMessage();
        error.put("message", ErrorBody.clip(message, ErrorBody.MAX_MESSAGE_CHARS));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "error");
        body.put("error", error);
        body.put("request_id", requestId);
        return body;
    }

    /**
     * A context overflow in Anthropic's own words, {@code prompt is too long: 208656 tokens >
     * 200000 maximum}, whichever caught it (the gateway's estimate, or the upstream, whose
     * message the gateway retells as {@link GatewayException#contextTooLong}): Claude Code
     * matches on the upstream's wording (protocols-2.md §10, "Errors") to compact a conversation
     * that no longer fits, and reads the two counts from it. {@code gateway} is that retelling,
     * "… context window of W tokens. Your request contains approximately T tokens." (W absent
     * when the model's window is unknown).
     */
    static String promptTooLong(String gateway) {
        long[] n = new long[2];
        int count = 0;
        for (int i = 0; i < gateway.length() && count < n.length; i++) {
            if (!Character.isDigit(gateway.charAt(i))) continue;
            int start = i;
            while (i < gateway.length() && Character.isDigit(gateway.charAt(i))) i++;
            if (i - start > 18) return "prompt is too long: " + gateway; // not a count this gateway wrote
            n[count++] = Long.parseLong(gateway, start, i, 10);
        }
        if (count == 2) return "prompt is too long: " + n[1] + " tokens > " + n[0] + " maximum";
        if (count == 1) return "prompt is too long: " + n[0] + " tokens";
        return "prompt is too long: " + gateway;
    }

    @Override
    public byte[] body(GatewayException e, String requestId) { return Json.toBytes(toMap(e, requestId)); }

    @Override
    public byte[] event(GatewayException e, String requestId) {
        byte[] json = body(e, requestId);
        byte[] out = new byte[EVENT.length + json.length + END.length];
        System.arraycopy(EVENT, 0, out, 0, EVENT.length);
        System.arraycopy(json, 0, out, EVENT.length, json.length);
        System.arraycopy(END, 0, out, EVENT.length + json.length, END.length);
        return out;
    }
}
