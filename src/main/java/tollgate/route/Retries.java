package tollgate.route;

import java.util.List;
import tollgate.call.Cancellation;
import tollgate.call.Clock;
import tollgate.config.RouterConfig;
import tollgate.error.ClientGoneException;
import tollgate.error.ErrorKind;
import tollgate.error.FailureClass;
import tollgate.error.GatewayException;

/**
 * What to do after a failed upstream call, for every dispatch (chat and the calls of
 * {@link ServiceDispatcher}) alike, by the failure's {@link FailureClass}:
 * <ul>
 *   <li>caller faults, a busy or failing gateway: the error goes to the client;</li>
 *   <li>bad credentials, a refusal, a context too long: the next candidate;</li>
 *   <li>a 429: wait the upstream's {@code retry-after} when it is at most
 *       {@code router.max_retry_after_ms} and retries are left, else cool the deployment down for
 *       that long and move on;</li>
 *   <li>unavailable, timeout, broken stream: retry with backoff while retries are left.</li>
 * </ul>
 */
final class Retries {
    private final RouterConfig config;
    private final Backoff backoff;
    private final Clock clock;
    private final DispatchEvents events;

    Retries(RouterConfig config, Backoff backoff, Clock clock) {
        this(config, backoff, clock, DispatchEvents.NONE);
    }

    Retries(RouterConfig config, Backoff backoff, Clock clock, DispatchEvents events) {
        this.config = config;
        this.backoff = backoff;
        this.clock = clock;
        this.events = events;
    }

    /**
     * An upstream call to {@code d} is about to be made; {@code previous} is the deployment the
     * same request called last (null for its first call): the same one again is a retry, another
     * one a failover.
     */
    void calling(Deployment d, Deployment previous) {
        if (previous != null) events.called(d, previous);
    }

    /** A call to {@code d} failed: its health learns it ({@link Deployment#failed}), and so do the metrics. */
    void failed(Deployment d, FailureClass failure, long tookNanos) {
        d.failed(failure, tookNanos);
        events.failed(d, failure);
    }

    /**
     * Records the failed attempt ({@code tried}, the deployment's health) and decides: the
     * nanoseconds to wait before retrying {@code d}, or -1 to move on to the next candidate.
     *
     * @throws GatewayException {@code e}, when it must reach the client
     */
    long decide(Deployment d, GatewayException e, int attempt, long tookNanos, List<Tried> tried) {
        FailureClass failure = e.failure();
        long retryAfter = failure == FailureClass.RATE_LIMITED ? retryAfter(e) : -1;
        tried.add(new Tried(d.id(), failure.outcome(), tookNanos / 1_000_000, retryAfter, e.getMessage()));
        failed(d, failure, tookNanos);
        switch (failure) {
            case CALLER_FAULT, BUSY, INTERNAL -> throw e;
            case CONTEXT_TOO_LONG, CREDENTIALS, REJECTED -> {
                return -1;
            }
            case RATE_LIMITED -> {
                boolean waitable = retryAfter <= config.maxRetryAfter().toNanos();
                if (attempt >= config.retries() || !waitable) {
                    if (retryAfter > 0) d.coolFor(retryAfter);
                    return -1;
                }
                return retryAfter >= 0 ? retryAfter : backoff.delayNanos(attempt + 1);
            }
            default -> { // UNAVAILABLE, TIMEOUT, BROKEN_STREAM
                return attempt >= config.retries() ? -1 : backoff.delayNanos(attempt + 1);
            }
        }
    }

    /** Waits before a retry; the caller may leave meanwhile. */
    void pause(long nanos, Cancellation cancellation) {
        try {
            clock.sleep(nanos);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new GatewayException(ErrorKind.GATEWAY_SHUTTING_DOWN, "The gateway is shutting down; retry on another instance.");
        }
        if (cancellation.isCancelled()) throw new ClientGoneException(null);
    }

    /** The upstream's retry-after in nanoseconds, -1 when it gave none. */
    long retryAfter(GatewayException e) {
        String ra = null, raMs = null;
        String[] h = e.headers();
        for (int i = 0; i + 1 < h.length; i += 2) {
            if (h[i].equalsIgnoreCase("retry-after")) ra = h[i + 1];
            else if (h[i].equalsIgnoreCase("retry-after-ms")) raMs = h[i + 1];
        }
        return Backoff.retryAfterNanos(ra, raMs, clock.millis());
    }
}
