package tollgate.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tollgate.call.Clock;

/**
 * The open {@code metrics.listen} listener holds a bounded number of renderings: anyone who can
 * reach it may scrape, and each scrape holds a whole page until it is sent.
 */
class MetricsListenerTest {
    @Test
    void scrapesOverTheLimit_getA503_whileTheOthersAreServed() throws Exception {
        Metrics metrics = new Metrics(Clock.SYSTEM, "0.1.0");
        Semaphore rendering = new Semaphore(0);
        CountDownLatch go = new CountDownLatch(1);
        // The in-flight gauge is read while rendering: it holds each scrape inside render() until go.
        metrics.gauges(() -> {
            rendering.release();
            try {
                go.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return 0;
        }, () -> 0, null);
        try (MetricsListener l = MetricsListener.start("127.0.0.1", 0, metrics);
             HttpClient client = HttpClient.newHttpClient()) {
            URI uri = URI.create("http://127.0.0.1:" + l.port() + "/metrics");
            HttpRequest get = HttpRequest.newBuilder(uri).build();
            List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
            try {
                for (int i = 0; i < MetricsListener.MAX_CONCURRENT_SCRAPES; i++) {
                    held.add(client.sendAsync(get, HttpResponse.BodyHandlers.ofString()));
                }
                assertTrue(rendering.tryAcquire(MetricsListener.MAX_CONCURRENT_SCRAPES, 30, TimeUnit.SECONDS), "the scrapes render");

                // A guard, not a timing: without the limit this scrape would wait for go forever.
                HttpRequest more = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build();
                HttpResponse<String> over = client.send(more, HttpResponse.BodyHandlers.ofString());
                assertEquals(503, over.statusCode());
                assertEquals("application/json", over.headers().firstValue("Content-Type").orElse(null));
                assertEquals("1", over.headers().firstValue("Retry-After").orElse(null));
                assertEquals("{\"error\":{\"message\":\"Too many scrapes of /metrics at once (at most 4); retry in 1 s.\","
                        + "\"type\":\"service_unavailable\",\"param\":null,\"code\":503}}", over.body());
            } finally {
                go.countDown(); // else closing the client waits for the held scrapes forever
            }
            for (CompletableFuture<HttpResponse<String>> f : held) {
                HttpResponse<String> r = f.get(30, TimeUnit.SECONDS);
                assertEquals(200, r.statusCode());
                assertEquals(Exposition.CONTENT_TYPE, r.headers().firstValue("Content-Type").orElse(null));
                assertTrue(r.body().contains("# TYPE tollgate_in_flight_requests gauge\ntollgate_in_flight_requests 0\n"), r.body());
            }
            HttpResponse<String> after = client.send(get, HttpResponse.BodyHandlers.ofString());
            assertEquals(200, after.statusCode(), "a scrape is served again once the others are done");
        }
    }
}
