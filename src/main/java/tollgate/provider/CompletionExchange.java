package tollgate.provider;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tollgate.config.ProviderConfig;
import tollgate.error.ClientGoneException;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.json.Json;
import tollgate.json.JsonBuffer;
import tollgate.json.JsonException;
import tollgate.provider.CompletionProvider.Call;
import tollgate.provider.CompletionProvider.Sink;

/**
 * One completion call to an HTTP upstream: {@code POST {base_url}{path}} with a JSON body, the
 * answer parsed, or its event stream read and decoded; for {@code OpenAiCompletions} and
 * {@code MistralFim}, which only translate. The HTTP rules are {@link Exchange}'s (time limits,
 * cancellation, configured headers, classified failures); this adds the body caps and memory
 * accounting of {@link HttpChatProvider}, and the client's own key:
 *
 * <ul>
 *   <li>{@link Call#providerKey()} replaces the configured key: {@code Authorization: Bearer} is
 *       set to it for this request only (both kinds that serve completions authenticate so).</li>
 *   <li>Every answer, stream event and error is scrubbed of the configured secrets and of that
 *       key (its forms and pieces, {@link Secrets}) before anything reads it.</li>
 *   <li>An upstream that refuses that key (401, 403, an authentication error object) is the
 *       client's fault: {@code CALLER_INVALID_REQUEST} naming {@link #PROVIDER_KEY_HEADER}. A rate
 *       limit on that key is the client's too: not retried, and no cool-down of the deployment.</li>
 * </ul>
 */
public final class CompletionExchange {
    /** The request header that carries a client's own provider key (bring-your-own-key). */
    public static final String PROVIDER_KEY_HEADER = "X-Provider-Key";
    /** Largest non-streamed answer accepted, in bytes (as for chat). */
    static final int MAX_RESPONSE_BYTES = HttpChatProvider.MAX_RESPONSE_BYTES;
    /** Longest request id sent upstream as {@code x-request-id}, in chars. */
    static final int MAX_REQUEST_ID_CHARS = 200;

    /** Events up to this size are parsed without a reservation of their own (as {@link StreamPump}). */
    static final int SMALL_EVENT_BYTES = StreamPump.SMALL_EVENT_BYTES;

    /**
     * Translates one upstream stream's events (JSON objects; not errors, which are thrown before)
     * into the chunks the client gets; made per stream, used by one thread.
     */
    public interface Decoder {
        /** Appends the chunks {@code event} yields (zero or more) to {@code out}. */
        void decode(Map<String, Object> event, List<Map<String, Object>> out);

        /** At {@code [DONE]}: what is still held back. */
        default void end(List<Map<String, Object>> out) { }
    }

    private final Exchange exchange;
    private final IdleWatchdog watchdog;
    private final ProviderConfig config;

    public CompletionExchange(Exchange exchange, IdleWatchdog watchdog) {
        this.exchange = exchange;
        this.watchdog = watchdog;
        this.config = exchange.config();
    }

    /**
     * The completions an HTTP provider of {@code kind} serves over {@code exchange}: OpenAI's
     * {@code /completions} for {@code openai}, Mistral's {@code /fim/completions} for
     * {@code mistral}, null for other kinds.
     */
    public static CompletionProvider.Completions forKind(String kind, Exchange exchange, IdleWatchdog watchdog) {
        return switch (kind) {
            case tollgate.provider.openai.OpenAiDialect.KIND ->
                    new tollgate.provider.openai.OpenAiCompletions(new CompletionExchange(exchange, watchdog));
            case tollgate.provider.mistral.MistralDialect.KIND ->
                    new tollgate.provider.mistral.MistralFim(new CompletionExchange(exchange, watchdog));
            default -> null;
        };
    }

    public String providerId() { return exchange.providerId(); }

