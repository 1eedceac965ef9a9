package tollgate.provider;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import javax.net.ssl.SSLException;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.json.Json;
import tollgate.json.JsonException;
import tollgate.json.JsonNumber;
import tollgate.memory.BudgetExceededException;

/**
 * Turns upstream failures into the gateway's {@link ErrorKind}s, in one place for every
 * provider. Messages start with the provider id, so the client knows which upstream failed.
 *
 * <p>What is passed on from the upstream, and what is not:
 * <ul>
 *   <li>The upstream's {@code error.message} is passed on where it helps the client (its
 *       request was rejected, or the provider broke), capped at {@link #MAX_MESSAGE_CHARS}.</li>
 *   <li>Not for 401/403: such a message is about the gateway's own key and may echo part of it.</li>
 *   <li>Not for 402, nor a 429 {@code insufficient_quota}: they are about the gateway's billing
 *       with the provider, which the client must not see (seed 002: upstream 402 → 503).</li>
 *   <li>Not for other 429s: rate-limit messages name the gateway's organisation and limits.</li>
 *   <li>A body that is not JSON is never copied whole; at most a short plain-text excerpt.</li>
 * </ul>
 */
public final class UpstreamErrors {
    private UpstreamErrors() { throw new AssertionError(); }

    /** Most bytes of an upstream error body that are read, in bytes. */
    public static final int MAX_ERROR_BODY_BYTES = 64 * 1024;
    /** Longest upstream message passed on, in chars. */
    static final int MAX_MESSAGE_CHARS = 1000;
    /** Longest excerpt of a non-JSON error body passed on, in chars. */
    static final int MAX_EXCERPT_CHARS = 200;
    /** How deep the cause chain of an exception is searched. */
    private static final int MAX_CAUSE_DEPTH = 10;
    /** Most upstream rate-limit headers relayed with an error. */
    static final int MAX_RELAYED_HEADERS = 16;
    /** Longest upstream header value relayed, in chars. */
    static final int MAX_RELAYED_HEADER_CHARS = 256;

    /** Reads the first {@link #MAX_ERROR_BODY_BYTES} of an error body. */
    public static byte[] readErrorBody(InputStream in) throws IOException {
        return Bodies.readUpTo(in, MAX_ERROR_BODY_BYTES);
    }

    /** The kind for an upstream HTTP status when the body says nothing more specific. */
    public static ErrorKind kindForStatus(int status) {
        return switch (status) {
            case 400, 422 -> ErrorKind.CALLER_INVALID_REQUEST;
            case 401, 403 -> ErrorKind.PROVIDER_AUTH_FAILED;
            case 402, 503, 529 -> ErrorKind.PROVIDER_UNAVAILABLE;
            case 408, 504 -> ErrorKind.PROVIDER_TIMEOUT;
            case 413 -> ErrorKind.CALLER_BODY_TOO_LARGE;
            case 429 -> ErrorKind.PROVIDER_RATE_LIMITED;
            default -> ErrorKind.PROVIDER_ERROR; // 404 (model), 500, 502, anything else
        };
    }

    /**
     * Classifies a non-2xx upstream response.
     *
     * @param where   the upstream's method and URL, for the log
     * @param headers the response headers ({@code retry-after} and {@code x-ratelimit-*} are
     *                passed on to the client), or null
     * @param body    the start of the error body ({@link #readErrorBody}), or null if unread
     */
    public static GatewayException fromStatus(String providerId, String where, ChatCall call, int status,
                                              HttpHeaders headers, byte[] body) {
        return fromStatus(providerId, where, call, call.upstreamModel(), status, headers, body);
    }

    /** {@link #fromStatus(String, String, ChatCall, int, HttpHeaders, byte[])} for a call that is not chat (no context window). */
    public static GatewayException fromStatus(String providerId, String where, String upstreamModel, int status,
                                              HttpHeaders headers, byte[] body) {
        return fromStatus(providerId, where, null, upstreamModel, status, headers, body);
    }

