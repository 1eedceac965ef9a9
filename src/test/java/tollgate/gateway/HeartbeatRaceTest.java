package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.GatewayHarness.chat;
import static tollgate.gateway.GatewayHarness.errorJson;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stream whose upstream fails right when a heartbeat is due: the answer must be one well-formed
 * HTTP response, either a real 503 or a 200 event stream ending in the error event — never both
 * at once. The heartbeat thread may open the 200 at any moment while the request's thread
 * decides to answer with a JSON error, so this can only be probed statistically: many streams
 * whose upstream refuses at once, with heartbeats every millisecond. Bounded by a deadline so
 * that a slow machine makes it weaker, not longer.
 */
class HeartbeatRaceTest {
    static final int MAX_REQUESTS = 1500;
    static final Duration BUDGET = Duration.ofSeconds(8);

    @TempDir Path dataDir;

    @Test
    void upstreamFailingWhileHeartbeatsRun_alwaysGivesOneWellFormedAnswer() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        String errorJson = errorJson("Provider 'openai' is unreachable", "service_unavailable", null, 503);
        List<String> malformed = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger asJson = new AtomicInteger();
        AtomicInteger asEvent = new AtomicInteger();
        long deadline = System.nanoTime() + BUDGET.toNanos();
        try (GatewayHarness gw = GatewayHarness.builder("http://127.0.0.1:" + closedPort, dataDir)
                .server("heartbeat_ms", 1).start();
             ExecutorService pool = Executors.newFixedThreadPool(32)) {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < MAX_REQUESTS; i++) {
                done.add(pool.submit(() -> {
                    if (System.nanoTime() > deadline) return null;
                    HttpRequest request = gw.request("/v1/chat/completions", "Authorization", GatewayHarness.AUTH)
                            .POST(HttpRequest.BodyPublishers.ofString(chat("gpt-4o-mini", true))).build();
                    // The whole response within 6 s (HttpRequest.timeout only covers the headers).
                    var pending = gw.http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
                    try {
                        HttpResponse<String> r = pending.get(6, TimeUnit.SECONDS);
                        String events = r.body().replace(": ping\n\n", "");
                        if (r.statusCode() == 503 && r.body().equals(errorJson)) {
                            asJson.incrementAndGet();
                        } else if (r.statusCode() == 200 && events.equals("data: " + errorJson + "\n\n")) {
                            asEvent.incrementAndGet();
                        } else {
                            malformed.add(r.statusCode() + " " + r.body());
                        }
                    } catch (ExecutionException | TimeoutException e) {
                        pending.cancel(true);
                        malformed.add("no complete, well-formed response within 6 s: " + e);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) f.get();
        }
        assertTrue(asJson.get() + asEvent.get() > 0, "no request completed");
        assertEquals(List.of(), malformed.subList(0, Math.min(5, malformed.size())),
                malformed.size() + " malformed of " + (asJson.get() + asEvent.get() + malformed.size()));
    }
}
