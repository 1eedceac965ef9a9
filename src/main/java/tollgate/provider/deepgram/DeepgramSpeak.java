package tollgate.provider.deepgram;

import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import tollgate.config.ProviderConfig;
import tollgate.error.GatewayException;
import tollgate.json.Json;
import tollgate.provider.AudioFormat;
import tollgate.provider.AudioSink;
import tollgate.provider.Exchange;
import tollgate.provider.SpeechCall;
import tollgate.provider.SpeechRelay;
import tollgate.provider.SpeechRequest;

/**
 * Deepgram text-to-speech: {@code POST {base_url}/speak?model=...&encoding=...} with
 * {@code {"text": ...}} and {@code Authorization: Token <api_key>} (protocols.md §4;
 * developers.deepgram.com/reference/text-to-speech-api). The answer is the audio itself, relayed
 * as it arrives ({@link SpeechRelay}).
 *
 * <p>The voice is Deepgram's {@code model}: the requested voice through the table, or the
 * catalog model's upstream name when the client named none ({@link SpeechCall#deepgramModel()});
 * a voice the table cannot map is refused. The format is always sent
 * explicitly, since Deepgram's own pages disagree on the default: {@code encoding} always,
 * {@code container} for the encodings that have a choice (linear16, mulaw, alaw: wav or none;
 * opus: ogg), {@code sample_rate} and {@code bit_rate} when set. Refused here, before the call:
 * {@code instructions} (Deepgram has none) and a speed outside Deepgram's 0.7-1.5.
 */
final class DeepgramSpeak {
    /** Deepgram's {@code speed} range, {@link DeepgramProvider#MIN_SPEED}. */
    static final double MIN_SPEED = DeepgramProvider.MIN_SPEED, MAX_SPEED = DeepgramProvider.MAX_SPEED;

    private final ProviderConfig config;
    private final Exchange exchange;

    DeepgramSpeak(ProviderConfig config, Exchange exchange) {
        this.config = config;
        this.exchange = exchange;
    }

    long speak(SpeechCall call, AudioSink sink) {
        SpeechRequest r = call.request();
        if (r.instructions() != null) {
            throw GatewayException.invalid("instructions", "Provider '" + config.id() + "' (Deepgram) cannot follow 'instructions'.")
                    .noRetry();
        }
        if (r.speed() != 0 && r.speed() != 1.0 && (r.speed() < MIN_SPEED || r.speed() > MAX_SPEED)) {
            throw GatewayException.invalid("speed", "Provider '" + config.id() + "' (Deepgram) takes a speed between " + MIN_SPEED
                    + " and " + MAX_SPEED + ", not " + r.speed() + ".").noRetry();
        }
        String model = call.deepgramModel();
        if (model == null) {
            throw GatewayException.invalid(r.voiceParam(), "Provider '" + config.id() + "' (Deepgram) has no voice for '" + r.voice()
                    + "': speech.tts.voices_to_deepgram maps " + String.join(", ", call.tts().voicesToDeepgram().keySet())
                    + ", and any Aura model (aura-*) passes as is.").noRetry();
        }
        URI uri = exchange.endpoint("/speak?" + query(model, r));
        String where = "POST " + uri;
        byte[] body = Json.toBytes(Map.of("text", r.text()));
        call.memory().reserve(body.length);
        HttpResponse<InputStream> response;
        try {
            HttpRequest request = SpeechRelay.requestId(exchange.request(uri), call.requestId()) // with Authorization: Token <api_key>
                    .setHeader("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                    .build();
            response = exchange.send(request, HttpResponse.BodyHandlers.ofInputStream(), call.cancellation(), where);
        } finally {
            call.memory().release(body.length); // sent by now
        }
        return SpeechRelay.relay(exchange, response, call, sink, config.id(), model, where);
    }

    /** The query string: model and the format, explicitly; speed when not 1; Deepgram-only extras as they came. */
    static String query(String model, SpeechRequest r) {
        AudioFormat f = r.format();
        StringBuilder q = new StringBuilder("model=").append(enc(model)).append("&encoding=").append(enc(f.encoding()));
        switch (f.encoding()) {
            case "linear16", "mulaw", "alaw", "opus" -> q.append("&container=").append(enc(f.effectiveContainer()));
            default -> { } // mp3, flac, aac: no container to choose
        }
        if (f.sampleRate() != 0) q.append("&sample_rate=").append(f.sampleRate());
        if (f.bitRate() != 0) q.append("&bit_rate=").append(f.bitRate());
        if (r.speed() != 0 && r.speed() != 1.0) q.append("&speed=").append(r.speed());
        List<String> extra = r.deepgramExtra();
        for (int i = 0; i + 1 < extra.size(); i += 2) q.append('&').append(enc(extra.get(i))).append('=').append(enc(extra.get(i + 1)));
        return q.toString();
    }

    private static String enc(String s) { return URLEncoder.encode(s, StandardCharsets.UTF_8); }
}
