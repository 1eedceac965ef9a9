package tollgate.error;

/**
 * The gateway's closed error vocabulary, grouped by who is at fault (after Bifrost's
 * {@code caller_* / policy_* / provider_* / gateway_*}). Each kind fixes the HTTP status the
 * client sees and the OpenAI {@code error.type}; the table of seed 002 (400, 401, 402, 403, 429,
 * 500, 502, 503) is covered, plus the transport statuses HTTP itself needs (404, 405, 413, 504).
 *
 * <p>Why the status is chosen here rather than copied from an upstream: an upstream's 401/402/403
 * is about the gateway's own credentials or billing, never the client's, so it must not reach the
 * client as if it were (seed 002: "When the gateway receives a 402 ... it returns 503").
 */
public enum ErrorKind {
    // --- the caller sent something wrong ---------------------------------------------------
    CALLER_INVALID_REQUEST(400, "invalid_request_error", false),
    CALLER_CONTEXT_TOO_LONG(400, "invalid_request_error", false),
    CALLER_UNAUTHENTICATED(401, "authentication_error", false),
    CALLER_NOT_FOUND(404, "not_found_error", false),
    CALLER_METHOD_NOT_ALLOWED(405, "invalid_request_error", false),
    CALLER_BODY_TOO_LARGE(413, "invalid_request_error", false),
    /** The request target is longer than {@code server.max_url_bytes}. */
    CALLER_URI_TOO_LONG(414, "invalid_request_error", false),
    /** More header fields or bytes than {@code server.max_headers} / {@code max_header_bytes}. */
    CALLER_HEADERS_TOO_LARGE(431, "invalid_request_error", false),

    // --- the gateway's policy refused it ----------------------------------------------------
    POLICY_INSUFFICIENT_CREDITS(402, "insufficient_quota", false),
    POLICY_FORBIDDEN(403, "permission_error", false),
    POLICY_RATE_LIMITED(429, "rate_limit_error", true),

    // --- the provider failed ----------------------------------------------------------------
    /** The upstream answered with an error that is not the caller's fault (5xx, bad body, 404 model). */
    PROVIDER_ERROR(502, "upstream_error", true),
    /** The upstream rejected the gateway's own credentials (upstream 401/403). */
    PROVIDER_AUTH_FAILED(502, "upstream_error", false),
    /** The upstream stream broke off or ended without its terminator. */
    PROVIDER_STREAM_BROKEN(502, "upstream_error", true),
    /** Unreachable, overloaded, or out of funds (upstream 402, 503, 529, connection refused). */
    PROVIDER_UNAVAILABLE(503, "service_unavailable", true),
    /** The upstream rate-limited the gateway (upstream 429). */
    PROVIDER_RATE_LIMITED(429, "rate_limit_error", true),
    PROVIDER_TIMEOUT(504, "timeout_error", true),
    /** A provider the request needs is configured but disabled (its key is not set). */
    PROVIDER_NOT_CONFIGURED(503, "service_unavailable", false),

    // --- the gateway itself -------------------------------------------------------------------
    GATEWAY_INTERNAL(500, "server_error", false),
    /** The in-flight memory budget is in use: the same request fits a moment later. */
    GATEWAY_BUSY(503, "service_unavailable", true),
    GATEWAY_SHUTTING_DOWN(503, "service_unavailable", true);

    private final int httpStatus;
    private final String type;
    private final boolean retryable;

    ErrorKind(int httpStatus, String type, boolean retryable) {
        this.httpStatus = httpStatus;
        this.type = type;
        this.retryable = retryable;
    }

    /** The HTTP status the client receives. */
    public int httpStatus() { return httpStatus; }

    /** The OpenAI {@code error.type} string. */
    public String type() { return type; }

    /**
     * Whether trying again (maybe elsewhere) can succeed; recorded for the router, and sent to
     * clients as {@code x-should-retry: false} when not (the OpenAI SDKs' retry hint).
     */
    public boolean retryable() { return retryable; }
}
