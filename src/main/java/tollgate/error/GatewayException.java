package tollgate.error;

/**
 * The one exception type that crosses layers. It carries what the client will be told; it is
 * classified once, where the failure is first understood, and rendered once, by
 * {@link ErrorBody}. Stack traces are not filled in: these are expected outcomes, not bugs, and
 * they are thrown on the hot path (validation).
 */
public final class GatewayException extends RuntimeException {
    private static final String[] NO_HEADERS = {};

    private final ErrorKind kind;
    private final String param;
    private final int upstreamStatus;
    private String[] headers = NO_HEADERS;
    private String detail;
    private boolean noRetry;

    public GatewayException(ErrorKind kind, String message) {
        this(kind, message, null, 0, null);
    }

    public GatewayException(ErrorKind kind, String message, String param) {
        this(kind, message, param, 0, null);
    }

    public GatewayException(ErrorKind kind, String message, String param, int upstreamStatus, Throwable cause) {
        super(message, cause, false, false);
        this.kind = kind;
        this.param = param;
        this.upstreamStatus = upstreamStatus;
    }

    /** A 400 naming the offending request field, e.g. {@code messages[0].role}. */
    public static GatewayException invalid(String param, String message) {
        return new GatewayException(ErrorKind.CALLER_INVALID_REQUEST, message, param);
    }

    /**
     * The request does not fit the model's context window, in exactly seed 002's words:
     * "This request exceeds the model's context window of N tokens. Your request contains
     * approximately M tokens." Without a known window (0) the "of N tokens" part is left out.
     */
    public static GatewayException contextTooLong(long contextLength, long tokens) {
        String window = contextLength > 0 ? " of " + contextLength + " tokens" : "";
        return new GatewayException(ErrorKind.CALLER_CONTEXT_TOO_LONG, "This request exceeds the model's context window"
                + window + ". Your request contains approximately " + tokens + " tokens.", "messages");
    }

    public ErrorKind kind() { return kind; }

    /** The request field at fault, or null. */
    public String param() { return param; }

    /** The upstream's HTTP status when an upstream answered, else 0. */
    public int upstreamStatus() { return upstreamStatus; }

    public int httpStatus() { return kind.httpStatus(); }

    /**
     * Response headers the client gets with this error, as name, value pairs: an upstream's
     * {@code retry-after} and {@code x-ratelimit-*}, the gateway's own {@code retry-after}.
     */
    public GatewayException withHeaders(String... nameValuePairs) {
        if (nameValuePairs.length % 2 != 0) throw new IllegalArgumentException("name, value pairs expected");
        this.headers = nameValuePairs.clone();
        return this;
    }

    public String[] headers() { return headers.clone(); }

    /**
     * What the operator's log gets beyond the client's message: the cause as the gateway saw it
     * (the upstream host and port that refused, the upstream's own error text). Never sent to
     * the client; never holds a secret (callers scrub).
     */
    public GatewayException withDetail(String detail) {
        this.detail = detail;
        return this;
    }

    public String detail() { return detail; }

    /** The same error with another message (for one with secrets taken out). */
    public GatewayException withMessage(String message) {
        GatewayException e = new GatewayException(kind, message, param, upstreamStatus, getCause());
        e.headers = headers;
        e.detail = detail;
        e.noRetry = noRetry;
        return e;
    }

    /** Marks an error that retrying cannot fix, whatever its kind (an upstream 404 model, a quota). */
    public GatewayException noRetry() {
        this.noRetry = true;
        return this;
    }

    /** How the router treats this failure: the kind's class, or {@link FailureClass#REJECTED} after {@link #noRetry()}. */
    public FailureClass failure() { return noRetry ? FailureClass.REJECTED : kind.failure(); }

    /** Whether the client should retry: {@code x-should-retry: false} is sent when not. */
    public boolean shouldRetry() { return failure().clientMayRetry(); }
}
