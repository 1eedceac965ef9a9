package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.FakeUpstream.DONE;
import static tollgate.gateway.FakeUpstream.data;
import static tollgate.gateway.GatewayHarness.errorJson;
import static tollgate.gateway.GatewayHarness.obj;
import static tollgate.gateway.ProviderKindsTestBase.byPath;

import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /completions} end to end (issue 10, OpenAI's legacy completions): passed through to
 * an OpenAI-compatible {@code /completions} for a model with the {@code completions} capability,
 * translated for Mistral's FIM endpoint, and for a chat model wrapped as one user message (the
 * answer mapped back to {@code text}, streams chunk by chunk, usage kept); stream and not, usage
 * only when {@code stream_options.include_usage} asks for it.
 */
class CompletionsGatewayTest extends CompletionsTestBase {
    static final String LOGPROBS = "{\"tokens\":[\"\\n\",\"This\"],\"token_logprobs\":[-0.1,-0.2],\"top_logprobs\":null,"
            + "\"text_offset\":[18,19]}";
    /** OpenAI's documented completions answer, with logprobs (they pass through). */
    static final String TEXT_ANSWER = "{\"id\":\"cmpl-uqkvlQyYK7bGYrRHQ0eXlWi7\",\"object\":\"text_completion\",\"created\":1589478378,"
            + "\"model\":\"deepseek-coder-v2\",\"system_fingerprint\":\"fp_44709d6fcb\",\"choices\":[{\"text\":\"\\n\\nThis is indeed a test\","
            + "\"index\":0,\"logprobs\":" + LOGPROBS + ",\"finish_reason\":\"length\"}],"
            + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":7,\"total_tokens\":12}}";

    static String textChunk(String text, String finish) {
        return "{\"id\":\"cmpl-7\",\"object\":\"text_completion\",\"created\":1589478380,\"model\":\"deepseek-coder-v2\","
                + "\"choices\":[{\"text\":" + lit(text) + ",\"index\":0,\"logprobs\":null,\"finish_reason\":" + finish + "}],"
                + "\"usage\":null}";
    }

    static final String TEXT_USAGE_CHUNK = "{\"id\":\"cmpl-7\",\"object\":\"text_completion\",\"created\":1589478380,"
            + "\"model\":\"deepseek-coder-v2\",\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2,\"total_tokens\":7}}";

    static final FakeUpstream.Sse TEXT_STREAM = FakeUpstream.sse(data(textChunk("This", "null")), data(textChunk(" is", "null")),
            data(textChunk("", "\"stop\"")), data(TEXT_USAGE_CHUNK), DONE);

    /** A chat completion as OpenAI sends it. */
    static final String CHAT_ANSWER = "{\"id\":\"chatcmpl-9\",\"object\":\"chat.completion\",\"created\":1700000000,"
            + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"This is a test.\","
            + "\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":5,"
            + "\"total_tokens\":16},\"system_fingerprint\":\"fp_0ba0d124f1\"}";

    static String chatChunk(String delta, String finish) {
        return "{\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"gpt-4o-mini-2024-07-18\","
                + "\"system_fingerprint\":\"fp_0ba0d124f1\",\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"logprobs\":null,"
                + "\"finish_reason\":" + finish + "}],\"usage\":null}";
    }

    static final FakeUpstream.Sse CHAT_STREAM = FakeUpstream.sse(
            data(chatChunk("{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}", "null")),
            data(chatChunk("{\"content\":\"This\"}", "null")), data(chatChunk("{\"content\":\" is\"}", "null")),
            data(chatChunk("{}", "\"stop\"")),
            data("{\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"gpt-4o-mini-2024-07-18\","
                    + "\"system_fingerprint\":\"fp_0ba0d124f1\",\"choices\":[],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":2,"
                    + "\"total_tokens\":13}}"),
            DONE);

    // ------------------------------------------------------------------ a completions model: passed through

