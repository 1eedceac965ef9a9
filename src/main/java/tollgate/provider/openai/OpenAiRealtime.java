package tollgate.provider.openai;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import tollgate.error.ClientGoneException;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.provider.Exchange;
import tollgate.provider.IdleWatchdog;
import tollgate.provider.RealtimeCall;
import tollgate.provider.RealtimeListener;
import tollgate.provider.RealtimeUpstream;
import tollgate.provider.Upstream;
import tollgate.provider.UpstreamErrors;

/**
 * OpenAI's Realtime API as an upstream (protocols.md §3): a WebSocket to
 * {@code {base_url}/realtime?model=<model>} with the scheme mapped {@code http → ws},
 * {@code https → wss} ({@code https://api.openai.com/v1} → {@code wss://api.openai.com/v1/realtime?model=gpt-realtime}),
 * opened by the JDK's {@code java.net.http.WebSocket} on the gateway's one shared client
 * ({@link Upstream}).
 *
 * <p>Sent in the opening handshake: {@code Authorization: Bearer <provider key>}, the provider's
 * configured extra {@code headers}, and {@code OpenAI-Beta: realtime=v1} when the client speaks
 * the beta interface ({@link RealtimeCall#beta()}; the GA interface sends no such header).
 * Nothing of the client's own request.
 *
 * <p>Time limit: the provider's {@code timeout_ms} for the whole opening handshake (the
 * builder's {@code connectTimeout}, which the JDK applies as the upgrade request's timeout).
 * Failures, classified as {@link tollgate.provider.RealtimeProvider} says: a refused upgrade by
 * its status through {@link UpstreamErrors#fromStatus} (the same wording, {@code retry-after}
 * and scrubbing as every other upstream call), except that a 4xx which that table blames on the
 * caller is the provider's here ({@code PROVIDER_ERROR}): the gateway, not the client, wrote
 * the handshake. An answer that is not a valid upgrade (a 2xx, or a 101 with a wrong
 * {@code Sec-WebSocket-Accept}) is a {@code PROVIDER_ERROR}. No connection
 * {@code PROVIDER_UNAVAILABLE}, no answer in time {@code PROVIDER_TIMEOUT}.
 *
 * <p>Cancellation: {@link RealtimeCall#cancellation()} ends the wait at once with
 * {@link ClientGoneException}. The JDK offers no way to abort its handshake exchange itself, so
 * that goes on until it ends (at most {@code timeout_ms}); a WebSocket it still opens is aborted
 * on arrival ({@link OpenAiRealtimeSession#onOpen}).
 *
 * <p>A JDK limitation, measured on JDK 17 and 25 (not ours to fix): data an upstream sends
 * together with its 101 answer, beyond one read buffer, can reach the JDK client's WebSocket
 * layer reordered (a protocol error, "Invalid UTF-8" or "Unexpected rsv1 bit") or not at all
 * (a stall) — a race in its hand-over of the connection from HTTP to WebSocket, more likely with
 * the shared client's same-thread executor. OpenAI's first event ({@code session.created}) is
 * small and then it waits for the client, so it does not arise there; a reordered burst would
 * end the session with {@code onError}, never pass on corrupt data.
 *
 * <p>Thread-safe and immutable; one per provider. The session is {@link OpenAiRealtimeSession}.
 */
public final class OpenAiRealtime {
    /** The header that selects OpenAI's beta realtime interface, and its value. */
    static final String BETA_HEADER = "OpenAI-Beta";
    static final String BETA_VALUE = "realtime=v1";
    /** The path under the provider's base URL. */
    static final String PATH = "/realtime";

    private final Exchange exchange;
    private final Upstream upstream;
    private final IdleWatchdog watchdog;
    private final List<String> headers;
    private final Duration closeTimeout;

    /** @param exchange the provider's exchanges: its id, config, headers (with its kind's {@code Authorization}) and secrets */
    public OpenAiRealtime(Exchange exchange, Upstream upstream, IdleWatchdog watchdog) {
        this(exchange, upstream, watchdog, OpenAiRealtimeSession.CLOSE_TIMEOUT);
    }

    /** For tests: another wait for the upstream's answering close. */
    OpenAiRealtime(Exchange exchange, Upstream upstream, IdleWatchdog watchdog, Duration closeTimeout) {
        this.closeTimeout = closeTimeout;
        this.exchange = exchange;
        this.upstream = upstream;
        this.watchdog = watchdog;
        this.headers = exchange.headerPairs();
    }

    /** The WebSocket URL for {@code model}: {@code {base_url}/realtime?model=<model, URL-encoded>} as ws(s). */
    public URI uri(String model) {
        String http = exchange.endpoint(PATH).toString();
        // RFC 6455 §3: ws and wss are http and https with another name; the base URL is http(s) (Exchange checks).
        String ws = http.regionMatches(true, 0, "https:", 0, 6) ? "wss:" + http.substring(6) : "ws:" + http.substring(5);
        return URI.create(ws + "?model=" + URLEncoder.encode(model, StandardCharsets.UTF_8));
    }

