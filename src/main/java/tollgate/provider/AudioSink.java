package tollgate.provider;

/** Where a {@link SpeechProvider} delivers audio; see {@link SpeechProvider#speak}. */
@FunctionalInterface
public interface AudioSink {
    /**
     * Takes the next piece of the audio, in order, as the upstream produced it; valid only during
     * the call (the provider reuses its buffer). The first call commits the answer to this
     * provider: from then on a failure ends the response instead of failing over. Throws
     * {@link tollgate.error.ClientGoneException} when the client has gone away.
     */
    void audio(byte[] bytes, int offset, int length);
}
