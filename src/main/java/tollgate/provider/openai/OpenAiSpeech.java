package tollgate.provider.openai;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import tollgate.config.ProviderConfig;
import tollgate.error.GatewayException;
import tollgate.json.Json;
import tollgate.json.JsonNumber;
import tollgate.provider.AudioFormat;
import tollgate.provider.AudioSink;
import tollgate.provider.Exchange;
import tollgate.provider.SpeechCall;
import tollgate.provider.SpeechRelay;
import tollgate.provider.SpeechRequest;

/**
 * OpenAI-compatible text-to-speech: {@code POST {base_url}/audio/speech} with
 * {@code {"model", "input", "voice", "response_format", "speed"?, "instructions"?}} and
 * {@code Authorization: Bearer <api_key>} (protocols.md §5). OpenAI itself, and local servers
 * that speak its API (Kokoro-FastAPI, Piper's OpenAI-compatible servers). The answer is the
 * audio itself, relayed as it arrives ({@link SpeechRelay}); {@code stream_format} is never
 * sent (raw audio is the default), the gateway makes SSE itself when a client asks for it.
 *
 * <p>The voice: {@link SpeechCall#openAiVoice()} (a Deepgram voice the table cannot map is
 * refused). The format must be a row of the
 * {@code speech.tts.formats} table (its name is the {@code response_format} sent) without a
 * {@code bit_rate}; anything else (mulaw, 16 kHz pcm) is refused before the call, naming the
 * formats this backend produces.
 */
public final class OpenAiSpeech {
    private final ProviderConfig config;
    private final Exchange exchange;

    /** @param exchange the provider's exchanges, with its kind's {@code Authorization: Bearer} header */
    public OpenAiSpeech(ProviderConfig config, Exchange exchange) {
        this.config = config;
        this.exchange = exchange;
    }

    public long speak(SpeechCall call, AudioSink sink) {
        SpeechRequest r = call.request();
        AudioFormat f = r.format();
        if (f.row() == null || f.bitRate() != 0) {
            throw GatewayException.invalid(f.bitRate() != 0 ? "bit_rate" : r.formatParam(), "Provider '" + config.id()
                    + "' (OpenAI-compatible) produces " + String.join(", ", call.tts().formats().keySet())
                    + " (as its response_format) at its own bit rate; the request asks for " + f.describe() + ".").noRetry();
        }
        Object voice = call.openAiVoice();
        if (voice == null) {
            throw GatewayException.invalid(r.voiceParam(), "Provider '" + config.id() + "' (OpenAI-compatible) has no voice for '"
                    + r.voice() + "': speech.tts.voices_to_openai maps " + String.join(", ", call.tts().voicesToOpenAi().keySet())
                    + ".").noRetry();
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", call.model().upstream());
        body.put("input", r.text());
        body.put("voice", voice);
        body.put("response_format", f.name());
        if (r.speed() != 0) body.put("speed", new JsonNumber(Double.toString(r.speed())));
        if (r.instructions() != null) body.put("instructions", r.instructions());
        byte[] bytes = Json.toBytes(body);
        URI uri = exchange.endpoint("/audio/speech");
        String where = "POST " + uri;
        call.memory().reserve(bytes.length);
        HttpResponse<InputStream> response;
        try {
            HttpRequest request = SpeechRelay.requestId(exchange.request(uri), call.requestId()) // with the kind's Authorization: Bearer <api_key>
                    .setHeader("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(bytes))
                    .build();
            response = exchange.send(request, HttpResponse.BodyHandlers.ofInputStream(), call.cancellation(), where);
        } finally {
            call.memory().release(bytes.length); // sent by now
        }
        return SpeechRelay.relay(exchange, response, call, sink, config.id(), call.model().upstream(), where);
    }
}