    @Test
    void aCompletionsModel_getsTheBodyThrough_andTheAnswerComesBackAsIs() throws Exception {
        upstream.respondWith(byPath(COMPLETIONS_PATH, FakeUpstream.json(200, TEXT_ANSWER)));
        String ask = "{\"model\":\"deepseek-coder\",\"prompt\":\"Say this is a test\",\"max_tokens\":7,\"temperature\":0,\"logprobs\":1,"
                + "\"echo\":false,\"top_k\":40,\"metadata\":{\"request_id\":\"mine-1\"}}";

        HttpResponse<String> r = gw.post("/v1/completions", ask);

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("openai/deepseek-coder-v2", r.headers().firstValue("x-tollgate-route").orElseThrow());
        // 5 × 0.00000014 + 7 × 0.00000028 = 0.00000266 USD
        assertEquals(TEXT_ANSWER.replace("\"model\":\"deepseek-coder-v2\"", "\"model\":\"deepseek-coder\"").replaceFirst("}$",
                ",\"tollgate\":{\"execution_id\":\"" + ext(r.body()).get("execution_id") + "\",\"request_id\":\"mine-1\","
                        + "\"cost\":0.00000266,\"credits_charged\":1}}"), r.body());
        FakeUpstream.Received req = upstream.takeRequest();
        assertEquals("Bearer " + OPENAI_KEY, req.header("authorization"));
        assertEquals("{\"model\":\"deepseek-coder-v2\",\"prompt\":\"Say this is a test\",\"max_tokens\":7,\"temperature\":0,"
                + "\"logprobs\":1,\"echo\":false,\"top_k\":40}", req.bodyText());
    }

    @Test
    void aStream_withoutIncludeUsage_hasNoUsage_thoughTheGatewayAskedTheUpstreamForIt() throws Exception {
        upstream.respondWith(byPath(COMPLETIONS_PATH, TEXT_STREAM));

        String body = stream("/v1/completions", "{\"model\":\"deepseek-coder\",\"prompt\":[\"Say\"],\"stream\":true}", "x-request-id", "c-2");

        List<String> events = GatewayHarness.sseData(body);
        String chunk = "{\"id\":\"cmpl-7\",\"object\":\"text_completion\",\"created\":1589478380,\"model\":\"deepseek-coder\","
                + "\"choices\":[{\"text\":%s,\"index\":0,\"logprobs\":null,\"finish_reason\":%s}]%s}";
        assertEquals(data(chunk.formatted("\"This\"", "null", ",\"tollgate\":" + ids(events.get(0), "c-2")))
                + data(chunk.formatted("\" is\"", "null", "")) + data(chunk.formatted("\"\"", "\"stop\"", "")) + DONE, body);
        assertEquals("{\"model\":\"deepseek-coder-v2\",\"prompt\":\"Say\",\"stream\":true,\"max_tokens\":16,"
                + "\"stream_options\":{\"include_usage\":true}}", upstream.takeRequest().bodyText());
    }

    @Test
    void aStream_withIncludeUsage_endsWithTheUsageChunk_andItsCharge() throws Exception {
        upstream.respondWith(byPath(COMPLETIONS_PATH, TEXT_STREAM));

        String body = stream("/v1/completions", "{\"model\":\"deepseek-coder\",\"prompt\":\"Say\",\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true}}", "x-request-id", "c-3");

        List<String> events = GatewayHarness.sseData(body);
        // 5 × 0.00000014 + 2 × 0.00000028 = 0.00000126 USD
        assertEquals(data(textChunk("This", "null").replace("deepseek-coder-v2", "deepseek-coder")
                        .replaceFirst("}$", ",\"tollgate\":" + ids(events.get(0), "c-3") + "}"))
                + data(textChunk(" is", "null").replace("deepseek-coder-v2", "deepseek-coder"))
                + data(textChunk("", "\"stop\"").replace("deepseek-coder-v2", "deepseek-coder"))
                + data(TEXT_USAGE_CHUNK.replace("deepseek-coder-v2", "deepseek-coder")
                        .replaceFirst("}$", ",\"tollgate\":{\"cost\":0.00000126,\"credits_charged\":1}}"))
                + DONE, body);
    }

    // ------------------------------------------------------------------ a chat model: wrapped

    @Test
    void aChatModel_getsThePromptAsAUserMessage_andTheAnswerAsText() throws Exception {
        upstream.respondWith(byPath(CHAT_PATH, FakeUpstream.json(200, CHAT_ANSWER)));

        HttpResponse<String> r = gw.post("/v1/completions", "{\"model\":\"gpt-4o-mini\",\"prompt\":\"Say this is a test\",\"temperature\":0,"
                + "\"stop\":[\"\\n\"],\"n\":1,\"best_of\":1,\"user\":\"u-1\"}", "x-request-id", "c-4");

        assertEquals(200, r.statusCode(), r.body());
        // 11 × 0.00000015 + 5 × 0.0000006 = 0.00000465 USD
        assertEquals("{\"id\":\"chatcmpl-9\",\"object\":\"text_completion\",\"created\":1700000000,\"model\":\"gpt-4o-mini\","
                + "\"system_fingerprint\":\"fp_0ba0d124f1\",\"choices\":[{\"text\":\"This is a test.\",\"index\":0,\"logprobs\":null,"
                + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":5,\"total_tokens\":16},"
                + "\"tollgate\":{\"execution_id\":\"" + ext(r.body()).get("execution_id") + "\",\"request_id\":\"c-4\","
                + "\"cost\":0.00000465,\"credits_charged\":1}}", r.body());
        FakeUpstream.Received req = upstream.takeRequest();
        assertEquals(CHAT_PATH, req.path());
        assertEquals("{\"model\":\"gpt-4o-mini-2024-07-18\",\"messages\":[{\"role\":\"user\",\"content\":\"Say this is a test\"}],"
                + "\"temperature\":0,\"stop\":[\"\\n\"],\"n\":1,\"user\":\"u-1\",\"max_tokens\":16}", req.bodyText());
    }

