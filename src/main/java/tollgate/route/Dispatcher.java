package tollgate.route;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import tollgate.account.Recorder;
import tollgate.account.UsageRecord;
import tollgate.call.Clock;
import tollgate.catalog.Model;
import tollgate.config.RouterConfig;
import tollgate.conversation.Capabilities;
import tollgate.conversation.ClientToolIds;
import tollgate.conversation.PromptEstimate;
import tollgate.conversation.ToolCallRepair;
import tollgate.error.ClientGoneException;
import tollgate.error.ErrorKind;
import tollgate.error.FailureClass;
import tollgate.error.GatewayException;
import tollgate.provider.ChatCall;
import tollgate.provider.ChatResult;
import tollgate.provider.Usage;

/**
 * The one request pipeline, for every surface (HTTP chat completions, legacy {@code /chat}, and
 * later voice and tasks): plan the candidates ({@link Router}), then per attempt check what the
 * model can take, estimate the context, repair the conversation for that provider, call it, and
 * on failure retry or fail over as the failure's {@link FailureClass} says.
 *
 * <ul>
 *   <li>Transient failures (unavailable, timeout, broken stream) are retried on the same
 *       deployment {@code router.retries} times with exponential backoff and full jitter, then
 *       the next candidate is tried. A 429 waits the upstream's {@code retry-after} when it is at
 *       most {@code router.max_retry_after_ms}, else fails over at once and the deployment cools
 *       down for that long.</li>
 *   <li>A context-length error fails over to a candidate with a larger window only; caller
 *       faults never retry.</li>
 *   <li>A stream fails over only while nothing reached the client ({@link FirstContent}); after
 *       its first content a break ends it with an error event, and no other upstream is called.</li>
 *   <li>Every attempt is reported to its deployment's circuit breaker and latency estimate.</li>
 *   <li>Premium with a JSON-schema {@code response_format}: a non-streamed answer that does not
 *       validate is retried once on the next candidate.</li>
 * </ul>
 * When every candidate is exhausted, {@link Exhausted} says why for each.
 */
public final class Dispatcher {
    /**
     * Most upstream calls one request may cause, retries and failovers together: a request naming
     * 16 fallback groups of 64 members must not turn into a thousand calls (each up to a timeout).
     */
    static final int MAX_UPSTREAM_CALLS = 16;

    private final Router router;
    private final RouterConfig config;
    private final Clock clock;
    private final Retries retries;
    private final ServiceDispatcher services;
    private final Model baseline;
    private final Settlement settlement;

    /**
     * @param baseline the model savings are measured against, or null for no savings
     */
    public Dispatcher(Router router, Model baseline, Clock clock, RandomGenerator random) {
        this(router, baseline, clock, random, Recorder.NONE);
    }

    /**
     * @param baseline the model savings are measured against, or null for no savings
     * @param recorder where every dispatched request is recorded, durably, before it returns
     */
    public Dispatcher(Router router, Model baseline, Clock clock, RandomGenerator random, Recorder recorder) {
        this(router, baseline, clock, random, recorder, DispatchEvents.NONE);
    }

    /**
     * @param baseline the model savings are measured against, or null for no savings
     * @param recorder where every dispatched request is recorded, durably, before it returns
     * @param events   told of retries, failovers and failed upstream calls (metrics)
     */
    public Dispatcher(Router router, Model baseline, Clock clock, RandomGenerator random, Recorder recorder, DispatchEvents events) {
        this.settlement = new Settlement(recorder, clock, this);
        this.router = router;
        this.config = router.config();
        this.clock = clock;
        this.retries = new Retries(config, new Backoff(config.backoff().toNanos(), config.maxBackoff().toNanos(), random), clock,
                events);
        this.baseline = baseline;
        this.services = new ServiceDispatcher(router, retries, recorder, clock);
    }

    public Router router() { return router; }

