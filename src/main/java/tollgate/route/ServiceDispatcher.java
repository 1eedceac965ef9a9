package tollgate.route;

import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tollgate.account.Charge;
import tollgate.account.Recorder;
import tollgate.account.UsageRecord;
import tollgate.call.Clock;
import tollgate.catalog.Model;
import tollgate.error.ClientGoneException;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.log.Log;

/**
 * The pipeline for calls that are not chat (issue 10: fill-in-the-middle, text completions,
 * speech-to-text, text-to-speech; issue 11: realtime sessions; issue 12: image generation), with the same rules as chat's {@link Dispatcher}: the key's
 * admission (model rules, per-minute limits, a stream slot), the router's plan
 * ({@link Router#planService}), per candidate the key's deny rules and a hold on its credits for
 * the attempt's worst case, the deployment's breaker and rate-limit cool-down, retries and
 * failover by failure class ({@link Retries}) while nothing reached the client, and at the end one
 * ledger record and the charge, in that order, before the surface ends its response.
 *
 * <p>What the call is, the surface's {@link ServiceAttempt} knows; this class knows only that it
 * goes to a deployment, may commit to the client, and uses a {@link Meter} of priced units.
 */
public final class ServiceDispatcher {
    private final Router router;
    private final Retries retries;
    private final Recorder recorder;
    private final Clock clock;

    ServiceDispatcher(Router router, Retries retries, Recorder recorder, Clock clock) {
        this.router = router;
        this.retries = retries;
        this.recorder = recorder;
        this.clock = clock;
    }

    /**
     * Serves one call: the attempt's result, once the call is recorded and charged.
     *
     * @throws GatewayException    the failure, when no candidate answered (or the one that had
     *                             started answering failed), or the ledger could not record it
     * @throws ClientGoneException when the caller left
     */
    public <R> Served<R> dispatch(Caller caller, ServiceRequest request, ServiceAttempt<R> attempt) {
        long started = clock.millis();
        Run<R> run = null;
        R value;
        try {
            Plan plan = router.planService(request.model(), request.capability());
            // A call without a model is admitted as a call to the default model: the key's allow list applies to it.
            String asked = request.model() != null ? request.model() : plan.candidates().get(0).model().id();
            caller.charge().admit(List.of(asked), request.stream(), request.admitTokens());
            run = new Run<>(plan, request, caller, attempt);
            value = run.run();
        } catch (GatewayException e) {
            failed(caller, request, e.httpStatus(), run, started);
            throw e;
        } catch (ClientGoneException e) {
            failed(caller, request, UsageRecord.CLIENT_CLOSED, run, started);
            throw e;
        }
        Meter meter = run.progress.meter();
        BigDecimal cost = price(run.chosen.model(), meter, request);
        long credits = recordAndCharge(caller, request, run.chosen, meter, cost, 200, started);
        if (credits < 0) {
            throw new GatewayException(ErrorKind.GATEWAY_INTERNAL, "The usage ledger could not record this request, so it was not "
                    + "answered and not charged; retry later.").noRetry();
        }
        return new Served<>(value, run.chosen, meter, cost, credits, caller.charge().balance(), run.route());
    }

    /**
     * Records and settles a call that failed: charged what a committed attempt had used, else
     * nothing. When the ledger cannot record it, the client still gets the call's own error.
     */
    private void failed(Caller caller, ServiceRequest request, int status, Run<?> run, long started) {
        Deployment chosen = run == null ? null : run.chosen;
        Meter meter = chosen == null ? Meter.NONE : run.progress.meter();
        recordAndCharge(caller, request, chosen, meter, chosen == null ? null : price(chosen.model(), meter, request), status, started);
    }

    /**
     * The call's one ledger record, then its charge, in that order (a balance never moves without
     * a record behind it): the credits charged, or -1 when the ledger could not record it (logged;
     * nothing charged).
     */
    private long recordAndCharge(Caller caller, ServiceRequest request, Deployment d, Meter meter, BigDecimal cost, int status,
                                 long started) {
        Charge charge = caller.charge();
        long credits = request.ownKey() ? 0 : charge.credits(cost);
        try {
            record(caller, request, d, meter, cost, credits, status, started);
        } catch (UncheckedIOException | IllegalStateException e) {
            Log.error("ledger_record_failed", "execution_id", caller.executionId(), "error", e.getMessage());
            return -1;
        }
        charge.settle(credits, meter.promptTokens() + meter.completionTokens());
        return credits;
    }

    /** {@code meter} at {@code model}'s prices; null for the client's own key, or when a price is unknown. */
    private static BigDecimal price(Model model, Meter meter, ServiceRequest request) {
        if (request.ownKey()) return null;
        return model.pricing().cost(meter.promptTokens(), meter.completionTokens(), meter.audioMillis(), meter.characters(),
                meter.images());
    }

    private void record(Caller caller, ServiceRequest request, Deployment d, Meter m, BigDecimal cost, long credits, int status,
                        long started) {
        String requestId = request.metadataRequestId() != null ? request.metadataRequestId() : caller.requestId();
        String model = request.model() != null ? Router.clip(request.model()) : d != null ? d.model().id() : null;
        recorder.record(new UsageRecord(caller.executionId(), requestId, caller.keyId(), model, d == null ? null : d.id(),
                m.promptTokens(), m.completionTokens(), cost, null, credits, status, request.stream(), started, clock.millis(),
                request.endpoint(), m.audioMillis(), m.characters(), m.images()));
    }

