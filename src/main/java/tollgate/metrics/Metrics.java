package tollgate.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;
import java.util.function.LongConsumer;
import java.util.function.UnaryOperator;
import tollgate.account.Recorder;
import tollgate.account.UsageRecord;
import tollgate.call.Clock;
import tollgate.catalog.Catalog;
import tollgate.catalog.Model;
import tollgate.config.RouterConfig;
import tollgate.error.FailureClass;
import tollgate.http.CallObserver;
import tollgate.http.HttpCall;
import tollgate.route.CircuitBreaker;
import tollgate.route.Deployment;
import tollgate.route.DispatchEvents;
import tollgate.route.Router;

/**
 * The gateway's metrics (issue 13), for its whole lifetime: fed by the HTTP router at the end of
 * every call ({@link CallObserver}), by the dispatchers ({@link DispatchEvents}), by the usage
 * ledger ({@link #recording}) and its fsyncs ({@link #fsyncs}); read by {@code GET /metrics}
 * ({@link #render}), {@code GET /admin/stats} ({@link #stats}) and {@code GET /admin/requests}
 * ({@link #recent}).
 *
 * <p>Contract: every recording method is safe from any thread, never blocks on I/O and never
 * throws; once a label combination has been seen, recording allocates nothing (the benchmark
 * {@code scripts/bench.d/MetricsCost.java} measures it). A configuration (re)load calls
 * {@link #attach} with the new catalog and router: counters are keyed by names and deployment
 * ids, not by the objects, so they go on counting across reloads.
 */
public final class Metrics implements CallObserver, DispatchEvents {
    /** Most distinct key names used as a label; the requests of any more count under {@code key="other"}. */
    public static final int MAX_KEY_LABELS = 100;
    /** The Content-Type of {@link #render}: the Prometheus text format 0.0.4. */
    public static final String CONTENT_TYPE = Exposition.CONTENT_TYPE;

    private final Clock clock;
    private final String version;
    private final long startedMs;
    private final Labels labels = new Labels(MAX_KEY_LABELS);
    private final RequestCounters requests = new RequestCounters();
    private final UsageCounters usage = new UsageCounters();
    private final UpstreamCounters upstream = new UpstreamCounters();
    private final Histogram fsync = new Histogram(Histogram.FSYNC_SECONDS);
    private final Stats stats = new Stats();
    private final RecentRequests recent = new RecentRequests();
    /** The current router: its deployments' breakers are rendered. */
    private volatile Router router;
    private volatile IntSupplier inFlight = () -> 0;
    private volatile IntSupplier streams = () -> 0;
    /** Open realtime voice sessions, -1 when the voice listener is off (the gauge is then left out). */
    private volatile IntSupplier voiceSessions = () -> -1;
    /** Redis of shared state (issue 14): 1 reachable, 0 not, -1 state is local (the gauges are then left out). */
    private volatile IntSupplier redisUp = () -> -1;
    /** Requests that used this replica's own limits or balance because Redis was unreachable. */
    private volatile java.util.function.LongSupplier stateFallbacks = () -> 0;
    /** The ledger's key id (an account id) to the key's name. */
    private volatile UnaryOperator<String> keyNames = UnaryOperator.identity();
    /** The size of the last rendering, to size the next one's buffer. */
    private volatile int lastRenderChars = Exposition.INITIAL_CHARS;

    public Metrics(Clock clock, String version) {
        this.clock = clock;
        this.version = version;
        this.startedMs = clock.millis();
    }

    // ---- wiring (start-up and reload)

    /**
     * Makes the names of {@code catalog} and {@code router} known labels, and renders the breaker
     * states of {@code router}'s deployments from now on. Called at start-up and after each reload.
     */
    public void attach(Catalog catalog, Router router) {
        List<String> models = new ArrayList<>();
        List<String> deployments = new ArrayList<>();
        for (Model m : catalog.models()) models.add(m.id());
        for (Router.GroupInfo g : router.groups()) {
            models.add("group:" + g.id());
            if (g.name() != null) models.add("group:" + g.name());
        }
        models.add(Router.NEO_MODE);
        for (String p : RouterConfig.POLICIES) models.add(Router.NEO_MODE + "/" + p);
        for (Deployment d : router.deployments()) deployments.add(d.id());
        models.addAll(deployments); // a model asked as <provider>/<upstream>
        labels.know(models, deployments);
        this.router = router;
    }

    /**
     * The gauges read when rendering.
     *
     * @param voiceSessions open realtime voice sessions, or null when the voice listener is off
     */
    public void gauges(IntSupplier inFlight, IntSupplier streams, IntSupplier voiceSessions) {
        this.inFlight = inFlight;
        this.streams = streams;
        this.voiceSessions = voiceSessions == null ? () -> -1 : voiceSessions;
    }

    /**
     * The gauges of shared state (issue 14).
     *
     * @param redisUp   1 while Redis is reachable, 0 while not, -1 when state is local (nothing rendered)
     * @param fallbacks requests that used this replica's own limits or balance because Redis was unreachable
     */
    public void state(IntSupplier redisUp, java.util.function.LongSupplier fallbacks) {
        this.redisUp = redisUp;
        this.stateFallbacks = fallbacks;
    }

    /** How a ledger record's key id becomes the key's name (a managed key's id is not its name). */
    public void keyNames(UnaryOperator<String> idToName) { this.keyNames = idToName; }

    /** {@code ledger}, counting what each record it takes used (after it took it: a failed record counts nothing). */
    public Recorder recording(Recorder ledger) {
        return r -> {
            ledger.record(r);
            used(r);
        };
    }

    /** Where the ledger reports each fsync's duration, in nanoseconds. */
    public LongConsumer fsyncs() { return fsync::observe; }

    // ---- recording