    private static GatewayException fromStatus(String providerId, String where, ChatCall call, String upstreamModel, int status,
                                               HttpHeaders headers, byte[] body) {
        GatewayException e = classifyStatus(providerId, call, upstreamModel, status, body);
        Detail d = Detail.of(body);
        String said = d.message != null ? cap(d.message, MAX_MESSAGE_CHARS) : body == null ? "no body" : excerpt(
                new String(body, 0, Math.min(body.length, MAX_EXCERPT_CHARS * 4), StandardCharsets.UTF_8));
        e.withDetail("HTTP " + status + " from " + where + ": " + said);
        if (status == 404 || d.isQuota() || status == 402) e.noRetry();
        return headers == null ? e : e.withHeaders(relayed(headers));
    }

    /**
     * The upstream's advice to clients that we pass on: {@code retry-after} (RFC 9110 §10.2.3),
     * OpenAI's {@code retry-after-ms} and {@code x-ratelimit-*}, Anthropic's
     * {@code anthropic-ratelimit-*}; capped in number and length, visible ASCII only.
     */
    static String[] relayed(HttpHeaders headers) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, List<String>> h : headers.map().entrySet()) {
            String name = h.getKey().toLowerCase(Locale.ROOT);
            if (!(name.equals("retry-after") || name.equals("retry-after-ms") || name.startsWith("x-ratelimit-")
                    || name.startsWith("anthropic-ratelimit-"))) continue;
            if (h.getValue().isEmpty() || out.size() >= 2 * MAX_RELAYED_HEADERS) continue;
            String v = h.getValue().get(0);
            if (v.length() > MAX_RELAYED_HEADER_CHARS || !visibleAscii(v)) continue;
            out.add(name);
            out.add(v);
        }
        return out.toArray(String[]::new);
    }

    private static boolean visibleAscii(String v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < 0x20 || c > 0x7e) return false;
        }
        return true;
    }

    private static GatewayException classifyStatus(String providerId, ChatCall call, String upstreamModel, int status, byte[] body) {
        Detail d = Detail.of(body);
        String p = "Provider '" + providerId + "'";
        String http = " (HTTP " + status + ")";
        ErrorKind kind = kindForStatus(status);
        String message;
        String param = null;
        switch (status) {
            case 400, 404, 422 -> {
                if (status == 404 && d.param == null) {
                    message = p + ": model '" + upstreamModel + "' not found" + http;
                } else if (call != null && d.isContextWindow()) {
                    return ContextErrors.tooLong(call, d.message, status);
                } else {
                    kind = ErrorKind.CALLER_INVALID_REQUEST;
                    message = p + " rejected the request" + http + d.suffix();
                    param = d.param;
                }
            }
            case 401, 403 -> message = p + " rejected the gateway's credentials" + http;
            case 402 -> message = p + " is unavailable";
            case 408, 504 -> message = p + " timed out" + http + d.suffix();
            case 413 -> message = p + " rejected the request as too large" + http;
            case 429 -> {
                if (d.isQuota()) {
                    kind = ErrorKind.PROVIDER_UNAVAILABLE;
                    message = p + " is unavailable";
                } else {
                    message = p + " is rate-limiting the gateway" + http;
                }
            }
            case 503, 529 -> message = p + " is unavailable or overloaded" + http + d.suffix();
            default -> message = p + " failed" + http + d.suffix();
        }
        return new GatewayException(kind, message, param, status, null);
    }

    /**
     * Classifies an error an upstream reported inside a successful response: a stream event
     * {@code {"error":{...}}}, or a 200 body carrying {@code error} instead of a completion.
     *
     * @param error the value of the {@code error} member (object or string)
     */
    public static GatewayException fromErrorObject(String providerId, Object error) {
        Detail d = Detail.ofError(error);
        String kindText = ((d.type == null ? "" : d.type) + " " + (d.code == null ? "" : d.code))
                .toLowerCase(Locale.ROOT);
        ErrorKind kind;
        if (kindText.contains("overloaded") || kindText.contains("unavailable")
                || kindText.contains("503") || kindText.contains("529")) {
            kind = ErrorKind.PROVIDER_UNAVAILABLE;
        } else if (kindText.contains("rate_limit") || kindText.contains("429")) {
            kind = ErrorKind.PROVIDER_RATE_LIMITED;
        } else {
            kind = ErrorKind.PROVIDER_ERROR;
        }
        // As for an upstream 401/402/403 (fromStatus): about the gateway's own key or bill, so
        // the client gets no upstream wording (OpenAI's can quote part of the key).
        if (kindText.contains("auth") || kindText.contains("api_key") || kindText.contains("permission")
                || kindText.contains("401") || kindText.contains("403")) {
            return new GatewayException(ErrorKind.PROVIDER_AUTH_FAILED,
                    "Provider '" + providerId + "' rejected the gateway's credentials", null, 0, null);
        }
        if (d.isQuota() || kindText.contains("billing") || kindText.contains("402")) {
            return new GatewayException(ErrorKind.PROVIDER_UNAVAILABLE, "Provider '" + providerId + "' is unavailable", null, 0, null);
        }
        return new GatewayException(kind, "Provider '" + providerId + "' reported an error" + d.suffix(), null, 0, null)
                .withDetail("error object from the upstream: " + cap(String.valueOf(error), MAX_MESSAGE_CHARS));
    }

    /**
     * Classifies an exchange that failed without a usable response (or whose body failed).
     *
     * @param where the upstream's method and URL, for the log (which host refused, timed out...)
     */
    public static GatewayException fromException(String providerId, String where, Throwable failure) {
        GatewayException e = classifyException(providerId, failure);
        if (e.detail() == null) e.withDetail(where + ": " + chain(failure));
        return e;
    }

    /** The exception and its causes, as {@code Type: message} joined by " <- ", for the log. */
    static String chain(Throwable failure) {
        StringBuilder b = new StringBuilder();
        int depth = 0;
        for (Throwable c = failure; c != null && depth < MAX_CAUSE_DEPTH; c = c.getCause(), depth++) {
            if (c instanceof ExecutionException || c instanceof CompletionException) continue;
            if (!b.isEmpty()) b.append(" <- ");
            b.append(c.getClass().getName());
            if (c.getMessage() != null) b.append(": ").append(cap(c.getMessage(), MAX_EXCERPT_CHARS));
        }
        return b.toString();
    }

    private static GatewayException classifyException(String providerId, Throwable failure) {
        Throwable t = failure;
        while ((t instanceof ExecutionException || t instanceof CompletionException) && t.getCause() != null) {
            t = t.getCause();
        }
        String p = "Provider '" + providerId + "'";
        int depth = 0;
        for (Throwable c = t; c != null && depth < MAX_CAUSE_DEPTH; c = c.getCause(), depth++) {
            if (c instanceof BudgetExceededException b) return b.toGatewayException();
            if (c instanceof HttpConnectTimeoutException || c instanceof ConnectException
                    || c instanceof UnresolvedAddressException || c instanceof UnknownHostException
                    || c instanceof NoRouteToHostException) {
                // The request never reached the provider: safe to try another.
                return new GatewayException(ErrorKind.PROVIDER_UNAVAILABLE, p + " is unreachable", null, 0, failure);
            }
            if (c instanceof CappedBody.IdleTimeoutException) {
                return new GatewayException(ErrorKind.PROVIDER_TIMEOUT, p + " stopped sending its response: " + c.getMessage(),
                        null, 0, failure);
            }
            if (c instanceof HttpTimeoutException) {
                return new GatewayException(ErrorKind.PROVIDER_TIMEOUT,
                        p + " did not answer in time", null, 0, failure);
            }
            if (c instanceof SSLException) {
                return new GatewayException(ErrorKind.PROVIDER_ERROR,
                        p + ": TLS with the provider failed", null, 0, failure);
            }
            if (c instanceof SseReader.SseLimitException || c instanceof Bodies.TooLargeException) {
                return new GatewayException(ErrorKind.PROVIDER_ERROR,
                        p + " sent a response over the gateway's size limit: " + c.getMessage(), null, 0, failure);
            }
        }
        String why = t.getMessage() == null ? t.getClass().getSimpleName() : excerpt(t.getMessage());
        return new GatewayException(ErrorKind.PROVIDER_ERROR, p + " request failed: " + why, null, 0, failure);
    }

    /** A plain-text excerpt: control characters blanked, capped at {@link #MAX_EXCERPT_CHARS}. */
    static String excerpt(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), MAX_EXCERPT_CHARS + 1));
        String capped = cap(s, MAX_EXCERPT_CHARS);
        for (int i = 0; i < capped.length(); i++) {
            char c = capped.charAt(i);
            b.append(Character.isISOControl(c) ? ' ' : c);
        }
        return b.toString().strip();
    }

    /** {@code s} cut to at most {@code max} chars (plus an ellipsis), never inside a surrogate pair. */
    static String cap(String s, int max) {
        if (s.length() <= max) return s;
        int end = Character.isHighSurrogate(s.charAt(max - 1)) ? max - 1 : max;
        return s.substring(0, end) + "…";
    }

    /** What an error body says: OpenAI's {@code error} object, or the common variants. */
    private record Detail(String message, String type, String code, String param) {

        static final Detail NONE = new Detail(null, null, null, null);

        static Detail of(byte[] body) {
            if (body == null || body.length == 0) return NONE;
            Object parsed;
            try {
                parsed = Json.parse(body);
            } catch (JsonException | IllegalArgumentException e) {
                // Not JSON (an HTML page from a proxy, or cut off at the cap): an excerpt of
                // plain text, nothing of markup.
                String text = new String(body, 0, Math.min(body.length, MAX_EXCERPT_CHARS * 4), StandardCharsets.UTF_8);
                boolean plain = !text.isBlank() && text.strip().charAt(0) != '<';
                return new Detail(plain ? excerpt(text) : null, null, null, null);
            }
            if (!(parsed instanceof Map<?, ?> m)) return NONE;
            if (m.containsKey("error")) return ofError(m.get("error"));
            // FastAPI-style servers (vLLM) use {"detail": ...}; others {"message": ...}.
            String message = string(m.get("message"));
            if (message == null) message = string(m.get("detail"));
            if (message == null) message = string(m.get("err_msg")); // Deepgram: {"err_code", "err_msg", "request_id"}
            return new Detail(message, string(m.get("type")), string(m.get("code")), null);
        }

        static Detail ofError(Object error) {
            if (error instanceof String s) return new Detail(s, null, null, null); // Ollama
            if (!(error instanceof Map<?, ?> e)) return NONE;
            return new Detail(string(e.get("message")), string(e.get("type")),
                    string(e.get("code")), string(e.get("param")));
        }

        /**
         * An upstream's "does not fit the context window" error: OpenAI's code
         * {@code context_length_exceeded} ("This model's maximum context length is N tokens"),
         * Anthropic's "prompt is too long: M tokens > N maximum", Mistral's "... too large for
         * model with N maximum context length", vLLM's OpenAI wording.
         */
        boolean isContextWindow() {
            if ("context_length_exceeded".equals(code)) return true;
            if (message == null) return false;
            String m = message.toLowerCase(Locale.ROOT);
            return m.contains("prompt is too long") || m.contains("maximum context length")
                    || m.contains("context window") || m.contains("context length");
        }

        boolean isQuota() {
            return "insufficient_quota".equals(type) || "insufficient_quota".equals(code);
        }

        /** {@code ": <message>"}, or empty when the upstream said nothing usable. */
        String suffix() {
            if (message == null || message.isBlank()) return "";
            return ": " + cap(message, MAX_MESSAGE_CHARS);
        }

        private static String string(Object v) {
            if (v instanceof String s) return s;
            if (v instanceof JsonNumber n) return n.text();
            return null;
        }
    }
}
