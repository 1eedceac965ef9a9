package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.GatewayHarness.UUID_V4;
import static tollgate.gateway.GatewayHarness.errorJson;
import static tollgate.gateway.GatewayHarness.obj;
import static tollgate.gateway.GatewayHarness.sseData;

import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code POST /chat}, seed 000's legacy flat JSON, under every layout: exact answers (reply, model,
 * policy, task, usage, cost, savings, execution id), the SSE form, what the upstream is sent, and
 * the 400s of the flat request.
 *
 * <p>Numbers: echo's usage is prompt = ceil(chars of all message text / 4), completion = words of
 * the reply. The standard config has no {@code router.baseline_model}, so the baseline is the
 * priced model with the best general quality: gpt-4o-mini (72; echo scores 1, vault-model has no
 * prices), at 0.00000015 / 0.0000006 USD per prompt / completion token.
 */
class LegacyChatTest extends GatewayTestBase {
    static final List<String> PREFIXES = List.of("/v1", "/api", "/api/gateway");

    /**
     * Only echo is enabled (so neo-mode picks it), plus a disabled provider with a priced gpt-4o,
     * which is then the savings baseline (built-in general quality 86): 0.0000025 / 0.00001 USD.
     */
    static final String ECHO_ONLY_CONFIG = """
            {
              "server": {"access_log": false},
              "router": {"retries": 0, "breaker": {"min_requests": 1000000}},
              "keys": [{"name": "t", "key": "sk-test-0123456789abcdef"}],
              "providers": {
                "echo": {"kind": "echo"},
                "vault": {"kind": "openai", "base_url": "${FAKE_URL}/v1", "api_key": "${TG_TEST_VAULT_KEY}"}
              },
              "models": [
                {"id": "echo", "provider": "echo", "name": "Echo", "context_length": 131072,
                 "pricing": {"prompt": "0", "completion": "0"}, "created": 1700000000},
                {"id": "gpt-4o", "provider": "vault", "context_length": 128000,
                 "pricing": {"prompt": "0.0000025", "completion": "0.00001"}}
              ]
            }
            """;

    static final String UPSTREAM_COMPLETION = "{\"id\":\"chatcmpl-l1\",\"object\":\"chat.completion\",\"created\":1700000000,"
            + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
            + "\"content\":\"Paris, of course.\"},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":12,\"total_tokens\":21}}";

    @Override
    FakeUpstream newUpstream() throws Exception {
        return new FakeUpstream().respondWith(FakeUpstream.json(200, UPSTREAM_COMPLETION));
    }

    private void echoOnly() throws Exception {
        gw.close();
        gw = GatewayHarness.builder(upstream.url(), dataDir).config(ECHO_ONLY_CONFIG).start();
    }

    /** The execution id of a flat answer, checked to be a v4 UUID. */
    static String executionId(String body) {
        String id = (String) obj(body).get("execution_id");
        assertTrue(id != null && UUID_V4.matcher(id).matches(), body);
        return id;
    }

    static String flat(String reply, String model, String policy, String task, long prompt, long completion,
                       String cost, String savings, String executionId) {
        return "{\"reply\":\"" + reply + "\"," + summary(model, policy, task, prompt, completion, cost, savings, executionId) + "}";
    }

    static String summary(String model, String policy, String task, long prompt, long completion, String cost,
                          String savings, String executionId) {
        return "\"model\":\"" + model + "\",\"policy\":" + quoted(policy) + ",\"task\":" + quoted(task)
                + ",\"usage\":{\"prompt_tokens\":" + prompt + ",\"completion_tokens\":" + completion + ",\"total_tokens\":"
                + (prompt + completion) + "},\"cost\":" + cost + ",\"savings\":" + savings + ",\"execution_id\":\""
                + executionId + "\"";
    }

    private static String quoted(String s) { return s == null ? "null" : "\"" + s + "\""; }

