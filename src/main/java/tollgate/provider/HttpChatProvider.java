package tollgate.provider;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import tollgate.call.Cancellation;
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
 * time limits, cancellation, memory, status classification, secrets — and the dialect owns the
 * translation; {@link StreamPump} relays streams.
 *
 * <p>Sent upstream: the dialect's body; {@code Content-Type}, {@code Accept}, the dialect's
 * fixed headers (its authentication), the configured extra headers, and {@code x-request-id}.
 * Nothing of the client's own request headers.
 *
 * <p>Time limits: {@code ProviderConfig.timeout} until the response headers, then
 * {@code idleTimeout} between body bytes, and for a non-streaming call {@code deadline} for the
 * whole of it (an upstream that sends a byte a second never ends otherwise); all are watches on
 * the shared {@link IdleWatchdog}. Cancellation aborts the wait for headers ({@code cancel(true)}
 * on the pending exchange) or closes the body stream, and the blocked call throws
 * {@link ClientGoneException}.
 *
 * <p>Kind {@code openai} also speaks text-to-speech ({@code POST {base_url}/audio/speech},
 * {@link tollgate.provider.openai.OpenAiSpeech}) through the same {@link Exchange}, and realtime
 * sessions over WebSocket ({@code {base_url}/realtime}, {@link tollgate.provider.openai.OpenAiRealtime}) and image
 * generation ({@code POST {base_url}/images/generations}, {@link tollgate.provider.openai.OpenAiImages});
 * it and kind {@code mistral} also serve embeddings ({@code POST {base_url}/embeddings},
 * {@link tollgate.provider.openai.OpenAiEmbeddings}).
 *
 * <p>Memory: the upstream request body is charged to the call's reservation while it is sent;
 * a non-streaming answer as its bytes arrive and again as it is parsed; stream buffers as they
 * grow. Secrets: every answer, event and error is scrubbed of the configured secrets
 * ({@link Secrets}) before anything reads it.
 */
