package tollgate.provider.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.provider.FakeUpstream.event;
import static tollgate.provider.FakeUpstream.json;
import static tollgate.provider.FakeUpstream.startSse;
import static tollgate.provider.openai.Fixture.SIMPLE;
import static tollgate.provider.openai.Fixture.SIMPLE_STREAM;
import static tollgate.provider.openai.Fixture.call;
import static tollgate.provider.openai.Fixture.provider;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.json.Json;
import tollgate.provider.HttpChatProvider;
import tollgate.provider.ChatResult;
import tollgate.provider.FakeUpstream;
import tollgate.provider.Usage;

/** Requests, results and streams against a fake upstream; failures are in OpenAiProviderErrorsTest. */
class OpenAiProviderTest {

    private FakeUpstream up;

    @BeforeEach
    void start() throws IOException {
        up = new FakeUpstream();
    }

    @AfterEach
    void stop() {
        up.close();
    }

    private static final String COMPLETION = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1700000000,"
            + "\"model\":\"up-model-2024\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hello\"},"
            + "\"logprobs\":null,\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2,\"total_tokens\":11}}";

    @Test
    void chat_sendsBodyWithUpstreamModelWithoutGatewayFieldsOtherwiseUnchanged() throws Exception {
        up.handler = ex -> json(ex, 200, COMPLETION);
        String body = "{\"model\":\"client-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi \\\"there\\\"\"}],"
                + "\"temperature\":0.70,\"metadata\":{\"team\":\"a\"},\"taskHint\":\"code\","
                + "\"x_vendor\":{\"n\":1e400,\"big\":12345678901234567890,\"list\":[1,2.50,-0.0,true,null]},"
                + "\"max_tokens\":100}";
        provider(up.baseUrl()).chat(call(body, false));
        FakeUpstream.Recorded r = up.take();
        assertEquals("POST", r.method());
        assertEquals("/v1/chat/completions", r.path());
        assertEquals("{\"model\":\"up-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi \\\"there\\\"\"}],"
                + "\"temperature\":0.70,"
                + "\"x_vendor\":{\"n\":1e400,\"big\":12345678901234567890,\"list\":[1,2.50,-0.0,true,null]},"
                + "\"max_tokens\":100}", r.bodyText());
    }

    @Test
    void stream_forcesIncludeUsageKeepingOtherStreamOptions() throws Exception {
        up.handler = ex -> {
            OutputStream out = startSse(ex);
            event(out, "[DONE]");
        };
        provider(up.baseUrl()).stream(call("{\"model\":\"m\",\"stream\":true,\"stream_options\":"
                + "{\"include_usage\":false,\"include_obfuscation\":false},\"messages\":[]}", true), c -> { });
        assertEquals("{\"model\":\"up-model\",\"stream\":true,\"stream_options\":"
                + "{\"include_usage\":true,\"include_obfuscation\":false},\"messages\":[]}", up.take().bodyText());

        provider(up.baseUrl()).stream(call(SIMPLE_STREAM, true), c -> { });
        assertEquals("{\"model\":\"up-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true}}", up.take().bodyText());
    }

    @Test
    void chat_headersCarryConfiguredKeyAndExtrasAndRequestIdOnly() throws Exception {
        up.handler = ex -> json(ex, 200, COMPLETION);
        HttpChatProvider p = Fixture.openAi(Fixture.config(up.baseUrl(), "sk-secret", Map.of("HTTP-Referer", "https://x.test",
                "X-Title", "Tollgate"), Duration.ofSeconds(5), Duration.ofSeconds(5)), Fixture.UPSTREAM, Fixture.WATCHDOG);
        p.chat(call(SIMPLE, false));
        Map<String, String> h = up.take().headers();
        assertEquals("Bearer sk-secret", h.get("authorization"));
        assertEquals("https://x.test", h.get("http-referer"));
        assertEquals("Tollgate", h.get("x-title"));
        assertEquals("req-123", h.get("x-request-id"));
        assertEquals("application/json", h.get("content-type"));
        assertEquals("application/json", h.get("accept"));
    }

    @Test
    void stream_acceptsEventStream() throws Exception {
        up.handler = ex -> event(startSse(ex), "[DONE]");
        provider(up.baseUrl()).stream(call(SIMPLE_STREAM, true), c -> { });
        assertEquals("text/event-stream", up.take().headers().get("accept"));
    }

    @Test
    void chat_sendsNoAuthorizationWithoutKey() throws Exception {
        up.handler = ex -> json(ex, 200, COMPLETION);
        Fixture.openAi(Fixture.config(up.baseUrl(), null, Map.of(), Duration.ofSeconds(5), Duration.ofSeconds(5)),
                Fixture.UPSTREAM, Fixture.WATCHDOG).chat(call(SIMPLE, false));
        assertFalse(up.take().headers().containsKey("authorization"));
    }

