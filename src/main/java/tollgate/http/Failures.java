package tollgate.http;

import java.io.IOException;
import java.util.Locale;
import tollgate.error.ErrorBody;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.log.Log;

/**
 * How a failed request is answered and logged, in one place: the error body, the headers that
 * tell a client what to do next ({@code retry-after}, {@code x-should-retry}, the upstream's
 * {@code x-ratelimit-*}), and the access-log fields that tell the operator why.
 */
final class Failures {
    private Failures() { throw new AssertionError(); }

    /** Seconds a client is told to wait before retrying a gateway that is shutting down (on another instance). */
    static final int SHUTDOWN_RETRY_AFTER_SECONDS = 1;
    /** Frames of a stack trace logged for an internal error. */
    static final int MAX_STACK_FRAMES = 40;

    static GatewayException shuttingDown() {
        return new GatewayException(ErrorKind.GATEWAY_SHUTTING_DOWN, "The gateway is shutting down; retry on another instance.")
                .withHeaders("retry-after", Integer.toString(SHUTDOWN_RETRY_AFTER_SECONDS));
    }

    /**
     * Answers {@code e}: as an SSE error event when the stream has started (headers are gone by
     * then), else as an HTTP error with its headers.
     */
    static void answer(HttpCall call, GatewayException e) {
        call.log("error", e.kind().name().toLowerCase(Locale.ROOT));
        call.log("error_message", e.getMessage());
        if (e.param() != null) call.log("param", e.param());
        if (e.upstreamStatus() > 0) call.log("upstream_status", e.upstreamStatus());
        if (e.detail() != null) call.log("detail", e.detail());
        if (call.sse() != null && !call.sse().closeIfPending()) {
            call.sse().error(e);
            return;
        }
        if (call.responseStarted()) return;
        String[] headers = e.headers();
        for (int i = 0; i < headers.length; i += 2) call.setResponseHeader(headers[i], headers[i + 1]);
        // The OpenAI SDKs retry 408, 409, 429 and 5xx unless told otherwise: errors that a retry
        // cannot fix (a disabled provider, credentials the upstream refused, a bad request) say so.
        if (!e.shouldRetry()) call.setResponseHeader("x-should-retry", "false");
        if (e.httpStatus() == 401) {
            // RFC 9110 §11.6.1: a 401 must say which authentication scheme to use.
            call.setResponseHeader("WWW-Authenticate", "Bearer");
        }
        byte[] body = call.errorShape() != null ? call.errorShape().body(e, call.requestId())
                : call.wantsDeepgramErrors() ? ErrorBody.renderForDeepgram(e, call.requestId()) : ErrorBody.render(e);
        try {
            int status = call.errorShape() != null ? call.errorShape().status(e) : e.httpStatus();
            call.respond(status, "application/json", body, body.length);
        } catch (IOException | RuntimeException gone) {
            call.log("client_gone", true);
        }
    }

    /** A gateway bug: logged with its stack trace, answered with a 500 that names the request. */
    static void internal(HttpCall call, RuntimeException e) {
        Log.error("internal_error", "request_id", call.requestId(), "exception", e.toString(), "stack", stack(e));
        answer(call, new GatewayException(ErrorKind.GATEWAY_INTERNAL, "Internal gateway error (request " + call.requestId() + ")."));
    }

    private static String stack(Throwable e) {
        StringBuilder b = new StringBuilder();
        StackTraceElement[] frames = e.getStackTrace();
        for (int i = 0; i < Math.min(frames.length, MAX_STACK_FRAMES); i++) b.append(i == 0 ? "" : "\n").append(frames[i]);
        if (frames.length > MAX_STACK_FRAMES) b.append("\n... ").append(frames.length - MAX_STACK_FRAMES).append(" more");
        for (Throwable c = e.getCause(); c != null && c != e; c = c.getCause()) b.append("\ncaused by ").append(c);
        return b.toString();
    }
}