    static final String MISSING_KEY = errorJson("Missing API key: send it as \"Authorization: Bearer <key>\".",
            "authentication_error", null, 401);
    static final String INVALID_KEY = errorJson("Invalid API key.", "authentication_error", null, 401);

    static void assertError(HttpResponse<String> r, int status, String expectedBody) {
        assertEquals(status, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        assertEquals(expectedBody, r.body());
    }

    // ------------------------------------------------------------------ non-stream

    @ParameterizedTest
    @ValueSource(strings = {"/v1", "/api", "/api/gateway"})
    void echo_answersTheFlatShapeWithExactUsageCostAndSavings(String prefix) throws Exception {
        HttpResponse<String> r = gw.post(prefix + "/chat", "{\"message\":\"hi\",\"model\":\"echo\"}");

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        String id = executionId(r.body());
        // prompt ceil(2/4) = 1, completion 2 words ("Echo: hi"); cost 0 (echo is free);
        // savings 1 × 0.00000015 + 2 × 0.0000006 = 0.00000135 on gpt-4o-mini
        assertEquals("{\"reply\":\"Echo: hi\",\"model\":\"echo\",\"policy\":null,\"task\":null,"
                + "\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,\"total_tokens\":3},"
                + "\"cost\":0,\"savings\":0.00000135,\"execution_id\":\"" + id + "\"}", r.body());
        assertEquals("echo/echo", r.headers().firstValue("x-tollgate-route").orElseThrow());
    }

    @Test
    void executionId_isNewForEveryRequest() throws Exception {
        String a = executionId(gw.post("/v1/chat", "{\"message\":\"hi\",\"model\":\"echo\"}").body());
        String b = executionId(gw.post("/v1/chat", "{\"message\":\"hi\",\"model\":\"echo\"}").body());
        assertTrue(!a.equals(b), a);
    }

    @Test
    void echo_withSystemAndHistory_echoesTheLastUserMessageAndCountsTheWholeConversation() throws Exception {
        HttpResponse<String> r = gw.post("/api/chat", "{\"message\":\"And Spain?\",\"model\":\"echo\",\"system\":\"Be brief.\","
                + "\"history\":[{\"role\":\"user\",\"content\":\"Capital of France?\"},{\"role\":\"assistant\",\"content\":\"Paris.\"}]}");

        assertEquals(200, r.statusCode(), r.body());
        // chars 9 + 18 + 6 + 10 = 43 → prompt 11; "Echo: And Spain?" is 3 words;
        // savings 11 × 0.00000015 + 3 × 0.0000006 = 0.00000165 + 0.0000018 = 0.00000345
        assertEquals(flat("Echo: And Spain?", "echo", null, null, 11, 3, "0", "0.00000345", executionId(r.body())), r.body());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1", "/api", "/api/gateway"})
    void systemAndHistory_reachTheUpstreamInOrderWithoutGatewayFields(String prefix) throws Exception {
        String request = "{\"message\":\"And Spain?\",\"model\":\"gpt-4o-mini\",\"system\":\"Be brief.\","
                + "\"history\":[{\"role\":\"user\",\"content\":\"Capital of France?\"},{\"role\":\"assistant\",\"content\":\"Paris.\"},"
                + "{\"role\":\"system\",\"content\":\"Answer in one word.\"}],"
                + "\"temperature\":0.70,\"max_tokens\":50,\"taskHint\":\"general\",\"metadata\":{\"request_id\":\"legacy-1\"}}";
        HttpResponse<String> r = gw.post(prefix + "/chat", request);

        assertEquals(200, r.statusCode(), r.body());
        FakeUpstream.Received req = upstream.takeRequest();
        assertEquals("/v1/chat/completions", req.path());
        assertEquals("{\"model\":\"gpt-4o-mini-2024-07-18\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                + "{\"role\":\"user\",\"content\":\"Capital of France?\"},{\"role\":\"assistant\",\"content\":\"Paris.\"},"
                + "{\"role\":\"system\",\"content\":\"Answer in one word.\"},{\"role\":\"user\",\"content\":\"And Spain?\"}],"
                + "\"temperature\":0.70,\"max_tokens\":50}", req.bodyText());
        // 9 × 0.00000015 + 12 × 0.0000006 = 0.00000855; the baseline is gpt-4o-mini itself
        assertEquals(flat("Paris, of course.", "gpt-4o-mini", null, null, 9, 12, "0.00000855", "0", executionId(r.body())),
                r.body());
        assertEquals("openai/gpt-4o-mini-2024-07-18", r.headers().firstValue("x-tollgate-route").orElseThrow());
    }

    @Test
    void withoutModel_neoModeSendsPolicyAndTaskHintNowhereUpstream() throws Exception {
        // The standard config: gpt-4o-mini is the only online model, so neo-mode picks it.
        HttpResponse<String> r = gw.post("/v1/chat", "{\"message\":\"hi\",\"policy\":\"frugal\",\"taskHint\":\"writing\","
                + "\"history\":[{\"role\":\"user\",\"content\":\"hello\"}]}");

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("{\"model\":\"gpt-4o-mini-2024-07-18\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"},"
                + "{\"role\":\"user\",\"content\":\"hi\"}]}", upstream.takeRequest().bodyText());
        assertEquals(flat("Paris, of course.", "gpt-4o-mini", "frugal", "writing", 9, 12, "0.00000855", "0",
                executionId(r.body())), r.body());
    }

    // ------------------------------------------------------------------ neo-mode (echo only)

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            // body | policy | task | prompt | completion | savings (× 0.0000025 + × 0.00001 on gpt-4o)
            "{\"message\":\"hi\"} | balanced | general | 1 | 2 | 0.0000225",
            "{\"message\":\"hi\",\"policy\":\"frugal\"} | frugal | general | 1 | 2 | 0.0000225",
            "{\"message\":\"hi\",\"policy\":\"premium\",\"taskHint\":\"reasoning\"} | premium | reasoning | 1 | 2 | 0.0000225",
            "{\"message\":\"hi\",\"taskHint\":\"code-generation\"} | balanced | code-generation | 1 | 2 | 0.0000225",
            "{\"message\":\"hi\",\"model\":\"neo-mode/premium\"} | premium | general | 1 | 2 | 0.0000225",
            "{\"message\":\"hi\",\"model\":\"neo-mode\",\"policy\":\"frugal\"} | frugal | general | 1 | 2 | 0.0000225",
            // 26 chars → 7 prompt tokens, 7 words: 0.0000175 + 0.00007
            "{\"message\":\"Write a poem about the sea\"} | balanced | writing | 7 | 7 | 0.0000875",
            // 12 chars → 3 prompt tokens, "Echo: Prove 1 = 1." is 5 words: 0.0000075 + 0.00005; inferred reasoning
            "{\"message\":\"Prove 1 = 1.\",\"policy\":\"frugal\"} | frugal | reasoning | 3 | 5 | 0.0000575",
    })
    void withoutModel_neoModePicksEchoWithPolicyAndTask(String body, String policy, String task, long prompt, long completion,
                                                       String savings) throws Exception {
        echoOnly();
        for (String prefix : PREFIXES) {
            HttpResponse<String> r = gw.post(prefix + "/chat", body);

            assertEquals(200, r.statusCode(), r.body());
            String message = (String) obj(body).get("message");
            assertEquals(flat("Echo: " + message, "echo", policy, task, prompt, completion, "0", savings, executionId(r.body())),
                    r.body(), prefix);
            assertEquals("echo/echo", r.headers().firstValue("x-tollgate-route").orElseThrow());
        }
    }