    /** The model savings are measured against, or null for no savings. */
    public Model baseline() { return baseline; }

    /** The pipeline for calls that are not chat (FIM, text completions, speech), on the same router and ledger. */
    public ServiceDispatcher services() { return services; }

    /**
     * Serves one request.
     *
     * @param sink where a stream goes ({@code request.stream()}), or null for a non-streamed answer
     * @throws GatewayException   the failure, when no candidate answered
     * @throws ClientGoneException when the caller left
     */
    public Dispatched dispatch(Caller caller, ChatRequest request, ChatSink sink) {
        long started = clock.millis();
        long promptTokens = PromptEstimate.tokens(request.body());
        long maxTokens = Estimates.requestedMaxTokens(request.body());
        Attempts a = null;
        Dispatched done;
        try {
            caller.charge().admit(Estimates.asked(request), request.stream(), Estimates.plus(promptTokens, maxTokens));
            Plan plan = router.plan(request, promptTokens);
            a = new Attempts(plan, request, caller, promptTokens, maxTokens, sink);
            done = a.run();
        } catch (GatewayException e) {
            settlement.failed(caller, request, e.httpStatus(), a == null ? null : a.streamed(), promptTokens,
                    a == null ? 0 : a.delivered(), started);
            throw e;
        } catch (ClientGoneException e) {
            settlement.failed(caller, request, UsageRecord.CLIENT_CLOSED, a == null ? null : a.streamed(), promptTokens,
                    a == null ? 0 : a.delivered(), started);
            throw e;
        }
        // Recorded before the caller answers: for a stream, before its [DONE].
        return settlement.answered(caller, request, done, promptTokens, a.delivered(), started);
    }

    /** The state of one request's attempts. */
    private final class Attempts {
        final Plan plan;
        final ChatRequest request;
        final Caller caller;
        final long promptTokens;
        final long maxTokens;
        final ChatSink sink;
        final List<Tried> tried;
        /** The gate of the attempt whose stream reached the client, and its deployment, once one did. */
        FirstContent streaming;
        Deployment streamingDeployment;
        GatewayException last;
        long minWindow; // after a context error: only larger windows are worth trying
        int calls;      // upstream calls made, retries included
        Deployment lastCalled; // for the metrics: a retry or a failover
        boolean schemaRetried;

        Attempts(Plan plan, ChatRequest request, Caller caller, long promptTokens, long maxTokens, ChatSink sink) {
            this.plan = plan;
            this.request = request;
            this.caller = caller;
            this.promptTokens = promptTokens;
            this.maxTokens = maxTokens;
            this.sink = sink;
            this.tried = new ArrayList<>(plan.skipped());
        }

        Dispatched run() {
            List<Deployment> candidates = plan.candidates();
            for (int i = 0; i < candidates.size() && calls < MAX_UPSTREAM_CALLS; i++) {
                Dispatched done = candidate(candidates.get(i), i + 1 < candidates.size());
                if (done != null) return done;
            }
            // No upstream was called because the key may not use, or cannot afford, any candidate: say so.
            if (calls == 0 && last != null && (last.kind() == ErrorKind.POLICY_FORBIDDEN
                    || last.kind() == ErrorKind.POLICY_INSUFFICIENT_CREDITS)) {
                throw last;
            }
            throw Exhausted.error(plan, tried, last);
        }

        /** The deployment whose stream reached the client, or null. */
        Deployment streamed() { return streamingDeployment; }

        /** Tokens estimated in what the stream delivered (0 for none). */
        long delivered() { return streaming == null ? 0 : streaming.deliveredTokens(); }