    @Test
    void chat_trailingSlashInBaseUrlIsHarmless() throws Exception {
        up.handler = ex -> json(ex, 200, COMPLETION);
        provider(java.net.URI.create(up.baseUrl() + "/")).chat(call(SIMPLE, false));
        assertEquals("/v1/chat/completions", up.take().path());
    }

    @Test
    void chat_returnsTheCompletionAndItsUsage() {
        up.handler = ex -> json(ex, 200, COMPLETION);
        ChatResult r = provider(up.baseUrl()).chat(call(SIMPLE, false));
        assertEquals(COMPLETION, Json.toString(r.completion()));
        assertEquals(new Usage(9, 2, 11), r.usage());
    }

    @Test
    void chat_withoutUsageReportsNone() {
        up.handler = ex -> json(ex, 200, "{\"id\":\"x\",\"choices\":[]}");
        assertEquals(Usage.NONE, provider(up.baseUrl()).chat(call(SIMPLE, false)).usage());
    }

    @Test
    void chat_rejectsAnythingButACompletion() {
        for (String body : List.of("{\"id\":\"x\"}", "[1,2]", "not json", "{\"choices\":{}}")) {
            up.handler = ex -> json(ex, 200, body);
            GatewayException e = assertThrows(GatewayException.class, () -> provider(up.baseUrl()).chat(call(SIMPLE, false)));
            assertEquals(ErrorKind.PROVIDER_ERROR, e.kind(), body);
            assertEquals("Provider 'acme' returned a response that is not a chat completion", e.getMessage());
        }
    }

    @Test
    void chat_errorObjectInA200IsClassified() {
        up.handler = ex -> json(ex, 200, "{\"error\":{\"message\":\"Overloaded\",\"type\":\"overloaded_error\"}}");
        GatewayException e = assertThrows(GatewayException.class, () -> provider(up.baseUrl()).chat(call(SIMPLE, false)));
        assertEquals(ErrorKind.PROVIDER_UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().startsWith("Provider 'acme'"), e.getMessage());
    }

    static final List<String> STREAM = List.of(
            "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"up\",\"choices\":[{\"index\":0,"
                    + "\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}",
            "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"up\",\"choices\":[{\"index\":0,"
                    + "\"delta\":{\"content\":\"Let me check\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}",
            "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"up\",\"choices\":[{\"index\":0,"
                    + "\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_abc\",\"type\":\"function\","
                    + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}",
            "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"up\",\"choices\":[{\"index\":0,"
                    + "\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\"}}]},"
                    + "\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}",
            "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"up\",\"choices\":[{\"index\":0,"
                    + "\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Paris\\\"}\"}}]},"
                    + "\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}",
            "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"up\",\"choices\":[{\"index\":0,"
                    + "\"delta\":{},\"logprobs\":null,\"finish_reason\":\"tool_calls\"}],\"usage\":null}",
            "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"up\",\"choices\":[],"
                    + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":7,\"total_tokens\":12,"
                    + "\"prompt_tokens_details\":{\"cached_tokens\":0}}}");

    @Test
    void stream_deliversEveryChunkUnchangedAndReturnsTheUsage() {
        up.handler = ex -> {
            OutputStream out = startSse(ex);
            out.write(": OPENROUTER PROCESSING\n\n".getBytes());
            for (String c : STREAM) event(out, c);
            event(out, "[DONE]");
        };
        Fixture.Recording sink = new Fixture.Recording();
        Usage usage = provider(up.baseUrl()).stream(call(SIMPLE_STREAM, true), sink);
        assertEquals(STREAM, sink.chunks);
        assertEquals(new Usage(5, 7, 12), usage);
    }

    @Test
    void stream_withoutUsageChunkReturnsNone() {
        up.handler = ex -> {
            OutputStream out = startSse(ex);
            event(out, STREAM.get(0));
            event(out, "[DONE]");
        };
        assertEquals(Usage.NONE, provider(up.baseUrl()).stream(call(SIMPLE_STREAM, true), c -> { }));
    }

    @Test
    void stream_crlfFramingAsSomeServersSendIt() {
        up.handler = ex -> {
            OutputStream out = startSse(ex);
            out.write(("data: " + STREAM.get(1) + "\r\n\r\ndata: [DONE]\r\n\r\n").getBytes());
        };
        Fixture.Recording sink = new Fixture.Recording();
        provider(up.baseUrl()).stream(call(SIMPLE_STREAM, true), sink);
        assertEquals(List.of(STREAM.get(1)), sink.chunks);
    }

    @Test
    void stream_theSinkMayModifyChunks() {
        up.handler = ex -> {
            OutputStream out = startSse(ex);
            event(out, STREAM.get(6));
            event(out, "[DONE]");
        };
        Usage u = provider(up.baseUrl()).stream(call(SIMPLE_STREAM, true), c -> c.remove("usage"));
        assertEquals(new Usage(5, 7, 12), u);
    }
}
