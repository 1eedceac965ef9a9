package tollgate.provider.deepgram;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import tollgate.error.ClientGoneException;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.json.Json;
import tollgate.json.JsonException;
import tollgate.provider.Exchange;
import tollgate.provider.IdleWatchdog;
import tollgate.provider.Transcript;
import tollgate.provider.TranscriptionCall;
import tollgate.provider.TranscriptionUpload;
import tollgate.provider.Upstream;

/**
 * Deepgram's pre-recorded speech-to-text (protocols.md §4): {@code POST {base_url}/listen?model=...}
 * with {@code Authorization: Token <api_key>} (set by the provider's {@link Exchange}), the audio
 * as the raw body with its own Content-Type, streamed as the client sends it, or
 * {@code {"url": ...}} for Deepgram to fetch.
 *
 * <p>Options: a Deepgram client's query parameters are passed on as they came, the model
 * replaced by the deployment's upstream model. An OpenAI client's call becomes
 * {@code language} (when given) and {@code smart_format=true} (punctuation and formatting, so
 * that the text reads like Whisper's); its {@code prompt} and {@code temperature} have no
 * Deepgram counterpart and are not sent. Deepgram answers with word timings always.
 *
 * <p>Deepgram does not translate: {@code /audio/translations} to it is refused with a 400
 * before any audio is read (marked no-retry, so a group may try its next member).
 */
final class DeepgramListen {
    /** Largest answer read, in bytes: a transcript with word timings of hours of audio fits. */
    static final int MAX_ANSWER_BYTES = 16 * 1024 * 1024;

    private final Exchange exchange;
    private final Upstream upstream;
    private final IdleWatchdog watchdog;
    private final URI endpoint;

    DeepgramListen(Exchange exchange, Upstream upstream, IdleWatchdog watchdog) {
        this.exchange = exchange;
        this.upstream = upstream;
        this.watchdog = watchdog;
        this.endpoint = exchange.endpoint("/listen");
    }

    Transcript transcribe(TranscriptionCall call) {
        if (call.translate()) {
            throw GatewayException.invalid("model", "Deepgram cannot translate audio; use a model of an OpenAI-compatible "
                    + "provider for /audio/translations.").noRetry();
        }
        URI uri = URI.create(endpoint + "?" + query(call));
        String where = "POST " + endpoint;
        HttpRequest.Builder b = exchange.request(uri).header("Accept", "application/json");
        if (TranscriptionUpload.headerSafe(call.requestId())) b.setHeader("x-request-id", call.requestId());
        InputStream body;
        long length;
        try {
            if (call.audio().url() != null) {
                byte[] json = Json.toBytes(Map.of("url", call.audio().url()));
                b.header("Content-Type", "application/json");
                body = new java.io.ByteArrayInputStream(json);
                length = json.length;
            } else {
                String type = call.audio().contentType();
                b.header("Content-Type", type == null || type.isEmpty() ? "application/octet-stream" : type);
                body = new LanguageLast(call.audio().open(), call);
                length = call.audio().length();
            }
        } catch (IOException e) {
            throw new ClientGoneException(e);
        }
        HttpResponse<InputStream> response;
        try (body) {
            response = TranscriptionUpload.send(exchange, upstream.client(), watchdog, b, body, length, call.cancellation(),
                    call.memory(), where);
        } catch (IOException e) {
            throw new ClientGoneException(e); // closing a spooled file's stream failed: nothing the upstream did
        }
        if (response.statusCode() / 100 != 2) throw exchange.statusError(response, call.upstreamModel(), call.cancellation(), where);
        byte[] raw = TranscriptionUpload.answer(exchange, response, MAX_ANSWER_BYTES, call.cancellation(), call.memory(), where);
        Transcript t = null;
        try {
            Map<String, Object> answer = Json.asObject(Json.parse(raw, 0, raw.length, call.memory()));
            if (answer != null) t = DeepgramListenAnswer.parse(answer, raw);
        } catch (JsonException e) {
            // below
        }
        if (t == null) {
            throw new GatewayException(ErrorKind.PROVIDER_ERROR, "Provider '" + exchange.providerId()
                    + "' returned a response that is not a Deepgram transcription", null, response.statusCode(), null)
                    .withDetail(where + " answered " + raw.length + " bytes without results");
        }
        return t;
    }

    /** The query: the model first, then the client's Deepgram options, or those an OpenAI client's call maps to. */
    static String query(TranscriptionCall call) {
        StringBuilder q = new StringBuilder();
        param(q, "model", call.upstreamModel());
        if (call.deepgramParams() != null) {
            for (Map.Entry<String, List<String>> e : call.deepgramParams().entrySet()) {
                if (e.getKey().equals("model")) continue;
                for (String v : e.getValue()) param(q, e.getKey(), v);
            }
        } else {
            if (call.language() != null) param(q, "language", call.language());
            param(q, "smart_format", "true");
        }
        return q.toString();
    }

    private static void param(StringBuilder q, String name, String value) {
        if (!q.isEmpty()) q.append('&');
        q.append(encode(name)).append('=').append(encode(value));
    }

    /** RFC 3986 percent-encoding (URLEncoder's form encoding with {@code %20} for a space). */
    static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /**
     * The upload, checked at its end for a {@code language} field that came after the file in an
     * OpenAI client's form: Deepgram takes it in the query, which has gone by then, so the upload
     * is refused (a 400, before the upstream has the whole body) rather than transcribed in the
     * wrong language.
     */
    private static final class LanguageLast extends java.io.FilterInputStream {
        private final TranscriptionCall call;

        LanguageLast(InputStream in, TranscriptionCall call) {
            super(in);
            this.call = call;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n < 0) {
                for (Map.Entry<String, String> f : call.audio().trailing()) {
                    if (f.getKey().equals("language")) {
                        throw GatewayException.invalid("language", "The 'language' field must come before the file in the form "
                                + "when the model is served by Deepgram, which takes it before the audio.");
                    }
                }
            }
            return n;
        }
    }
}
