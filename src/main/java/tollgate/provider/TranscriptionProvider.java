package tollgate.provider;

import tollgate.error.ClientGoneException;
import tollgate.error.GatewayException;

/**
 * Capability: speech-to-text, one pre-recorded audio upload (or URL) to one transcript.
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #transcribe} runs on the caller's (virtual) thread and blocks it until done; it
 *       starts no threads of its own (the shared {@code HttpClient} aside).</li>
 *   <li>The audio is read from {@link TranscriptionCall#audio()} as it is sent upstream, never
 *       gathered whole in memory: {@link TranscriptionAudio#open()} at most once per attempt. A
 *       streamed upload can be read only once; reading its first byte commits the request
 *       (no retry, no failover after it), which the audio does itself.</li>
 *   <li>The provider sends {@link TranscriptionCall#upstreamModel()} as the model, translates
 *       the call's options into its upstream's own (a Deepgram query string, an OpenAI form), and
 *       asks the upstream for what the gateway needs to render any client shape: word and segment
 *       timings as {@link TranscriptionCall#words()} and {@link TranscriptionCall#segments()} say,
 *       and the audio's duration, which the gateway charges.</li>
 *   <li>A request the provider cannot serve at all (a translation on a backend that cannot
 *       translate, a URL on one that cannot fetch) is refused before any audio is read, with a
 *       400 marked {@link GatewayException#noRetry()}, so the router may try another candidate.</li>
 *   <li>Failures are thrown as classified {@link GatewayException}s with secrets scrubbed;
 *       the client's key never goes upstream. When the call's cancellation fires (client gone,
 *       shutdown) the blocked call ends by throwing {@link ClientGoneException}.</li>
 * </ul>
 * Implementations are immutable and safe for any number of concurrent calls.
 */
public interface TranscriptionProvider extends Provider {

    /** The transcript, with the upstream's answer kept for relaying to a client of the same shape. */
    Transcript transcribe(TranscriptionCall call);
}
