package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.FakeUpstream.DONE;
import static tollgate.gateway.FakeUpstream.data;
import static tollgate.gateway.GatewayHarness.UUID_V4;
import static tollgate.gateway.GatewayHarness.obj;
import static tollgate.gateway.GatewayHarness.sseData;

import java.io.InputStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Streaming chat completions: the exact SSE bytes the client gets and what the upstream was asked. */
class ChatStreamTest {
    static final String UPSTREAM_MODEL_FIELD = "\"model\":\"gpt-4o-mini-2024-07-18\"";

    /** An OpenAI chunk as sent when include_usage is on (every chunk has "usage":null). */
    static String chunk(String delta, String finishReason) {
        return "{\"id\":\"chatcmpl-s1\",\"object\":\"chat.completion.chunk\",\"created\":1700000001,"
                + UPSTREAM_MODEL_FIELD + ",\"system_fingerprint\":\"fp_1\",\"choices\":[{\"index\":0,\"delta\":" + delta
                + ",\"logprobs\":null,\"finish_reason\":" + finishReason + "}],\"usage\":null}";
    }

    static final String C1 = chunk("{\"role\":\"assistant\",\"content\":\"\"}", "null");
    static final String C2 = chunk("{\"content\":\"Hel\"}", "null");
    static final String C3 = chunk("{\"content\":\"lo \\\"ünï\\\"\\n🚀\"}", "null");
    static final String C4 = chunk("{}", "\"stop\"");
    static final String USAGE = "{\"id\":\"chatcmpl-s1\",\"object\":\"chat.completion.chunk\",\"created\":1700000001,"
            + UPSTREAM_MODEL_FIELD + ",\"system_fingerprint\":\"fp_1\",\"choices\":[],"
            + "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":3,\"total_tokens\":12}}";

    @TempDir Path dataDir;
    FakeUpstream upstream;
    GatewayHarness gw;

    @BeforeEach
    void start() throws Exception {
        upstream = new FakeUpstream().respondWith(FakeUpstream.sse(data(C1), data(C2), data(C3), data(C4), data(USAGE), DONE));
        gw = GatewayHarness.start(upstream, dataDir);
    }

    @AfterEach
    void stop() {
        gw.close();
        upstream.close();
    }

    /** The chunk as the client must see it: the client's model, and "usage" only if asked for. */
    static String relayed(String upstreamChunk, boolean includeUsage) {
        String s = upstreamChunk.replace(UPSTREAM_MODEL_FIELD, "\"model\":\"gpt-4o-mini\"");
        return includeUsage ? s : s.replace(",\"usage\":null", "");
    }

    static String withExtension(String chunk, String executionId, String requestId) {
        return chunk.substring(0, chunk.length() - 1) + ",\"tollgate\":{\"execution_id\":\"" + executionId
                + "\",\"request_id\":\"" + requestId + "\"}}";
    }

    static String executionId(String sse) {
        String id = (String) obj(obj(sseData(sse).get(0)).get("tollgate")).get("execution_id");
        assertTrue(UUID_V4.matcher(id).matches(), id);
        return id;
    }

    @Test
    void stream_relaysEveryChunkWithTheClientsModelExtensionOnFirstAndDone() throws Exception {
        HttpResponse<InputStream> r = gw.postStream("/v1/chat/completions", GatewayHarness.chat("gpt-4o-mini", true),
                "x-request-id", "stream-req-1");

        assertEquals(200, r.statusCode());
        assertEquals("text/event-stream", r.headers().firstValue("content-type").orElseThrow());
        assertEquals("no-cache", r.headers().firstValue("cache-control").orElseThrow());
        assertEquals("stream-req-1", r.headers().firstValue("x-request-id").orElseThrow());
        String body = GatewayHarness.readAll(r.body());
        String id = executionId(body);
        assertEquals(data(withExtension(relayed(C1, false), id, "stream-req-1"))
                + data(relayed(C2, false)) + data(relayed(C3, false)) + data(relayed(C4, false))
                + DONE, body);
    }

    @Test
    void stream_withoutIncludeUsage_noChunkCarriesUsage() throws Exception {
        String body = GatewayHarness.readAll(gw.postStream("/v1/chat/completions",
                GatewayHarness.chat("gpt-4o-mini", true)).body());

        assertFalse(body.contains("usage"), body);
        assertFalse(body.contains("\"choices\":[]"), body);
    }

    @Test
    void stream_withIncludeUsage_forwardsTheUsageChunkBeforeDone() throws Exception {
        String request = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],"
                + "\"stream\":true,\"stream_options\":{\"include_usage\":true},\"metadata\":{\"request_id\":\"m-9\"}}";

        String body = GatewayHarness.readAll(gw.postStream("/v1/chat/completions", request).body());

