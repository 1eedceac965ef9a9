package tollgate.provider;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import tollgate.call.Cancellation;
import tollgate.config.ProviderConfig;
import tollgate.error.ClientGoneException;
import tollgate.error.GatewayException;
import tollgate.json.JsonBuffer;
import tollgate.memory.Reservation;

/**
 * One provider's upstream HTTP exchanges, with the gateway's rules for every one of them: the
 * shared client ({@link Upstream}), the provider's configured headers, the wait for the response
 * headers limited to its {@code timeout_ms} (on the {@link IdleWatchdog}: see
 * {@link Upstream#request} for why not {@code HttpRequest.timeout}), silence inside a body limited
 * to {@code idle_timeout_ms}, the caller's cancellation aborting the exchange, and failures
 * classified ({@link UpstreamErrors}) with the configured secrets taken out of what they say.
 * Thread-safe and immutable; one per provider.
 */
public final class Exchange {
    private final ProviderConfig config;
    private final Upstream upstream;
    private final IdleWatchdog watchdog;
    private final Secrets secrets;
    private final String base;
    private final String[] fixedHeaders;

    /** @throws IllegalArgumentException when the base URL is missing or not http(s), or a configured header is refused */
    public Exchange(ProviderConfig config, Upstream upstream, IdleWatchdog watchdog, Secrets secrets) {
        this(config, upstream, watchdog, secrets, List.of());
    }

