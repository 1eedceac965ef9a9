package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.GatewayHarness.CLIENT_KEY;
import static tollgate.gateway.GatewayHarness.UPSTREAM_KEY;
import static tollgate.gateway.GatewayHarness.UUID_V4;
import static tollgate.gateway.GatewayHarness.obj;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Non-streaming chat completions through an {@code openai} provider, checked on both sides. */
class ChatPassThroughTest extends GatewayTestBase {
    static final String UPSTREAM_COMPLETION = "{\"id\":\"chatcmpl-abc\",\"object\":\"chat.completion\",\"created\":1700000000,"
            + "\"model\":\"gpt-4o-mini-2024-07-18\",\"system_fingerprint\":\"fp_44709d6fcb\",\"choices\":[{\"index\":0,"
            + "\"message\":{\"role\":\"assistant\",\"content\":\"Hello there, \\\"friend\\\" — ünïcödé 🚀\\n\",\"refusal\":null},"
            + "\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":12,"
            + "\"total_tokens\":21,\"prompt_tokens_details\":{\"cached_tokens\":0}},\"service_tier\":\"default\",\"x_extra\":1.50e-3}";

    static final String CLIENT_REQUEST = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
            + "{\"role\":\"user\",\"content\":\"Hi\"}],\"temperature\":0.70,\"top_p\":1E-1,\"max_tokens\":100,"
            + "\"foo\":{\"bar\":[1.0,2e5]},\"metadata\":{\"request_id\":\"meta-1\",\"mode\":\"fast\"},"
            + "\"taskHint\":\"writing\",\"seed\":42,\"user\":\"u-1\"}";

    /**
     * Credits a request costing {@code costUsd} is charged (issue 9): {@code ceil(cost × 1000)},
     * 1000 being the default {@code accounts.credits_per_usd}; the test key has no credit
     * balance, so no {@code balance} follows.
     */
    static long credits(String costUsd) {
        return new BigDecimal(costUsd).multiply(BigDecimal.valueOf(1000)).setScale(0, RoundingMode.CEILING).longValueExact();
    }

    @Override
    FakeUpstream newUpstream() throws Exception {
        return new FakeUpstream().respondWith(FakeUpstream.json(200, UPSTREAM_COMPLETION));
    }

    @Test
    void completion_isTheUpstreamsWithTheClientsModelAndTheExtensionObject() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions", CLIENT_REQUEST, "x-request-id", "client-req-7");

        assertEquals(200, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        assertEquals("client-req-7", r.headers().firstValue("x-request-id").orElseThrow());
        Map<String, Object> ext = obj(obj(r.body()).get("tollgate"));
        String executionId = (String) ext.get("execution_id");
        assertTrue(UUID_V4.matcher(executionId).matches(), executionId);
        String cost = "0.00000855"; // 9 × 0.00000015 + 12 × 0.0000006 USD; the baseline is this model itself
        String expected = UPSTREAM_COMPLETION
                .replace("\"model\":\"gpt-4o-mini-2024-07-18\"", "\"model\":\"gpt-4o-mini\"")
                .replaceFirst("}$", ",\"tollgate\":{\"execution_id\":\"" + executionId + "\",\"request_id\":\"meta-1\","
                        + "\"cost\":" + cost + ",\"savings\":0,\"credits_charged\":" + credits(cost) + "}}");
        assertEquals(expected, r.body());
        assertEquals("openai/gpt-4o-mini-2024-07-18", r.headers().firstValue("x-tollgate-route").orElseThrow());
    }

    @Test
    void executionId_isNewForEveryRequest() throws Exception {
        String a = (String) obj(obj(gw.post("/v1/chat/completions", CLIENT_REQUEST).body()).get("tollgate")).get("execution_id");
        String b = (String) obj(obj(gw.post("/v1/chat/completions", CLIENT_REQUEST).body()).get("tollgate")).get("execution_id");
        assertFalse(a.equals(b), a);
    }