    @Test
    void aChatModel_streamsAsTextChunks_withTheUsageWhenAsked() throws Exception {
        upstream.respondWith(byPath(CHAT_PATH, CHAT_STREAM));

        String body = stream("/v1/completions", "{\"model\":\"gpt-4o-mini\",\"prompt\":\"Say\",\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true}}", "x-request-id", "c-5");

        List<String> events = GatewayHarness.sseData(body);
        String head = "{\"id\":\"chatcmpl-9\",\"object\":\"text_completion\",\"created\":1700000000,\"model\":\"gpt-4o-mini\","
                + "\"system_fingerprint\":\"fp_0ba0d124f1\",";
        // 11 × 0.00000015 + 2 × 0.0000006 = 0.00000285 USD
        assertEquals(data(head + "\"choices\":[{\"text\":\"This\",\"index\":0,\"logprobs\":null,\"finish_reason\":null}],"
                        + "\"tollgate\":" + ids(events.get(0), "c-5") + "}")
                + data(head + "\"choices\":[{\"text\":\" is\",\"index\":0,\"logprobs\":null,\"finish_reason\":null}]}")
                + data(head + "\"choices\":[{\"text\":\"\",\"index\":0,\"logprobs\":null,\"finish_reason\":\"stop\"}]}")
                + data(head + "\"choices\":[],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":2,\"total_tokens\":13},"
                        + "\"tollgate\":{\"cost\":0.00000285,\"credits_charged\":1}}")
                + DONE, body);
        assertEquals("{\"model\":\"gpt-4o-mini-2024-07-18\",\"messages\":[{\"role\":\"user\",\"content\":\"Say\"}],\"max_tokens\":16,"
                + "\"stream\":true,\"stream_options\":{\"include_usage\":true}}", upstream.takeRequest().bodyText());
    }

    @Test
    void aChatModel_cannotFillInTheMiddle_andSaysSo() throws Exception {
        HttpResponse<String> r = gw.post("/v1/completions", "{\"model\":\"gpt-4o-mini\",\"prompt\":\"def f(\",\"suffix\":\")\"}");
        assertEquals(400, r.statusCode());
        assertEquals(errorJson("The parameter 'suffix' is not supported here: the model is a chat model, served by wrapping the prompt "
                + "as a chat message, and a chat model cannot do fill-in-the-middle. Remove it, or choose a model with the "
                + "'completions' capability.", "invalid_request_error", "suffix", 400), r.body());
        assertEquals(0, upstream.requests().size());
    }

    @Test
    void aMistralChatModel_isWrappedToo() throws Exception {
        upstream.respondWith(byPath(MISTRAL_CHAT_PATH, FakeUpstream.json(200, CHAT_ANSWER.replace("gpt-4o-mini-2024-07-18",
                "mistral-small-2409"))));
        HttpResponse<String> r = gw.post("/v1/completions", "{\"model\":\"mistral-small\",\"prompt\":\"Say\",\"seed\":3}");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("This is a test.", obj(GatewayHarness.list(obj(r.body()).get("choices")).get(0)).get("text"));
        assertEquals("{\"model\":\"mistral-small-2409\",\"messages\":[{\"role\":\"user\",\"content\":\"Say\"}],\"random_seed\":3,"
                + "\"max_tokens\":16}", upstream.takeRequest().bodyText());
    }

    @Test
    void aMistralChatModel_streamsAsTextChunks_itsUsageOnTheLastChunkSplitOff() throws Exception {
        String head = "{\"id\":\"cmpl-e5\",\"object\":\"chat.completion.chunk\",\"created\":1702256327,\"model\":\"mistral-small-2409\",";
        upstream.respondWith(byPath(MISTRAL_CHAT_PATH, FakeUpstream.sse(
                data(head + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}"),
                data(head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Yes\"},\"finish_reason\":null}]}"),
                data(head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},\"finish_reason\":\"stop\"}],"
                        + "\"usage\":{\"prompt_tokens\":6,\"total_tokens\":7,\"completion_tokens\":1}}"),
                DONE)));

