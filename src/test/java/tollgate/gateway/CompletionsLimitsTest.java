package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.account.KeyAdmin;
import tollgate.account.KeyStore;
import tollgate.call.Clock;

/**
 * The largest {@code max_tokens} and {@code n} a legacy completions request may ask for: the
 * completion they allow (their product) and the key's admission (prompt plus that) saturate
 * instead of wrapping around to a negative number, which would be a 500, and which a key's
 * tokens-per-minute limit would take as tokens given back.
 */
class CompletionsLimitsTest extends CompletionsTestBase {
    static final String HUGE = Long.toString(Long.MAX_VALUE);

    @Test
    void theLargestMaxTokensTimesN_isServed_notA500() throws Exception {
        HttpResponse<String> r = gw.post("/v1/completions", "{\"model\":\"echo\",\"prompt\":\"x\",\"max_tokens\":" + (1L << 62)
                + ",\"n\":2}");
        assertEquals(200, r.statusCode(), r.body());
    }

    @Test
    void theLargestMaxTokens_isTooLargeForAKeysTokensPerMinute_notAdmittedForFree() throws Exception {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("name", "tpm");
        fields.put("tpm", 1000L);
        String auth = "Bearer " + new KeyAdmin(new KeyStore(dataDir), Clock.SYSTEM).create(fields).secret();
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (gw.get("/v1/usage", "Authorization", auth).statusCode() == 401) {
            if (System.nanoTime() > deadline) throw new AssertionError("the gateway did not pick up the new key");
            Thread.sleep(10);
        }

        HttpResponse<String> r = gw.post("/v1/completions", "{\"model\":\"echo\",\"prompt\":\"x\",\"max_tokens\":" + HUGE + "}",
                "Authorization", auth);
        assertEquals(429, r.statusCode(), r.body());
        assertTrue(r.body().contains("Request too large"), r.body());
        // Chat's admission is the same sum (route.Estimates.plus).
        r = gw.post("/v1/chat/completions", "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                + "\"max_tokens\":" + HUGE + "}", "Authorization", auth);
        assertEquals(429, r.statusCode(), r.body());
        assertTrue(r.body().contains("Request too large"), r.body());
    }
}
