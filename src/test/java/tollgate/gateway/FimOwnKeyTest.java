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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import tollgate.account.Ledger;
import tollgate.account.UsageRecord;

/**
 * Bring-your-own-key on {@code /fim/completions}: {@code X-Provider-Key} reaches the upstream
 * instead of the configured key, for that request only; it is in no error body (an upstream that
 * echoes it is scrubbed), not in the ledger; an upstream that refuses it is the client's 400; the
 * call is recorded but no credits are held or charged, so a key without credits may make it; the
 * offline echo provider takes no key. (That it is in no log line is {@link FimOwnKeyLogTest}.)
 */
class FimOwnKeyTest extends CompletionsTestBase {
    static final String OWN = "sk-own-mistral-7f3a9c21d4e5b6a8";
    static final String ASK = "{\"model\":\"codestral\",\"prompt\":\"def f(\",\"suffix\":\")\"}";

    @Test
    void theOwnKeyReachesTheUpstream_forThatRequestOnly_andNothingIsCharged() throws Exception {
        upstream.respondWith(byPath(FIM_PATH, FakeUpstream.json(200, FimGatewayTest.MISTRAL_ANSWER)));

        HttpResponse<String> r = gw.post("/v1/fim/completions", ASK, "X-Provider-Key", OWN, "x-request-id", "own-1");

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("{\"execution_id\":\"" + ext(r.body()).get("execution_id") + "\",\"request_id\":\"own-1\",\"credits_charged\":0}",
                tollgate.json.Json.toString(ext(r.body())), "no cost: the client pays its provider");
        assertEquals("Bearer " + OWN, upstream.takeRequest().header("authorization"));
        assertFalse(r.body().contains(OWN));

        assertEquals(200, gw.post("/v1/fim/completions", ASK).statusCode());
        assertEquals("Bearer " + MISTRAL_KEY, upstream.takeRequest().header("authorization"), "the next request uses the configured key");
    }

    @Test
    void aStream_sendsTheOwnKeyToo() throws Exception {
        upstream.respondWith(byPath(FIM_PATH, FakeUpstream.sse(
                data(FimGatewayTest.mistralChunk("codestral-2405", "{\"role\":\"assistant\",\"content\":\"x\"}", "null", null)),
                data(FimGatewayTest.mistralChunk("codestral-2405", "{\"content\":\"\"}", "\"stop\"", FimGatewayTest.USAGE)), DONE)));
        String body = stream("/v1/fim/completions", "{\"model\":\"codestral\",\"prompt\":\"x\",\"stream\":true}", "X-Provider-Key", OWN);
        List<String> events = GatewayHarness.sseData(body);
        assertEquals(3, events.size(), body);
        assertEquals("{\"credits_charged\":0}", tollgate.json.Json.toString(obj(events.get(1)).get("tollgate")));
        assertEquals("Bearer " + OWN, upstream.takeRequest().header("authorization"));
    }

    @Test
    void anUpstreamThatEchoesTheOwnKey_isScrubbed() throws Exception {
        upstream.respondWith(byPath(FIM_PATH, FakeUpstream.json(400, "{\"object\":\"error\",\"message\":\"Invalid suffix for key "
                + OWN + " (Authorization: Bearer " + OWN + ")\",\"type\":\"invalid_request_error\",\"param\":\"suffix\",\"code\":null}")));
        HttpResponse<String> r = gw.post("/v1/fim/completions", ASK, "X-Provider-Key", OWN);
        assertEquals(400, r.statusCode(), r.body());
        assertFalse(r.body().contains(OWN.substring(7, 19)), r.body());
        assertTrue(r.body().contains("[redacted]"), r.body());
    }

    @Test
    void anUpstreamThatRefusesTheOwnKey_isTheClients400() throws Exception {
        upstream.respondWith(byPath(FIM_PATH, FakeUpstream.json(401, "{\"message\":\"Unauthorized\",\"request_id\":\"abc\"}")));
        HttpResponse<String> r = gw.post("/v1/fim/completions", ASK, "X-Provider-Key", OWN);
        assertEquals(400, r.statusCode(), r.body());
        assertEquals(errorJson("Provider 'mistral' refused the key given in X-Provider-Key (HTTP 401).", "invalid_request_error",
                "X-Provider-Key", 400), r.body());
        assertEquals("false", r.headers().firstValue("x-should-retry").orElseThrow());
    }