        String body = stream("/v1/completions", "{\"model\":\"mistral-small\",\"prompt\":\"Say\",\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true}}", "x-request-id", "c-10");

        List<String> events = GatewayHarness.sseData(body);
        String text = "{\"id\":\"cmpl-e5\",\"object\":\"text_completion\",\"created\":1702256327,\"model\":\"mistral-small\",";
        assertEquals(data(text + "\"choices\":[{\"text\":\"Yes\",\"index\":0,\"logprobs\":null,\"finish_reason\":null}],"
                        + "\"tollgate\":" + ids(events.get(0), "c-10") + "}")
                + data(text + "\"choices\":[{\"text\":\"\",\"index\":0,\"logprobs\":null,\"finish_reason\":\"stop\"}]}")
                + data(text + "\"choices\":[],\"usage\":{\"prompt_tokens\":6,\"total_tokens\":7,\"completion_tokens\":1},"
                        + "\"tollgate\":{\"credits_charged\":0}}")
                + DONE, body);
        assertEquals("{\"model\":\"mistral-small-2409\",\"messages\":[{\"role\":\"user\",\"content\":\"Say\"}],\"max_tokens\":16,"
                + "\"stream\":true}", upstream.takeRequest().bodyText());
    }

    // ------------------------------------------------------------------ Mistral's FIM endpoint for completions

    @Test
    void aMistralCompletionsModel_goesToTheFimEndpoint_andAnswersText() throws Exception {
        upstream.respondWith(byPath(FIM_PATH, FakeUpstream.json(200, FimGatewayTest.MISTRAL_ANSWER)));
        HttpResponse<String> r = gw.post("/v1/completions", "{\"model\":\"codestral-text\",\"prompt\":\"def f(\",\"suffix\":\")\","
                + "\"seed\":4,\"user\":\"u\",\"n\":1,\"echo\":false}", "x-request-id", "c-6");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("{\"id\":\"447e3e0d457e42e98248b5d2ef52a2a3\",\"object\":\"text_completion\",\"created\":1718113289,"
                + "\"model\":\"codestral-text\",\"choices\":[{\"text\":" + lit(FimGatewayTest.MIDDLE) + ",\"index\":0,\"logprobs\":null,"
                + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":12,\"total_tokens\":32},"
                + "\"tollgate\":{\"execution_id\":\"" + ext(r.body()).get("execution_id") + "\",\"request_id\":\"c-6\","
                + "\"credits_charged\":0}}", r.body());
        assertEquals("{\"model\":\"codestral-2405\",\"prompt\":\"def f(\",\"suffix\":\")\",\"random_seed\":4,\"max_tokens\":16}",
                upstream.takeRequest().bodyText());
    }

    @Test
    void aMistralCompletionsModel_streamsText_andRefusesWhatFimCannotDo() throws Exception {
        upstream.respondWith(byPath(FIM_PATH, FakeUpstream.sse(
                data(FimGatewayTest.mistralChunk("codestral-2405", "{\"role\":\"assistant\",\"content\":\"\"}", "null", null)),
                data(FimGatewayTest.mistralChunk("codestral-2405", "{\"content\":\"ret\"}", "null", null)),
                data(FimGatewayTest.mistralChunk("codestral-2405", "{\"content\":\"\"}", "\"stop\"", FimGatewayTest.USAGE)), DONE)));
        String body = stream("/v1/completions", "{\"model\":\"codestral-text\",\"prompt\":\"x\",\"stream\":true}", "x-request-id", "c-7");
        List<String> events = GatewayHarness.sseData(body);
        String head = "{\"id\":\"b0d9c3e6a8d84b6c\",\"object\":\"text_completion\",\"created\":1718113289,\"model\":\"codestral-text\",";
        assertEquals(data(head + "\"choices\":[{\"text\":\"ret\",\"index\":0,\"logprobs\":null,\"finish_reason\":null}],"
                        + "\"tollgate\":" + ids(events.get(0), "c-7") + "}")
                + data(head + "\"choices\":[{\"text\":\"\",\"index\":0,\"logprobs\":null,\"finish_reason\":\"stop\"}]}")
                + DONE, body);

        HttpResponse<String> r = gw.post("/v1/completions", "{\"model\":\"codestral-text\",\"prompt\":\"x\",\"logprobs\":2}");
        assertEquals(400, r.statusCode());
        assertEquals(errorJson("The parameter 'logprobs' is not supported by provider 'mistral', which serves the model 'codestral-text' "
                + "through Mistral's FIM endpoint. Remove it, or choose another model.", "invalid_request_error", "logprobs", 400), r.body());
        assertEquals(1, upstream.requests().size());
    }

    // ------------------------------------------------------------------ offline: echo

    @Test
    void echo_servesCompletionsItself_withNAndEcho() throws Exception {
        HttpResponse<String> r = gw.post("/v1/completions", "{\"model\":\"echo\",\"prompt\":\"Hi there\",\"n\":2,\"echo\":true}",
                "x-request-id", "c-8");
        assertEquals(200, r.statusCode(), r.body());
        String choice = "\"text\":\"Hi thereEcho: Hi there\",\"logprobs\":null,\"finish_reason\":\"stop\"";
        assertEquals("{\"id\":\"" + obj(r.body()).get("id") + "\",\"object\":\"text_completion\",\"created\":" + obj(r.body()).get("created")
                + ",\"model\":\"echo\",\"choices\":[{" + choice.replace(",\"logprobs\"", ",\"index\":0,\"logprobs\"") + "},{"
                + choice.replace(",\"logprobs\"", ",\"index\":1,\"logprobs\"") + "}],\"usage\":{\"prompt_tokens\":2,"
                + "\"completion_tokens\":3,\"total_tokens\":5},\"tollgate\":{\"execution_id\":\"" + ext(r.body()).get("execution_id")
                + "\",\"request_id\":\"c-8\",\"cost\":0,\"credits_charged\":0}}", r.body());
    }

    @Test
    void echo_streamsCompletionsItself_withTheUsageWhenAsked() throws Exception {
        String body = stream("/v1/completions", "{\"model\":\"echo\",\"prompt\":\"Hi\",\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true}}", "x-request-id", "c-11");
        List<String> events = GatewayHarness.sseData(body);
        String head = "{\"id\":\"" + obj(events.get(0)).get("id") + "\",\"object\":\"text_completion\",\"created\":"
                + obj(events.get(0)).get("created") + ",\"model\":\"echo\",";
        assertEquals(data(head + "\"choices\":[{\"text\":\"Echo:\",\"index\":0,\"logprobs\":null,\"finish_reason\":null}],"
                        + "\"tollgate\":" + ids(events.get(0), "c-11") + "}")
                + data(head + "\"choices\":[{\"text\":\" Hi\",\"index\":0,\"logprobs\":null,\"finish_reason\":null}]}")
                + data(head + "\"choices\":[{\"text\":\"\",\"index\":0,\"logprobs\":null,\"finish_reason\":\"stop\"}]}")
                + data(head + "\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,\"total_tokens\":3},"
                        + "\"tollgate\":{\"cost\":0,\"credits_charged\":0}}")
                + DONE, body);
    }

    @Test
    void echo_aChatOnlyEchoModel_isWrapped_andStreams() throws Exception {
        String body = stream("/v1/completions", "{\"model\":\"echo-chat\",\"prompt\":\"Hi\",\"stream\":true}", "x-request-id", "c-9");
        List<String> events = GatewayHarness.sseData(body);
        Object id = obj(events.get(0)).get("id");
        assertTrue(((String) id).startsWith("chatcmpl-echo-"), body);
        String head = "{\"id\":\"" + id + "\",\"object\":\"text_completion\",\"created\":" + obj(events.get(0)).get("created")
                + ",\"model\":\"echo-chat\",";
        assertEquals(data(head + "\"choices\":[{\"text\":\"Echo:\",\"index\":0,\"logprobs\":null,\"finish_reason\":null}],"
                        + "\"tollgate\":" + ids(events.get(0), "c-9") + "}")
                + data(head + "\"choices\":[{\"text\":\" Hi\",\"index\":0,\"logprobs\":null,\"finish_reason\":null}]}")
                + data(head + "\"choices\":[{\"text\":\"\",\"index\":0,\"logprobs\":null,\"finish_reason\":\"stop\"}]}")
                + DONE, body);
    }

    @Test
    void aProviderKey_isRefusedHere() throws Exception {
        HttpResponse<String> r = gw.post("/v1/completions", "{\"model\":\"echo\",\"prompt\":\"x\"}", "X-Provider-Key", "sk-own-0123456789");
        assertEquals(400, r.statusCode());
        assertEquals(errorJson("The X-Provider-Key header is accepted on /fim/completions only; send this request without it.",
                "invalid_request_error", "X-Provider-Key", 400), r.body());
        assertTrue(!r.body().contains("sk-own"), r.body());
    }
}