    /** @param kindHeaders headers the provider's kind always sends (its auth), as name/value pairs */
    public Exchange(ProviderConfig config, Upstream upstream, IdleWatchdog watchdog, Secrets secrets, List<String> kindHeaders) {
        this.config = config;
        this.upstream = upstream;
        this.watchdog = watchdog;
        this.secrets = secrets;
        if (config.baseUrl() == null) throw new IllegalArgumentException("provider '" + config.id() + "' has no base_url");
        String b = config.baseUrl().toString();
        int end = b.length();
        while (end > 0 && b.charAt(end - 1) == '/') end--;
        this.base = b.substring(0, end);
        String scheme = config.baseUrl().getScheme();
        if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme)) {
            throw new IllegalArgumentException("provider '" + config.id() + "': base_url must be http(s)");
        }
        List<String> h = new ArrayList<>(kindHeaders);
        if (config.headers() != null) {
            config.headers().forEach((name, value) -> {
                h.add(name);
                h.add(value);
            });
        }
        this.fixedHeaders = h.toArray(String[]::new);
        // Fail at startup, not per request, on a header HttpClient refuses ("Host", a value with a
        // line break). The message names the header only: HttpClient's own quotes the value,
        // which for Authorization is the key.
        URI probe = URI.create(base + "/");
        for (int i = 0; i < fixedHeaders.length; i += 2) {
            try {
                HttpRequest.newBuilder(probe).header(fixedHeaders[i], fixedHeaders[i + 1]);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("provider '" + config.id() + "': header '" + fixedHeaders[i]
                        + "' is not allowed or its value is invalid");
            }
        }
    }

    public String providerId() { return config.id(); }

    public ProviderConfig config() { return config; }

    public Secrets secrets() { return secrets; }

    /**
     * The headers every request to this provider carries, as name/value pairs: its kind's (the
     * {@code Authorization} with the provider key) then the configured extra {@code headers}; for
     * exchanges that do not go through {@link #request} (a WebSocket's opening handshake).
     */
    public List<String> headerPairs() { return List.of(fixedHeaders); }

    /** The base URL (without a trailing slash) followed by {@code path} ({@code /audio/speech}). */
    public URI endpoint(String path) {
        return URI.create(base + path);
    }

    /** A request builder for {@code uri} with the provider's kind and configured headers set. */
    public HttpRequest.Builder request(URI uri) {
        HttpRequest.Builder b = upstream.request(uri);
        for (int i = 0; i < fixedHeaders.length; i += 2) b.setHeader(fixedHeaders[i], fixedHeaders[i + 1]);
        return b;
    }

    /**
     * Sends {@code request} and waits for the response (for a streaming handler, its headers): at
     * most the provider's {@code timeout_ms} for the headers, and {@code deadline} (when not null)
     * for the whole of it. Returns any status.
     *
     * @param handler the body handler, given what to run when the headers arrive (a handler that
     *                completes only with the whole body must run it, or the headers' wait fires)
     * @param where the method and URL, for log details ({@code POST https://.../listen})
     * @throws GatewayException    the classified failure (connection refused, timeout, ...)
     * @throws ClientGoneException when {@code cancellation} fired
     */
    public <T> HttpResponse<T> send(HttpRequest request, Function<Runnable, HttpResponse.BodyHandler<T>> handler,
                                    Cancellation cancellation, String where, Duration deadline) {
        if (cancellation.isCancelled()) throw new ClientGoneException(null);
        HeadersWait wait = new HeadersWait();
        IdleWatchdog.Watch whole = deadline == null ? null : watchdog.watch(deadline, wait::cancelPending);
        try (wait; whole) {
            CompletableFuture<HttpResponse<T>> pending = upstream.client().sendAsync(request, handler.apply(wait::close));
            wait.start(pending);
            cancellation.onCancel(() -> pending.cancel(true));
            return pending.get();
        } catch (CancellationException | ExecutionException e) {
            // cancel(true) surfaces either way: as the future's own cancellation, or as the
            // exchange failing with "Request cancelled".
            if (wait.timedOut()) {
                throw scrubbed(UpstreamErrors.fromException(config.id(), where, new HttpTimeoutException("no response headers within "
                        + config.timeout().toMillis() + " ms")));
            }
            if (whole != null && whole.fired()) {
                throw scrubbed(UpstreamErrors.fromException(config.id(), where, new HttpTimeoutException("no complete answer within "
                        + deadline.toMillis() + " ms (deadline_ms)")));
            }
            if (e instanceof CancellationException || cancellation.isCancelled()) throw new ClientGoneException(e.getCause());
            throw scrubbed(UpstreamErrors.fromException(config.id(), where, e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClientGoneException(e);
        }
    }

    /** {@link #send(HttpRequest, Function, Cancellation, String, Duration)} with a handler that reads no more than the headers first, and no deadline. */
    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler, Cancellation cancellation,
                                    String where) {
        return send(request, headersArrived -> handler, cancellation, where, null);
    }

    /**
     * The error for a non-2xx response: the start of its body read (capped), secrets taken out,
     * classified by status, with the upstream's {@code retry-after} and rate-limit headers kept
     * for the client. Closes the body.
     */
    public RuntimeException statusError(HttpResponse<InputStream> response, String upstreamModel, Cancellation cancellation,
                                        String where) {
        byte[] errorBody;
        try (InputStream in = idle(response.body(), cancellation)) {
            errorBody = UpstreamErrors.readErrorBody(in);
            errorBody = secrets.scrub(errorBody, 0, errorBody.length);
        } catch (IOException e) {
            if (cancellation.isCancelled()) return new ClientGoneException(e);
            errorBody = null; // the status alone still classifies it
        }
        return scrubbed(UpstreamErrors.fromStatus(config.id(), where, upstreamModel, response.statusCode(), response.headers(),
                errorBody));
    }

    /**
     * {@code body} closed after the provider's {@code idle_timeout_ms} without a byte, or when
     * {@code cancellation} fires (a read then fails); closing the returned stream stops the watch
     * and closes {@code body}.
     */
    public InputStream idle(InputStream body, Cancellation cancellation) {
        IdleWatchdog.Watch watch = watchdog.watch(config.idleTimeout(), () -> closeQuietly(body));
        cancellation.onCancel(() -> closeQuietly(body));
        InputStream watched = watch.wrap(body);
        return new java.io.FilterInputStream(watched) {
            @Override
            public void close() throws IOException {
                watch.close();
                closeQuietly(body);
            }
        };
    }

    /** The error with the configured secrets taken out of its message (and hosts, for the client) and its log detail. */
    public GatewayException scrubbed(GatewayException e) {
        String message = secrets.forClient(e.getMessage());
        String detail = secrets.forLog(e.detail());
        if (Objects.equals(message, e.getMessage()) && Objects.equals(detail, e.detail())) return e;
        return e.withMessage(message).withDetail(detail);
    }

    /**
     * A JSON POST whose answer is read whole (images, embeddings): {@code body} sent with the
     * provider's headers and {@code x-request-id} (when {@code requestId} is safe in a header), the
     * answer gathered by {@link CappedBody} (at most {@code maxAnswerBytes}, reserved in
     * {@code memory} as it arrives), then scrubbed of the configured secrets (the scrubbed copy,
     * rare, reserved too). {@code body}'s capacity is released once it is sent (or abandoned).
     *
     * @param deadline the whole call's limit, or null for none
     * @return the 2xx answer, whose {@link Whole#held()} bytes stay reserved in {@code memory} for
     *         the caller to release
     * @throws GatewayException    the classified failure, or the error for a non-2xx status
     *                             ({@link UpstreamErrors#fromStatus}), scrubbed; nothing of the answer stays reserved
     * @throws ClientGoneException when {@code cancellation} fired
     */
    public Whole postJson(URI uri, JsonBuffer body, int maxAnswerBytes, String requestId, String upstreamModel, Reservation memory,
                          Cancellation cancellation, Duration deadline) {
        String where = "POST " + uri;
        HttpResponse<byte[]> response;
        try {
            HttpRequest.Builder b = request(uri)
                    .setHeader("Content-Type", "application/json")
                    .setHeader("Accept", "application/json");
            if (TranscriptionUpload.headerSafe(requestId)) b.setHeader("x-request-id", requestId);
            HttpRequest request = b.POST(HttpRequest.BodyPublishers.ofByteArray(body.array(), 0, body.length())).build();
            response = send(request, headersArrived -> new CappedBody(maxAnswerBytes, watchdog, config.idleTimeout(), headersArrived,
                    memory), cancellation, where, deadline);
        } finally {
            memory.release(body.capacity()); // sent (or abandoned) by now
        }
        byte[] raw = response.body();
        long held = raw.length; // gathered by CappedBody
        boolean kept = false;
        try {
            byte[] clean = raw;
            if (secrets.contains(raw, 0, raw.length)) { // rare: the scrubbed copy is held too
                long copy = Secrets.maxScrubbedLength(raw.length);
                memory.reserve(copy);
                held += copy;
                clean = secrets.scrub(raw, 0, raw.length);
            }
            int status = response.statusCode();
            if (status < 200 || status > 299) {
                throw scrubbed(UpstreamErrors.fromStatus(config.id(), where, upstreamModel, status, response.headers(), clean));
            }
            kept = true;
            return new Whole(clean, status, held, where);
        } finally {
            if (!kept) memory.release(held);
        }
    }

    /**
     * A 2xx answer read whole by {@link #postJson}.
     *
     * @param bytes  the answer, scrubbed of the configured secrets
     * @param status its HTTP status
     * @param held   how many bytes stay reserved in the call's memory for it (the caller releases them)
     * @param where  the method and URL, for log details
     */
    public record Whole(byte[] bytes, int status, long held, String where) {}

    static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // closing to stop a read: nothing more to do
        }
    }

    /** Limits the wait for the response headers to the provider's {@code timeout_ms}; closed when they arrive. */
    private final class HeadersWait implements AutoCloseable {
        private volatile CompletableFuture<?> pending;
        private final IdleWatchdog.Watch watch = watchdog.watch(config.timeout(), this::cancelPending);

        void start(CompletableFuture<?> future) {
            pending = future;
            if (watch.fired()) future.cancel(true); // fired before the future was known
        }

        /** cancel(true) aborts the exchange (HttpClient#sendAsync); with HTTP/1.1 that closes the connection. */
        void cancelPending() {
            CompletableFuture<?> p = pending;
            if (p != null) p.cancel(true);
        }

        boolean timedOut() { return watch.fired(); }

        @Override
        public void close() { watch.close(); }
    }
}