    @Test
    void neoModePolicyInModelAndAnotherInPolicy_is400() throws Exception {
        echoOnly();
        assertError(gw.post("/v1/chat", "{\"message\":\"hi\",\"model\":\"neo-mode/frugal\",\"policy\":\"premium\"}"), 400,
                errorJson("'policy' is 'premium' but the model asks for neo-mode/frugal; send one of them.",
                        "invalid_request_error", "policy", 400));
    }

    @Test
    void policyWithADirectModel_is400() throws Exception {
        assertError(gw.post("/v1/chat", "{\"message\":\"hi\",\"model\":\"echo\",\"policy\":\"frugal\"}"), 400,
                errorJson("'policy' chooses a neo-mode policy; send it with model 'neo-mode', or send model 'neo-mode/frugal'.",
                        "invalid_request_error", "policy", 400));
        assertEquals(0, upstream.requests().size());
    }

    // ------------------------------------------------------------------ stream

    @ParameterizedTest
    @ValueSource(strings = {"/v1", "/api", "/api/gateway"})
    void stream_isDeltasPerWordThenDoneWithTheSummaryAndNothingElse(String prefix) throws Exception {
        HttpResponse<InputStream> r = gw.postStream(prefix + "/chat", "{\"message\":\"hi\",\"model\":\"echo\",\"stream\":true}");

        assertEquals(200, r.statusCode());
        assertEquals("text/event-stream", r.headers().firstValue("content-type").orElseThrow());
        assertEquals("echo/echo", r.headers().firstValue("x-tollgate-route").orElseThrow());
        String text = GatewayHarness.readAll(r.body());
        List<String> events = sseData(text);
        assertEquals(3, events.size(), text);
        String id = executionId(events.get(2));
        String done = "{\"done\":true," + summary("echo", null, null, 1, 2, "0", "0.00000135", id) + "}";
        assertEquals(List.of("{\"delta\":\"Echo:\"}", "{\"delta\":\" hi\"}", done), events);
        assertTrue(text.endsWith("data: " + done + "\n\n"), text);
        assertTrue(!text.contains("[DONE]"), text);
    }

