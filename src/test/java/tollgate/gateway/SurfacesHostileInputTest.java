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

    @Test
    void responses_storeCannotBeWritten_answerStillArrives_withStoreFalse() throws Exception {
        Files.writeString(dataDir.resolve("responses"), "not a directory"); // every write under it fails

        HttpResponse<String> r = gw.post("/v1/responses", "{\"model\":\"echo\",\"input\":\"hello\"}");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null));
        Map<String, Object> response = obj(r.body());
        assertEquals("completed", response.get("status"));
        assertEquals(Boolean.FALSE, response.get("store"));
        HttpResponse<String> get = gw.get("/v1/responses/" + response.get("id"), "Authorization", "Bearer " + CLIENT_KEY);
        assertEquals(500, get.statusCode(), "the store is broken, and says so: " + get.body());
        assertTrue(get.body().contains("could not be read"), get.body());

        HttpResponse<String> s = gw.post("/v1/responses", "{\"model\":\"echo\",\"input\":\"hello\",\"stream\":true}");
        assertEquals(200, s.statusCode(), s.body());
        assertEquals("text/event-stream", s.headers().firstValue("content-type").orElse(null));
        List<SseEvent> events = ResponsesGatewayTest.events(s.body());
        SseEvent last = events.get(events.size() - 1);
        assertEquals("response.completed", last.event(), s.body());
        Map<String, Object> completed = GatewayHarness.obj(obj(new String(last.data(), java.nio.charset.StandardCharsets.UTF_8)).get("response"));
        assertEquals("completed", completed.get("status"));
        assertEquals(Boolean.FALSE, completed.get("store"));
    }

    @Test
    void responses_storedFileUnreadable_is500ThatSaysSo_forGetAndContinuation() throws Exception {
        HttpResponse<String> r = gw.post("/v1/responses", "{\"model\":\"echo\",\"input\":\"hello\"}");
        assertEquals(200, r.statusCode(), r.body());
        String id = (String) obj(r.body()).get("id");
        Path file;
        try (Stream<Path> files = Files.walk(dataDir.resolve("responses"))) {
            file = files.filter(p -> p.getFileName().toString().equals(id + ".json")).findFirst().orElseThrow();
        }
        // Written by a later version of the gateway (or damaged): the store refuses it.
        Files.writeString(file, "{\"version\":99}");

        HttpResponse<String> get = gw.get("/v1/responses/" + id, "Authorization", "Bearer " + CLIENT_KEY);
        assertEquals(500, get.statusCode(), get.body());
        assertEquals("application/json", get.headers().firstValue("content-type").orElse(null));
        String requestId = get.headers().firstValue("x-request-id").orElseThrow();
        assertEquals(errorJson("The stored response '" + id + "' could not be read (request " + requestId + ").", "server_error", null, 500),
                get.body());
        assertFalse(get.body().contains(dataDir.toString()), "no file path in a client's error");

        HttpResponse<String> next = gw.post("/v1/responses", "{\"model\":\"echo\",\"input\":\"more\",\"previous_response_id\":\"" + id + "\"}");
        assertEquals(500, next.statusCode(), next.body());
        assertTrue(next.body().contains("could not be read"), next.body());
    }

    @Test
    void messages_contextOverflowCaughtByTheGateway_inAnthropicsWords() throws Exception {
        // gpt-small has a 100-token window: the gateway's estimate refuses this before any upstream call
        String body = "{\"model\":\"gpt-small\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\""
                + "word ".repeat(400) + "\"}]}";
        HttpResponse<String> r = gw.postAs(MESSAGES, body, "x-api-key", CLIENT_KEY);
        assertEquals(400, r.statusCode(), r.body());
        String message = (String) obj(obj(r.body()).get("error")).get("message");
        assertTrue(message.matches("prompt is too long: [0-9]+ tokens > 100 maximum"), message);
        assertEquals(List.of(), upstream.requests());
    }

    @Test
    void messages_contextOverflowOfAnAnthropicUpstream_keepsItsWording() throws Exception {
        String upstreamMessage = "prompt is too long: 208656 tokens > 200000 maximum";
        upstream.respondWith(byPath(ANTHROPIC_PATH, FakeUpstream.json(400, "{\"type\":\"error\",\"error\":{\"type\":"
                + "\"invalid_request_error\",\"message\":\"" + upstreamMessage + "\"},\"request_id\":\"req_up\"}")));
        HttpResponse<String> r = gw.postAs(MESSAGES, "{\"model\":\"claude-sonnet\",\"max_tokens\":5,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "x-api-key", CLIENT_KEY);
        assertAnthropicError(r, 400, "invalid_request_error", upstreamMessage);
    }
}
