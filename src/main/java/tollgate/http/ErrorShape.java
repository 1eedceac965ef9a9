package tollgate.http;

import tollgate.error.GatewayException;

/**
 * How a wire surface renders its errors when they are not in OpenAI's shape (the default,
 * {@code tollgate.error.ErrorBody}): set on the call by the surface's route before anything can
 * fail ({@link HttpCall#errorShape(ErrorShape)}), the 401 of a missing key included. The headers
 * ({@code retry-after}, {@code x-should-retry}) stay the gateway's, the status too unless
 * {@link #status} says otherwise; the body and the stream's error event change. Implementations
 * are stateless and thread-safe.
 */
public interface ErrorShape {

    /** The HTTP status of an error answer: the gateway's ({@link GatewayException#httpStatus()}) by default. */
    default int status(GatewayException e) { return e.httpStatus(); }

    /** The JSON body of an HTTP error answer. */
    byte[] body(GatewayException e, String requestId);

    /**
     * A whole SSE event for a failure after the stream started: its lines and the blank line
     * that ends it ({@code event: error\ndata: {…}\n\n} for Anthropic's Messages API).
     */
    byte[] event(GatewayException e, String requestId);
}
