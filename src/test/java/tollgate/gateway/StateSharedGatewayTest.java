package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import tollgate.account.KeyStore;
import tollgate.account.Ledger;

/**
 * Two in-process gateways (two replicas, each its own data directory and journal) sharing one
 * real redis-server (issue 14's proof): a per-minute limit of N admits exactly N of 2N requests
 * sent to both at once, a balance is not overspent across both, and Redis killed mid-load loses
 * no request and no ledger record, /readyz saying degraded until it is back.
 */
class StateSharedGatewayTest extends TwoReplicasTestBase {
    static final String ASK = AccountsGatewayTest.ASK;

    @Override
    GatewayHarness.Builder replica(Path dir) {
        return MetricsGatewayTest.configured(upstream, dir);
    }

    /** One managed key in both replicas' keys files (as an operator copies it), once both accept it. */
    String sharedKey(Map<String, Object> fields) throws Exception {
        String auth = new AccountsKeys(gwA, dirA).create(fields);
        // Written whole, then renamed: the watcher never reads half a file.
        Path tmp = dirB.resolve(KeyStore.FILE + ".copy");
        Files.copy(dirA.resolve(KeyStore.FILE), tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, dirB.resolve(KeyStore.FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (gwB.get("/v1/usage", "Authorization", auth).statusCode() == 401) {
            if (System.nanoTime() > deadline) throw new AssertionError("replica B did not pick up the key");
            Thread.sleep(10);
        }
        return auth;
    }

    /** {@code n} chat requests released at once, alternating between the replicas. */
    List<HttpResponse<String>> together(int n, String auth) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        List<Future<HttpResponse<String>>> fs = new ArrayList<>();
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < n; i++) {
                GatewayHarness gw = i % 2 == 0 ? gwA : gwB;
                fs.add(ex.submit(() -> {
                    go.await();
                    return gw.post("/v1/chat/completions", ASK, "Authorization", auth);
                }));
            }
            go.countDown();
            List<HttpResponse<String>> out = new ArrayList<>();
            for (Future<HttpResponse<String>> f : fs) out.add(f.get());
            return out;
        }
    }

    @Test
    void anRpmLimitOfN_admitsExactlyNof2N_acrossBothReplicas() throws Exception {
        String auth = sharedKey(AccountsGatewayTest.fields("name", "carol", "rpm", 4L));
        List<HttpResponse<String>> rs = together(8, auth);
        int ok = 0;
        for (HttpResponse<String> r : rs) {
            assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
            assertEquals("4", r.headers().firstValue("x-ratelimit-limit-requests").orElseThrow(), r.body());
            if (r.statusCode() == 200) {
                ok++;
                assertTrue(r.body().contains("\"chat.completion\""), r.body());
                continue;
            }
            assertEquals(429, r.statusCode(), r.body());
            assertEquals("0", r.headers().firstValue("x-ratelimit-remaining-requests").orElseThrow());
            long retry = Long.parseLong(r.headers().firstValue("retry-after").orElseThrow());
            assertTrue(retry >= 1 && retry <= 15, "a request's interval is 15 s: " + retry);
            assertTrue(r.body().startsWith("{\"error\":{\"message\":\"Rate limit reached for this key: 4 requests per minute. Try again in "),
                    r.body());
            assertTrue(r.body().endsWith("\"type\":\"rate_limit_error\",\"param\":null,\"code\":429}}"), r.body());
        }
        assertEquals(4, ok, "exactly N of 2N across both replicas");
        assertEquals("{\"status\":\"ok\"}", gwA.get("/readyz").body());
    }

    @Test
    void aBalanceIsNotOverspent_acrossBothReplicas() throws Exception {
        // A request costs 1 credit and holds 1 (AccountsGatewayTest): 3 credits serve exactly 3.
        String auth = sharedKey(AccountsGatewayTest.fields("name", "dave", "credits", 3L));
        List<HttpResponse<String>> rs = together(8, auth);
        int ok = 0;
        long lowest = Long.MAX_VALUE;
        for (HttpResponse<String> r : rs) {
            assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
            if (r.statusCode() == 200) {
                ok++;
                long balance = AccountsGatewayTest.num(AccountsGatewayTest.ext(r), "balance");
                assertTrue(balance >= 0 && balance <= 2, r.body());
                lowest = Math.min(lowest, balance);
                continue;
            }
            assertEquals(402, r.statusCode(), r.body());
            assertTrue(r.body().startsWith("{\"error\":{\"message\":\"Insufficient credits: this request may cost up to 1 credits"),
                    r.body());
            assertTrue(r.body().endsWith("\"type\":\"insufficient_quota\",\"param\":null,\"code\":402}}"), r.body());
        }
        assertEquals(3, ok, "3 credits across both replicas");
        assertEquals(0, lowest, "the balance an answer shows is the key's across both replicas (the last settled sees all 3 charged)");
    }

    @Test
    void redisKilledMidLoad_servesEveryRequest_recordsEveryOne_andSaysDegradedUntilBack() throws Exception {
        String auth = sharedKey(AccountsGatewayTest.fields("name", "erin", "rpm", 100_000L, "credits", 1_000_000L));
        AtomicLong sent = new AtomicLong();
        for (int i = 0; i < 20; i++) assertEquals(200, post(gwA, auth, sent).statusCode());
        redis.kill();
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> r = post(gwA, auth, sent);
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("100000", r.headers().firstValue("x-ratelimit-limit-requests").orElseThrow());
        }
        HttpResponse<String> ready = gwA.get("/readyz");
        assertEquals(200, ready.statusCode());
        assertEquals("{\"status\":\"degraded\",\"state\":\"redis unreachable\"}", ready.body());
        redis.restart();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!gwA.get("/readyz").body().equals("{\"status\":\"ok\"}")) { // requests probe a down Redis once a second
            if (System.nanoTime() > deadline) throw new AssertionError("still degraded after Redis came back");
            assertEquals(200, post(gwA, auth, sent).statusCode());
            Thread.sleep(50);
        }
        PromText m = PromText.parse(gwA.get("/metrics", "Authorization", MetricsGatewayTest.ADMIN).body());
        assertEquals(1.0, m.value("tollgate_state_redis_up"));
        assertTrue(m.value("tollgate_state_fallbacks_total") >= 1, "fallbacks counted");
        gwA.close();
        gwA = null;
        long[] records = new long[1];
        Ledger.readAll(dirA, payload -> records[0]++);
        assertEquals(sent.get(), records[0], "a ledger record for every request");
    }

    private static HttpResponse<String> post(GatewayHarness gw, String auth, AtomicLong sent) throws Exception {
        sent.incrementAndGet();
        return gw.post("/v1/chat/completions", ASK, "Authorization", auth);
    }
}