        String id = executionId(body);
        assertEquals(data(withExtension(relayed(C1, true), id, "m-9"))
                + data(relayed(C2, true)) + data(relayed(C3, true)) + data(relayed(C4, true))
                + data(withCost(relayed(USAGE, true), "0.00000315", "0")) + DONE, body); // 9 × 0.00000015 + 3 × 0.0000006 USD
    }

    /**
     * A usage chunk as the client gets it: the extension object with the cost of that usage and
     * the credits it is charged (issue 9): {@code ceil(cost × 1000)}, 1000 being the default
     * {@code accounts.credits_per_usd}; the test key has no credit balance, so no {@code balance}.
     */
    static String withCost(String chunk, String cost, String savings) {
        long credits = new BigDecimal(cost).multiply(BigDecimal.valueOf(1000)).setScale(0, RoundingMode.CEILING).longValueExact();
        return chunk.substring(0, chunk.length() - 1) + ",\"tollgate\":{\"cost\":" + cost + ",\"savings\":" + savings
                + ",\"credits_charged\":" + credits + "}}";
    }

    @Test
    void upstream_isAlwaysAskedForUsage() throws Exception {
        GatewayHarness.readAll(gw.postStream("/v1/chat/completions", GatewayHarness.chat("gpt-4o-mini", true)).body());

        FakeUpstream.Received req = upstream.takeRequest();
        assertEquals("{\"model\":\"gpt-4o-mini-2024-07-18\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],"
                + "\"stream\":true,\"stream_options\":{\"include_usage\":true}}", req.bodyText());
        assertEquals("text/event-stream", req.header("accept"));
    }

    @Test
    void upstream_isAskedForUsageEvenWhenTheClientSaidNo_keepingItsOtherStreamOptions() throws Exception {
        String request = "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"stream_options\":{\"include_usage\":false,"
                + "\"include_obfuscation\":false},\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

        String body = GatewayHarness.readAll(gw.postStream("/v1/chat/completions", request).body());

        assertEquals("{\"model\":\"gpt-4o-mini-2024-07-18\",\"stream\":true,\"stream_options\":{\"include_usage\":true,"
                + "\"include_obfuscation\":false},\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
                upstream.takeRequest().bodyText());
        assertFalse(body.contains("usage"), body);
        assertTrue(body.endsWith(data(relayed(C4, false)) + DONE), body);
    }

    @Test
    void upstreamSseWithCrlfCommentsIdsAndNoSpace_isRelayedInCanonicalFraming() throws Exception {
        upstream.respondWith(FakeUpstream.sse(": keep-alive\r\n\r\n", "id: 1\r\ndata:" + C1 + "\r\n\r\n",
                "event: message\ndata: " + C2 + "\n\n", "retry: 10\rdata: " + C4 + "\r\r", "data: [DONE]\r\n\r\n"));

        String body = GatewayHarness.readAll(gw.postStream("/v1/chat/completions", GatewayHarness.chat("gpt-4o-mini", true),
                "x-request-id", "crlf").body());

        assertEquals(data(withExtension(relayed(C1, false), executionId(body), "crlf")) + data(relayed(C2, false))
                + data(relayed(C4, false)) + DONE, body);
    }

    @Test
    void usageOnAChoiceChunk_isStrippedWhenNotAskedButTheChunkIsKept() throws Exception {
        String last = C4.replace(",\"usage\":null", ",\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":3,\"total_tokens\":12}");
        upstream.respondWith(FakeUpstream.sse(data(C1), data(last), DONE));

        String body = GatewayHarness.readAll(gw.postStream("/v1/chat/completions", GatewayHarness.chat("gpt-4o-mini", true),
                "x-request-id", "u").body());

        assertEquals(data(withExtension(relayed(C1, false), executionId(body), "u")) + data(relayed(C4, false)) + DONE, body);
    }

    @Test
    void stream_chunksWithoutModel_areNotGivenOne() throws Exception {
        String noModel = "{\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"},"
                + "\"finish_reason\":null}]}";
        upstream.respondWith(FakeUpstream.sse(data(noModel), data(noModel), DONE));

        String body = GatewayHarness.readAll(gw.postStream("/v1/chat/completions",
                GatewayHarness.chat("gpt-4o-mini", true)).body());

        List<String> events = sseData(body);
        assertEquals(3, events.size());
        assertEquals(noModel, events.get(1));
        assertEquals("[DONE]", events.get(2));
    }

    @Test
    void echoProvider_withIncludeUsage_endsWithAUsageChunkBeforeDone() throws Exception {
        String body = GatewayHarness.readAll(gw.postStream("/v1/chat/completions",
                "{\"model\":\"echo\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"two words\"}]}").body());

        List<String> events = sseData(body);
        String usageChunk = events.get(events.size() - 2);
        assertEquals("[]", tollgate.json.Json.toString(obj(usageChunk).get("choices")));
        // "two words" is 9 characters: ceil(9 / 4) = 3 prompt tokens; "Echo: two words" is 3 words.
        assertEquals("{\"prompt_tokens\":3,\"completion_tokens\":3,\"total_tokens\":6}",
                tollgate.json.Json.toString(obj(usageChunk).get("usage")));
        assertEquals("[DONE]", events.get(events.size() - 1));
    }

    @Test
    void echoProvider_streamsTheEchoedTextWordByWord() throws Exception {
        String body = GatewayHarness.readAll(gw.postStream("/v1/chat/completions",
                "{\"model\":\"echo\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"two words\"}]}").body());

        List<String> events = sseData(body);
        assertEquals("[DONE]", events.get(events.size() - 1));
        StringBuilder text = new StringBuilder();
        String finish = null;
        for (String e : events.subList(0, events.size() - 1)) {
            assertEquals("echo", obj(e).get("model"));
            assertFalse(e.contains("usage"), e);
            for (Object choice : GatewayHarness.list(obj(e).get("choices"))) {
                Object content = obj(obj(choice).get("delta")).get("content");
                if (content != null) text.append(content);
                if (obj(choice).get("finish_reason") != null) finish = (String) obj(choice).get("finish_reason");
            }
        }
        assertEquals("Echo: two words", text.toString());
        assertEquals("stop", finish);
        assertTrue(obj(events.get(0)).containsKey("tollgate"));
        assertEquals(0, upstream.requests().size());
    }
}
