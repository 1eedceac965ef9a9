package tollgate.provider;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import tollgate.error.ClientGoneException;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;

/**
 * Copies an upstream's audio answer to an {@link AudioSink} as it arrives, for the HTTP speech
 * backends (Deepgram, OpenAI-compatible): one fixed buffer, reserved in the call's memory, filled
 * with what has already arrived and handed on at once, so the client hears the first bytes while
 * the upstream is still producing the rest and a multi-megabyte answer never sits in memory.
 *
 * <p>What it refuses before the first byte (so the router may retry or fail over): an error
 * status (classified by {@link Exchange#statusError}), an answer that is JSON or text rather
 * than audio (an error that came with a 2xx), and an answer with no audio at all.
 */
public final class SpeechRelay {
    private SpeechRelay() { throw new AssertionError(); }

    /** The copy buffer, in bytes: what one network read can bring in (the client reads 4 KiB buffers) several times over. */
    public static final int COPY_BUFFER_BYTES = 16 * 1024;
    /** Longest request id sent upstream, in chars. */
    static final int MAX_REQUEST_ID_CHARS = 200;

    /**
     * Relays the body of {@code response} (from {@link Exchange#send} with {@code ofInputStream})
     * to {@code sink}; closes it in every case.
     *
     * @return the audio bytes delivered
     */
    public static long relay(Exchange exchange, HttpResponse<InputStream> response, SpeechCall call, AudioSink sink,
                             String providerId, String upstreamModel, String where) {
        int status = response.statusCode();
        if (status < 200 || status > 299) throw exchange.statusError(response, upstreamModel, call.cancellation(), where);
        String type = response.headers().firstValue("content-type").orElse("").toLowerCase(Locale.ROOT);
        InputStream body = exchange.idle(response.body(), call.cancellation());
        try {
            if (type.startsWith("application/json") || type.startsWith("text/")) throw notAudio(exchange, body, call, providerId,
                    type, where);
            call.memory().reserve(COPY_BUFFER_BYTES);
            try {
                return copy(body, call, sink, providerId, where, exchange.config().idleTimeout());
            } finally {
                call.memory().release(COPY_BUFFER_BYTES);
            }
        } finally {
            // Also after an error or a client that left: without waiting for the body's end, so
            // HTTP/1.1 drops the connection and HTTP/2 resets the stream.
            HttpChatProvider.closeQuietly(body);
        }
    }

    private static long copy(InputStream body, SpeechCall call, AudioSink sink, String providerId, String where,
                             Duration idle) {
        byte[] buf = new byte[COPY_BUFFER_BYTES];
        long total = 0;
        long lastRead = System.nanoTime();
        while (true) {
            int len;
            try {
                len = body.read(buf, 0, buf.length);
                lastRead = System.nanoTime();
                if (len < 0) break;
                // Take what has already arrived as well, without waiting for more.
                while (len < buf.length && body.available() > 0) {
                    int n = body.read(buf, len, Math.min(body.available(), buf.length - len));
                    if (n <= 0) break;
                    len += n;
                }
            } catch (IOException e) {
                // Silent for the idle time: the watchdog closed the body (Exchange.idle), or would have.
                boolean silent = idle != null && idle.isPositive() && System.nanoTime() - lastRead >= idle.toNanos();
                throw readFailure(call, e, total, providerId, where, silent ? idle : null);
            }
            if (len == 0) continue;
            if (call.cancellation().isCancelled()) throw new ClientGoneException(null);
            sink.audio(buf, 0, len);
            total += len;
        }
        if (total == 0) {
            throw new GatewayException(ErrorKind.PROVIDER_ERROR, "Provider '" + providerId + "' answered without any audio.", null,
                    200, null).withDetail(where + " answered an empty body");
        }
        return total;
    }

    /** A read that failed: the client left, the upstream went silent ({@code silentFor} not null), or its body broke off. */
    private static RuntimeException readFailure(SpeechCall call, IOException e, long total, String providerId, String where,
                                                Duration silentFor) {
        if (call.cancellation().isCancelled()) return new ClientGoneException(e);
        String detail = where + ": " + UpstreamErrors.chain(e) + " after " + total + " bytes of audio";
        if (silentFor != null) {
            return new GatewayException(ErrorKind.PROVIDER_TIMEOUT, "Provider '" + providerId + "' sent no audio for "
                    + silentFor.toMillis() + " ms (idle_timeout_ms)" + (total == 0 ? "." : " after " + total + " bytes."), null, 200, e)
                    .withDetail(detail);
        }
        if (total == 0) {
            return new GatewayException(ErrorKind.PROVIDER_ERROR, "Provider '" + providerId + "' broke off its answer before any audio.",
                    null, 200, e).withDetail(detail);
        }
        return new GatewayException(ErrorKind.PROVIDER_STREAM_BROKEN, "Provider '" + providerId + "' broke off the audio after "
                + total + " bytes.", null, 200, e).withDetail(detail);
    }

    private static GatewayException notAudio(Exchange exchange, InputStream body, SpeechCall call, String providerId, String type,
                                             String where) {
        String excerpt;
        try {
            byte[] bytes = UpstreamErrors.readErrorBody(body);
            excerpt = UpstreamErrors.excerpt(new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException e) {
            if (call.cancellation().isCancelled()) throw new ClientGoneException(e);
            excerpt = "(unreadable: " + e + ")";
        }
        return exchange.scrubbed(new GatewayException(ErrorKind.PROVIDER_ERROR, "Provider '" + providerId
                + "' answered with " + type + " instead of audio.", null, 200, null)
                .withDetail(where + " answered " + type + ": " + excerpt));
    }

    /**
     * Sets {@code x-request-id} for correlation with the upstream's logs, when the id is safe to
     * send: visible ASCII and at most {@link #MAX_REQUEST_ID_CHARS} (it is the client's own).
     */
    public static java.net.http.HttpRequest.Builder requestId(java.net.http.HttpRequest.Builder b, String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_REQUEST_ID_CHARS) return b;
        for (int i = 0; i < id.length(); i++) {
            if (id.charAt(i) < 0x21 || id.charAt(i) > 0x7E) return b;
        }
        return b.setHeader("x-request-id", id);
    }

    /** The error for a deployment whose provider cannot synthesize speech (a model given "tts" on, say, Anthropic). */
    public static GatewayException unsupported(Provider p) {
        return new GatewayException(ErrorKind.PROVIDER_ERROR, "Provider '" + p.id() + "' (kind " + p.kind()
                + ") has no text-to-speech.", "model").noRetry();
    }
}