    /** A non-streamed call: the 2xx answer as a JSON object (an {@code error} member is the caller's to check). */
    public Map<String, Object> post(Call call, String path, JsonBuffer body) {
        URI uri = exchange.endpoint(path);
        String where = "POST " + uri;
        Secrets own = own(call);
        try {
            HttpResponse<byte[]> response = send(call, uri, where, body, headersArrived ->
                    new CappedBody(MAX_RESPONSE_BYTES, watchdog, config.idleTimeout(), headersArrived, call.memory()), config.deadline());
            byte[] bytes = response.body();
            long held = bytes.length; // gathered by CappedBody
            try {
                byte[] clean = scrub(bytes, own, call);
                if (clean != bytes) held += clean.length;
                if (response.statusCode() < 200 || response.statusCode() > 299) {
                    throw UpstreamErrors.fromStatus(providerId(), where, call.upstreamModel(), response.statusCode(),
                            response.headers(), clean);
                }
                Map<String, Object> answer = parseObject(clean, call);
                if (answer == null) {
                    throw new GatewayException(ErrorKind.PROVIDER_ERROR, "Provider '" + providerId()
                            + "' returned a response that is not a completion", null, response.statusCode(), null)
                            .withDetail(where + " answered " + clean.length + " bytes that are not a JSON object");
                }
                if (answer.get("error") != null && !(answer.get("choices") instanceof List)) {
                    throw UpstreamErrors.fromErrorObject(providerId(), answer.get("error"));
                }
                return answer;
            } finally {
                call.memory().release(held); // parsed or dropped now
            }
        } catch (GatewayException e) {
            throw forClient(e, own, call);
        }
    }

    /**
     * A streamed call: each event scrubbed, parsed, checked for an upstream error, translated by
     * {@code decoder} and handed to {@code sink}, until {@code [DONE]}. Failures as
     * {@link CompletionProvider.Completions#stream} says (the idle timeout and the client leaving
     * first; {@code PROVIDER_STREAM_BROKEN} once a chunk was delivered).
     *
     * @return the number of chunks delivered
     */
    public long stream(Call call, String path, JsonBuffer body, Decoder decoder, Sink sink) {
        URI uri = exchange.endpoint(path);
        String where = "POST " + uri;
        Secrets own = own(call);
        try {
            HttpResponse<InputStream> response = send(call, uri, where, body, headersArrived -> HttpResponse.BodyHandlers.ofInputStream(),
                    null);
            InputStream in = response.body();
            try (IdleWatchdog.Watch watch = watchdog.watch(config.idleTimeout(), () -> Exchange.closeQuietly(in))) {
                call.cancellation().onCancel(() -> Exchange.closeQuietly(in));
                if (response.statusCode() < 200 || response.statusCode() > 299) {
                    RuntimeException e = exchange.statusError(response, call.upstreamModel(), call.cancellation(), where);
                    throw e instanceof GatewayException g ? forClient(g, own, call) : e;
                }
                String type = response.headers().firstValue("content-type").orElse("");
                if (!type.toLowerCase(Locale.ROOT).startsWith(HttpChatProvider.EVENT_STREAM)) {
                    throw notAStream(call, response, watch, own, where);
                }
                return pump(call, new SseReader(watch.wrap(in), SseReader.MAX_LINE_BYTES, SseReader.MAX_EVENT_BYTES, call.memory()),
                        decoder, sink, watch, own, where);
            } finally {
                // Also after [DONE]: see HttpChatProvider#stream.
                Exchange.closeQuietly(in);
            }
        } catch (GatewayException e) {
            throw forClient(e, own, call);
        }
    }

    private long pump(Call call, SseReader events, Decoder decoder, Sink sink, IdleWatchdog.Watch watch, Secrets own,
                      String where) {
        List<Map<String, Object>> chunks = new ArrayList<>(2);
        long delivered = 0;
        while (true) {
            try {
                if (!events.advance()) throw failure(call, delivered, null, watch, where);
            } catch (IOException e) {
                throw failure(call, delivered, e, watch, where);
            }
            byte[] data = events.data();
            int length = events.dataLength();
            byte[] clean = exchange.secrets().scrub(data, 0, length);
            if (clean != data) length = clean.length;
            byte[] cleaner = own.scrub(clean, 0, length);
            if (cleaner != clean) length = cleaner.length;
            boolean end = isDone(cleaner, length);
            if (end) {
                decoder.end(chunks);
            } else {
                // Parsed without a meter (it would charge every event of the stream until its end);
                // a large event reserves its parse while it is decoded instead.
                long reserved = length > SMALL_EVENT_BYTES ? (long) length * StreamPump.PARSE_FACTOR : 0;
                call.memory().reserve(reserved);
                try {
                    decode(cleaner, length, events.eventType(), decoder, chunks, delivered);
                } finally {
                    call.memory().release(reserved);
                }
            }
            for (Map<String, Object> chunk : chunks) {
                sink.chunk(chunk); // ClientGoneException propagates; the caller closes the upstream
                delivered++;
            }
            chunks.clear();
            if (end) return delivered;
        }
    }

