package tollgate.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;

/** Anthropic's status → {@code error.type} table (protocols-2.md §10, "Errors") and the error event's bytes. */
class MessagesErrorsTest {

    @Test
    void everyStatusOfTheTable_andTheRest() {
        int[] statuses = {400, 401, 402, 403, 404, 405, 409, 410, 413, 415, 429, 431, 500, 502, 503, 504, 529};
        String[] types = {"invalid_request_error", "authentication_error", "billing_error", "permission_error", "not_found_error",
                "invalid_request_error", "conflict_error", "invalid_request_error", "request_too_large", "invalid_request_error",
                "rate_limit_error", "invalid_request_error", "api_error", "api_error", "overloaded_error", "timeout_error",
                "overloaded_error"};
        for (int i = 0; i < statuses.length; i++) assertEquals(types[i], MessagesErrors.type(statuses[i]), "status " + statuses[i]);
    }

    @Test
    void theGatewaysKinds_mapByTheirStatus() {
        assertEquals("billing_error", MessagesErrors.type(ErrorKind.POLICY_INSUFFICIENT_CREDITS.httpStatus()));
        assertEquals("rate_limit_error", MessagesErrors.type(ErrorKind.POLICY_RATE_LIMITED.httpStatus()));
        assertEquals("overloaded_error", MessagesErrors.type(ErrorKind.PROVIDER_UNAVAILABLE.httpStatus()));
        assertEquals("api_error", MessagesErrors.type(ErrorKind.PROVIDER_STREAM_BROKEN.httpStatus()));
        assertEquals("timeout_error", MessagesErrors.type(ErrorKind.PROVIDER_TIMEOUT.httpStatus()));
    }

    @Test
    void bodyAndEvent() {
        GatewayException e = new GatewayException(ErrorKind.POLICY_RATE_LIMITED, "Slow down \"now\".");
        String body = "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"Slow down \\\"now\\\".\"},"
                + "\"request_id\":\"req_1\"}";
        assertEquals(body, new String(MessagesErrors.SHAPE.body(e, "req_1"), StandardCharsets.UTF_8));
        assertEquals("event: error\ndata: " + body + "\n\n", new String(MessagesErrors.SHAPE.event(e, "req_1"), StandardCharsets.UTF_8));
    }

    @Test
    void contextOverflow_inAnthropicsWords_withTheCountsClaudeCodeReads() {
        GatewayException e = GatewayException.contextTooLong(200000, 208656);
        assertEquals("{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":"
                + "\"prompt is too long: 208656 tokens > 200000 maximum\"},\"request_id\":\"req_1\"}",
                new String(MessagesErrors.SHAPE.body(e, "req_1"), StandardCharsets.UTF_8));
        assertEquals("prompt is too long: 208656 tokens", MessagesErrors.promptTooLong(GatewayException.contextTooLong(0, 208656).getMessage()));
        assertEquals("prompt is too long: too long", MessagesErrors.promptTooLong("too long"));
    }
}
