package tollgate.provider;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import tollgate.config.ProviderConfig;
import tollgate.error.ClientGoneException;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.json.Json;
import tollgate.json.JsonBuffer;
import tollgate.json.JsonException;

/**
 * A chat provider reached over HTTP: {@code POST {base_url}{dialect.path()}}, in the wire
 * format of its {@link Dialect} (OpenAI-compatible, Anthropic Messages, Mistral). This class
 * owns everything that is the same for every such upstream — one shared {@code HttpClient},
 * time limits, cancellation, status classification, SSE framing — and the dialect owns the
 * translation.
 *
 * <p>Sent upstream: the dialect's body; {@code Content-Type}, {@code Accept}, the dialect's
 * fixed headers (its authentication), the configured extra headers, and {@code x-request-id}.
 * Nothing of the client's own request headers.
 *
 * <p>Time limits: {@code ProviderConfig.timeout} until the response headers
 * (a {@link IdleWatchdog} watch, closed when they arrive), then {@code idleTimeout} between body bytes ({@link IdleWatchdog}).
 * Cancellation aborts the wait for headers ({@code cancel(true)} on the pending exchange) or
 * closes the body stream, and the blocked call throws {@link ClientGoneException}.
 */
public final class HttpChatProvider implements ChatProvider {

    /** Largest non-streaming response body accepted, in bytes. */
    public static final int MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

    private static final String EVENT_STREAM = "text/event-stream";

    private final ProviderConfig config;
    private final Dialect dialect;
    private final Upstream upstream;
    private final IdleWatchdog watchdog;
    private final URI endpoint;
    private final String[] fixedHeaders;