    private void decode(byte[] data, int length, String type, Decoder decoder, List<Map<String, Object>> chunks, long delivered) {
        Map<String, Object> event;
        try {
            event = Json.asObject(Json.parse(data, 0, length));
        } catch (JsonException e) {
            event = null;
        }
        if (event == null) {
            throw new GatewayException(delivered > 0 ? ErrorKind.PROVIDER_STREAM_BROKEN : ErrorKind.PROVIDER_ERROR,
                    "Provider '" + providerId() + "' sent a stream event that is not a JSON object", null, 200, null);
        }
        if (event.get("error") != null || "error".equals(type)) {
            GatewayException e = UpstreamErrors.fromErrorObject(providerId(), event.getOrDefault("error", event));
            throw delivered > 0 && e.kind() == ErrorKind.PROVIDER_ERROR
                    ? new GatewayException(ErrorKind.PROVIDER_STREAM_BROKEN, e.getMessage(), null, 200, e).withDetail(e.detail())
                    : e;
        }
        decoder.decode(event, chunks);
    }

    private static final byte[] DONE = {'[', 'D', 'O', 'N', 'E', ']'};

    private static boolean isDone(byte[] data, int length) {
        return java.util.Arrays.equals(data, 0, length, DONE, 0, DONE.length);
    }

    /** As {@link StreamPump#failure}: the client leaving and the idle timeout first, then what broke. */
    private RuntimeException failure(Call call, long delivered, IOException e, IdleWatchdog.Watch watch, String where) {
        if (call.cancellation().isCancelled()) return new ClientGoneException(e);
        if (watch.fired()) {
            return new GatewayException(ErrorKind.PROVIDER_TIMEOUT, "Provider '" + providerId() + "' sent nothing for "
                    + watch.idle().toMillis() + " ms", null, 0, e).withDetail(where + ": idle for " + watch.idle().toMillis()
                    + " ms (idle_timeout_ms) after " + delivered + " chunks");
        }
        if (e == null) {
            return new GatewayException(ErrorKind.PROVIDER_STREAM_BROKEN, "Provider '" + providerId()
                    + "' stream ended without its end-of-stream event", null, 200, null)
                    .withDetail(where + ": the stream ended after " + delivered + " chunks without [DONE]");
        }
        if (delivered == 0) return UpstreamErrors.fromException(providerId(), where, e);
        return new GatewayException(ErrorKind.PROVIDER_STREAM_BROKEN, "Provider '" + providerId() + "' stream broke off: "
                + e.getMessage(), null, 200, e).withDetail(where + ": " + UpstreamErrors.chain(e) + " after " + delivered + " chunks");
    }

    private GatewayException notAStream(Call call, HttpResponse<InputStream> response, IdleWatchdog.Watch watch, Secrets own,
                                        String where) {
        byte[] bytes;
        try {
            bytes = UpstreamErrors.readErrorBody(watch.wrap(response.body()));
            bytes = scrub(bytes, own, call);
        } catch (IOException e) {
            if (call.cancellation().isCancelled()) throw new ClientGoneException(e);
            return UpstreamErrors.fromException(providerId(), where, e);
        }
        Map<String, Object> parsed = parseObject(bytes, call);
        if (parsed != null && parsed.get("error") != null) return UpstreamErrors.fromErrorObject(providerId(), parsed.get("error"));
        return new GatewayException(ErrorKind.PROVIDER_ERROR, "Provider '" + providerId()
                + "' answered a stream request with something other than text/event-stream", null, response.statusCode(), null)
                .withDetail(where + " answered content-type " + response.headers().firstValue("content-type").orElse("(none)"));
    }

