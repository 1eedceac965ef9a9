package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.GatewayHarness.CLIENT_KEY;
import static tollgate.gateway.GatewayHarness.errorJson;
import static tollgate.gateway.GatewayHarness.obj;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import tollgate.provider.SseEvent;

/**
 * The two translating surfaces, {@code POST /v1/messages} and {@code POST /v1/responses}, under
 * input and conditions a client cannot be blamed for or should be told about clearly: a body
 * nested as deep as the parser takes (its translation nests one level more: a clear 400, not a
 * 500), and a response store that cannot be written or read (the answer still arrives, with
 * {@code store: false}; a stored file that cannot be read is a 500 that says so, never a dropped
 * connection).
 */
class SurfacesHostileInputTest extends MessagesTestBase {
    static final String DEPTH_MESSAGE = "The request body nests arrays and objects more than 127 levels deep.";

    /** An object nested {@code levels} deep: {@code {"a":{"a":...1...}}}. */
    static String nested(int levels) {
        return "{\"a\":".repeat(levels) + "1" + "}".repeat(levels);
    }

    /** A Messages body whose tool schema sits at level 4: {@code schemaLevels} more make the body that deep, less 1. */
    static String messagesWithSchema(int schemaLevels) {
        return "{\"model\":\"echo\",\"max_tokens\":5,\"tools\":[{\"name\":\"f\",\"input_schema\":" + nested(schemaLevels) + "}],"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
    }

    static String responsesWithSchema(int schemaLevels) {
        return "{\"model\":\"echo\",\"input\":\"x\",\"tools\":[{\"type\":\"function\",\"name\":\"f\",\"parameters\":" + nested(schemaLevels) + "}]}";
    }

    @Test
    void messages_bodyAsDeepAsTheParserTakes_is400_oneLevelLessIsServed() throws Exception {
        // body 1, tools 2, tool 3, schema 4..128: the parser's 128 levels, one more once it is chat's function.parameters
        HttpResponse<String> r = gw.postAs(MESSAGES, messagesWithSchema(125), "x-api-key", CLIENT_KEY);
        assertAnthropicError(r, 400, "invalid_request_error", DEPTH_MESSAGE);
        assertEquals("false", r.headers().firstValue("x-should-retry").orElse(null));

        HttpResponse<String> ok = gw.postAs(MESSAGES, messagesWithSchema(124), "x-api-key", CLIENT_KEY);
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals("application/json", ok.headers().firstValue("content-type").orElse(null));
        assertEquals("message", obj(ok.body()).get("type"));
    }

    @Test
    void messagesCountTokens_bodyTooDeep_is400() throws Exception {
        String body = "{\"model\":\"echo\",\"tools\":[{\"name\":\"f\",\"input_schema\":" + nested(125) + "}],"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
        assertAnthropicError(gw.postAs(MESSAGES + "/count_tokens", body, "x-api-key", CLIENT_KEY), 400, "invalid_request_error",
                DEPTH_MESSAGE);
    }

    @Test
    void responses_bodyAsDeepAsTheParserTakes_is400_oneLevelLessIsServed() throws Exception {
        HttpResponse<String> r = gw.post("/v1/responses", responsesWithSchema(125));
        assertEquals(400, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null));
        assertEquals(errorJson(DEPTH_MESSAGE, "invalid_request_error", null, 400), r.body());

        HttpResponse<String> ok = gw.post("/v1/responses", responsesWithSchema(124));
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals("completed", obj(ok.body()).get("status"));
        assertEquals(Boolean.TRUE, obj(ok.body()).get("store"), "stored: its file nests one level more than the body");
    }

    @Test
    void responses_reasoningAsDeepAsTheParserTakes_is400_notAStoreFailure() throws Exception {
        // body 1, reasoning 2..128; in the stored file, response.reasoning is one level deeper
        HttpResponse<String> r = gw.post("/v1/responses", "{\"model\":\"echo\",\"input\":\"x\",\"reasoning\":" + nested(127) + "}");
        assertEquals(400, r.statusCode(), r.body());
        assertEquals(errorJson(DEPTH_MESSAGE, "invalid_request_error", null, 400), r.body());
    }
}