    @Test
    void stream_neoMode_deltasConcatenateToTheReplyAndDoneNamesPolicyAndTask() throws Exception {
        echoOnly();
        HttpResponse<InputStream> r = gw.postStream("/api/gateway/chat",
                "{\"message\":\"Write a poem about the sea\",\"policy\":\"premium\",\"stream\":true}");

        assertEquals(200, r.statusCode());
        assertEquals("text/event-stream", r.headers().firstValue("content-type").orElseThrow());
        List<String> events = sseData(GatewayHarness.readAll(r.body()));
        List<String> expected = new ArrayList<>();
        for (String piece : List.of("Echo:", " Write", " a", " poem", " about", " the", " sea")) {
            expected.add("{\"delta\":\"" + piece + "\"}");
        }
        String id = executionId(events.get(events.size() - 1));
        expected.add("{\"done\":true," + summary("echo", "premium", "writing", 7, 7, "0", "0.0000875", id) + "}");
        assertEquals(expected, events);
    }

    @Test
    void stream_fromAnUpstream_relaysTheTextAsDeltas() throws Exception {
        upstream.respondWith(FakeUpstream.sse(FakeUpstream.data(chunk("{\"role\":\"assistant\",\"content\":\"\"}", "null")),
                FakeUpstream.data(chunk("{\"content\":\"Hel\"}", "null")),
                FakeUpstream.data(chunk("{\"content\":\"lo \\\"ünï\\\"\\n🚀\"}", "null")),
                FakeUpstream.data(chunk("{}", "\"stop\"")),
                FakeUpstream.data("{\"id\":\"chatcmpl-s1\",\"object\":\"chat.completion.chunk\",\"created\":1700000001,"
                        + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[],"
                        + "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":3,\"total_tokens\":12}}"),
                FakeUpstream.DONE));
        HttpResponse<InputStream> r = gw.postStream("/v1/chat", "{\"message\":\"hi\",\"model\":\"gpt-4o-mini\",\"stream\":true}");

        List<String> events = sseData(GatewayHarness.readAll(r.body()));
        String id = executionId(events.get(events.size() - 1));
        // usage 9 / 3: 0.00000135 + 0.0000018 = 0.00000315; the baseline is the model itself
        assertEquals(List.of("{\"delta\":\"Hel\"}", "{\"delta\":\"lo \\\"ünï\\\"\\n🚀\"}",
                "{\"done\":true," + summary("gpt-4o-mini", null, null, 9, 3, "0.00000315", "0", id) + "}"), events);
        assertEquals("openai/gpt-4o-mini-2024-07-18", r.headers().firstValue("x-tollgate-route").orElseThrow());
    }