    @Test
    void upstreamBody_hasTheUpstreamModelNoGatewayFieldsAndEverythingElseByteIdentical() throws Exception {
        gw.post("/v1/chat/completions", CLIENT_REQUEST);

        FakeUpstream.Received req = upstream.takeRequest();
        assertEquals("POST", req.method());
        assertEquals("/v1/chat/completions", req.path());
        assertEquals("{\"model\":\"gpt-4o-mini-2024-07-18\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                + "{\"role\":\"user\",\"content\":\"Hi\"}],\"temperature\":0.70,\"top_p\":1E-1,\"max_tokens\":100,"
                + "\"foo\":{\"bar\":[1.0,2e5]},\"seed\":42,\"user\":\"u-1\"}", req.bodyText());
    }

    @Test
    void upstreamBody_keepsNonAsciiAndEscapesAsValidJson() throws Exception {
        String request = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"caf\u00e9 \\\"q\\\" \\\\ \\t 🚀\"}],"
                + "\"logit_bias\":{\"50256\":-100},\"stop\":[\"\\n\\n\"]}";
        gw.post("/v1/chat/completions", request);

        assertEquals(request.replace("\"gpt-4o-mini\"", "\"gpt-4o-mini-2024-07-18\""), upstream.takeRequest().bodyText());
    }

    @Test
    void upstreamHeaders_carryTheProviderKeyAndConfiguredHeadersButNothingOfTheClients() throws Exception {
        gw.post("/v1/chat/completions", CLIENT_REQUEST, "x-request-id", "client-req-7", "X-Client-Secret", "do-not-forward",
                "OpenAI-Organization", "org-of-the-client");

        FakeUpstream.Received req = upstream.takeRequest();
        assertEquals("Bearer " + UPSTREAM_KEY, req.header("authorization"));
        assertEquals(List.of("Bearer " + UPSTREAM_KEY), req.headers().get("authorization"));
        assertEquals("org-42", req.header("x-org"));
        assertEquals("proj-7", req.header("openai-project"));
        assertEquals("application/json", req.header("content-type"));
        assertEquals("client-req-7", req.header("x-request-id"));
        assertNull(req.header("x-client-secret"));
        assertNull(req.header("openai-organization"));
        req.headers().forEach((name, values) -> {
            assertFalse(name.contains(CLIENT_KEY), name);
            for (String v : values) assertFalse(v.contains(CLIENT_KEY), name + ": " + v);
        });
        assertFalse(req.bodyText().contains(CLIENT_KEY));
        assertFalse(req.bodyText().contains("test-0123456789abcdef"));
    }

    @Test
    void providerWithoutApiKey_sendsNoAuthorizationAtAll() throws Exception {
        gw.close();
        gw = GatewayHarness.builder(upstream.url(), dataDir)
                .config("""
                        {"server": {"access_log": false},
                         "keys": [{"name": "t", "key": "sk-test-0123456789abcdef"}],
                         "providers": {"local": {"kind": "openai", "base_url": "${FAKE_URL}/v1/"}},
                         "models": [{"id": "llama", "provider": "local", "upstream": "llama3.2"}]}
                        """)
                .start();

        HttpResponse<String> r = gw.post("/v1/chat/completions", GatewayHarness.chat("llama", false));

        assertEquals(200, r.statusCode(), r.body());
        FakeUpstream.Received req = upstream.takeRequest();
        assertEquals("/v1/chat/completions", req.path());
        assertNull(req.header("authorization"));
        req.headers().forEach((name, values) -> {
            for (String v : values) assertFalse(v.contains(CLIENT_KEY), name + ": " + v);
        });
    }

    @Test
    void apiPrefixLayouts_reachTheSameUpstreamPath() throws Exception {
        assertEquals(200, gw.post("/api/chat/completions", CLIENT_REQUEST).statusCode());
        assertEquals(200, gw.post("/api/gateway/chat/completions", CLIENT_REQUEST).statusCode());
        assertEquals("/v1/chat/completions", upstream.takeRequest().path());
        assertEquals("/v1/chat/completions", upstream.takeRequest().path());
    }

    @Test
    void extensionField_isRenamedByConfig() throws Exception {
        gw.close();
        gw = GatewayHarness.builder(upstream.url(), dataDir).server("extension_field", "kitemesh").start();

        Map<String, Object> body = obj(gw.post("/v1/chat/completions", GatewayHarness.chat("gpt-4o-mini", false),
                "x-request-id", "req_demo_001").body());

        assertNull(body.get("tollgate"));
        Map<String, Object> ext = obj(body.get("kitemesh"));
        assertEquals(List.of("execution_id", "request_id", "cost", "savings", "credits_charged"), List.copyOf(ext.keySet()));
        assertEquals("req_demo_001", ext.get("request_id"));
    }

    @Test
    void providerSlashModel_reachesAnUnlistedUpstreamModel() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions", GatewayHarness.chat("openai/gpt-4.1-nano", false));

        assertEquals(200, r.statusCode());
        assertEquals("openai/gpt-4.1-nano", obj(r.body()).get("model"));
        assertEquals("gpt-4.1-nano", obj(upstream.takeRequest().bodyText()).get("model"));
    }
}
