package tollgate.provider;

import java.util.List;
import java.util.Map;
import tollgate.call.Cancellation;
import tollgate.memory.Reservation;

/**
 * One transcription on its way to a provider, whatever shape it came in (Deepgram's
 * {@code /listen}, OpenAI's {@code /audio/transcriptions}).
 *
 * @param upstreamModel  the model name to send upstream
 * @param audio          the upload (or URL)
 * @param translate      translate into English (OpenAI's {@code /audio/translations})
 * @param language       the spoken language as the client gave it (ISO 639-1 such as {@code en},
 *                       or a BCP-47 tag such as {@code en-US} from a Deepgram client), or null
 * @param openAiFields   OpenAI form fields the client sent besides {@code file}, {@code model},
 *                       {@code language}, {@code response_format} and
 *                       {@code timestamp_granularities[]} ({@code prompt}, {@code temperature},
 *                       ...), in order, as name/value entries; empty for a Deepgram client
 * @param deepgramParams the Deepgram query parameters of a Deepgram client besides {@code model}
 *                       ({@code punctuate}, {@code diarize}, ...), in order; null for an OpenAI
 *                       client
 * @param words          word timings are needed (a Deepgram client, {@code timestamp_granularities[]=word})
 * @param segments       segment (cue) timings are needed (srt, vtt, verbose_json)
 * @param requestId      the request id, sent upstream as {@code x-request-id}
 * @param cancellation   where the provider registers what aborts its upstream wait
 * @param memory         the request's share of the memory budget (the answer as it arrives)
 */
public record TranscriptionCall(
        String upstreamModel,
        TranscriptionAudio audio,
        boolean translate,
        String language,
        List<Map.Entry<String, String>> openAiFields,
        Map<String, List<String>> deepgramParams,
        boolean words,
        boolean segments,
        String requestId,
        Cancellation cancellation,
        Reservation memory) {
}
