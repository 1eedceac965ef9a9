package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.FakeUpstream.DONE;
import static tollgate.gateway.FakeUpstream.data;
import static tollgate.gateway.GatewayHarness.errorJson;
import static tollgate.gateway.GatewayHarness.obj;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Keys with credits, limits and model rules, seen by a client (issue 9; seed 002's 402, 403 and
 * 429). At gpt-4o-mini's prices a request of the fake upstream (9 prompt + 12 completion tokens,
 * 0.00000855 USD) costs 1 credit, and with {@code max_tokens: 100} its worst case is 1 credit too.
 */
class AccountsGatewayTest extends GatewayTestBase {
    static final String ASK = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    static final String ASK_STREAM = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":100,\"stream\":true,"
            + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

    @Override
    FakeUpstream newUpstream() throws Exception {
        return new FakeUpstream().respondWith(FakeUpstream.json(200, ChatPassThroughTest.UPSTREAM_COMPLETION));
    }

    /** A managed key written to the data directory (the gateway watches it), its secret returned. */
    String key(Map<String, Object> fields) throws Exception {
        return new AccountsKeys(gw, dataDir).create(fields);
    }

    static Map<String, Object> fields(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    static Map<String, Object> ext(HttpResponse<String> r) {
        return obj(obj(r.body()).get("tollgate"));
    }

    @Test
    void aRequestIsCharged_andTheExtensionShowsTheChargeAndTheBalance() throws Exception {
        String auth = key(fields("name", "alice", "credits", 5L));
        HttpResponse<String> r = gw.post("/v1/chat/completions", ASK, "Authorization", auth);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(1L, num(ext(r), "credits_charged"));
        assertEquals(4L, num(ext(r), "balance"));
        assertEquals("0.00000855", ext(r).get("cost").toString());
        r = gw.post("/v1/chat/completions", ASK, "Authorization", auth);
        assertEquals(3L, num(ext(r), "balance"));
        // A key without a balance: charged, no balance shown.
        r = gw.post("/v1/chat/completions", ASK, "Authorization", GatewayHarness.AUTH);
        assertEquals(1L, num(ext(r), "credits_charged"));
        assertNull(ext(r).get("balance"));
    }

    static long num(Map<String, Object> m, String k) {
        return ((tollgate.json.JsonNumber) m.get(k)).longValue();
    }

    @Test
    void anEmptyBalance_is402_andNothingIsCalled() throws Exception {
        String auth = key(fields("name", "broke", "credits", 0L));
        HttpResponse<String> r = gw.post("/v1/chat/completions", ASK, "Authorization", auth);
        assertEquals(402, r.statusCode());
        assertEquals(errorJson("Insufficient credits: this request may cost up to 1 credits and the key's balance is 0. "
                + "Add credits to continue.", "insufficient_quota", null, 402), r.body());
        assertEquals(0, upstream.requests().size());
    }

    @Test
    void aHundredConcurrentRequests_againstABalanceForTen_letExactlyTenThrough() throws Exception {
        upstream.respondWith(FakeUpstream.delayed(Duration.ofMillis(300), FakeUpstream.json(200, ChatPassThroughTest.UPSTREAM_COMPLETION)));
        String auth = key(fields("name", "ten", "credits", 10L));
        List<Future<Integer>> results = new ArrayList<>();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 100; i++) results.add(pool.submit(() -> gw.post("/v1/chat/completions", ASK, "Authorization", auth).statusCode()));
        }
        int ok = 0, refused = 0;
        for (Future<Integer> f : results) {
            if (f.get() == 200) ok++;
            else if (f.get() == 402) refused++;
        }
        assertEquals(10, ok);
        assertEquals(90, refused);
        assertEquals(10, upstream.requests().size());
        HttpResponse<String> after = gw.post("/v1/chat/completions", ASK, "Authorization", auth);
        assertEquals(402, after.statusCode());
        assertTrue(after.body().contains("the key's balance is 0."), after.body());
    }

    @Test
    void aDeniedModel_is403_namingTheModelAndTheRule() throws Exception {
        String auth = key(fields("name", "rules", "allow", List.of("echo", "neo-mode/*"), "deny", List.of("neo-mode/premium", "gpt-4o*")));
        HttpResponse<String> r = gw.post("/v1/chat/completions", ASK, "Authorization", auth);
        assertEquals(403, r.statusCode());
        assertEquals(errorJson("Model 'gpt-4o-mini' is not allowed for this key (rule: deny \"gpt-4o*\").",
                "permission_error", "model", 403), r.body());
        r = gw.post("/v1/chat/completions", GatewayHarness.chat("claude-3", false), "Authorization", auth);
        assertEquals(errorJson("Model 'claude-3' is not allowed for this key (rule: allow \"echo\", \"neo-mode/*\").",
                "permission_error", "model", 403), r.body());
        r = gw.post("/v1/chat/completions", GatewayHarness.chat("neo-mode/premium", false), "Authorization", auth);
        assertEquals(errorJson("Model 'neo-mode/premium' is not allowed for this key (rule: deny \"neo-mode/premium\").",
                "permission_error", "model", 403), r.body());
        assertEquals(200, gw.post("/v1/chat/completions", GatewayHarness.chat("echo", false), "Authorization", auth).statusCode());
        // neo-mode never routes to a denied model: its one online candidate is denied (echo stands
        // in only when no online model is enabled), so nothing is called.
        r = gw.post("/v1/chat/completions", GatewayHarness.chat("neo-mode/frugal", false), "Authorization", auth);
        assertEquals(errorJson("Every model this request could be routed to is denied for this key; the last was 'gpt-4o-mini'.",
                "permission_error", "model", 403), r.body());
        assertEquals(0, upstream.requests().size());
        // Allowing neo-mode/* lets the policy pick any model that is not denied.
        String open = key(fields("name", "open", "allow", List.of("neo-mode/*")));
        r = gw.post("/v1/chat/completions", GatewayHarness.chat("neo-mode/frugal", false), "Authorization", open);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("openai/gpt-4o-mini-2024-07-18", r.headers().firstValue("x-tollgate-route").orElse(null));
    }

    @Test
    void requestsPerMinute_429WithRetryAfter_andRateHeadersOnEveryResponse() throws Exception {
        String auth = key(fields("name", "slow", "rpm", 2L, "tpm", 100000L));
        HttpResponse<String> r = gw.post("/v1/chat/completions", ASK, "Authorization", auth);
        assertEquals(200, r.statusCode());
        assertEquals("2", r.headers().firstValue("x-ratelimit-limit-requests").orElse(null));
        assertEquals("1", r.headers().firstValue("x-ratelimit-remaining-requests").orElse(null));
        assertEquals("100000", r.headers().firstValue("x-ratelimit-limit-tokens").orElse(null));
        assertTrue(r.headers().firstValue("x-ratelimit-reset-requests").orElse("").matches("[0-9.]+m?s|[0-9]+m[0-9.]+s"),
                r.headers().toString());
        long tokensLeft = Long.parseLong(r.headers().firstValue("x-ratelimit-remaining-tokens").orElse("-1"));
        assertTrue(tokensLeft > 99_800 && tokensLeft < 100_000, "the estimate was taken: " + tokensLeft);
        assertEquals(200, gw.post("/v1/chat/completions", ASK, "Authorization", auth).statusCode());
        r = gw.post("/v1/chat/completions", ASK, "Authorization", auth);
        assertEquals(429, r.statusCode());
        assertTrue(r.body().startsWith("{\"error\":{\"message\":\"Rate limit reached for this key: 2 requests per minute. Try again in "),
                r.body());
        assertTrue(r.body().endsWith("\"type\":\"rate_limit_error\",\"param\":null,\"code\":429}}"), r.body());
        long retryAfter = Long.parseLong(r.headers().firstValue("retry-after").orElse("0"));
        assertTrue(retryAfter >= 29 && retryAfter <= 30, "retry-after " + retryAfter);
        assertEquals("0", r.headers().firstValue("x-ratelimit-remaining-requests").orElse(null));
        assertEquals(2, upstream.requests().size());
        // Other responses of the key carry them too.
        assertEquals("0", gw.get("/v1/usage", "Authorization", auth).headers().firstValue("x-ratelimit-remaining-requests").orElse(null));
        // A key without limits gets none.
        assertTrue(gw.post("/v1/chat/completions", ASK, "Authorization", GatewayHarness.AUTH).headers()
                .firstValue("x-ratelimit-limit-requests").isEmpty());
    }

    @Test
    void aStreamCarriesItsChargeOnTheUsageChunk() throws Exception {
        upstream.respondWith(FakeUpstream.sse(data(ChatStreamTest.C1), data(ChatStreamTest.C2), data(ChatStreamTest.C4),
                data(ChatStreamTest.USAGE), DONE));
        String auth = key(fields("name", "streamer", "credits", 5L));
        HttpResponse<String> r = gw.post("/v1/chat/completions", ASK_STREAM, "Authorization", auth);
        assertEquals(200, r.statusCode());
        List<String> events = GatewayHarness.sseData(r.body());
        Map<String, Object> usageChunk = obj(events.get(events.size() - 2));
        Map<String, Object> e = obj(usageChunk.get("tollgate"));
        assertEquals(1L, num(e, "credits_charged"));
        assertEquals(4L, num(e, "balance"));
        assertEquals("[DONE]", events.get(events.size() - 1));
    }

    @Test
    void concurrentStreams_areCappedPerKey() throws Exception {
        List<String> script = new ArrayList<>();
        script.add(data(ChatStreamTest.C1));
        for (int i = 0; i < 40; i++) script.add(data(ChatStreamTest.C2));
        script.add(DONE);
        upstream.respondWith(FakeUpstream.sse(script.toArray(String[]::new)).delayBetween(Duration.ofMillis(25)));
        String auth = key(fields("name", "one-stream", "max_streams", 1L));
        try (RawHttp raw = gw.raw()) {
            raw.post("/v1/chat/completions", ASK_STREAM, "Authorization: " + auth);
            assertEquals(200, raw.readHead().status());
            assertTrue(raw.readEvent().startsWith("data: "));
            HttpResponse<String> second = gw.post("/v1/chat/completions", ASK_STREAM, "Authorization", auth);
            assertEquals(429, second.statusCode());
            assertEquals(errorJson("Too many concurrent streams for this key (at most 1); wait for one to end.", "rate_limit_error",
                    null, 429), second.body());
            assertEquals(200, gw.post("/v1/chat/completions", GatewayHarness.chat("echo", false), "Authorization", auth).statusCode(),
                    "non-streamed requests are not capped");
        }
        // The client left: its slot comes back once the gateway notices.
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        int status;
        do {
            Thread.sleep(20);
            status = gw.post("/v1/chat/completions", ASK_STREAM, "Authorization", auth).statusCode();
        } while (status == 429 && System.nanoTime() < deadline);
        assertEquals(200, status);
    }

    /** The key's balance, read from the extension of a free echo request. */
    long balance(String auth) throws Exception {
        return num(ext(gw.post("/v1/chat/completions", GatewayHarness.chat("echo", false), "Authorization", auth)), "balance");
    }

    @Test
    void aStreamTheClientCut_isChargedForWhatItDelivered() throws Exception {
        List<String> script = new ArrayList<>();
        script.add(data(ChatStreamTest.C1));
        for (int i = 0; i < 60; i++) script.add(data(ChatStreamTest.C2));
        script.add(DONE);
        upstream.respondWith(FakeUpstream.sse(script.toArray(String[]::new)).delayBetween(Duration.ofMillis(30)));
        String auth = key(fields("name", "leaver", "credits", 5L));
        try (RawHttp raw = gw.raw()) {
            raw.post("/v1/chat/completions", ASK_STREAM, "Authorization: " + auth);
            assertEquals(200, raw.readHead().status());
            for (int i = 0; i < 3; i++) assertTrue(raw.readEvent().startsWith("data: "));
        }
        // No usage ever arrives: the gateway charges the prompt estimate and the tokens it relayed,
        // a fraction of a credit at these prices, rounded up to 1, once it notices the client left.
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        long b;
        while ((b = balance(auth)) == 5 && System.nanoTime() < deadline) Thread.sleep(20);
        assertEquals(4, b);
    }

    @Test
    void aStreamTheUpstreamBrokeOff_isChargedForWhatItDelivered() throws Exception {
        upstream.respondWith(FakeUpstream.sse(data(ChatStreamTest.C1), data(ChatStreamTest.C2), data(ChatStreamTest.C3))
                .delayEnd(Duration.ofMillis(150)).end(FakeUpstream.End.ABORT));
        String auth = key(fields("name", "broken", "credits", 5L));
        HttpResponse<String> r = gw.post("/v1/chat/completions", ASK_STREAM, "Authorization", auth);
        assertEquals(200, r.statusCode());
        assertTrue(r.body().contains("\"error\""), "the stream ends with an error event: " + r.body());
        assertEquals(4, balance(auth));
    }
}