    private <T> HttpResponse<T> send(Call call, URI uri, String where, JsonBuffer body,
                                     java.util.function.Function<Runnable, HttpResponse.BodyHandler<T>> handler,
                                     java.time.Duration deadline) {
        try {
            HttpRequest.Builder b = exchange.request(uri)
                    .setHeader("Content-Type", "application/json")
                    .setHeader("Accept", call.stream() ? HttpChatProvider.EVENT_STREAM : "application/json");
            if (isHeaderSafe(call.requestId())) b.setHeader("x-request-id", call.requestId());
            if (call.providerKey() != null) b.setHeader("Authorization", "Bearer " + call.providerKey());
            HttpRequest request = b.POST(HttpRequest.BodyPublishers.ofByteArray(body.array(), 0, body.length())).build();
            return exchange.send(request, handler, call.cancellation(), where, deadline);
        } finally {
            call.memory().release(body.capacity()); // sent (or abandoned) by now
        }
    }

    /** The client's key as a {@link Secrets} of its own (none without one). */
    private static Secrets own(Call call) {
        if (call.providerKey() == null) return Secrets.NONE;
        return Secrets.of(List.of(new ProviderConfig("client", "client", null, call.providerKey(), null, null, null, null, true, null)));
    }

    /** {@code bytes} without the configured secrets and the client's key; a scrubbed copy is reserved. */
    private byte[] scrub(byte[] bytes, Secrets own, Call call) {
        Secrets configured = exchange.secrets();
        if (!configured.contains(bytes, 0, bytes.length) && !own.contains(bytes, 0, bytes.length)) return bytes;
        call.memory().reserve(Secrets.maxScrubbedLength(bytes.length)); // rare: the copy is held too
        byte[] once = configured.scrub(bytes, 0, bytes.length);
        byte[] clean = own.scrub(once, 0, once.length);
        call.memory().release(Secrets.maxScrubbedLength(bytes.length) - clean.length);
        return clean;
    }

    /**
     * What the client and the log may see of {@code e}: the configured secrets and the client's
     * key taken out; an upstream that refused the client's own key, the client's error.
     */
    private GatewayException forClient(GatewayException e, Secrets own, Call call) {
        GatewayException s = exchange.scrubbed(e);
        if (call.providerKey() == null) return s;
        if (s.kind() == ErrorKind.PROVIDER_AUTH_FAILED) {
            return new GatewayException(ErrorKind.CALLER_INVALID_REQUEST, "Provider '" + providerId() + "' refused the key given in "
                    + PROVIDER_KEY_HEADER + (s.upstreamStatus() > 0 ? " (HTTP " + s.upstreamStatus() + ")" : "") + ".",
                    PROVIDER_KEY_HEADER, s.upstreamStatus(), null).withDetail(own.forLog(s.detail()));
        }
        String detail = own.forLog(s.detail());
        if (s.kind() == ErrorKind.PROVIDER_RATE_LIMITED) {
            // The limit is the client's key's, not the gateway's: as a rate limit it would make the
            // router cool the deployment for every other client (Retries), so it is not retried
            // here; the upstream's retry-after reaches the client, whose limit it is.
            return s.withMessage("Provider '" + providerId() + "' is rate-limiting the key given in " + PROVIDER_KEY_HEADER
                    + (s.upstreamStatus() > 0 ? " (HTTP " + s.upstreamStatus() + ")" : "") + ".").withDetail(detail).noRetry();
        }
        String message = own.forClient(s.getMessage());
        if (java.util.Objects.equals(message, s.getMessage()) && java.util.Objects.equals(detail, s.detail())) return s;
        return s.withMessage(message).withDetail(detail);
    }

    /** Visible ASCII only, and short: a request id is echoed from the client. */
    static boolean isHeaderSafe(String v) {
        if (v == null || v.isEmpty() || v.length() > MAX_REQUEST_ID_CHARS) return false;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < 0x21 || c > 0x7E) return false;
        }
        return true;
    }

    private static Map<String, Object> parseObject(byte[] bytes, Call call) {
        try {
            return Json.asObject(Json.parse(bytes, 0, bytes.length, call.memory()));
        } catch (JsonException e) {
            return null;
        }
    }
}