    @Test
    void anUpstreamThatRateLimitsTheOwnKey_tellsTheClient_butDoesNotCoolTheDeploymentForEveryoneElse() throws Exception {
        upstream.respondWith(byPath(FIM_PATH, RoutingTestBase.jsonWithHeaders(429, "{\"object\":\"error\",\"message\":"
                + "\"Requests rate limit exceeded\",\"type\":\"rate_limited\",\"param\":null,\"code\":\"1300\"}", "retry-after", "600")));
        HttpResponse<String> r = gw.post("/v1/fim/completions", ASK, "X-Provider-Key", OWN);
        assertEquals(429, r.statusCode(), r.body());
        assertEquals("600", r.headers().firstValue("retry-after").orElseThrow(), "the client's own limit, for it to wait");
        assertEquals(errorJson("Provider 'mistral' is rate-limiting the key given in X-Provider-Key (HTTP 429).", "rate_limit_error",
                null, 429), r.body());

        // The 429 was about the client's key at Mistral, not the gateway's: the next client is served.
        upstream.respondWith(byPath(FIM_PATH, FakeUpstream.json(200, FimGatewayTest.MISTRAL_ANSWER)));
        HttpResponse<String> next = gw.post("/v1/fim/completions", ASK);
        assertEquals(200, next.statusCode(), next.body());
        assertEquals(2, upstream.requests().size());
        assertEquals("Bearer " + MISTRAL_KEY, upstream.requests().get(1).header("authorization"));
    }

    @Test
    void toAnOpenAiCompatibleServer_theOwnKeyIsItsBearerToken() throws Exception {
        upstream.respondWith(byPath(COMPLETIONS_PATH, FakeUpstream.json(200, FimGatewayTest.TEXT_ANSWER)));
        assertEquals(200, gw.post("/v1/fim/completions", ASK.replace("codestral", "deepseek-coder"), "X-Provider-Key", OWN).statusCode());
        assertEquals("Bearer " + OWN, upstream.takeRequest().header("authorization"));
    }

    @Test
    void theOfflineEchoProvider_takesNoKey() throws Exception {
        HttpResponse<String> r = gw.post("/v1/fim/completions", "{\"model\":\"echo\",\"prompt\":\"x\"}", "X-Provider-Key", OWN);
        assertEquals(400, r.statusCode());
        assertEquals(errorJson("Model 'echo' is served by the offline provider 'echo', which takes no provider key: send the request "
                + "without X-Provider-Key.", "invalid_request_error", "X-Provider-Key", 400), r.body());
    }

    @Test
    void aMalformedOwnKey_is400_withoutQuotingIt() throws Exception {
        HttpResponse<String> r = gw.post("/v1/fim/completions", ASK, "X-Provider-Key", "short");
        assertEquals(400, r.statusCode());
        assertEquals(errorJson("Invalid X-Provider-Key header: expected a provider key of 8 to 1024 visible ASCII characters.",
                "invalid_request_error", "X-Provider-Key", 400), r.body());
        assertEquals(0, upstream.requests().size());
    }

    @Test
    void aKeyWithoutCredits_mayUseItsOwnProviderKey_andTheCallIsRecordedWithoutTheKey() throws Exception {
        upstream.respondWith(byPath(FIM_PATH, FakeUpstream.json(200, FimGatewayTest.MISTRAL_ANSWER)));
        String broke = new AccountsKeys(gw, dataDir).create("broke", 0L);

        HttpResponse<String> refused = gw.post("/v1/fim/completions", ASK, "Authorization", broke);
        assertEquals(402, refused.statusCode(), refused.body());
        HttpResponse<String> r = gw.post("/v1/fim/completions", ASK, "Authorization", broke, "X-Provider-Key", OWN,
                "x-request-id", "own-2");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(0L, ((tollgate.json.JsonNumber) ext(r.body()).get("credits_charged")).longValue());
        assertEquals(0L, ((tollgate.json.JsonNumber) ext(r.body()).get("balance")).longValue());

        String usage = gw.get("/v1/usage", "Authorization", broke).body();
        assertTrue(usage.contains("\"model\":\"codestral\",\"requests\":2,\"errors\":1,\"prompt_tokens\":20,\"completion_tokens\":12"),
                usage);
        gw.close();
        List<UsageRecord> records = new ArrayList<>();
        Ledger.readAll(dataDir, p -> records.add(UsageRecord.fromJson(p)));
        UsageRecord own = records.stream().filter(x -> "own-2".equals(x.requestId())).findFirst().orElseThrow();
        assertEquals("fim", own.endpoint());
        assertEquals("mistral/codestral-2405", own.deployment());
        assertEquals(0, own.credits());
        assertNull(own.cost());
        try (Stream<Path> files = Files.walk(dataDir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertFalse(new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1).contains(OWN.substring(7)),
                        "the own key is in " + f);
            }
        }
        gw = GatewayHarness.builder(upstream.url(), dataDir).config(config()).start(); // for the base class to close
    }
}
