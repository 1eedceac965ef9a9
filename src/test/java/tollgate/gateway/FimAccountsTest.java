package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.GatewayHarness.errorJson;
import static tollgate.gateway.GatewayHarness.obj;
import static tollgate.gateway.ProviderKindsTestBase.byPath;

import java.net.http.HttpResponse;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tollgate.account.Ledger;
import tollgate.account.UsageRecord;
import tollgate.json.Json;

/**
 * FIM and completions are accounted like chat (issue 9): a managed key is charged credits from
 * the upstream's usage at the model's prices, refused with 402 when it cannot cover the worst
 * case ({@code max_tokens} at the completion price), and every call is in the ledger
 * ({@code GET /v1/usage}, the journal with its endpoint). A group fails over between providers,
 * but never with the client's own key.
 */
class FimAccountsTest extends CompletionsTestBase {

    @Override
    String config() {
        return CONFIG.replace("\"models\": [", "\"groups\": [{\"id\": \"123e4567-e89b-12d3-a456-426614174001\", \"name\": \"coders\", \"strategy\": \"priority\", \"deployments\": "
                + "[{\"model\": \"codestral\"}, {\"model\": \"deepseek-coder\"}]}],\n\"models\": [");
    }

    static long num(Object v) { return ((tollgate.json.JsonNumber) v).longValue(); }

    @Test
    void aManagedKey_isChargedFromTheUsage_andTheLedgerHasEveryCall() throws Exception {
        upstream.respondWith(byPath(FIM_PATH, FakeUpstream.json(200, FimGatewayTest.MISTRAL_ANSWER),
                COMPLETIONS_PATH, FakeUpstream.json(200, FimGatewayTest.TEXT_ANSWER)));
        String auth = new AccountsKeys(gw, dataDir).create("coder", 10L);

        HttpResponse<String> r = gw.post("/v1/fim/completions", "{\"model\":\"codestral\",\"prompt\":\"x\",\"max_tokens\":100}",
                "Authorization", auth, "x-request-id", "acc-1");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(1, num(ext(r.body()).get("credits_charged")));
        assertEquals(9, num(ext(r.body()).get("balance")));
        r = gw.post("/v1/completions", "{\"model\":\"deepseek-coder\",\"prompt\":\"x\"}", "Authorization", auth, "x-request-id", "acc-2");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(8, num(ext(r.body()).get("balance")));

        String today = LocalDate.now(ZoneOffset.UTC).toString();
        String usage = gw.get("/v1/usage", "Authorization", auth).body();
        // codestral 20 + 12 tokens: 0.0000168 USD; deepseek-coder 21 + 13 tokens: 0.00000658 USD
        assertEquals("{\"object\":\"list\",\"key\":\"" + obj(usage).get("key") + "\",\"data\":["
                + "{\"day\":\"" + today + "\",\"model\":\"codestral\",\"requests\":1,\"errors\":0,\"prompt_tokens\":20,"
                + "\"completion_tokens\":12,\"cost\":0.0000168,\"savings\":0,\"credits\":1},"
                + "{\"day\":\"" + today + "\",\"model\":\"deepseek-coder\",\"requests\":1,\"errors\":0,\"prompt_tokens\":21,"
                + "\"completion_tokens\":13,\"cost\":0.00000658,\"savings\":0,\"credits\":1}],"
                + "\"totals\":{\"requests\":2,\"errors\":0,\"prompt_tokens\":41,\"completion_tokens\":25,\"cost\":0.00002338,"
                + "\"savings\":0,\"credits\":2}}", usage);

        gw.close();
        List<UsageRecord> records = new ArrayList<>();
        Ledger.readAll(dataDir, p -> records.add(UsageRecord.fromJson(p)));
        assertEquals(List.of("fim", "completions"), records.stream().map(UsageRecord::endpoint).toList());
        assertEquals(List.of("acc-1", "acc-2"), records.stream().map(UsageRecord::requestId).toList());
        gw = GatewayHarness.builder(upstream.url(), dataDir).config(config()).start(); // for the base class to close
    }

