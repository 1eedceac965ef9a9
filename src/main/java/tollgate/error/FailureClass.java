package tollgate.error;

/**
 * Why an attempt failed, as the router acts on it — beside {@link ErrorKind}, which is what the
 * client is told. Two failures with the same status can call for different handling (an
 * upstream 404 for a model and an upstream 502 are both {@code PROVIDER_ERROR}, but only the
 * second is worth a retry), and two kinds can call for the same (upstream 503 and connection
 * refused).
 *
 * <p>What the router does with each (see {@code route.Dispatcher}):
 * <ul>
 *   <li>{@link #RATE_LIMITED}: wait the upstream's {@code retry-after} (up to a cap) and retry, or
 *       fail over; the deployment cools down until then; the breaker is not charged.</li>
 *   <li>{@link #UNAVAILABLE}, {@link #TIMEOUT}, {@link #BROKEN_STREAM}: retry with backoff, then
 *       fail over; each charges the deployment's circuit breaker. A broken stream fails over only
 *       while nothing reached the client.</li>
 *   <li>{@link #CREDENTIALS}, {@link #REJECTED}: no retry (the same call fails the same way), fail
 *       over to the next candidate.</li>
 *   <li>{@link #CONTEXT_TOO_LONG}: fail over to a candidate with a larger window only.</li>
 *   <li>{@link #CALLER_FAULT}, {@link #BUSY}, {@link #INTERNAL}: stop and answer the client.</li>
 * </ul>
 */
public enum FailureClass {
    /** The upstream, or the gateway's own limit, rate-limited the call (429). */
    RATE_LIMITED(true),
    /** Unreachable, overloaded, or failing (connection refused, 5xx, 503, 529). */
    UNAVAILABLE(true),
    /** No answer in time (upstream 408/504, our own timeouts). */
    TIMEOUT(true),
    /** The stream broke off or ended without its terminator. */
    BROKEN_STREAM(true),
    /** The request is wrong: another upstream would refuse it too. */
    CALLER_FAULT(false),
    /** The upstream refused the gateway's credentials (upstream 401/403). */
    CREDENTIALS(false),
    /** The prompt does not fit this model's window; a larger one may take it. */
    CONTEXT_TOO_LONG(false),
    /** The upstream refused in a way a retry cannot fix (unknown model, out of funds, disabled). */
    REJECTED(false),
    /** The gateway is out of memory budget or shutting down: a moment later, or elsewhere, it fits. */
    BUSY(true),
    /** A gateway bug. */
    INTERNAL(false);

    private final boolean clientMayRetry;

    FailureClass(boolean clientMayRetry) {
        this.clientMayRetry = clientMayRetry;
    }

    /**
     * Whether a client retrying the same request later can succeed: sent as
     * {@code x-should-retry: false} when not (the OpenAI SDKs' retry hint).
     */
    public boolean clientMayRetry() { return clientMayRetry; }

    /** The outcome name used in route explanations and logs, e.g. {@code rate_limited}. */
    public String outcome() { return name().toLowerCase(java.util.Locale.ROOT); }
}