public final class HttpChatProvider implements ChatProvider, CompletionProvider, SpeechProvider, TranscriptionProvider,
        RealtimeProvider, ImagesProvider, EmbeddingsProvider {

    /** Largest non-streaming response body accepted, in bytes. */
    public static final int MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

    static final String EVENT_STREAM = "text/event-stream";

    private final ProviderConfig config;
    private final Dialect dialect;
    private final IdleWatchdog watchdog;
    private final Secrets secrets;
    private final Exchange exchange;
    private final URI endpoint;
    private final String where;
    /** Text-to-speech ({@code /audio/speech}) for kind openai; null for the other kinds. */
    private final tollgate.provider.openai.OpenAiSpeech speech;
    private final Completions completions;
    /** Speech-to-text, for the OpenAI-compatible kind only; null for the others. */
    private final tollgate.provider.openai.OpenAiTranscriptions transcriptions;
    /** Realtime sessions over WebSocket, for the OpenAI-compatible kind only; null for the others. */
    private final tollgate.provider.openai.OpenAiRealtime realtime;
    /** Image generation, for the OpenAI-compatible kind only; null for the others. */
    private final tollgate.provider.openai.OpenAiImages images;
    /** Embeddings, for the OpenAI-compatible kinds and Mistral; null for Anthropic. */
    private final tollgate.provider.openai.OpenAiEmbeddings embeddings;

    /** @throws IllegalArgumentException if the base URL or an extra header cannot be used */
    public HttpChatProvider(ProviderConfig config, Dialect dialect, Upstream upstream, IdleWatchdog watchdog, Secrets secrets) {
        this.config = config;
        this.dialect = dialect;
        this.secrets = secrets;
        this.exchange = new Exchange(config, upstream, watchdog, secrets, dialect.fixedHeaders(config));
        this.watchdog = watchdog;
        this.endpoint = exchange.endpoint(dialect.path());
        this.where = "POST " + endpoint;
        this.speech = dialect.kind().equals(tollgate.provider.openai.OpenAiDialect.KIND)
                ? new tollgate.provider.openai.OpenAiSpeech(config, exchange) : null;
        this.completions = CompletionExchange.forKind(dialect.kind(), exchange, watchdog);
        this.transcriptions = tollgate.provider.openai.OpenAiDialect.KIND.equals(dialect.kind())
                ? new tollgate.provider.openai.OpenAiTranscriptions(exchange, upstream, watchdog) : null;
        this.realtime = tollgate.provider.openai.OpenAiDialect.KIND.equals(dialect.kind())
                ? new tollgate.provider.openai.OpenAiRealtime(exchange, upstream, watchdog) : null;
        this.images = tollgate.provider.openai.OpenAiDialect.KIND.equals(dialect.kind())
                ? new tollgate.provider.openai.OpenAiImages(exchange) : null;
        this.embeddings = switch (dialect.kind()) {
            case tollgate.provider.openai.OpenAiDialect.KIND ->
                    new tollgate.provider.openai.OpenAiEmbeddings(exchange, tollgate.provider.openai.OpenAiEmbeddings::body);
            case tollgate.provider.mistral.MistralDialect.KIND ->
                    new tollgate.provider.openai.OpenAiEmbeddings(exchange, tollgate.provider.mistral.MistralEmbeddings::body);
            default -> null;
        };
    }

    /** This provider's upstream exchanges, for the calls other than chat that its kind also serves. */
    public Exchange exchange() { return exchange; }

    @Override public Completions completions() { return completions; }

    @Override public String id() { return config.id(); }

    /** An OpenAI-compatible provider's {@code /audio/transcriptions}; refused (no-retry) for the other kinds. */
    @Override
    public Transcript transcribe(TranscriptionCall call) {
        if (transcriptions == null) {
            throw new GatewayException(ErrorKind.PROVIDER_ERROR, "Provider '" + id() + "' (kind " + kind()
                    + ") does not serve speech-to-text.", "model").noRetry();
        }
        return transcriptions.transcribe(call);
    }

    @Override public String kind() { return dialect.kind(); }

    /** {@code chat}, and what else the kind serves: fim, completions, stt, tts, realtime, images, embeddings (for {@code GET /providers}). */
    @Override
    public Set<String> capabilities() {
        java.util.LinkedHashSet<String> caps = new java.util.LinkedHashSet<>(List.of("chat"));
        if (completions != null && completions.serves(CompletionProvider.Shape.FIM)) caps.add("fim");
        if (completions != null && completions.serves(CompletionProvider.Shape.COMPLETIONS)) caps.add("completions");
        if (transcriptions != null) caps.add("stt");
        if (speech != null) caps.add("tts");
        if (realtime != null) caps.add("realtime");
        if (images != null) caps.add("images");
        if (embeddings != null) caps.add("embeddings");
        return java.util.Collections.unmodifiableSet(caps);
    }

    /** Text-to-speech on an OpenAI-compatible upstream ({@link tollgate.provider.openai.OpenAiSpeech}). */
    @Override
    public long speak(SpeechCall call, AudioSink sink) {
        if (speech == null) throw SpeechRelay.unsupported(this);
        return speech.speak(call, sink);
    }

    /** Realtime speech-to-speech on an OpenAI-compatible upstream ({@link tollgate.provider.openai.OpenAiRealtime}). */
    @Override
    public RealtimeUpstream connect(RealtimeCall call, RealtimeListener listener, int maxMessageBytes) {
        if (realtime == null) {
            throw new GatewayException(ErrorKind.PROVIDER_ERROR, "Provider '" + id() + "' (kind " + kind()
                    + ") does not serve realtime sessions.", "model").noRetry();
        }
        return realtime.connect(call, listener, maxMessageBytes);
    }

    /** Image generation on an OpenAI-compatible upstream ({@link tollgate.provider.openai.OpenAiImages}); refused (no-retry) for the other kinds. */
    @Override
    public GeneratedImages generate(ImagesCall call) {
        if (images == null) {
            throw new GatewayException(ErrorKind.PROVIDER_ERROR, "Provider '" + id() + "' (kind " + kind()
                    + ") does not serve image generation.", "model").noRetry();
        }
        return images.generate(call);
    }

    /** Embeddings on an OpenAI-compatible or Mistral upstream ({@link tollgate.provider.openai.OpenAiEmbeddings}); refused (no-retry) for Anthropic. */
    @Override
    public Embeddings embed(EmbeddingsCall call) {
        if (embeddings == null) {
            throw new GatewayException(ErrorKind.PROVIDER_ERROR, "Provider '" + id() + "' (kind " + kind()
                    + ") does not serve embeddings.", "model").noRetry();
        }
        return embeddings.embed(call);
    }

    @Override public ToolIdRule toolIdRule() { return dialect.toolIdRule(); }

    @Override
    public ChatResult chat(ChatCall call) {
        try {
            HttpResponse<byte[]> response = send(call, headersArrived ->
                    new CappedBody(MAX_RESPONSE_BYTES, watchdog, config.idleTimeout(), headersArrived, call.memory()), config.deadline());
            byte[] body = response.body();
            long held = body.length; // gathered by CappedBody
            try {
                byte[] clean = body;
                if (secrets.contains(body, 0, body.length)) { // rare: the scrubbed copy is held too
                    long copy = Secrets.maxScrubbedLength(body.length);
                    call.memory().reserve(copy);
                    held += copy;
                    clean = secrets.scrub(body, 0, body.length);
                }
                if (!ok(response.statusCode())) {
                    throw UpstreamErrors.fromStatus(id(), where, call, response.statusCode(), response.headers(), clean);
                }
                Map<String, Object> answer = parseObject(clean, call);
                if (answer == null) {
                    throw new GatewayException(ErrorKind.PROVIDER_ERROR, "Provider '" + id()
                            + "' returned a response that is not a chat completion", null, response.statusCode(), null)
                            .withDetail(where + " answered " + clean.length + " bytes that are not a JSON object");
                }
                return dialect.completion(answer, call, id());
            } finally {
                call.memory().release(held); // parsed or dropped now
            }
        } catch (GatewayException e) {
            throw scrubbed(e);
        }
    }

    @Override
    public Usage stream(ChatCall call, ChunkSink sink) {
        try {
            HttpResponse<InputStream> response = send(call, headersArrived -> HttpResponse.BodyHandlers.ofInputStream(), null);
            InputStream body = response.body();
            try (IdleWatchdog.Watch watch = watchdog.watch(config.idleTimeout(), () -> closeQuietly(body))) {
                call.cancellation().onCancel(() -> closeQuietly(body));
                try {
                    if (!ok(response.statusCode())) throw statusError(call, response, watch);
                    String type = response.headers().firstValue("content-type").orElse("");
                    if (!type.toLowerCase(Locale.ROOT).startsWith(EVENT_STREAM)) throw notAStream(call, response, watch);
                    return new StreamPump(this, call, watch).pump(
                            new SseReader(watch.wrap(body), SseReader.MAX_LINE_BYTES, SseReader.MAX_EVENT_BYTES, call.memory()),
                            dialect.decoder(call, id()), sink);
                } finally {
                    // Also after [DONE], without waiting for the body's end: when its terminator
                    // has already arrived (usual, it follows [DONE] at once) the connection goes
                    // back to the pool; otherwise HTTP/1.1 drops it and HTTP/2 resets the stream.
                    closeQuietly(body);
                }
            }
        } catch (GatewayException e) {
            throw scrubbed(e);
        }
    }

    /** The configured secrets, for {@link StreamPump}. */
    Secrets secrets() { return secrets; }

    /** The upstream's method and URL, for log details. */
    String where() { return where; }

    /** The error with secrets taken out of its message (and hosts, for the client) and its log detail. */
    GatewayException scrubbed(GatewayException e) {
        String message = secrets.forClient(e.getMessage());
        String detail = secrets.forLog(e.detail());
        if (java.util.Objects.equals(message, e.getMessage()) && java.util.Objects.equals(detail, e.detail())) return e;
        return e.withMessage(message).withDetail(detail);
    }

    private RuntimeException statusError(ChatCall call, HttpResponse<InputStream> response, IdleWatchdog.Watch watch) {
        byte[] errorBody;
        try {
            errorBody = UpstreamErrors.readErrorBody(watch.wrap(response.body()));
            errorBody = secrets.scrub(errorBody, 0, errorBody.length);
        } catch (IOException e) {
            if (call.cancellation().isCancelled()) return new ClientGoneException(e);
            errorBody = null; // the status alone still classifies it
        }
        return UpstreamErrors.fromStatus(id(), where, call, response.statusCode(), response.headers(), errorBody);
    }

    /** A 2xx answer to a stream request that is not an event stream. */
    private RuntimeException notAStream(ChatCall call, HttpResponse<InputStream> response, IdleWatchdog.Watch watch) {
        byte[] bytes;
        try {
            bytes = UpstreamErrors.readErrorBody(watch.wrap(response.body()));
            bytes = secrets.scrub(bytes, 0, bytes.length);
        } catch (IOException e) {
            return new StreamPump(this, call, watch).failure(0, e);
        }
        Map<String, Object> parsed = parseObject(bytes, call);
        if (parsed != null && parsed.get("error") != null) return UpstreamErrors.fromErrorObject(id(), parsed.get("error"));
        return new GatewayException(ErrorKind.PROVIDER_ERROR, "Provider '" + id()
                + "' answered a stream request with something other than text/event-stream", null,
                response.statusCode(), null).withDetail(where + " answered content-type "
                + response.headers().firstValue("content-type").orElse("(none)"));
    }

    /**
     * Sends the request through {@link Exchange#send} and waits for the response (for
     * {@code ofInputStream}, its headers); the request's JSON is given back to the call's memory
     * once sent. Returns any status.
     */
    private <T> HttpResponse<T> send(ChatCall call, java.util.function.Function<Runnable, HttpResponse.BodyHandler<T>> handler,
                                     java.time.Duration deadline) {
        if (call.cancellation().isCancelled()) throw new ClientGoneException(null);
        JsonBuffer json = dialect.body(call);
        try {
            HttpRequest.Builder b = builder(call.stream(), call.requestId());
            List<String> extra = dialect.callHeaders(call, exchange.config());
            for (int i = 0; i + 1 < extra.size(); i += 2) b.setHeader(extra.get(i), extra.get(i + 1));
            HttpRequest request = b
                    .POST(HttpRequest.BodyPublishers.ofByteArray(json.array(), 0, json.length()))
                    .build();
            return exchange.send(request, handler, call.cancellation(), where, deadline);
        } finally {
            call.memory().release(json.capacity()); // sent (or abandoned) by now
        }
    }

    private HttpRequest.Builder builder(boolean stream, String requestId) {
        HttpRequest.Builder b = exchange.request(endpoint)
                .setHeader("Content-Type", "application/json")
                .setHeader("Accept", stream ? EVENT_STREAM : "application/json");
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

    /** The bytes as a JSON object (the parse charged to the call's memory), or null. */
    static Map<String, Object> parseObject(byte[] bytes, ChatCall call) {
        try {
            return Json.asObject(Json.parse(bytes, 0, bytes.length, call.memory()));
        } catch (JsonException e) {
            return null;
        }
    }

    private static boolean ok(int status) {
        return status >= 200 && status < 300;
    }

    static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // closing only releases the connection
        }
    }
}
