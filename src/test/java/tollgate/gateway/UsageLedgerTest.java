package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static tollgate.gateway.GatewayHarness.AUTH;
import static tollgate.gateway.GatewayHarness.chat;
import static tollgate.gateway.GatewayHarness.errorJson;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tollgate.account.Journal;
import tollgate.account.Ledger;
import tollgate.account.UsageRecord;

/**
 * The usage ledger seen from outside: every dispatched request leaves one record in the data
 * directory's journal, and {@code GET /v1/usage} shows the calling key's totals, also after a
 * restart. Echo's "Hi" costs 1 prompt + 2 completion tokens; at gpt-4o-mini's prices (the
 * baseline of the standard config) that is 0.00000135 USD saved, and 0 credits charged (echo is free).
 */
class UsageLedgerTest extends GatewayTestBase {
    static final String OTHER_KEY = "sk-test-other-0123456789";
    static final String TWO_KEYS = GatewayHarness.STANDARD_CONFIG.replace(
            "\"keys\": [{\"name\": \"t\", \"key\": \"sk-test-0123456789abcdef\"}]",
            "\"keys\": [{\"name\": \"t\", \"key\": \"sk-test-0123456789abcdef\"}, {\"name\": \"other\", \"key\": \"" + OTHER_KEY + "\"}]");

    static String today() { return LocalDate.now(ZoneOffset.UTC).toString(); }

    static String row(String model, int requests, int errors, int prompt, int completion, String cost, String savings) {
        return "{\"day\":\"" + today() + "\",\"model\":\"" + model + "\",\"requests\":" + requests + ",\"errors\":" + errors
                + ",\"prompt_tokens\":" + prompt + ",\"completion_tokens\":" + completion + ",\"cost\":" + cost
                + ",\"savings\":" + savings + ",\"credits\":0}";
    }

    @Override
    GatewayHarness startGateway(FakeUpstream upstream) throws Exception {
        return GatewayHarness.builder(upstream.url(), dataDir).config(TWO_KEYS).start();
    }

    @Test
    void everyRequest_isCountedForItsKey_andSurvivesARestart() throws Exception {
        assertEquals(200, gw.post("/v1/chat/completions", chat("echo", false)).statusCode());
        assertEquals(200, gw.post("/v1/chat/completions", chat("echo", true)).statusCode());
        assertEquals(400, gw.post("/v1/chat/completions", chat("no-such-model", false)).statusCode());
        assertEquals(200, gw.post("/v1/chat/completions", chat("echo", false), "Authorization", "Bearer " + OTHER_KEY).statusCode());

        String expected = "{\"object\":\"list\",\"key\":\"t\",\"data\":["
                + row("echo", 2, 0, 2, 4, "0", "0.0000027") + "," + row("no-such-model", 1, 1, 0, 0, "0", "0") + "],"
                + "\"totals\":{\"requests\":3,\"errors\":1,\"prompt_tokens\":2,\"completion_tokens\":4,\"cost\":0,\"savings\":0.0000027,\"credits\":0}}";
        HttpResponse<String> r = gw.get("/v1/usage", "Authorization", AUTH);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(expected, r.body());

        gw.close();
        gw = GatewayHarness.builder(upstream.url(), dataDir).config(TWO_KEYS).start();
        assertEquals(expected, gw.get("/v1/usage", "Authorization", AUTH).body(), "rebuilt from the journal");
        assertEquals("{\"object\":\"list\",\"key\":\"other\",\"data\":[" + row("echo", 1, 0, 1, 2, "0", "0.00000135") + "],"
                + "\"totals\":{\"requests\":1,\"errors\":0,\"prompt_tokens\":1,\"completion_tokens\":2,\"cost\":0,\"savings\":0.00000135,\"credits\":0}}",
                gw.get("/api/usage", "Authorization", "Bearer " + OTHER_KEY).body());
    }

    @Test
    void theJournal_holdsOneRecordPerRequest_withItsIds() throws Exception {
        HttpResponse<String> a = gw.post("/v1/chat/completions", chat("echo", false), "x-request-id", "led-1");
        HttpResponse<String> b = gw.post("/v1/chat/completions", chat("echo", true), "x-request-id", "led-2");
        assertEquals(200, a.statusCode());
        assertEquals(200, b.statusCode());
        gw.close();

        List<UsageRecord> records = new ArrayList<>();
        Ledger.readAll(dataDir, p -> records.add(UsageRecord.fromJson(p)));
        assertEquals(2, records.size());
        assertEquals(List.of("led-1", "led-2"), records.stream().map(UsageRecord::requestId).toList());
        UsageRecord first = records.get(0);
        assertEquals(GatewayHarness.obj(GatewayHarness.obj(a.body()).get("tollgate")).get("execution_id"), first.executionId());
        assertEquals("t", first.key());
        assertEquals("echo", first.model());
        assertEquals("echo/echo", first.deployment());
        assertEquals(200, first.status());
        assertEquals(false, first.stream());
        assertEquals(true, records.get(1).stream());
        assertEquals(1, first.promptTokens());
        assertEquals(2, first.completionTokens());
        assertEquals(true, first.endedMs() >= first.startedMs());
        gw = GatewayHarness.start(upstream, dataDir); // for the base class to close
    }

    @Test
    void csv_isOneLinePerDayAndModel() throws Exception {
        gw.post("/v1/chat/completions", chat("echo", false));

        HttpResponse<String> r = gw.get("/v1/usage?format=csv&model=echo&from=2000-01-01", "Authorization", AUTH);

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("text/csv; charset=utf-8", r.headers().firstValue("content-type").orElseThrow());
        assertEquals("day,model,requests,errors,prompt_tokens,completion_tokens,cost_usd,savings_usd,credits\n"
                + today() + ",echo,1,0,1,2,0,0.00000135,0\n", r.body());
        assertEquals("day,model,requests,errors,prompt_tokens,completion_tokens,cost_usd,savings_usd,credits\n",
                gw.get("/v1/usage?format=csv&to=2000-01-01", "Authorization", AUTH).body());
    }

    @Test
    void badQueries_are400NamingTheParameter_andTheKeyIsRequired() throws Exception {
        HttpResponse<String> r = gw.get("/v1/usage?form=2026-01-01", "Authorization", AUTH);
        assertEquals(400, r.statusCode());
        assertEquals(errorJson("Unknown query parameter 'form'; GET /usage takes: from, to, model, format.",
                "invalid_request_error", "form", 400), r.body());
        assertEquals(errorJson("Invalid 'from': expected a date like 2026-12-01, got '1 Dec'.", "invalid_request_error", "from", 400),
                gw.get("/v1/usage?from=1%20Dec", "Authorization", AUTH).body());
        assertEquals(errorJson("Invalid 'format': expected 'json' or 'csv', got 'xml'.", "invalid_request_error", "format", 400),
                gw.get("/v1/usage?format=xml", "Authorization", AUTH).body());
        assertEquals(401, gw.get("/v1/usage").statusCode());
        assertEquals(true, Files.exists(dataDir.resolve("ledger/usage-1.journal")));
    }
}