    /** One call's attempts over its candidates. */
    private final class Run<R> {
        final Plan plan;
        final ServiceRequest request;
        final Caller caller;
        final ServiceAttempt<R> attempt;
        final List<Tried> tried;
        /** The attempt that answered or started answering, and its deployment. */
        Progress progress = new Progress();
        Deployment chosen;
        GatewayException last;
        int calls;
        Deployment lastCalled; // for the metrics: a retry or a failover

        Run(Plan plan, ServiceRequest request, Caller caller, ServiceAttempt<R> attempt) {
            this.plan = plan;
            this.request = request;
            this.caller = caller;
            this.attempt = attempt;
            this.tried = new ArrayList<>(plan.skipped());
        }

        R run() {
            for (Deployment d : plan.candidates()) {
                if (calls >= Dispatcher.MAX_UPSTREAM_CALLS) break;
                if (!admissible(d)) continue;
                for (int n = 0; ; n++) {
                    if (caller.cancellation().isCancelled()) throw new ClientGoneException(null);
                    long cooling = d.coolingNanos();
                    if (cooling > 0) {
                        tried.add(new Tried(d.id(), Tried.COOLING, 0, cooling, "rate limited by the upstream"));
                        break;
                    }
                    // The cap before the breaker: allow() in half-open takes the one probe slot,
                    // which only a call's verdict (or release) gives back.
                    if (calls >= Dispatcher.MAX_UPSTREAM_CALLS) break;
                    if (!d.breaker().allow()) {
                        if (n == 0) tried.add(new Tried(d.id(), Tried.CIRCUIT_OPEN, 0, d.breaker().retryAfterNanos(),
                                "circuit open after repeated failures"));
                        break;
                    }
                    calls++;
                    retries.calling(d, lastCalled);
                    lastCalled = d;
                    Progress p = new Progress();
                    long t0 = clock.nanos();
                    long wait;
                    d.enter();
                    try {
                        R value = attempt.call(d, p);
                        long took = clock.nanos() - t0;
                        d.breaker().recordSuccess();
                        d.latency().observe(took);
                        tried.add(new Tried(d.id(), Tried.OK, took / 1_000_000, -1, null));
                        progress = p;
                        chosen = d;
                        return value;
                    } catch (GatewayException e) {
                        long took = clock.nanos() - t0;
                        if (p.committed()) { // the answer had started: it ends with this error
                            retries.failed(d, e.failure(), took);
                            progress = p;
                            chosen = d;
                            throw e;
                        }
                        last = e;
                        if (refusal(e)) {
                            // This deployment cannot do what the request asks (a format, a voice, an
                            // option): another candidate may; when none can, the caller gets the 400
                            // (Exhausted), not a 503 that invites a retry. No verdict on its health.
                            d.breaker().release();
                            tried.add(new Tried(d.id(), Tried.UNSUPPORTED, took / 1_000_000, -1, e.getMessage()));
                            wait = -1;
                        } else {
                            wait = retries.decide(d, e, n, took, tried);
                        }
                    } catch (RuntimeException | Error e) {
                        d.breaker().release();
                        if (p.committed()) {
                            progress = p;
                            chosen = d;
                        }
                        throw e;
                    } finally {
                        d.leave();
                    }
                    if (wait < 0) break;
                    retries.pause(wait, caller.cancellation());
                }
            }
            if (calls == 0 && last != null && (last.kind() == ErrorKind.POLICY_FORBIDDEN
                    || last.kind() == ErrorKind.POLICY_INSUFFICIENT_CREDITS)) {
                throw last;
            }
            throw Exhausted.error(plan, tried, last);
        }

        /**
         * A provider's refusal of what the request asks before any upstream call: a 400 marked
         * {@code noRetry()} ({@link tollgate.provider.SpeechProvider}, {@link tollgate.provider.TranscriptionProvider}).
         */
        private static boolean refusal(GatewayException e) {
            return e.kind() == ErrorKind.CALLER_INVALID_REQUEST && e.failure() == tollgate.error.FailureClass.REJECTED;
        }

        /** Whether the key may route to {@code d} and afford its worst case (credits held for it); says why not in {@code tried}. */
        private boolean admissible(Deployment d) {
            Model model = d.model();
            if (!caller.charge().mayRouteTo(model.id())) {
                tried.add(new Tried(d.id(), Tried.FORBIDDEN, 0, -1, "denied for this key"));
                last = new GatewayException(ErrorKind.POLICY_FORBIDDEN, "Every model this request could be routed to is denied "
                        + "for this key; the last was '" + model.id() + "'.", "model");
                return false;
            }
            if (request.ownKey()) return true;
            try {
                Meter worst = request.worstCase().apply(model);
                caller.charge().cover(model.pricing().cost(worst.promptTokens(), worst.completionTokens(), worst.audioMillis(),
                        worst.characters(), worst.images()));
                return true;
            } catch (GatewayException e) {
                tried.add(new Tried(d.id(), Tried.UNAFFORDABLE, 0, -1, e.getMessage()));
                last = e;
                return false;
            }
        }

        /** The route explanation, or null when there is nothing to explain (the model asked for, first try). */
        Map<String, Object> route() {
            if (!plan.routed() && tried.size() == 1) return null;
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("chosen", chosen.id());
            r.put("model", chosen.model().id());
            List<Object> list = new ArrayList<>(tried.size());
            for (Tried t : tried) list.add(t.toJson());
            r.put("tried", list);
            r.put("reason", plan.reason());
            return r;
        }
    }
}
