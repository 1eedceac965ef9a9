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

    /** The error object as a map, for callers that embed it (e.g. an SSE event). */
    public static Map<String, Object> toMap(GatewayException e) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("message", e.getMessage());
        error.put("type", e.kind().type());
        error.put("param", e.param());
        error.put("code", e.httpStatus());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", error);
        return body;
    }

    public static byte[] render(GatewayException e) { return Json.toBytes(toMap(e)); }

    public static void render(GatewayException e, JsonBuffer out) { Json.write(toMap(e), out); }
}
