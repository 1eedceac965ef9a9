package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.FakeUpstream.DONE;
import static tollgate.gateway.FakeUpstream.data;
import static tollgate.gateway.GatewayHarness.errorJson;
import static tollgate.gateway.GatewayHarness.obj;
import static tollgate.gateway.ProviderKindsTestBase.byPath;

import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code POST /fim/completions} end to end (issue 10, seed 002): Mistral's request and answer
 * shapes on every path layout, to Mistral's own FIM endpoint (passed through), to an
 * OpenAI-compatible {@code /completions} that takes {@code suffix} (translated both ways), and
 * to the offline echo provider; {@code max_tokens} capped; non-FIM models and bad parameters
 * refused with a 400 that names them. The upstream bodies follow Mistral's and OpenAI's
 * documented shapes (protocols.md §2, §6).
 */
class FimGatewayTest extends CompletionsTestBase {
    static final String PROMPT = "def fibonacci(n):\n    if n <= 1:\n        return n\n    ";
    static final String SUFFIX = "\n\nprint(fibonacci(10))";
    static final String MIDDLE = "return fibonacci(n - 1) + fibonacci(n - 2)";
    static final String ASK = "{\"model\":\"codestral\",\"prompt\":" + lit(PROMPT) + ",\"suffix\":" + lit(SUFFIX)
            + ",\"max_tokens\":200,\"temperature\":0,\"stop\":[\"\\n\\n\"],\"random_seed\":7}";

    /** Mistral's FIM answer (chat-completion shaped, protocols.md §6). */
    static final String MISTRAL_ANSWER = "{\"id\":\"447e3e0d457e42e98248b5d2ef52a2a3\",\"object\":\"chat.completion\","
            + "\"model\":\"codestral-2405\",\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":12,\"total_tokens\":32},"
            + "\"created\":1718113289,\"choices\":[{\"index\":0,\"message\":{\"content\":" + lit(MIDDLE) + ",\"tool_calls\":null,"
            + "\"prefix\":false,\"role\":\"assistant\"},\"finish_reason\":\"stop\"}]}";

