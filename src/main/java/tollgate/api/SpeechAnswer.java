package tollgate.api;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import tollgate.error.ClientGoneException;
import tollgate.http.HttpCall;
import tollgate.http.SseWriter;
import tollgate.provider.SpeechCall;
import tollgate.provider.SpeechRequest;
import tollgate.route.Deployment;
import tollgate.route.Meter;
import tollgate.route.Progress;

/**
 * The client's side of a text-to-speech answer: nothing is sent until the first audio bytes
 * arrive (so an upstream that fails before them can still be retried elsewhere, or answered with
 * a real HTTP error); then the status and headers, and every piece as it comes, flushed at once.
 * The end of the response ({@link #finish}) is left to the endpoint, after the dispatcher has
 * recorded the usage.
 *
 * <p>Two encodings of the answer:
 * <ul>
 *   <li>The audio bytes themselves, chunked, with the format's {@code Content-Type}. For the
 *       Deepgram shapes also the headers Deepgram sends and its Python SDK reads
 *       ({@code dg-request-id}, {@code dg-model-name}, {@code dg-model-uuid},
 *       {@code dg-char-count}; deepgram-python-sdk {@code speak/v1/rest/client.py} fails on a
 *       response without them).</li>
 *   <li>OpenAI's {@code stream_format: "sse"}: one {@code speech.audio.delta} event per piece,
 *       its bytes base64-encoded in {@code audio}, then {@code speech.audio.done} (openai-python
 *       {@code types/audio/speech_create_params.py}). The done event carries no {@code usage}:
 *       OpenAI counts tokens there, which no backend here reports, and the gateway does not
 *       invent them.</li>
 * </ul>
 */
final class SpeechAnswer {
    private static final byte[] DELTA_START = "{\"type\":\"speech.audio.delta\",\"audio\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DELTA_END = "\"}".getBytes(StandardCharsets.US_ASCII);

    private final HttpCall call;
    private final SpeechRequest request;
    private final boolean deepgramHeaders;
    private final boolean sse;
    private OutputStream out;
    private SseWriter events;

    SpeechAnswer(HttpCall call, SpeechRequest request, boolean deepgramHeaders, boolean sse) {
        this.call = call;
        this.request = request;
        this.deepgramHeaders = deepgramHeaders;
        this.sse = sse;
    }

    /** One piece of audio from the attempt on {@code d}; the first one commits the answer to it. */
    void audio(Deployment d, SpeechCall sc, Progress progress, long characters, byte[] bytes, int off, int len) {
        if (out == null && events == null) start(d, sc, progress, characters);
        if (sse) {
            ByteBuffer b64 = Base64.getEncoder().encode(ByteBuffer.wrap(bytes, off, len));
            events.send(o -> {
                o.write(DELTA_START);
                o.write(b64.array(), b64.arrayOffset() + b64.position(), b64.remaining());
                o.write(DELTA_END);
            }, true);
            return;
        }
        try {
            out.write(bytes, off, len);
            out.flush(); // now, not when the chunk buffer fills: the client plays as it receives
        } catch (IOException e) {
            throw new ClientGoneException(e);
        }
    }

    private void start(Deployment d, SpeechCall sc, Progress progress, long characters) {
        call.setResponseHeader(Extension.ROUTE_HEADER, d.id());
        if (deepgramHeaders) {
            String model = d.provider().kind().equals(tollgate.provider.deepgram.DeepgramProvider.KIND) ? sc.deepgramModel() : d.model().upstream();
            call.setResponseHeader("dg-request-id", call.requestId());
            call.setResponseHeader("dg-model-name", model);
            call.setResponseHeader("dg-model-uuid", UUID.nameUUIDFromBytes((d.id() + "\n" + model).getBytes(StandardCharsets.UTF_8))
                    .toString());
            call.setResponseHeader("dg-char-count", Long.toString(characters));
        }
        progress.commit();
        progress.meter(Meter.characters(characters)); // the upstream has done the work from here on
        if (sse) {
            events = call.openSse();
        } else {
            try {
                out = call.respondStream(200, request.format().contentType());
            } catch (IOException e) {
                throw new ClientGoneException(e);
            }
        }
    }

    /**
     * After a failure once audio went out: the response is cut ({@link HttpCall#cutResponse}), so
     * that the client sees the audio broke off rather than a complete file. An SSE answer needs
     * none of this: its error event says it.
     */
    void cut() {
        if (out != null) call.cutResponse();
    }

    /** Ends the response: the SSE done event, or the chunked body's terminator. */
    void finish() throws IOException {
        if (sse) {
            if (events == null) events = call.openSse();
            Map<String, Object> done = new LinkedHashMap<>();
            done.put("type", "speech.audio.done");
            events.send(done);
            events.end();
            return;
        }
        if (out == null) out = call.respondStream(200, request.format().contentType()); // not reached: providers refuse empty audio
        out.close();
    }
}
