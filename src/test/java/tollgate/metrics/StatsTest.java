package tollgate.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The dashboard's time buckets and percentiles, on a clock the test sets. */
class StatsTest {
    static final long T0 = 1_800_000_000_000L; // a bucket boundary (a multiple of 10 s)

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> series(Map<String, Object> json) { return (List<Map<String, Object>>) json.get("series"); }

    @SuppressWarnings("unchecked")
    static Map<String, Object> part(Map<String, Object> json, String key) { return (Map<String, Object>) json.get(key); }

    @Test
    void bins_holdEveryValue_within6Percent() {
        for (long v : new long[] {0, 1, 15, 16, 17, 31, 32, 1000, 123_456, 9_999_999, 1L << 40}) {
            int i = Bins.of(v);
            assertTrue(Bins.lower(i) <= v && v < Bins.lower(i + 1), v + " in bin " + i);
            if (v >= Bins.LINEAR) assertTrue(Bins.lower(i + 1) - Bins.lower(i) <= v / 8.0 + 1, "bin width of " + v);
        }
        assertEquals(Bins.COUNT - 1, Bins.of(Long.MAX_VALUE));
    }

    @Test
    void series_isSixtyBucketsOldestFirst_rpsIsTheLastCompletedOne_andPercentilesForgetAfterFiveMinutes() {
        Stats s = new Stats();
        // 20 requests of 100 ms at T0, then 10 of 1 s (5 streamed, 200 ms to the first event) in the next bucket.
        for (int i = 0; i < 20; i++) s.request(T0 + i, 200, false, 100_000_000L, -1);
        for (int i = 0; i < 10; i++) s.request(T0 + 10_000 + i, i < 2 ? 502 : i < 4 ? 404 : 200, i < 2, 1_000_000_000L,
                i >= 5 ? 200_000_000L : -1);
        s.usage(T0 + 10_001, 100, 50, 0.25, 0.5, 7);

        Map<String, Object> json = s.toJson(T0 + 25_000, new LinkedHashMap<>());

        List<Map<String, Object>> series = series(json);
        assertEquals(60, series.size());
        assertEquals(T0 + 20_000, series.get(59).get("t"), "the current bucket last");
        assertEquals(T0 - 570_000, series.get(0).get("t"));
        assertEquals(10L, series.get(58).get("requests"));
        assertEquals(2L, series.get(58).get("errors"));
        assertEquals(100L, series.get(58).get("tokens_in"));
        assertEquals(0.25, series.get(58).get("cost_usd"));
        assertEquals(20L, series.get(57).get("requests"));
        assertEquals(1.0, json.get("rps"), "10 requests in the last completed 10 s");
        Map<String, Object> totals = part(json, "totals");
        assertEquals(30L, totals.get("requests"));
        assertEquals(2L, totals.get("errors"));
        assertEquals(2L, totals.get("client_errors"));
        assertEquals(7L, totals.get("credits"));
        Map<String, Object> latency = part(json, "latency_ms");
        assertEquals(100, (Double) latency.get("p50"), 100 * 0.07, latency.toString()); // 20 of 30 at 100 ms
        assertEquals(1000, (Double) latency.get("p90"), 1000 * 0.07, latency.toString());
        assertEquals(200, (Double) part(json, "ttft_ms").get("p99"), 200 * 0.07);

        // 5 minutes on, T0's requests are out of the percentile window; 10 minutes on, out of the series.
        Map<String, Object> later = s.toJson(T0 + 305_000, new LinkedHashMap<>());
        assertEquals(1000, (Double) part(later, "latency_ms").get("p50"), 1000 * 0.07, "only the 1 s ones are left");
        Map<String, Object> gone = s.toJson(T0 + 700_000, new LinkedHashMap<>());
        assertNull(part(gone, "latency_ms").get("p50"));
        assertEquals(0.0, gone.get("rps"));
        long sum = 0;
        for (Map<String, Object> p : series(gone)) sum += ((Number) p.get("requests")).longValue();
        assertEquals(0, sum);
        assertEquals(30L, part(gone, "totals").get("requests"), "totals are since start");

        // A bucket reused for a later interval starts from zero.
        s.request(T0 + 600_000, 200, false, 1_000_000L, -1);
        Map<String, Object> reused = s.toJson(T0 + 600_000, new LinkedHashMap<>());
        assertEquals(1L, series(reused).get(59).get("requests"));
    }
}
