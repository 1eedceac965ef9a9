package tollgate.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.GatewayHarness.chat;
import static tollgate.gateway.GatewayHarness.errorJson;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Errors the gateway answers itself, before any upstream: exact status, headers and body. */
class RequestErrorsTest extends GatewayTestBase {
    static final int MAX_BODY = 16 * 1024;

    @Override
    GatewayHarness startGateway(FakeUpstream upstream) throws Exception {
        return GatewayHarness.builder(upstream.url(), dataDir).server("max_body_bytes", MAX_BODY).start();
    }

    static void assertError(HttpResponse<String> r, int status, String expectedBody) {
        assertEquals(status, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        assertEquals(expectedBody, r.body());
        assertTrue(r.headers().firstValue("x-request-id").isPresent());
    }

    // ------------------------------------------------------------------ 400

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "{\"model\":\"echo\"} | messages | Missing required parameter: 'messages'.",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]} | model | Missing required parameter: 'model'.",
            "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"temperature\":3} | temperature"
                    + " | Invalid value for 'temperature': expected a number between 0 and 2, got 3.",
            "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"stream\":\"yes\"} | stream"
                    + " | Invalid type for 'stream': expected a boolean, got a string.",
            "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"stream_options\":{\"include_usage\":true}}"
                    + " | stream_options | The 'stream_options' parameter is only allowed when 'stream' is enabled.",
            "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\"}]}]} | messages[0].content[0].text"
                    + " | Missing required parameter: 'messages[0].content[0].text'.",
            "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"tool_choice\":\"auto\"} | tool_choice"
                    + " | Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.",
            "{\"model\":\"echo\",\"messages\":[{\"role\":\"system\",\"content\":\"x\"}]} | messages"
                    + " | Invalid value for 'messages': expected at least one message with role 'user', got none.",
    })
    void invalidRequest_is400NamingTheParam(String body, String param, String message) throws Exception {
        assertError(gw.post("/v1/chat/completions", body), 400, errorJson(message, "invalid_request_error", param, 400));
    }

    @Test
    void nonObjectBody_is400() throws Exception {
        assertError(gw.post("/v1/chat/completions", "[1,2]"), 400,
                errorJson("The request body must be a JSON object, got an array.", "invalid_request_error", null, 400));
    }

    @Test
    void invalidJson_is400WithLineAndColumn() throws Exception {
        assertError(gw.post("/v1/chat/completions", "{\"model\": \"echo\",\n \"messages\": [}"), 400,
                errorJson("The request body is not valid JSON: Unexpected character '}' at line 2, column 15.",
                        "invalid_request_error", null, 400));
    }

    @Test
    void emptyBody_is400() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions", "");
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(r.body().startsWith("{\"error\":{\"message\":\"The request body is not valid JSON: "), r.body());
    }

    @Test
    void deeplyNestedJson_is400NotACrashOrAHang() {
        String deep = "[".repeat(10_000);
        HttpResponse<String> r = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> gw.postAs("/v1/chat/completions", deep, "Authorization", GatewayHarness.AUTH));
        assertError(r, 400, errorJson("The request body is not valid JSON: Nesting deeper than 128 at line 1, column 129.",
                "invalid_request_error", null, 400));
    }

    @Test
    void unknownModel_is400WithParamModel() throws Exception {
        assertError(gw.post("/v1/chat/completions", chat("gpt-9-imaginary", false)), 400,
                errorJson("The model 'gpt-9-imaginary' does not exist on this gateway. GET /v1/models lists the models it serves.",
                        "invalid_request_error", "model", 400));
    }

    @Test
    void disabledProvidersModel_is503NamingTheUnsetVariable() throws Exception {
        assertError(gw.post("/v1/chat/completions", chat("vault-model", false)), 503,
                errorJson("The model 'vault-model' is served by provider 'vault', which is not enabled: "
                        + "TG_TEST_VAULT_KEY is not set.", "service_unavailable", "model", 503));
        assertEquals(0, upstream.requests().size());
    }

    // ------------------------------------------------------------------ 401

    static final String MISSING_KEY = errorJson("Missing API key: send it as \"Authorization: Bearer <key>\".",
            "authentication_error", null, 401);
    static final String MALFORMED = errorJson("Malformed Authorization header: expected \"Bearer <key>\".",
            "authentication_error", null, 401);
    static final String INVALID_KEY = errorJson("Invalid API key.", "authentication_error", null, 401);

    @Test
    void noAuthorizationHeader_is401() throws Exception {
        var r = gw.postAs("/v1/chat/completions", chat("echo", false));
        assertError(r, 401, MISSING_KEY);
        // RFC 9110 §11.6.1: a 401 names the scheme to use.
        assertEquals("Bearer", r.headers().firstValue("www-authenticate").orElse(null));
    }

    @Test
    void wrongKey_is401() throws Exception {
        assertError(gw.postAs("/v1/chat/completions", chat("echo", false), "Authorization", "Bearer sk-test-0123456789abcdeX"),
                401, INVALID_KEY);
    }

    @ParameterizedTest
    @CsvSource({"Basic c2stdGVzdA==", "Bearer", "sk-test-0123456789abcdef", "Token", "Digest sk-test-0123456789abcdef"})
    void malformedAuthorizationHeader_is401(String header) throws Exception {
        assertError(gw.postAs("/v1/chat/completions", chat("echo", false), "Authorization", header), 401, MALFORMED);
    }

    @Test
    void bearerScheme_isCaseInsensitive() throws Exception {
        assertEquals(200, gw.postAs("/v1/chat/completions", chat("echo", false),
                "Authorization", "bearer " + GatewayHarness.CLIENT_KEY).statusCode());
    }

    @Test
    void deepgramsTokenScheme_authenticatesToo() throws Exception {
        // Deepgram's API and SDKs send "Authorization: Token <key>" (issue 10: /v1/listen, /v1/speak).
        assertEquals(200, gw.postAs("/v1/chat/completions", chat("echo", false),
                "Authorization", "Token " + GatewayHarness.CLIENT_KEY).statusCode());
        assertError(gw.postAs("/v1/chat/completions", chat("echo", false), "Authorization", "Token sk-test-0123456789abcdeX"),
                401, INVALID_KEY);
    }

    @Test
    void authentication_comesBeforeBodyValidation() throws Exception {
        assertError(gw.postAs("/v1/chat/completions", "{not json"), 401, MISSING_KEY);
    }

    // ------------------------------------------------------------------ 404, 405

    @Test
    void unknownPath_is404() throws Exception {
        // The hint naming the base URL, and the paths it suggests: FrontDoorTest.
        String hint = " Tollgate serves the OpenAI API under http://127.0.0.1:" + gw.port()
                + "/v1 (e.g. POST /v1/chat/completions); GET /v1/models lists the models.";
        assertError(gw.get("/v1/nope"), 404, errorJson("Unknown path GET /v1/nope." + hint, "not_found_error", null, 404));
        assertError(gw.post("/chat/completionz/x", chat("echo", false)), 404,
                errorJson("Unknown path POST /chat/completionz/x." + hint, "not_found_error", null, 404));
    }

    @Test
    void wrongMethod_is405WithAllow() throws Exception {
        HttpResponse<String> r = gw.get("/v1/chat/completions", "Authorization", GatewayHarness.AUTH);
        assertError(r, 405, errorJson("Method GET is not allowed on /v1/chat/completions; use POST.",
                "invalid_request_error", null, 405));
        assertEquals("POST", r.headers().firstValue("allow").orElseThrow());

        HttpResponse<String> m = gw.send(gw.request("/api/models").DELETE().build());
        assertError(m, 405, errorJson("Method DELETE is not allowed on /api/models; use GET.", "invalid_request_error", null, 405));
        assertEquals("GET", m.headers().firstValue("allow").orElseThrow());
    }

    // ------------------------------------------------------------------ 413

    static final String TOO_LARGE = errorJson("Request body is larger than the gateway's limit of " + MAX_BODY + " bytes.",
            "invalid_request_error", null, 413);

    /** A valid echo request padded with spaces to exactly {@code size} bytes. */
    static String paddedTo(int size) {
        String base = chat("echo", false);
        return base + " ".repeat(size - base.length());
    }

    @Test
    void bodyOfExactlyTheLimit_isAccepted() throws Exception {
        assertEquals(200, gw.post("/v1/chat/completions", paddedTo(MAX_BODY)).statusCode());
    }

    @Test
    void bodyOverTheLimitWithContentLength_is413BeforeTheBodyIsSent() throws Exception {
        try (RawHttp raw = gw.raw()) {
            raw.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: " + GatewayHarness.AUTH
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + (MAX_BODY + 1) + "\r\n\r\n");
            RawHttp.Head head = raw.readHead();
            assertEquals(413, head.status());
            assertEquals(TOO_LARGE, new String(raw.readBody(head), UTF_8));
        }
    }

    @Test
    void bodyOverTheLimitWithContentLength_is413AlsoThroughHttpClient() throws Exception {
        assertError(gw.post("/v1/chat/completions", paddedTo(MAX_BODY + 1)), 413, TOO_LARGE);
    }

    @Test
    void chunkedBodyOverTheLimit_is413() throws Exception {
        try (RawHttp raw = gw.raw()) {
            StringBuilder req = new StringBuilder("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: "
                    + GatewayHarness.AUTH + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
            String body = paddedTo(MAX_BODY + 1);
            for (int i = 0; i < body.length(); i += 1000) {
                String piece = body.substring(i, Math.min(body.length(), i + 1000));
                req.append(Integer.toHexString(piece.length())).append("\r\n").append(piece).append("\r\n");
            }
            raw.send(req.append("0\r\n\r\n").toString());
            RawHttp.Head head = raw.readHead();
            assertEquals(413, head.status());
            assertEquals(TOO_LARGE, new String(raw.readBody(head), UTF_8));
        }
    }

    @Test
    void chunkedBodyWithinTheLimit_isAccepted() throws Exception {
        HttpResponse<String> r = gw.send(gw.request("/v1/chat/completions", "Authorization", GatewayHarness.AUTH)
                .POST(HttpRequest.BodyPublishers.ofInputStream(
                        () -> new java.io.ByteArrayInputStream(paddedTo(MAX_BODY).getBytes(UTF_8)))).build());
        assertEquals(200, r.statusCode(), r.body());
    }

    // ------------------------------------------------------------------ malformed HTTP

    @Test
    void negativeContentLength_isA400NotA500() throws Exception {
        try (RawHttp raw = gw.raw()) {
            raw.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: " + GatewayHarness.AUTH
                    + "\r\nContent-Length: -5\r\n\r\n");
            RawHttp.Head head = raw.readHead();
            assertEquals(400, head.status(), head.statusLine() + " " + new String(raw.readBody(head), UTF_8));
        }
    }

    @Test
    void malformedRequestLine_isRefusedAndTheGatewayKeepsServing() throws Exception {
        try (RawHttp raw = gw.raw()) {
            raw.send("GARBAGE\r\n\r\n");
            String answer = new String(raw.readToEof(), UTF_8);
            assertTrue(answer.startsWith("HTTP/1.1 400 "), answer);
        }
        assertEquals(200, gw.get("/healthz").statusCode());
    }
}
