package tollgate.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@code tollgate_requests_total} by route, model, deployment, key and status class, and per
 * route the duration and time-to-first-token histograms. Found by nested lookups of canonical
 * label strings ({@link Labels}): no allocation once a combination has been seen.
 */
final class RequestCounters {
    static final String REQUESTS = "tollgate_requests_total";
    static final String DURATION = "tollgate_request_duration_seconds";
    static final String TTFT = "tollgate_time_to_first_token_seconds";
    /** Status classes by {@code status / 100}; 0 (nothing was sent: the client left first) is {@code none}. */
    static final String[] CLASSES = {"none", "1xx", "2xx", "3xx", "4xx", "5xx"};
    /** The route label of a call no route matched (a 404, a 405, a refused request line). */
    static final String UNMATCHED = "unmatched";

    /** One route's counters. */
    static final class Route {
        final String labels;
        final Histogram duration = new Histogram(Histogram.LATENCY_SECONDS);
        final Histogram ttft = new Histogram(Histogram.LATENCY_SECONDS);
        final Map<String, Map<String, Map<String, Cell>>> byModel = new ConcurrentHashMap<>();
        final String endpoint;
        /** Whether the route is the gateway's own operations (admin API, dashboard, health, metrics), not traffic. */
        final boolean operational;

        Route(String endpoint) {
            this.endpoint = endpoint;
            this.labels = Exposition.labels("endpoint", endpoint);
            this.operational = operational(endpoint);
        }
    }

    /** One label combination: a counter per status class. */
    static final class Cell {
        final String labels;
        final LongAdder[] byClass = new LongAdder[CLASSES.length];

        Cell(String labels) {
            this.labels = labels;
            for (int i = 0; i < byClass.length; i++) byClass[i] = new LongAdder();
        }
    }

    private final Map<String, Route> routes = new ConcurrentHashMap<>();

    /** The counters of a registered route (null: none matched). */
    Route route(String route) {
        String r = route == null ? UNMATCHED : route;
        Route found = routes.get(r);
        return found != null ? found : routes.computeIfAbsent(r, Route::new);
    }

    /**
     * Routes left out of {@code /admin/stats} and {@code /admin/requests} (still counted in
     * {@code /metrics}): a dashboard polling them must not show up as its own traffic.
     */
    static boolean operational(String route) {
        return route.equals("/") || route.equals("/metrics") || route.equals("/healthz") || route.equals("/readyz")
                || route.startsWith("/admin/") || route.startsWith("/dashboard");
    }

    static int statusClass(int status) {
        return status >= 100 && status < 600 ? status / 100 : 0;
    }

    void count(Route r, String model, String deployment, String key, int statusClass) {
        Map<String, Map<String, Cell>> byDeployment = r.byModel.get(model);
        if (byDeployment == null) byDeployment = r.byModel.computeIfAbsent(model, m -> new ConcurrentHashMap<>());
        Map<String, Cell> byKey = byDeployment.get(deployment);
        if (byKey == null) byKey = byDeployment.computeIfAbsent(deployment, d -> new ConcurrentHashMap<>());
        Cell c = byKey.get(key);
        if (c == null) {
            c = byKey.computeIfAbsent(key, k -> new Cell(Exposition.labels("endpoint", r.endpoint, "model", model,
                    "deployment", deployment, "key", k)));
        }
        c.byClass[statusClass].increment();
    }

    void render(Exposition out) {
        out.family(REQUESTS, "counter", "HTTP requests answered, by route, model asked, deployment that answered, key name "
                + "and status class.");
        for (Route r : routes.values()) {
            for (Map<String, Map<String, Cell>> byDeployment : r.byModel.values()) {
                for (Map<String, Cell> byKey : byDeployment.values()) {
                    for (Cell c : byKey.values()) {
                        for (int i = 0; i < CLASSES.length; i++) {
                            long n = c.byClass[i].sum();
                            if (n > 0) out.sample(REQUESTS, c.labels, "status_class", CLASSES[i], n);
                        }
                    }
                }
            }
        }
        out.family(DURATION, "histogram", "Time from a request's arrival to the end of its answer, by route.");
        for (Route r : routes.values()) r.duration.render(out, DURATION, r.labels);
        out.family(TTFT, "histogram", "Time from a streamed request's arrival to its first event, by route.");
        for (Route r : routes.values()) if (r.ttft.count() > 0) r.ttft.render(out, TTFT, r.labels);
    }
}