        /** Tries {@code d} (with retries); the answer, or null to go on to the next candidate. */
        Dispatched candidate(Deployment d, boolean more) {
            Model model = d.model();
            if (minWindow > 0 && model.contextLength() > 0 && model.contextLength() <= minWindow) {
                tried.add(new Tried(d.id(), FailureClass.CONTEXT_TOO_LONG.outcome(), 0, -1, "its window is not larger"));
                return null;
            }
            if (!caller.charge().mayRouteTo(model.id())) {
                tried.add(new Tried(d.id(), Tried.FORBIDDEN, 0, -1, "denied for this key"));
                last = new GatewayException(ErrorKind.POLICY_FORBIDDEN, "Every model this request could be routed to is denied "
                        + "for this key; the last was '" + model.id() + "'.", "model");
                return null;
            }
            try {
                caller.charge().cover(Estimates.worstCost(model, promptTokens, maxTokens));
            } catch (GatewayException e) {
                tried.add(new Tried(d.id(), Tried.UNAFFORDABLE, 0, -1, e.getMessage()));
                last = e;
                return null;
            }
            ToolCallRepair.Repaired repaired;
            try {
                // Per attempt (seed 002): what this model cannot take, what cannot fit, the
                // conversation repaired for this provider's tool id rule.
                Capabilities.check(model, request.body());
                PromptEstimate.check(model, promptTokens);
                repaired = ToolCallRepair.repair(request.body(), d.chat().toolIdRule());
            } catch (GatewayException e) {
                if (plan.candidates().size() == 1 && plan.skipped().isEmpty()) throw e;
                boolean context = e.failure() == FailureClass.CONTEXT_TOO_LONG;
                tried.add(new Tried(d.id(), context ? e.failure().outcome() : Tried.UNSUPPORTED, 0, -1, e.getMessage()));
                if (context) minWindow = Math.max(minWindow, model.contextLength());
                last = e;
                return null;
            }
            ClientToolIds toolIds = new ClientToolIds(repaired.upstreamToClientIds());
            for (int attempt = 0; ; attempt++) {
                if (caller.cancellation().isCancelled()) throw new ClientGoneException(null);
                long cooling = d.coolingNanos();
                if (cooling > 0) {
                    tried.add(new Tried(d.id(), Tried.COOLING, 0, cooling, "rate limited by the upstream"));
                    return null;
                }
                if (calls >= MAX_UPSTREAM_CALLS) return null; // before allow(): in half-open it takes the probe slot
                if (!d.breaker().allow()) {
                    // On a retry, this attempt's own failure opened it: that failure is what to report.
                    if (attempt == 0) {
                        tried.add(new Tried(d.id(), Tried.CIRCUIT_OPEN, 0, d.breaker().retryAfterNanos(), "circuit open after repeated failures"));
                    }
                    return null;
                }
                calls++;
                retries.calling(d, lastCalled);
                lastCalled = d;
                long t0 = clock.nanos();
                FirstContent gate = sink == null ? null : new FirstContent(sink, () -> begin(d, t0, toolIds, repaired), clock,
                        caller.memory());
                ChatCall call = new ChatCall(repaired.body(), model, request.stream(), caller.requestId(),
                        caller.cancellation(), promptTokens, caller.memory(), request.messages());
                long wait; // after a failure: how long to wait before retrying here, or -1 to move on
                d.enter();
                try {
                    if (gate == null) {
                        ChatResult result = d.chat().chat(call);
                        long took = clock.nanos() - t0;
                        d.breaker().recordSuccess();
                        d.latency().observe(took);
                        String invalid = schemaViolation(result.completion());
                        if (invalid != null && more && !schemaRetried) {
                            schemaRetried = true;
                            tried.add(new Tried(d.id(), Tried.SCHEMA_INVALID, millis(took), -1, invalid));
                            return null;
                        }
                        tried.add(new Tried(d.id(), Tried.OK, millis(took), -1, null));
                        toolIds.restoreCompletion(result.completion());
                        return done(d, result.completion(), result.usage(), route(d), repaired);
                    }
                    Usage usage;
                    try {
                        usage = d.chat().stream(call, gate);
                    } catch (ClientGoneException gone) {
                        if (gate.committed()) {
                            streaming = gate;
                            streamingDeployment = d;
                        }
                        throw gone;
                    }
                    gate.finish();
                    streaming = gate;
                    streamingDeployment = d;
                    d.breaker().recordSuccess();
                    d.latency().observe(gate.committedAtNanos() - t0);
                    return done(d, null, usage, routeOnCommit, repaired);
                } catch (GatewayException e) {
                    long took = clock.nanos() - t0;
                    if (gate != null && gate.committed()) {
                        retries.failed(d, e.failure(), took);
                        streaming = gate;
                        streamingDeployment = d;
                        throw e; // content reached the client: the stream ends with this error
                    }
                    wait = retry(d, e, attempt, took);
                } catch (RuntimeException | Error e) {
                    d.breaker().release();
                    throw e;
                } finally {
                    d.leave(); // before any wait: a backoff is not a call in flight (least-busy)
                    if (gate != null) gate.release(); // what a dropped attempt held
                }
                if (wait < 0) return null;
                retries.pause(wait, caller.cancellation());
            }
        }

