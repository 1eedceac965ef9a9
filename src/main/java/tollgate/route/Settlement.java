package tollgate.route;

import java.math.BigDecimal;
import java.io.UncheckedIOException;
import tollgate.account.Charge;
import tollgate.account.Recorder;
import tollgate.account.UsageRecord;
import tollgate.call.Clock;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.log.Log;
import tollgate.provider.Usage;

/**
 * The end of every dispatched request (issue 9): what it is charged, its one ledger record, then
 * the charge settled against the key's balance, in that order, so that a balance never moves
 * without a record behind it. A request is charged from the upstream's usage; a stream that ends
 * without it (the client left, the upstream broke off, or sent none) from the prompt estimate and
 * the tokens it delivered ({@link Delivered}); a request that reached no upstream, nothing.
 */
final class Settlement {
    private final Recorder recorder;
    private final Clock clock;
    private final Dispatcher costs;

    Settlement(Recorder recorder, Clock clock, Dispatcher costs) {
        this.recorder = recorder;
        this.clock = clock;
        this.costs = costs;
    }

    /**
     * Records and settles an answered request; the answer with its charge.
     *
     * @throws GatewayException when the record cannot be written: the answer must not go out
     *     uncharged and unrecorded, so the client gets a 500 instead and is charged nothing
     */
    Dispatched answered(Caller caller, ChatRequest request, Dispatched done, long promptTokens, long delivered, long started) {
        Usage usage = done.usage();
        BigDecimal cost = done.cost(), savings = done.savings();
        if (!usage.known() && request.stream()) {
            usage = new Usage(promptTokens, delivered, promptTokens + delivered);
            Cost c = costs.cost(done.chosen(), usage);
            cost = c.usd();
            savings = c.savings();
        }
        Charge charge = caller.charge();
        long credits = charge.credits(cost);
        try {
            record(caller, request, done.chosen().id(), usage, cost, savings, credits, 200, started);
        } catch (UncheckedIOException | IllegalStateException e) {
            Log.error("ledger_record_failed", "execution_id", caller.executionId(), "error", e.getMessage());
            throw new GatewayException(ErrorKind.GATEWAY_INTERNAL, "The usage ledger could not record this request, so it was not "
                    + "answered and not charged; retry later.").noRetry();
        }
        charge.settle(credits, Math.max(0, usage.promptTokens()) + Math.max(0, usage.completionTokens()));
        return new Dispatched(done.chosen(), done.completion(), done.usage(), done.route(), done.repairs(), done.plan(), cost, savings,
                credits, charge.balance());
    }

    /**
     * Records and settles a request that failed with {@code status} (499: the client left).
     *
     * @param streamed the deployment whose stream had reached the client before the end, or null
     */
    void failed(Caller caller, ChatRequest request, int status, Deployment streamed, long promptTokens, long delivered,
                long started) {
        Usage usage = Usage.NONE;
        BigDecimal cost = null, savings = null;
        if (streamed != null) {
            usage = new Usage(promptTokens, delivered, promptTokens + delivered);
            Cost c = costs.cost(streamed, usage);
            cost = c.usd();
            savings = c.savings();
        }
        Charge charge = caller.charge();
        long credits = charge.credits(cost);
        try {
            record(caller, request, streamed == null ? null : streamed.id(), usage, cost, savings, credits, status, started);
        } catch (UncheckedIOException | IllegalStateException e) {
            // The client gets the request's own error; the ledger's is logged, and nothing is charged.
            Log.error("ledger_record_failed", "execution_id", caller.executionId(), "error", e.getMessage());
            return;
        }
        charge.settle(credits, Math.max(0, usage.promptTokens()) + Math.max(0, usage.completionTokens()));
    }

    private void record(Caller caller, ChatRequest request, String deployment, Usage u, BigDecimal cost, BigDecimal savings,
                        long credits, int status, long started) {
        String requestId = request.metadataRequestId() != null ? request.metadataRequestId() : caller.requestId();
        // The model as asked, clipped like every echo of it: a 3 MiB name must not make the record too large.
        recorder.record(new UsageRecord(caller.executionId(), requestId, caller.keyId(), Router.clip(request.model()), deployment,
                Math.max(0, u.promptTokens()), Math.max(0, u.completionTokens()), cost, savings, credits, status, request.stream(),
                started, clock.millis()));
    }
}
