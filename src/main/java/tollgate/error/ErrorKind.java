package tollgate.error;

/**
 * The gateway's closed error vocabulary, grouped by who is at fault (after Bifrost's
 * {@code caller_* / policy_* / provider_* / gateway_*}). Each kind fixes the HTTP status the
 * client sees and the OpenAI {@code error.type}; the table of seed 002 (400, 401, 402, 403, 429,
 * 500, 502, 503) is covered, plus the transport statuses HTTP itself needs (404, 405, 409, 410,
 * 413, 504).
 *
 * <p>Why the status is chosen here rather than copied from an upstream: an upstream's 401/402/403
 * is about the gateway's own credentials or billing, never the client's, so it must not reach the
 * client as if it were (seed 002: "When the gateway receives a 402 ... it returns 503").
 */
public enum ErrorKind {
    // --- the caller sent something wrong ---------------------------------------------------
    CALLER_INVALID_REQUEST(400, "invalid_request_error", FailureClass.CALLER_FAULT),
    CALLER_CONTEXT_TOO_LONG(400, "invalid_request_error", FailureClass.CONTEXT_TOO_LONG),
    CALLER_UNAUTHENTICATED(401, "authentication_error", FailureClass.CALLER_FAULT),
    CALLER_NOT_FOUND(404, "not_found_error", FailureClass.CALLER_FAULT),
    CALLER_METHOD_NOT_ALLOWED(405, "invalid_request_error", FailureClass.CALLER_FAULT),
    /** The request conflicts with the state of what it names: an approval already used, a task that has ended (RFC 9110 §15.5.10). */
    CALLER_CONFLICT(409, "invalid_request_error", FailureClass.CALLER_FAULT),
    /** What the request names existed but is gone for good: an approval that expired (RFC 9110 §15.5.11). */
    CALLER_GONE(410, "invalid_request_error", FailureClass.CALLER_FAULT),
    CALLER_BODY_TOO_LARGE(413, "invalid_request_error", FailureClass.CALLER_FAULT),
    /** The request target is longer than {@code server.max_url_bytes}. */
    CALLER_URI_TOO_LONG(414, "invalid_request_error", FailureClass.CALLER_FAULT),
    /** The request body's Content-Type is not one the endpoint takes (RFC 9110 §15.5.16). */
    CALLER_UNSUPPORTED_MEDIA_TYPE(415, "invalid_request_error", FailureClass.CALLER_FAULT),
    /** More header fields or bytes than {@code server.max_headers} / {@code max_header_bytes}. */
    CALLER_HEADERS_TOO_LARGE(431, "invalid_request_error", FailureClass.CALLER_FAULT),

    // --- the gateway's policy refused it ----------------------------------------------------
    POLICY_INSUFFICIENT_CREDITS(402, "insufficient_quota", FailureClass.CALLER_FAULT),
    POLICY_FORBIDDEN(403, "permission_error", FailureClass.CALLER_FAULT),
    POLICY_RATE_LIMITED(429, "rate_limit_error", FailureClass.RATE_LIMITED),

    // --- the provider failed ----------------------------------------------------------------
    /** The upstream answered with an error that is not the caller's fault (5xx, bad body, 404 model). */
    PROVIDER_ERROR(502, "upstream_error", FailureClass.UNAVAILABLE),
    /** The upstream rejected the gateway's own credentials (upstream 401/403). */
    PROVIDER_AUTH_FAILED(502, "upstream_error", FailureClass.CREDENTIALS),
    /** The upstream stream broke off or ended without its terminator. */
    PROVIDER_STREAM_BROKEN(502, "upstream_error", FailureClass.BROKEN_STREAM),
    /** Unreachable, overloaded, or out of funds (upstream 402, 503, 529, connection refused). */
    PROVIDER_UNAVAILABLE(503, "service_unavailable", FailureClass.UNAVAILABLE),
    /** The upstream rate-limited the gateway (upstream 429). */
    PROVIDER_RATE_LIMITED(429, "rate_limit_error", FailureClass.RATE_LIMITED),
    PROVIDER_TIMEOUT(504, "timeout_error", FailureClass.TIMEOUT),
    /** A provider the request needs is configured but disabled (its key is not set). */
    PROVIDER_NOT_CONFIGURED(503, "service_unavailable", FailureClass.REJECTED),

    // --- the gateway itself -------------------------------------------------------------------
    GATEWAY_INTERNAL(500, "server_error", FailureClass.INTERNAL),
    /** The in-flight memory budget is in use: the same request fits a moment later. */
    GATEWAY_BUSY(503, "service_unavailable", FailureClass.BUSY),
    GATEWAY_SHUTTING_DOWN(503, "service_unavailable", FailureClass.BUSY);

    private final int httpStatus;
    private final String type;
    private final FailureClass failure;

    ErrorKind(int httpStatus, String type, FailureClass failure) {
        this.httpStatus = httpStatus;
        this.type = type;
        this.failure = failure;
    }

    /** The HTTP status the client receives. */
    public int httpStatus() { return httpStatus; }

    /** The OpenAI {@code error.type} string. */
    public String type() { return type; }

    /**
     * How the router treats this kind unless the failure says otherwise
     * ({@link GatewayException#failure()}): an upstream 5xx is {@link FailureClass#UNAVAILABLE},
     * a 404 model of the same kind is {@link FailureClass#REJECTED}.
     */
    public FailureClass failure() { return failure; }
}