    @Test
    void stream_unknownModel_isAPlainJsonErrorNotAnEventStream() throws Exception {
        assertError(gw.post("/v1/chat", "{\"message\":\"hi\",\"model\":\"nope\",\"stream\":true}"), 400,
                errorJson("The model 'nope' does not exist on this gateway. GET /v1/models lists the models it serves.",
                        "invalid_request_error", "model", 400));
    }

    @Test
    void stream_upstreamFailsBeforeAnyText_isAPlainJsonError() throws Exception {
        upstream.respondWith(FakeUpstream.json(500,
                "{\"error\":{\"message\":\"The server had an error.\",\"type\":\"server_error\",\"param\":null,\"code\":null}}"));
        assertError(gw.post("/api/chat", "{\"message\":\"hi\",\"model\":\"gpt-4o-mini\",\"stream\":true}"), 502,
                errorJson("Provider 'openai' failed (HTTP 500): The server had an error.", "upstream_error", null, 502));
    }

    /** An OpenAI stream chunk as sent with include_usage on. */
    static String chunk(String delta, String finishReason) {
        return "{\"id\":\"chatcmpl-s1\",\"object\":\"chat.completion.chunk\",\"created\":1700000001,"
                + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":" + delta
                + ",\"logprobs\":null,\"finish_reason\":" + finishReason + "}],\"usage\":null}";
    }

