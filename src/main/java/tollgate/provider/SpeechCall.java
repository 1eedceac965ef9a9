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
     * when it already is an Aura model), else the catalog model's upstream name.
     */
    public String deepgramModel() {
        String v = tts.deepgramVoice(request.voice());
        return v != null ? v : model.upstream();
    }

    /**
     * The {@code voice} to send an OpenAI-compatible server: a custom voice as {@code {"id": ...}};
     * a Deepgram Aura model by the table (the default voice when it has no row); any other name as
     * is (a local server's own voices); the default voice when the client named none.
     */
    public Object openAiVoice() {
        String v = request.voice();
        if (v == null) return tts.defaultVoice();
        if (request.voiceId()) return Map.of("id", v);
        if (tts.isDeepgramVoice(v)) {
            String mapped = tts.openAiVoice(v);
            return mapped != null ? mapped : tts.defaultVoice();
        }
        return v;
    }
}
