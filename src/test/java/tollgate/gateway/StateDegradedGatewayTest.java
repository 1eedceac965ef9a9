package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A gateway whose {@code state.redis_url} cannot be reached (issue 14, "Several replicas"): it
 * starts, serves every request on this replica's own limits (a limit still refuses: degraded is
 * never unlimited), {@code /readyz} says degraded while staying ready, and the metrics say so.
 */
class StateDegradedGatewayTest extends GatewayTestBase {
    static final String ASK = AccountsGatewayTest.ASK;

    @Override
    FakeUpstream newUpstream() throws Exception {
        return new FakeUpstream().respondWith(FakeUpstream.json(200, ChatPassThroughTest.UPSTREAM_COMPLETION));
    }

    @Override
    GatewayHarness startGateway(FakeUpstream upstream) throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            dead = s.getLocalPort(); // closed again: nothing listens there
        }
        return MetricsGatewayTest.configured(upstream, dataDir)
                .top("state", "{\"redis_url\": \"redis://127.0.0.1:" + dead + "\", \"timeout_ms\": 200, \"connect_timeout_ms\": 200}")
                .start();
    }

    @Test
    void redisUnreachable_servesOnLocalLimits_andSaysDegraded() throws Exception {
        HttpResponse<String> ready = gw.get("/readyz");
        assertEquals(200, ready.statusCode());
        assertEquals("application/json", ready.headers().firstValue("content-type").orElseThrow());
        assertEquals("{\"status\":\"degraded\",\"state\":\"redis unreachable\"}", ready.body());

        String auth = new AccountsKeys(gw, dataDir).create(AccountsGatewayTest.fields("name", "bob", "rpm", 2L));
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> r = gw.post("/v1/chat/completions", ASK, "Authorization", auth);
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
            assertEquals("2", r.headers().firstValue("x-ratelimit-limit-requests").orElseThrow());
            assertEquals(Long.toString(1 - i), r.headers().firstValue("x-ratelimit-remaining-requests").orElseThrow());
        }
        HttpResponse<String> refused = gw.post("/v1/chat/completions", ASK, "Authorization", auth);
        assertEquals(429, refused.statusCode(), refused.body());
        assertEquals("application/json", refused.headers().firstValue("content-type").orElseThrow());
        long retry = Long.parseLong(refused.headers().firstValue("retry-after").orElseThrow());
        assertTrue(retry >= 1 && retry <= 30, "the local bucket's wait (30 s at most): " + retry);
        assertEquals("0", refused.headers().firstValue("x-ratelimit-remaining-requests").orElseThrow());
        Map<String, Object> err = GatewayHarness.obj(GatewayHarness.obj(refused.body()).get("error"));
        assertTrue(err.get("message").toString().matches("Rate limit reached for this key: 2 requests per minute\\. Try again in [0-9.]+s\\."),
                err.toString());
        assertTrue(refused.body().endsWith("\"type\":\"rate_limit_error\",\"param\":null,\"code\":429}}"), refused.body());

        HttpResponse<String> m = gw.get("/metrics", "Authorization", MetricsGatewayTest.ADMIN);
        assertEquals(200, m.statusCode(), m.body());
        PromText p = PromText.parse(m.body());
        assertEquals(0.0, p.value("tollgate_state_redis_up"));
        assertEquals(3.0, p.value("tollgate_state_fallbacks_total"), "each admission fell back to the local buckets");
        assertEquals("{\"status\":\"ok\"}", gw.get("/healthz").body());
    }
}