    // ------------------------------------------------------------------ validation

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "{\"model\":\"echo\"} | message | Missing required parameter: 'message'.",
            "{\"message\":null} | message | Missing required parameter: 'message'.",
            "{\"message\":5} | message | Invalid type for 'message': expected a string, got a number.",
            "{\"message\":[\"hi\"]} | message | Invalid type for 'message': expected a string, got an array.",
            "{\"message\":\"  \"} | message | Invalid value for 'message': expected a non-empty string, got '  '.",
            "{\"message\":\"\"} | message | Invalid value for 'message': expected a non-empty string, got an empty string.",
            "{\"mesage\":\"hi\"} | mesage | Unknown field 'mesage' for POST /chat; its fields are: message, policy, taskHint,"
                    + " model, system, history, stream, temperature, max_tokens, metadata.",
            "{\"message\":\"hi\",\"messages\":[]} | messages | Unknown field 'messages' for POST /chat; its fields are: message,"
                    + " policy, taskHint, model, system, history, stream, temperature, max_tokens, metadata.",
            "{\"message\":\"hi\",\"system\":1} | system | Invalid type for 'system': expected a string, got a number.",
            "{\"message\":\"hi\",\"history\":\"x\"} | history | Invalid type for 'history': expected an array of {role, content},"
                    + " got a string.",
            "{\"message\":\"hi\",\"history\":{}} | history | Invalid type for 'history': expected an array of {role, content},"
                    + " got an object.",
            "{\"message\":\"hi\",\"history\":[\"x\"]} | history[0] | Invalid type for 'history[0]': expected an object"
                    + " {role, content}, got a string.",
            "{\"message\":\"hi\",\"history\":[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"tool\",\"content\":\"b\"}]}"
                    + " | history[1].role | Invalid value for 'history[1].role': expected one of 'system', 'user', 'assistant',"
                    + " got 'tool'.",
            "{\"message\":\"hi\",\"history\":[{\"content\":\"a\"}]} | history[0].role | Invalid type for 'history[0].role':"
                    + " expected a string, got null.",
            "{\"message\":\"hi\",\"history\":[{\"role\":\"user\",\"content\":null}]} | history[0].content"
                    + " | Invalid type for 'history[0].content': expected a string, got null.",
            "{\"message\":\"hi\",\"history\":[{\"role\":\"user\",\"content\":\"a\",\"name\":\"bob\"}]} | history[0].name"
                    + " | Unknown field 'name' in history[0]; expected role and content.",
            "{\"message\":\"hi\",\"taskHint\":\"coding\"} | taskHint | Invalid value for 'taskHint': expected one of 'writing',"
                    + " 'code-generation', 'reasoning', 'vision', 'general', got 'coding'.",
            "{\"message\":\"hi\",\"taskHint\":1} | taskHint | Invalid type for 'taskHint': expected a string, got a number.",
            "{\"message\":\"hi\",\"policy\":\"cheap\"} | policy | Invalid value for 'policy': expected one of 'frugal',"
                    + " 'balanced', 'premium', got 'cheap'.",
            "{\"message\":\"hi\",\"model\":7} | model | Invalid type for 'model': expected a string, got a number.",
            "{\"message\":\"hi\",\"model\":\"nope\"} | model | The model 'nope' does not exist on this gateway."
                    + " GET /v1/models lists the models it serves.",
            "{\"message\":\"hi\",\"model\":\"neo-mode/cheap\"} | model | Unknown neo-mode policy 'cheap': use neo-mode/frugal,"
                    + " neo-mode/balanced or neo-mode/premium.",
            "{\"message\":\"hi\",\"temperature\":3} | temperature | Invalid value for 'temperature': expected a number between"
                    + " 0 and 2, got 3.",
            "{\"message\":\"hi\",\"stream\":\"yes\"} | stream | Invalid type for 'stream': expected a boolean, got a string.",
            "{\"message\":\"hi\",\"max_tokens\":0} | max_tokens | Invalid value for 'max_tokens': expected an integer of at least"
                    + " 1 that fits in 64 bits, got 0.",
    })
    void invalidRequest_is400NamingTheField(String body, String param, String message) throws Exception {
        for (String prefix : PREFIXES) {
            assertError(gw.post(prefix + "/chat", body), 400, errorJson(message, "invalid_request_error", param, 400));
        }
        assertEquals(0, upstream.requests().size());
    }

    @Test
    void nonObjectBody_is400() throws Exception {
        assertError(gw.post("/v1/chat", "[\"hi\"]"), 400,
                errorJson("The request body must be a JSON object, got an array.", "invalid_request_error", null, 400));
    }

    @Test
    void invalidJson_is400() throws Exception {
        for (String prefix : PREFIXES) {
            assertError(gw.post(prefix + "/chat", "{\"message\": \"hi\",\n \"history\": [}"), 400,
                    errorJson("The request body is not valid JSON: Unexpected character '}' at line 2, column 14.",
                            "invalid_request_error", null, 400));
        }
    }

    @Test
    void noAuthorization_is401() throws Exception {
        for (String prefix : PREFIXES) {
            HttpResponse<String> r = gw.postAs(prefix + "/chat", "{\"message\":\"hi\",\"model\":\"echo\"}");
            assertError(r, 401, MISSING_KEY);
            assertEquals("Bearer", r.headers().firstValue("www-authenticate").orElse(null));
        }
        assertError(gw.postAs("/v1/chat", "{\"message\":\"hi\"}", "Authorization", "Bearer sk-test-0123456789abcdeX"), 401,
                INVALID_KEY);
    }
}