    @Override
    public void ended(HttpCall call, long startNanos, long endNanos) {
        RequestCounters.Route r = requests.route(call.route());
        int status = call.responseStatus();
        requests.count(r, labels.model(call.logField("model")), labels.deployment(call.logField("deployment")),
                labels.key(call.keyName()), RequestCounters.statusClass(status));
        long duration = endNanos - startNanos;
        r.duration.observe(duration);
        long first = call.firstEventNanos();
        long ttft = first == 0 ? -1 : Math.max(0, first - startNanos);
        if (ttft >= 0) r.ttft.observe(ttft);
        if (r.operational) return; // the dashboard's own polls and scrapes are not traffic
        // An upstream failure after a stream's 200 is an error too (the access line's "error" field).
        boolean error = status >= 500 || (status < 400 && call.logField("error") != null);
        long now = clock.millis();
        stats.request(now, status, error, duration, ttft);
        recent.add(call, r.endpoint, now, status, duration, ttft);
    }

    /** One ledger record: tokens, cost, credits and savings. */
    void used(UsageRecord r) {
        // A request that reached no upstream used nothing: no series for it.
        if (r.deployment() == null && r.promptTokens() == 0 && r.completionTokens() == 0 && r.credits() == 0) return;
        String name = r.key() == null ? null : keyNames.apply(r.key());
        UsageCounters.Cell c = usage.cell(labels.deployment(r.deployment()), labels.key(name));
        double usd = r.cost() == null ? 0 : r.cost().doubleValue();
        double saved = r.savings() == null ? 0 : r.savings().doubleValue();
        c.tokensIn.add(r.promptTokens());
        c.tokensOut.add(r.completionTokens());
        c.credits.add(r.credits());
        c.cost.add(usd);
        c.savings.add(saved);
        stats.usage(clock.millis(), r.promptTokens(), r.completionTokens(), usd, saved, r.credits());
    }

    @Override
    public void called(Deployment d, Deployment previous) {
        if (d == previous || d.id().equals(previous.id())) upstream.cell(labels.deployment(d.id())).retries.increment();
        else upstream.cell(labels.deployment(previous.id())).failovers.increment();
    }

    @Override
    public void failed(Deployment d, FailureClass failure) {
        upstream.cell(labels.deployment(d.id())).errors[failure.ordinal()].increment();
    }

    // ---- reading

    /** {@code GET /metrics}: the Prometheus text exposition format 0.0.4. */
    public byte[] render() {
        Exposition out = new Exposition(lastRenderChars + lastRenderChars / 8);
        requests.render(out);
        usage.render(out);
        upstream.render(out);
        out.family("tollgate_in_flight_requests", "gauge", "HTTP requests in progress, streams included.")
                .sample("tollgate_in_flight_requests", "", inFlight.getAsInt());
        out.family("tollgate_open_streams", "gauge", "Streamed (SSE) responses in progress.")
                .sample("tollgate_open_streams", "", streams.getAsInt());
        int sessions = voiceSessions.getAsInt();
        if (sessions >= 0) {
            out.family("tollgate_voice_sessions", "gauge", "Realtime voice sessions open.").sample("tollgate_voice_sessions", "", sessions);
        }
        breakers(out);
        int up = redisUp.getAsInt();
        if (up >= 0) {
            out.family("tollgate_state_redis_up", "gauge", "Whether the Redis of shared state is reachable (1) or not (0: this "
                    + "replica serves on its own limits).").sample("tollgate_state_redis_up", "", up);
            out.family("tollgate_state_fallbacks_total", "counter", "Requests that used this replica's own limits or balance "
                    + "because Redis was unreachable.").sample("tollgate_state_fallbacks_total", "", stateFallbacks.getAsLong());
        }
        out.family("tollgate_ledger_fsync_seconds", "histogram", "Time each fsync of the usage ledger's journal took.");
        fsync.render(out, "tollgate_ledger_fsync_seconds", "");
        JvmGauges.render(out);
        out.family("tollgate_build_info", "gauge", "The gateway's version (always 1).")
                .sample("tollgate_build_info", Exposition.labels("version", version), 1);
        out.family("tollgate_start_time_seconds", "gauge", "When the gateway started, in seconds since the epoch.")
                .sample("tollgate_start_time_seconds", "", startedMs / 1000.0);
        lastRenderChars = out.length();
        return out.toBytes();
    }

    /** One series per configured deployment: 0 closed, 1 open, 2 half-open. */
    private void breakers(Exposition out) {
        out.family("tollgate_circuit_breaker_state", "gauge", "Circuit breaker of each configured deployment: 0 closed, 1 open, "
                + "2 half-open.");
        Router r = router;
        if (r == null) return;
        for (Deployment d : r.deployments()) {
            if (!labels.configuredDeployment(d.id())) continue; // ad-hoc ones are not a bounded set
            CircuitBreaker.State s = d.breaker().state();
            int v = switch (s) {
                case CLOSED -> 0;
                case OPEN -> 1;
                case HALF_OPEN -> 2;
            };
            out.sample("tollgate_circuit_breaker_state", Exposition.labels("deployment", d.id()), v);
        }
    }

    /** {@code GET /admin/stats} (contract.md). */
    public Map<String, Object> stats() {
        long now = clock.millis();
        Map<String, Object> totals = new LinkedHashMap<>();
        Map<String, Object> body = stats.toJson(now, totals);
        totals.put("in_flight", inFlight.getAsInt());
        totals.put("streams", streams.getAsInt());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("now", now);
        out.put("started_at", startedMs);
        out.put("version", version);
        out.putAll(body);
        return out;
    }

    /** {@code GET /admin/requests}: the newest {@code limit} requests, newest first. */
    public Map<String, Object> recent(int limit) {
        return Map.of("data", recent.newest(limit));
    }
}