        /** {@link Retries#decide}, keeping the failure and, after a context error, the window to beat. */
        private long retry(Deployment d, GatewayException e, int attempt, long took) {
            last = e;
            long wait = retries.decide(d, e, attempt, took, tried);
            if (e.failure() == FailureClass.CONTEXT_TOO_LONG) {
                minWindow = Math.max(minWindow, d.model().contextLength() > 0 ? d.model().contextLength() : promptTokens);
            }
            return wait;
        }

        private Map<String, Object> routeOnCommit;

        /** Called by the stream gate at the first content: the route so far, with this attempt as chosen. */
        private ChatSink.Begin begin(Deployment d, long t0, ClientToolIds toolIds, ToolCallRepair.Repaired repaired) {
            tried.add(new Tried(d.id(), Tried.OK, millis(clock.nanos() - t0), -1, null));
            routeOnCommit = route(d);
            return new ChatSink.Begin(d, routeOnCommit, toolIds, repaired.repairs());
        }

        /** The route explanation, or null when there is nothing to explain (the client's model, first try). */
        private Map<String, Object> route(Deployment chosen) {
            if (!plan.routed() && tried.size() == 1) return null;
            Map<String, Object> r = new LinkedHashMap<>();
            if (plan.policy() != null) {
                r.put("policy", plan.policy());
                r.put("task", plan.task().wire());
                r.put("task_source", plan.taskSource());
            }
            r.put("chosen", chosen.id());
            r.put("model", chosen.model().id());
            List<Object> list = new ArrayList<>(tried.size());
            for (Tried t : tried) list.add(t.toJson());
            r.put("tried", list);
            r.put("reason", plan.reason());
            return r;
        }

        private Dispatched done(Deployment d, Map<String, Object> completion, Usage usage, Map<String, Object> route,
                                ToolCallRepair.Repaired repaired) {
            Cost c = cost(d, usage);
            return new Dispatched(d, completion, usage, route, repaired.repairs(), plan, c.usd(), c.savings(), 0, null);
        }

        /** Premium only, non-streamed, with a JSON schema: the first violation of the answer, or null. */
        private String schemaViolation(Map<String, Object> completion) {
            if (!"premium".equals(plan.policy())) return null;
            Object schema = StructuredOutput.schema(request.body());
            if (schema == null) return null;
            String content = StructuredOutput.content(completion);
            if (content == null) return null;
            List<String> v = tollgate.schema.SchemaValidator.validateText(schema, content);
            return v.isEmpty() ? null : "the answer does not match the response_format schema: " + v.get(0);
        }
    }

    /** The cost of {@code usage} on {@code d}, and the savings against the baseline model. */
    public Cost cost(Deployment d, Usage usage) {
        return Cost.of(d.model(), baseline, usage);
    }

    private static long millis(long nanos) { return nanos / 1_000_000; }
}
