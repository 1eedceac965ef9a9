package tollgate.error;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import tollgate.json.Json;
import tollgate.json.JsonBuffer;

/**
 * The one error shape clients see, for every kind of the closed vocabulary — including those
 * with no producer yet (402 credits, 403 policy), whose rendering is fixed here.
 */
class ErrorBodyTest {

    @ParameterizedTest(name = "{0} -> {1} {2}")
    @CsvSource({
            "CALLER_INVALID_REQUEST,      400, invalid_request_error",
            "CALLER_CONTEXT_TOO_LONG,     400, invalid_request_error",
            "CALLER_UNAUTHENTICATED,      401, authentication_error",
            "CALLER_NOT_FOUND,            404, not_found_error",
            "CALLER_METHOD_NOT_ALLOWED,   405, invalid_request_error",
            "CALLER_CONFLICT,             409, invalid_request_error",
            "CALLER_GONE,                 410, invalid_request_error",
            "CALLER_BODY_TOO_LARGE,       413, invalid_request_error",
            "CALLER_URI_TOO_LONG,         414, invalid_request_error",
            "CALLER_UNSUPPORTED_MEDIA_TYPE, 415, invalid_request_error",
            "CALLER_HEADERS_TOO_LARGE,    431, invalid_request_error",
            "POLICY_INSUFFICIENT_CREDITS, 402, insufficient_quota",
            "POLICY_FORBIDDEN,            403, permission_error",
            "POLICY_RATE_LIMITED,         429, rate_limit_error",
            "PROVIDER_ERROR,              502, upstream_error",
            "PROVIDER_AUTH_FAILED,        502, upstream_error",
            "PROVIDER_STREAM_BROKEN,      502, upstream_error",
            "PROVIDER_UNAVAILABLE,        503, service_unavailable",
            "PROVIDER_RATE_LIMITED,       429, rate_limit_error",
            "PROVIDER_TIMEOUT,            504, timeout_error",
            "PROVIDER_NOT_CONFIGURED,     503, service_unavailable",
            "GATEWAY_INTERNAL,            500, server_error",
            "GATEWAY_BUSY,                503, service_unavailable",
            "GATEWAY_SHUTTING_DOWN,       503, service_unavailable",
    })
    void everyKind_rendersItsStatusAndTypeInExactBytes(ErrorKind kind, int status, String type) {
        GatewayException e = new GatewayException(kind, "Something went wrong.");
        assertEquals(status, e.httpStatus());
        assertEquals(status, kind.httpStatus());
        assertEquals(type, kind.type());
        assertEquals("{\"error\":{\"message\":\"Something went wrong.\",\"type\":\"" + type
                + "\",\"param\":null,\"code\":" + status + "}}", new String(ErrorBody.render(e), UTF_8));
    }

    @Test
    void theTableAbove_coversEveryKind() {
        // A kind added without a row in the table above would render untested.
        assertEquals(24, ErrorKind.values().length);
    }

    @ParameterizedTest
    @EnumSource(ErrorKind.class)
    void everyKind_bufferAndMapRenderingsAgreeWithTheByteRendering(ErrorKind kind) {
        GatewayException e = new GatewayException(kind, "m", "p");
        JsonBuffer buf = new JsonBuffer(64);
        ErrorBody.render(e, buf);
        String viaBuffer = new String(buf.toByteArray(), UTF_8);
        assertEquals(new String(ErrorBody.render(e), UTF_8), viaBuffer);
        assertEquals(Json.toString(ErrorBody.toMap(e)), viaBuffer);
    }

    @Test
    void seed002Table_everyClientVisibleStatusHasAKind() {
        Set<Integer> statuses = new java.util.TreeSet<>();
        for (ErrorKind k : ErrorKind.values()) statuses.add(k.httpStatus());
        // 415 is not in seed 002's table: it is for the audio endpoints' uploads (issue 10); 409
        // and 410 answer a resume of an approval used already or expired (issue 12).
        assertEquals(Set.of(400, 401, 402, 403, 404, 405, 409, 410, 413, 414, 415, 429, 431, 500, 502, 503, 504), statuses);
    }

    @Test
    void retryableKinds_areTheTransientOnes() {
        EnumSet<ErrorKind> retryable = EnumSet.noneOf(ErrorKind.class);
        for (ErrorKind k : ErrorKind.values()) if (k.failure().clientMayRetry()) retryable.add(k);
        assertEquals(EnumSet.of(ErrorKind.POLICY_RATE_LIMITED, ErrorKind.PROVIDER_ERROR,
                ErrorKind.PROVIDER_STREAM_BROKEN, ErrorKind.PROVIDER_UNAVAILABLE, ErrorKind.PROVIDER_RATE_LIMITED,
                ErrorKind.PROVIDER_TIMEOUT, ErrorKind.GATEWAY_BUSY, ErrorKind.GATEWAY_SHUTTING_DOWN), retryable);
    }

    @Test
    void noRetry_makesAnyKindRejected_andTellsTheClientNotToRetry() {
        GatewayException e = new GatewayException(ErrorKind.PROVIDER_ERROR, "model not found");
        assertEquals(tollgate.error.FailureClass.UNAVAILABLE, e.failure());
        assertTrue(e.shouldRetry());
        e.noRetry();
        assertEquals(tollgate.error.FailureClass.REJECTED, e.failure());
        assertFalse(e.shouldRetry());
    }