    /** See {@link tollgate.provider.RealtimeProvider#connect}. */
    public RealtimeUpstream connect(RealtimeCall call, RealtimeListener listener, int maxMessageBytes) {
        if (call.cancellation().isCancelled()) throw new ClientGoneException(null);
        URI uri = uri(call.upstreamModel());
        String where = "GET " + uri;
        OpenAiRealtimeSession session = new OpenAiRealtimeSession(exchange.providerId(), exchange.secrets(), watchdog,
                listener, maxMessageBytes, where, closeTimeout);
        CompletableFuture<WebSocket> pending;
        try {
            WebSocket.Builder b = upstream.client().newWebSocketBuilder().connectTimeout(exchange.config().timeout());
            for (int i = 0; i < headers.size(); i += 2) b.header(headers.get(i), headers.get(i + 1));
            if (call.beta()) b.header(BETA_HEADER, BETA_VALUE);
            pending = b.buildAsync(uri, session);
        } catch (IllegalArgumentException e) {
            // A configured header the WebSocket client refuses (Sec-WebSocket-*, Upgrade, ...):
            // named without its value, which may be a secret.
            throw new GatewayException(ErrorKind.PROVIDER_ERROR, "Provider '" + exchange.providerId()
                    + "': a configured header is not allowed on a WebSocket handshake", null, 0, null)
                    .withDetail(where + ": " + exchange.secrets().forLog(String.valueOf(e.getMessage()))).noRetry();
        }
        call.cancellation().onCancel(() -> {
            session.cancelConnect();
            pending.cancel(true);
        });
        WebSocket ws;
        try {
            ws = pending.get();
        } catch (CancellationException e) {
            throw new ClientGoneException(e);
        } catch (ExecutionException e) {
            if (call.cancellation().isCancelled()) throw new ClientGoneException(e.getCause());
            throw failure(call, where, e.getCause());
        } catch (InterruptedException e) {
            session.cancelConnect();
            Thread.currentThread().interrupt();
            throw new ClientGoneException(e);
        } finally {
            // From here on the gateway ends the session (close/abort), not the connect's cancellation.
            call.cancellation().onCancel(() -> { });
        }
        if (call.cancellation().isCancelled()) { // cancelled between the answer and the line above
            ws.abort();
            throw new ClientGoneException(null);
        }
        return session;
    }

    /** The classified failure of the opening handshake. */
    private GatewayException failure(RealtimeCall call, String where, Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof WebSocketHandshakeException h && h.getResponse() != null) return refused(call, where, h);
        }
        return exchange.scrubbed(UpstreamErrors.fromException(exchange.providerId(), where, t));
    }

    /** An upgrade the upstream answered with something other than a valid 101. */
    private GatewayException refused(RealtimeCall call, String where, WebSocketHandshakeException h) {
        HttpResponse<?> r = h.getResponse();
        int status = r.statusCode();
        byte[] body = null;
        if (r.body() instanceof String s) { // the JDK reads a refused upgrade's body as a String
            String start = s.length() > UpstreamErrors.MAX_ERROR_BODY_BYTES ? s.substring(0, UpstreamErrors.MAX_ERROR_BODY_BYTES) : s;
            byte[] raw = start.getBytes(StandardCharsets.UTF_8);
            body = exchange.secrets().scrub(raw, 0, raw.length);
        }
        String id = exchange.providerId();
        if (status < 300) {
            String cause = h.getCause() == null ? "no cause" : String.valueOf(h.getCause().getMessage());
            return exchange.scrubbed(new GatewayException(ErrorKind.PROVIDER_ERROR, "Provider '" + id
                    + "' did not accept the WebSocket upgrade (HTTP " + status + ")", null, status, null)
                    .withDetail(where + " answered HTTP " + status + ": " + cause));
        }
        GatewayException e = UpstreamErrors.fromStatus(id, where, call.upstreamModel(), status, r.headers(), body);
        if (e.kind() == ErrorKind.CALLER_INVALID_REQUEST || e.kind() == ErrorKind.CALLER_BODY_TOO_LARGE) {
            // The table's "the caller's request was wrong" (400, 413, 422) is the gateway's
            // handshake here: the client's own messages only flow after it.
            GatewayException p = new GatewayException(ErrorKind.PROVIDER_ERROR, e.getMessage(), null, status, null)
                    .withHeaders(e.headers()).withDetail(e.detail());
            e = e.failure() == tollgate.error.FailureClass.REJECTED ? p.noRetry() : p;
        }
        return exchange.scrubbed(e);
    }
}
