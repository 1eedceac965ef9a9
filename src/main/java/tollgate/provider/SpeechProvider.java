package tollgate.provider;

/**
 * Capability: text-to-speech, audio streamed as it is produced.
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #speak} runs on the caller's (virtual) thread and blocks it until the audio is
 *       complete; it starts no threads of its own beyond what the shared {@code HttpClient}
 *       does internally.</li>
 *   <li>It produces exactly {@link SpeechCall#request()}'s format, voice (mapped by the
 *       {@code speech.tts} tables), speed and instructions, or refuses before any audio with a
 *       {@link tollgate.error.GatewayException} of kind {@code CALLER_INVALID_REQUEST} marked
 *       {@code noRetry()} naming the request field it cannot honour (so the router may try
 *       another candidate that can). Nothing asked for is silently dropped or replaced; the
 *       offline echo provider alone, which has no voices, ignores voice and instructions.</li>
 *   <li>Audio goes to the sink as it arrives, through a small fixed buffer: never a whole
 *       answer in memory. An upstream failure before the first byte is thrown classified (an
 *       upstream 401 becomes {@code PROVIDER_AUTH_FAILED}, a 5xx {@code PROVIDER_ERROR}, ...);
 *       after it, a broken or stalled upstream body throws {@code PROVIDER_STREAM_BROKEN} or
 *       {@code PROVIDER_TIMEOUT}. An answer without any audio is a {@code PROVIDER_ERROR}.</li>
 *   <li>Before blocking on the network it registers what aborts that wait with
 *       {@link SpeechCall#cancellation()}; when the gateway cancels, or the sink throws
 *       {@link tollgate.error.ClientGoneException}, it closes the upstream exchange and throws
 *       {@code ClientGoneException}.</li>
 *   <li>Error messages and details are scrubbed of the configured secrets.</li>
 * </ul>
 */
public interface SpeechProvider extends Provider {

    /**
     * Synthesizes {@link SpeechRequest#text()} and writes the audio to {@code sink}.
     *
     * @return the number of audio bytes delivered
     */
    long speak(SpeechCall call, AudioSink sink);
}