    @Test
    void aKeyThatCannotCoverTheWorstCase_is402_andNothingIsCalled() throws Exception {
        String auth = new AccountsKeys(gw, dataDir).create("poor", 0L);
        // the worst case: 1000 tokens (the cap) at 0.0000009 USD, 0.9 credits, so 1
        HttpResponse<String> r = gw.post("/v1/fim/completions", "{\"model\":\"codestral\",\"prompt\":\"x\"}", "Authorization", auth);
        assertEquals(402, r.statusCode(), r.body());
        assertEquals(errorJson("Insufficient credits: this request may cost up to 1 credits and the key's balance is 0. "
                + "Add credits to continue.", "insufficient_quota", null, 402), r.body());
        assertEquals(0, upstream.requests().size());
    }

    @Test
    void aGroup_failsOverToTheNextProvider_butNeverWithTheClientsOwnKey() throws Exception {
        upstream.respondWith(byPath(FIM_PATH, FakeUpstream.json(503, "{\"message\":\"overloaded\"}"),
                COMPLETIONS_PATH, FakeUpstream.json(200, FimGatewayTest.TEXT_ANSWER)));

        HttpResponse<String> r = gw.post("/v1/fim/completions", "{\"model\":\"group:coders\",\"prompt\":\"x\"}");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("group:coders", obj(r.body()).get("model"));
        assertEquals("openai/deepseek-coder-v2", r.headers().firstValue("x-tollgate-route").orElseThrow());
        assertEquals(List.of(FIM_PATH, COMPLETIONS_PATH), upstream.requests().stream().map(FakeUpstream.Received::path).toList());
        assertEquals("[\"mistral/codestral-2405\",\"openai/deepseek-coder-v2\"]", Json.toString(
                GatewayHarness.list(obj(ext(r.body()).get("route")).get("tried")).stream().map(t -> obj(t).get("deployment")).toList()));

        r = gw.post("/v1/fim/completions", "{\"model\":\"group:coders\",\"prompt\":\"x\"}", "X-Provider-Key", FimOwnKeyTest.OWN);
        assertEquals(503, r.statusCode(), r.body());
        assertEquals(errorJson("No deployment could serve the request: mistral/codestral-2405: unavailable — Provider 'mistral' is "
                + "unavailable or overloaded (HTTP 503): overloaded; openai/deepseek-coder-v2: rejected — Not tried: the key in "
                + "X-Provider-Key is for provider 'mistral' only.", "service_unavailable", "model", 503), r.body());
        assertEquals(3, upstream.requests().size(), "the own key went to Mistral only");
        assertEquals("Bearer " + FimOwnKeyTest.OWN, upstream.requests().get(2).header("authorization"));
    }

    @Test
    void aStreamCutByTheUpstream_isChargedForWhatWasDelivered() throws Exception {
        upstream.respondWith(byPath(FIM_PATH, FakeUpstream.sse(
                FakeUpstream.data(FimGatewayTest.mistralChunk("codestral-2405", "{\"role\":\"assistant\",\"content\":\"\"}", "null", null)),
                FakeUpstream.data(FimGatewayTest.mistralChunk("codestral-2405", "{\"content\":\"return\"}", "null", null)))
                .delayEnd(java.time.Duration.ofMillis(150)).end(FakeUpstream.End.ABORT))); // as StreamFailuresTest: both events read first
        String auth = new AccountsKeys(gw, dataDir).create("cut", 10L);

        String body = stream("/v1/fim/completions", "{\"model\":\"codestral\",\"prompt\":\"x\",\"stream\":true}", "Authorization", auth);
        assertEquals("upstream_error", obj(obj(GatewayHarness.sseData(body).get(2)).get("error")).get("type"), body);

        // The prompt's estimate (8 tokens) and "return" (6 characters: 2 tokens) at codestral's prices: 0.0000042 USD, 1 credit.
        String usage = gw.get("/v1/usage", "Authorization", auth).body();
        assertTrue(usage.contains("\"model\":\"codestral\",\"requests\":1,\"errors\":1,\"prompt_tokens\":8,\"completion_tokens\":2,"
                + "\"cost\":0.0000042,\"savings\":0,\"credits\":1}"), usage);
    }

    @Test
    void anUnknownModel_is400() throws Exception {
        HttpResponse<String> r = gw.post("/v1/fim/completions", "{\"model\":\"nope\",\"prompt\":\"x\"}");
        assertEquals(errorJson("The model 'nope' does not exist on this gateway. GET /v1/models lists the models it serves.",
                "invalid_request_error", "model", 400), r.body());
    }
}