    @Test
    void param_isRenderedAsAString() {
        GatewayException e = GatewayException.invalid("messages[0].content[1].image_url.url", "Bad URL.");
        assertEquals("{\"error\":{\"message\":\"Bad URL.\",\"type\":\"invalid_request_error\","
                + "\"param\":\"messages[0].content[1].image_url.url\",\"code\":400}}",
                new String(ErrorBody.render(e), UTF_8));
    }

    @Test
    void insufficientCredits_rendersAs402WithoutUpstreamDetail() {
        GatewayException e = new GatewayException(ErrorKind.POLICY_INSUFFICIENT_CREDITS,
                "Insufficient balance: add credits to continue.");
        assertEquals("{\"error\":{\"message\":\"Insufficient balance: add credits to continue.\","
                + "\"type\":\"insufficient_quota\",\"param\":null,\"code\":402}}", new String(ErrorBody.render(e), UTF_8));
    }

    @Test
    void forbidden_rendersAs403WithTheModelAsParam() {
        GatewayException e = new GatewayException(ErrorKind.POLICY_FORBIDDEN,
                "The model 'gpt-4o' is not allowed by your organization's policy.", "model");
        assertEquals("{\"error\":{\"message\":\"The model 'gpt-4o' is not allowed by your organization's policy.\","
                + "\"type\":\"permission_error\",\"param\":\"model\",\"code\":403}}", new String(ErrorBody.render(e), UTF_8));
    }

    @Test
    void message_escapesQuotesBackslashesAndControlCharacters() {
        GatewayException e = GatewayException.invalid("stop[0]",
                "Invalid value \"a\\b\"\nnext line\r\ttab \u0001 bell\u007f");
        assertEquals("{\"error\":{\"message\":\"Invalid value \\\"a\\\\b\\\"\\nnext line\\r\\ttab \\u0001 bell\u007f\","
                + "\"type\":\"invalid_request_error\",\"param\":\"stop[0]\",\"code\":400}}",
                new String(ErrorBody.render(e), UTF_8));
    }

    @Test
    void message_escapesLineAndParagraphSeparators() {
        GatewayException e = GatewayException.invalid(null, "a\u2028b\u2029c");
        String rendered = new String(ErrorBody.render(e), UTF_8);
        assertEquals("{\"error\":{\"message\":\"a\\u2028b\\u2029c\",\"type\":\"invalid_request_error\","
                + "\"param\":null,\"code\":400}}", rendered);
        assertFalse(rendered.contains("\u2028"));
    }

    @Test
    void message_keepsNonAsciiAsUtf8() {
        GatewayException e = GatewayException.invalid("model", "Le modèle « écho » 🚀 n'existe pas.");
        byte[] bytes = ErrorBody.render(e);
        assertEquals("{\"error\":{\"message\":\"Le modèle « écho » 🚀 n'existe pas.\",\"type\":\"invalid_request_error\","
                + "\"param\":\"model\",\"code\":400}}", new String(bytes, UTF_8));
    }

    @Test
    void param_isEscapedToo() {
        GatewayException e = GatewayException.invalid("logit_bias.\"x\"\n", "m");
        assertEquals("{\"error\":{\"message\":\"m\",\"type\":\"invalid_request_error\","
                + "\"param\":\"logit_bias.\\\"x\\\"\\n\",\"code\":400}}", new String(ErrorBody.render(e), UTF_8));
    }

    @Test
    void renderedBody_parsesBackToTheSameFields() {
        GatewayException e = new GatewayException(ErrorKind.PROVIDER_TIMEOUT, "Upstream \"x\"\u2028 timed out.", null);
        Map<String, Object> parsed = Json.asObject(Json.parse(ErrorBody.render(e)));
        Map<String, Object> error = Json.asObject(parsed.get("error"));
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("message", "Upstream \"x\"\u2028 timed out.");
        expected.put("type", "timeout_error");
        expected.put("param", null);
        expected.put("code", new tollgate.json.JsonNumber("504"));
        assertEquals(expected, error);
        assertEquals(Set.of("error"), parsed.keySet());
    }

    @Test
    void toMap_isAFreshMutableMapInFieldOrder() {
        GatewayException e = new GatewayException(ErrorKind.PROVIDER_ERROR, "x");
        Map<String, Object> m = ErrorBody.toMap(e);
        assertEquals(java.util.List.of("message", "type", "param", "code"),
                java.util.List.copyOf(Json.asObject(m.get("error")).keySet()));
        assertNull(Json.asObject(m.get("error")).get("param"));
        assertTrue(ErrorBody.toMap(e) != m);
    }

    @Test
    void gatewayException_keepsUpstreamStatusAndHasNoStackTrace() {
        GatewayException e = new GatewayException(ErrorKind.PROVIDER_UNAVAILABLE, "x", null, 402, null);
        assertEquals(402, e.upstreamStatus());
        assertEquals(503, e.httpStatus());
        assertEquals(0, e.getStackTrace().length);
        assertEquals(0, GatewayException.invalid("a", "b").upstreamStatus());
    }
}
