package tollgate.provider;

import java.util.Map;
import tollgate.call.Cancellation;
import tollgate.catalog.Model;
import tollgate.config.TtsConfig;
import tollgate.memory.Reservation;

/**
 * One text-to-speech request on its way to one deployment.
 *
 * @param request      the validated request (read-only)
 * @param model        the model this attempt goes to; one request may make several attempts
 * @param tts          the voice and format tables ({@code speech.tts})
 * @param requestId    the request id, sent upstream as {@code x-request-id} where safe
 * @param cancellation where the provider registers what aborts its upstream wait
 * @param memory       the request's share of the memory budget (the copy buffer is reserved here)
 */
public record SpeechCall(SpeechRequest request, Model model, TtsConfig tts, String requestId, Cancellation cancellation,
                         Reservation memory) {

    /**
     * The Deepgram {@code model} to ask for: the requested voice mapped by the table (or as is
     * when it already is an Aura model), the catalog model's upstream name when the client named
     * no voice; null when it named one the table cannot map (the provider refuses: nothing asked
     * for is silently replaced).
     */
    public String deepgramModel() {
        if (request.voice() == null) return model.upstream();
        return tts.deepgramVoice(request.voice());
    }

    /**
     * The {@code voice} to send an OpenAI-compatible server: a custom voice as {@code {"id": ...}};
     * a Deepgram Aura model by the table (null when it has no row: the provider refuses); any
     * other name as is (a local server's own voices); the default voice when the client named none.
     */
    public Object openAiVoice() {
        String v = request.voice();
        if (v == null) return tts.defaultVoice();
        if (request.voiceId()) return Map.of("id", v);
        if (tts.isDeepgramVoice(v)) return tts.openAiVoice(v);
        return v;
    }
}