    /** @throws IllegalArgumentException if the base URL or an extra header cannot be used */
    public HttpChatProvider(ProviderConfig config, Dialect dialect, Upstream upstream, IdleWatchdog watchdog) {
        this.config = config;
        this.dialect = dialect;
        this.upstream = upstream;
        this.watchdog = watchdog;
        if (config.baseUrl() == null) {
            throw new IllegalArgumentException("provider '" + config.id() + "' has no base_url");
        }
        String base = config.baseUrl().toString();
        int end = base.length();
        while (end > 0 && base.charAt(end - 1) == '/') end--;
        this.endpoint = URI.create(base.substring(0, end) + dialect.path());
        List<String> h = new ArrayList<>(dialect.fixedHeaders(config));
        if (config.headers() != null) {
            config.headers().forEach((name, value) -> {
                h.add(name);
                h.add(value);
            });
        }
        this.fixedHeaders = h.toArray(String[]::new);
        String scheme = endpoint.getScheme();
        if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme)) {
            throw new IllegalArgumentException("provider '" + config.id() + "': base_url must be http(s)");
        }
        // Fail at startup, not per request, on a header HttpClient refuses ("Host", a value
        // with a line break). The message names the header only: HttpClient's own message
        // quotes the value, which for Authorization is the key.
        for (int i = 0; i < fixedHeaders.length; i += 2) {
            try {
                HttpRequest.newBuilder(endpoint).header(fixedHeaders[i], fixedHeaders[i + 1]);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("provider '" + config.id() + "': header '" + fixedHeaders[i]
                        + "' is not allowed or its value is invalid");
            }
        }
    }

    @Override public String id() { return config.id(); }

    @Override public String kind() { return dialect.kind(); }

    @Override public Set<String> capabilities() { return Set.of("chat"); }

    @Override public ToolIdRule toolIdRule() { return dialect.toolIdRule(); }

    @Override
    public ChatResult chat(ChatCall call) {
        HeadersWait wait = new HeadersWait();
        HttpResponse<byte[]> response = send(call, wait,
                new CappedBody(MAX_RESPONSE_BYTES, watchdog, config.idleTimeout(), wait::close));
        if (!ok(response.statusCode())) {
            throw UpstreamErrors.fromStatus(id(), call, response.statusCode(), response.body());
        }
        Map<String, Object> answer = parseObject(response.body());
        if (answer == null) {
            throw new GatewayException(ErrorKind.PROVIDER_ERROR, "Provider '" + id()
                    + "' returned a response that is not a chat completion", null, response.statusCode(), null);
        }
        return dialect.completion(answer, call, id());
    }

    @Override
    public Usage stream(ChatCall call, ChunkSink sink) {
        HttpResponse<InputStream> response = send(call, new HeadersWait(), HttpResponse.BodyHandlers.ofInputStream());
        InputStream body = response.body();
        try (IdleWatchdog.Watch watch = watchdog.watch(config.idleTimeout(), () -> closeQuietly(body))) {
            call.cancellation().onCancel(() -> closeQuietly(body));
            try {
                if (!ok(response.statusCode())) throw statusError(call, response, watch);
                String type = response.headers().firstValue("content-type").orElse("");
                if (!type.toLowerCase(Locale.ROOT).startsWith(EVENT_STREAM)) throw notAStream(call, response, watch);
                return pump(call, new SseReader(watch.wrap(body)), sink, watch);
            } finally {
                // Also after [DONE], without waiting for the body's end: when its terminator
                // has already arrived (usual, it follows [DONE] at once) the connection goes
                // back to the pool; otherwise HTTP/1.1 drops it and HTTP/2 resets the stream.
                closeQuietly(body);
            }
        }
    }

    /**
     * Reads events until the dialect's decoder sees the end, passing chunks to the sink; see
     * {@link ChatProvider#stream}. A chunk goes out with {@code moreReady} when another chunk
     * of the same event, or an already-buffered event, follows it.
     */
    private Usage pump(ChatCall call, SseReader events, ChunkSink sink, IdleWatchdog.Watch watch) {
        StreamDecoder decoder = dialect.decoder(call, id());
        List<Map<String, Object>> chunks = new ArrayList<>(2);
        long delivered = 0;
        while (true) {
            SseEvent event;
            try {
                event = events.next();
            } catch (IOException e) {
                throw failure(call, watch, delivered, e);
            }
            if (event == null) throw failure(call, watch, delivered, null);
            boolean end;
            try {
                end = decoder.decode(event, chunks);
            } catch (GatewayException e) {
                if (delivered > 0 && e.kind() == ErrorKind.PROVIDER_ERROR && e.upstreamStatus() == 200) {
                    throw new GatewayException(ErrorKind.PROVIDER_STREAM_BROKEN, e.getMessage(), null, 200, e);
                }
                throw e;
            }
            int n = chunks.size();
            for (int i = 0; i < n; i++) {
                // ClientGoneException propagates; the caller's finally closes the upstream.
                sink.chunk(chunks.get(i), i < n - 1 || (!end && events.hasBufferedEvent()));
                delivered++;
            }
            chunks.clear();
            if (end) return decoder.usage();
        }
    }

    /**
     * The exception for a body that failed ({@code e}) or a stream that ended before its end-of-stream event ([DONE], message_stop)
     * ({@code e == null}), after {@code delivered} chunks: the client leaving and the idle
     * timeout come first; a failure before any chunk is classified like any failed exchange.
     */
    private RuntimeException failure(ChatCall call, IdleWatchdog.Watch watch, long delivered, IOException e) {
        if (call.cancellation().isCancelled()) return new ClientGoneException(e);
        if (watch.fired()) return idle(watch, e);
        if (e == null) {
            return new GatewayException(ErrorKind.PROVIDER_STREAM_BROKEN,
                    "Provider '" + id() + "' stream ended without its end-of-stream event", null, 200, null);
        }
        if (delivered == 0) return UpstreamErrors.fromException(id(), e);
        return new GatewayException(ErrorKind.PROVIDER_STREAM_BROKEN,
                "Provider '" + id() + "' stream broke off: " + e.getMessage(), null, 200, e);
    }

    private GatewayException idle(IdleWatchdog.Watch watch, IOException e) {
        return new GatewayException(ErrorKind.PROVIDER_TIMEOUT, "Provider '" + id() + "' sent nothing for "
                + watch.idle().toMillis() + " ms", null, 0, e);
    }

    private RuntimeException statusError(ChatCall call, HttpResponse<InputStream> response, IdleWatchdog.Watch watch) {
        byte[] errorBody;
        try {
            errorBody = UpstreamErrors.readErrorBody(watch.wrap(response.body()));
        } catch (IOException e) {
            if (call.cancellation().isCancelled()) return new ClientGoneException(e);
            errorBody = null; // the status alone still classifies it
        }
        return UpstreamErrors.fromStatus(id(), call, response.statusCode(), errorBody);
    }

    /** A 2xx answer to a stream request that is not an event stream. */
    private RuntimeException notAStream(ChatCall call, HttpResponse<InputStream> response, IdleWatchdog.Watch watch) {
        byte[] bytes;
        try {
            bytes = UpstreamErrors.readErrorBody(watch.wrap(response.body()));
        } catch (IOException e) {
            return failure(call, watch, 0, e);
        }
        Map<String, Object> parsed = parseObject(bytes);
        if (parsed != null && parsed.get("error") != null) return UpstreamErrors.fromErrorObject(id(), parsed.get("error"));
        return new GatewayException(ErrorKind.PROVIDER_ERROR, "Provider '" + id()
                + "' answered a stream request with something other than text/event-stream", null,
                response.statusCode(), null);
    }

    /**
     * Limits the wait for the response headers to {@code ProviderConfig.timeout}, on the shared
     * {@link IdleWatchdog} (see {@link Upstream#request} for why not {@code HttpRequest.timeout}).
     * Closed when the headers arrive, or when the call ends.
     */
    private final class HeadersWait implements AutoCloseable {
        private volatile CompletableFuture<?> pending;
        private final IdleWatchdog.Watch watch = watchdog.watch(config.timeout(), () -> {
            CompletableFuture<?> p = pending;
            if (p != null) p.cancel(true);
        });

        void start(CompletableFuture<?> future) {
            pending = future;
            if (watch.fired()) future.cancel(true); // fired before the future was known
        }

        boolean timedOut() { return watch.fired(); }

        @Override
        public void close() { watch.close(); }
    }

    /**
     * Sends the request and waits for the response (for {@code ofInputStream}, its headers),
     * abortable by the call's cancellation and limited by {@code wait}. Returns any status;
     * throws classified errors for failed exchanges.
     */
    private <T> HttpResponse<T> send(ChatCall call, HeadersWait wait, HttpResponse.BodyHandler<T> bodyHandler) {
        try (wait) {
            if (call.cancellation().isCancelled()) throw new ClientGoneException(null);
            JsonBuffer json = dialect.body(call);
            HttpRequest request = builder(call.stream(), call.requestId())
                    .POST(HttpRequest.BodyPublishers.ofByteArray(json.array(), 0, json.length()))
                    .build();
            CompletableFuture<HttpResponse<T>> pending = upstream.client().sendAsync(request, bodyHandler);
            wait.start(pending);
            // cancel(true) aborts the exchange (HttpClient#sendAsync: "attempts to cancel the HTTP
            // exchange"); with HTTP/1.1 that closes the connection.
            call.cancellation().onCancel(() -> pending.cancel(true));
            try {
                return pending.get();
            } catch (CancellationException | ExecutionException e) {
                // cancel(true) surfaces either way: as the future's own cancellation, or as the
                // exchange failing with "Request cancelled".
                if (wait.timedOut()) {
                    throw UpstreamErrors.fromException(id(), new HttpTimeoutException("no response headers within "
                            + config.timeout().toMillis() + " ms"));
                }
                if (e instanceof CancellationException || call.cancellation().isCancelled()) {
                    throw new ClientGoneException(e.getCause());
                }
                throw UpstreamErrors.fromException(id(), e.getCause());
            } catch (InterruptedException e) {
                pending.cancel(true);
                Thread.currentThread().interrupt();
                throw new ClientGoneException(e);
            }
        }
    }

    private HttpRequest.Builder builder(boolean stream, String requestId) {
        HttpRequest.Builder b = upstream.request(endpoint)
                .header("Content-Type", "application/json")
                .header("Accept", stream ? EVENT_STREAM : "application/json");
        for (int i = 0; i < fixedHeaders.length; i += 2) b.setHeader(fixedHeaders[i], fixedHeaders[i + 1]);
        if (isHeaderSafe(requestId)) b.setHeader("x-request-id", requestId);
        return b;
    }

    /** Visible ASCII only, and short: a request id is echoed from the client, so check it. */
    private static boolean isHeaderSafe(String v) {
        if (v == null || v.isEmpty() || v.length() > 200) return false;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < 0x21 || c > 0x7E) return false;
        }
        return true;
    }

    private static Map<String, Object> parseObject(byte[] bytes) {
        try {
            return Json.asObject(Json.parse(bytes));
        } catch (JsonException e) {
            return null;
        }
    }

    private static boolean ok(int status) {
        return status >= 200 && status < 300;
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // closing only releases the connection
        }
    }
}