    static String mistralChunk(String model, String delta, String finish, String usage) {
        return "{\"id\":\"b0d9c3e6a8d84b6c\",\"object\":\"chat.completion.chunk\",\"created\":1718113289,\"model\":\"" + model + "\","
                + "\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":" + finish + "}]"
                + (usage == null ? "" : ",\"usage\":" + usage) + "}";
    }

    static final String USAGE = "{\"prompt_tokens\":20,\"total_tokens\":23,\"completion_tokens\":3}";

    /** An OpenAI-compatible server's text_completion (vLLM's shape). */
    static final String TEXT_ANSWER = "{\"id\":\"cmpl-8f2a\",\"object\":\"text_completion\",\"created\":1718113300,"
            + "\"model\":\"deepseek-coder-v2\",\"choices\":[{\"index\":0,\"text\":" + lit(MIDDLE) + ",\"logprobs\":null,"
            + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":21,\"completion_tokens\":13,\"total_tokens\":34}}";

    static String textChunk(String text, String finish) {
        return "{\"id\":\"cmpl-8f2b\",\"object\":\"text_completion\",\"created\":1718113301,\"model\":\"deepseek-coder-v2\","
                + "\"choices\":[{\"index\":0,\"text\":" + lit(text) + ",\"logprobs\":null,\"finish_reason\":" + finish + "}],\"usage\":null}";
    }

    // ------------------------------------------------------------------ Mistral's FIM endpoint

    @Test
    void toMistral_theRequestAndAnswerPassThrough_withTheClientsModelAndTheExtension() throws Exception {
        upstream.respondWith(byPath(FIM_PATH, FakeUpstream.json(200, MISTRAL_ANSWER)));

        HttpResponse<String> r = gw.post("/v1/fim/completions", ASK, "x-request-id", "fim-1");

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("mistral/codestral-2405", r.headers().firstValue("x-tollgate-route").orElseThrow());
        // 20 × 0.0000003 + 12 × 0.0000009 = 0.0000168 USD: 1 credit, rounded up
        assertEquals(MISTRAL_ANSWER.replace("\"model\":\"codestral-2405\"", "\"model\":\"codestral\"")
                .replaceFirst("}$", ",\"tollgate\":{\"execution_id\":\"" + ext(r.body()).get("execution_id")
                        + "\",\"request_id\":\"fim-1\",\"cost\":0.0000168,\"credits_charged\":1}}"), r.body());
        FakeUpstream.Received req = upstream.takeRequest();
        assertEquals(FIM_PATH, req.path());
        assertEquals("Bearer " + MISTRAL_KEY, req.header("authorization"));
        assertEquals("application/json", req.header("accept"));
        assertEquals("fim-1", req.header("x-request-id"));
        assertEquals(ASK.replace("\"model\":\"codestral\"", "\"model\":\"codestral-2405\""), req.bodyText());
    }

    @Test
    void toMistral_aStreamPassesThrough_theUsageChunkLast_withTheCharge() throws Exception {
        upstream.respondWith(byPath(FIM_PATH, FakeUpstream.sse(
                data(mistralChunk("codestral-2405", "{\"role\":\"assistant\",\"content\":\"\"}", "null", null)),
                data(mistralChunk("codestral-2405", "{\"content\":\"return fib\"}", "null", null)),
                data(mistralChunk("codestral-2405", "{\"content\":\"onacci(n - 1)\"}", "null", null)),
                data(mistralChunk("codestral-2405", "{\"content\":\"\"}", "\"stop\"", USAGE)),
                DONE)));

        String body = stream("/v1/fim/completions", ASK.replace("{\"model\"", "{\"stream\":true,\"model\""), "x-request-id", "fim-2");

        String first = mistralChunk("codestral", "{\"role\":\"assistant\",\"content\":\"\"}", "null", null);
        List<String> events = GatewayHarness.sseData(body);
        // 20 × 0.0000003 + 3 × 0.0000009 = 0.0000087 USD
        assertEquals(data(first.replaceFirst("}$", ",\"tollgate\":" + ids(events.get(0), "fim-2") + "}"))
                + data(mistralChunk("codestral", "{\"content\":\"return fib\"}", "null", null))
                + data(mistralChunk("codestral", "{\"content\":\"onacci(n - 1)\"}", "null", null))
                + data(mistralChunk("codestral", "{\"content\":\"\"}", "\"stop\"", USAGE)
                        .replaceFirst("}$", ",\"tollgate\":{\"cost\":0.0000087,\"credits_charged\":1}}"))
                + DONE, body);
        FakeUpstream.Received req = upstream.takeRequest();
        assertEquals("text/event-stream", req.header("accept"));
        assertEquals("{\"stream\":true,\"model\":\"codestral-2405\"," + ASK.substring("{\"model\":\"codestral\",".length()),
                req.bodyText());
    }

    // ------------------------------------------------------------------ OpenAI-compatible /completions

    @Test
    void toAnOpenAiCompatibleServer_theRequestBecomesPromptAndSuffix_andTheAnswerMistralsShape() throws Exception {
        upstream.respondWith(byPath(COMPLETIONS_PATH, FakeUpstream.json(200, TEXT_ANSWER)));

        HttpResponse<String> r = gw.post("/v1/fim/completions", ASK.replace("codestral", "deepseek-coder"), "x-request-id", "fim-3");

        assertEquals(200, r.statusCode(), r.body());
        // 21 × 0.00000014 + 13 × 0.00000028 = 0.00000658 USD
        assertEquals("{\"id\":\"cmpl-8f2a\",\"object\":\"chat.completion\",\"created\":1718113300,\"model\":\"deepseek-coder\","
                + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":" + lit(MIDDLE) + "},"
                + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":21,\"completion_tokens\":13,\"total_tokens\":34},"
                + "\"tollgate\":{\"execution_id\":\"" + ext(r.body()).get("execution_id") + "\",\"request_id\":\"fim-3\","
                + "\"cost\":0.00000658,\"credits_charged\":1}}", r.body());
        FakeUpstream.Received req = upstream.takeRequest();
        assertEquals(COMPLETIONS_PATH, req.path());
        assertEquals("Bearer " + OPENAI_KEY, req.header("authorization"));
        assertEquals("{\"model\":\"deepseek-coder-v2\",\"prompt\":" + lit(PROMPT) + ",\"suffix\":" + lit(SUFFIX)
                + ",\"max_tokens\":200,\"temperature\":0,\"stop\":[\"\\n\\n\"],\"seed\":7}", req.bodyText());
    }

    @Test
    void toAnOpenAiCompatibleServer_aStreamBecomesMistralsChunks_usageOnTheLast() throws Exception {
        upstream.respondWith(byPath(COMPLETIONS_PATH, FakeUpstream.sse(
                data(textChunk("return fib", "null")),
                data(textChunk("onacci(n - 1)", "null")),
                data(textChunk("", "\"stop\"")),
                data("{\"id\":\"cmpl-8f2b\",\"object\":\"text_completion\",\"created\":1718113301,\"model\":\"deepseek-coder-v2\","
                        + "\"choices\":[],\"usage\":{\"prompt_tokens\":21,\"completion_tokens\":3,\"total_tokens\":24}}"),
                DONE)));

        String body = stream("/api/fim/completions", "{\"model\":\"deepseek-coder\",\"prompt\":\"def f(\",\"stream\":true}",
                "x-request-id", "fim-4");

        List<String> events = GatewayHarness.sseData(body);
        String head = "{\"id\":\"cmpl-8f2b\",\"object\":\"chat.completion.chunk\",\"created\":1718113301,\"model\":\"deepseek-coder\",";
        // 21 × 0.00000014 + 3 × 0.00000028 = 0.00000378 USD
        assertEquals(data(head + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"return fib\"},"
                        + "\"finish_reason\":null}],\"tollgate\":" + ids(events.get(0), "fim-4") + "}")
                + data(head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"onacci(n - 1)\"},\"finish_reason\":null}]}")
                + data(head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},\"finish_reason\":\"stop\"}],"
                        + "\"usage\":{\"prompt_tokens\":21,\"completion_tokens\":3,\"total_tokens\":24},"
                        + "\"tollgate\":{\"cost\":0.00000378,\"credits_charged\":1}}")
                + DONE, body);
        assertEquals("{\"model\":\"deepseek-coder-v2\",\"prompt\":\"def f(\",\"stream\":true,\"max_tokens\":1000,"
                + "\"stream_options\":{\"include_usage\":true}}", upstream.takeRequest().bodyText());
    }

    @Test
    void anUpstreamThatReportsNoUsage_getsTheGatewaysEstimate_whichMistralsSdkRequires() throws Exception {
        upstream.respondWith(byPath(COMPLETIONS_PATH, FakeUpstream.json(200, TEXT_ANSWER.replaceFirst(",\"usage\":\\{[^}]*}", ""))));
        HttpResponse<String> r = gw.post("/v1/fim/completions", "{\"model\":\"deepseek-coder\",\"prompt\":\"x\"}");
        assertEquals(200, r.statusCode(), r.body());
        // the prompt: 3 priming + 4 message + 1 token; the answer: 42 characters, 11 tokens
        assertEquals("{\"prompt_tokens\":8,\"completion_tokens\":11,\"total_tokens\":19}",
                tollgate.json.Json.toString(obj(r.body()).get("usage")));
        assertEquals("0.0000042", ext(r.body()).get("cost").toString());
    }

    // ------------------------------------------------------------------ offline: echo

    @Test
    void echo_answersOffline_deterministically() throws Exception {
        HttpResponse<String> r = gw.post("/api/gateway/fim/completions",
                "{\"model\":\"echo\",\"prompt\":\"def add(a, b):\",\"suffix\":\"print(add(1, 2))\",\"max_tokens\":64}",
                "x-request-id", "fim-5");
        assertEquals(200, r.statusCode(), r.body());
        String text = "Echo: def add(a, b): / print(add(1, 2))";
        assertEquals("{\"id\":\"" + obj(r.body()).get("id") + "\",\"object\":\"chat.completion\",\"created\":"
                + obj(r.body()).get("created") + ",\"model\":\"echo\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                + "\"content\":" + lit(text) + "},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":8,\"completion_tokens\":7,"
                + "\"total_tokens\":15},\"tollgate\":{\"execution_id\":\"" + ext(r.body()).get("execution_id")
                + "\",\"request_id\":\"fim-5\",\"cost\":0,\"credits_charged\":0}}", r.body());
        assertTrue(((String) obj(r.body()).get("id")).matches("cmpl-echo-[0-9a-f]{8}"), r.body());
        assertEquals(0, upstream.requests().size());
    }

    @Test
    void echo_streamsLikeMistral() throws Exception {
        String body = stream("/v1/fim/completions", "{\"model\":\"echo\",\"prompt\":\"a b\",\"stream\":true}", "x-request-id", "fim-6");
        List<String> events = GatewayHarness.sseData(body);
        Object id = obj(events.get(0)).get("id");
        Object created = obj(events.get(0)).get("created");
        String head = "{\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"created\":" + created + ",\"model\":\"echo\",";
        assertEquals(data(head + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}],"
                        + "\"tollgate\":" + ids(events.get(0), "fim-6") + "}")
                + data(head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Echo:\"},\"finish_reason\":null}]}")
                + data(head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\" a\"},\"finish_reason\":null}]}")
                + data(head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\" b\"},\"finish_reason\":null}]}")
                + data(head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},\"finish_reason\":\"stop\"}],"
                        + "\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":3,\"total_tokens\":4},"
                        + "\"tollgate\":{\"cost\":0,\"credits_charged\":0}}")
                + DONE, body);
    }

    // ------------------------------------------------------------------ the cap

    @Test
    void maxTokens_isCappedAt1000_alsoWhenTheClientAsksForMore_andSentWhenAbsent() throws Exception {
        upstream.respondWith(byPath(FIM_PATH, FakeUpstream.json(200, MISTRAL_ANSWER)));

        assertEquals(200, gw.post("/v1/fim/completions", "{\"model\":\"codestral\",\"prompt\":\"x\",\"max_tokens\":5000}").statusCode());
        assertEquals("{\"model\":\"codestral-2405\",\"prompt\":\"x\",\"max_tokens\":1000}", upstream.takeRequest().bodyText());

        assertEquals(200, gw.post("/v1/fim/completions", "{\"model\":\"codestral\",\"prompt\":\"x\"}").statusCode());
        assertEquals("{\"model\":\"codestral-2405\",\"prompt\":\"x\",\"max_tokens\":1000}", upstream.takeRequest().bodyText());

        assertEquals(200, gw.post("/v1/fim/completions", "{\"model\":\"codestral\",\"prompt\":\"x\",\"max_tokens\":999}").statusCode());
        assertEquals("{\"model\":\"codestral-2405\",\"prompt\":\"x\",\"max_tokens\":999}", upstream.takeRequest().bodyText());
    }

    @Test
    void theCap_isConfigurable() throws Exception {
        gw.close();
        gw = GatewayHarness.builder(upstream.url(), dataDir).config(CONFIG.replace("\"router\":", "\"fim\": {\"max_tokens\": 64},\n\"router\":"))
                .start();
        upstream.respondWith(byPath(COMPLETIONS_PATH, FakeUpstream.json(200, TEXT_ANSWER)));
        assertEquals(200, gw.post("/v1/fim/completions", "{\"model\":\"deepseek-coder\",\"prompt\":\"x\",\"max_tokens\":5000}").statusCode());
        assertEquals("{\"model\":\"deepseek-coder-v2\",\"prompt\":\"x\",\"max_tokens\":64}", upstream.takeRequest().bodyText());
    }

    // ------------------------------------------------------------------ refusals

    @Test
    void aModelWithoutFim_is400_namingTheModelsThatHaveIt() throws Exception {
        HttpResponse<String> r = gw.post("/v1/fim/completions", "{\"model\":\"gpt-4o-mini\",\"prompt\":\"x\"}");
        assertEquals(400, r.statusCode());
        assertEquals(errorJson("The model 'gpt-4o-mini' does not support fill-in-the-middle; models that do: codestral, "
                + "deepseek-coder, echo.", "invalid_request_error", "model", 400), r.body());
        assertEquals(0, upstream.requests().size());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"model\":\"codestral\"}|prompt", "{\"model\":\"codestral\",\"prompt\":\"x\",\"top_p\":2}|top_p",
            "{\"model\":\"codestral\",\"prompt\":\"x\",\"stop\":[1]}|stop[0]", "{\"model\":\"codestral\",\"prompt\":\"x\",\"n\":2}|n",
            "{\"model\":\"codestral\",\"prompt\":\"x\",\"max_tokens\":\"5\"}|max_tokens"})
    void badParameters_are400NamingThem(String caseText) throws Exception {
        String[] c = caseText.split("\\|");
        HttpResponse<String> r = gw.post("/v1/fim/completions", c[0]);
        assertEquals(400, r.statusCode(), r.body());
        assertEquals(c[1], obj(obj(r.body()).get("error")).get("param"));
        assertEquals("false", r.headers().firstValue("x-should-retry").orElseThrow());
        assertEquals(0, upstream.requests().size());
    }

    @Test
    void withoutAModel_theFirstFimModelAnswers_andTheAnswerNamesIt() throws Exception {
        upstream.respondWith(byPath(FIM_PATH, FakeUpstream.json(200, MISTRAL_ANSWER)));
        HttpResponse<String> r = gw.post("/v1/fim/completions", "{\"model\":null,\"prompt\":\"x\",\"top_p\":1,\"stream\":false}");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("codestral", obj(r.body()).get("model"));
        assertEquals("{\"model\":\"codestral-2405\",\"prompt\":\"x\",\"top_p\":1,\"stream\":false,\"max_tokens\":1000}",
                upstream.takeRequest().bodyText());
    }

    @Test
    void anUpstreamError_reachesTheClientClassified_withoutTheKey() throws Exception {
        upstream.respondWith(byPath(FIM_PATH, FakeUpstream.json(422, "{\"object\":\"error\",\"message\":\"Bad key "
                + MISTRAL_KEY + " for codestral\",\"type\":\"invalid_request_error\",\"param\":\"suffix\",\"code\":null}")));
        HttpResponse<String> r = gw.post("/v1/fim/completions", "{\"model\":\"codestral\",\"prompt\":\"x\"}");
        assertEquals(400, r.statusCode(), r.body());
        assertFalse(r.body().contains("5ecret"), r.body());
        assertTrue(r.body().contains("[redacted]"), r.body());
    }

    @Test
    void aStreamThatBreaksAfterItsFirstChunk_endsWithAnErrorEvent_andNoDone() throws Exception {
        upstream.respondWith(byPath(FIM_PATH, FakeUpstream.sse(
                data(mistralChunk("codestral-2405", "{\"role\":\"assistant\",\"content\":\"\"}", "null", null)),
                data(mistralChunk("codestral-2405", "{\"content\":\"return\"}", "null", null)))
                // As StreamFailuresTest: the abort after both events are read, not racing the second one.
                .delayEnd(java.time.Duration.ofMillis(150)).end(FakeUpstream.End.ABORT)));
        String body = stream("/v1/fim/completions", "{\"model\":\"codestral\",\"prompt\":\"x\",\"stream\":true}");
        List<String> events = GatewayHarness.sseData(body);
        assertEquals(3, events.size(), body);
        assertEquals("upstream_error", obj(obj(events.get(2)).get("error")).get("type"));
        assertNull(obj(events.get(2)).get("choices"));
    }
}
