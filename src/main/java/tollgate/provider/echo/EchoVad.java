package tollgate.provider.echo;

/**
 * Server voice activity detection for the echo's realtime sessions ({@code turn_detection:
 * {"type": "server_vad"}}, what the gateway's {@code sessionConfig} asks for): a turn starts at
 * the first block of speech and ends after {@code silence_duration_ms} of silence, both counted in
 * audio time (the samples appended), not wall time, so the echo needs no clock or thread of its own
 * and answers the same audio the same way. A client streaming at real time, as OpenAI's clients
 * do, sees the turn end about when OpenAI's would.
 *
 * <p>Speech is a block of 20 ms whose mean absolute PCM16 sample exceeds {@link #SPEECH_LEVEL}:
 * enough for a test tone or a voice near a microphone, not for room noise. Used by one session's
 * thread.
 */
final class EchoVad {
    /** Mean absolute sample (of 32,768) above which a block is speech: about -36 dBFS. */
    static final int SPEECH_LEVEL = 500;
    /** One block: 20 ms of PCM16 at 24 kHz mono, in bytes. */
    static final int BLOCK_BYTES = 20 * EchoRealtime.BYTES_PER_MS;
    /** OpenAI's default {@code silence_duration_ms} for server VAD, in ms. */
    static final long DEFAULT_SILENCE_MS = 500;

    /**
     * What the detector saw in one append, in audio milliseconds since the session's first sample
     * (-1: nothing): a turn's start, its end, and the start of the next turn when that began in the
     * same append after the end (a long append can hold both).
     */
    record Turn(long startedMs, long stoppedMs, long restartedMs) {
        static final Turn NONE = new Turn(-1, -1, -1);
    }

    private long audioMs;
    private boolean speaking;
    private long silentMs;
    private long level;
    private int blockFill;

    /** Feeds PCM16 little-endian audio; {@code silenceMs} ends a turn. */
    Turn feed(byte[] pcm, long silenceMs) {
        long started = -1, stopped = -1, restarted = -1;
        for (int i = 0; i + 1 < pcm.length; i += 2) {
            int sample = (short) ((pcm[i] & 0xff) | (pcm[i + 1] << 8));
            level += Math.abs(sample);
            blockFill += 2;
            if (blockFill < BLOCK_BYTES) continue;
            boolean speech = level / (BLOCK_BYTES / 2) > SPEECH_LEVEL;
            long blockMs = BLOCK_BYTES / EchoRealtime.BYTES_PER_MS;
            if (speech) {
                if (!speaking) {
                    if (stopped < 0 && started < 0) started = audioMs;
                    else if (stopped >= 0 && restarted < 0) restarted = audioMs;
                }
                speaking = true;
                silentMs = 0;
            } else if (speaking) {
                silentMs += blockMs;
                if (silentMs >= silenceMs && stopped < 0) {
                    stopped = audioMs + blockMs;
                    speaking = false;
                    silentMs = 0;
                }
            }
            audioMs += blockMs;
            level = 0;
            blockFill = 0;
        }
        return started < 0 && stopped < 0 && restarted < 0 ? Turn.NONE : new Turn(started, stopped, restarted);
    }

    /** Forgets a turn in progress ({@code input_audio_buffer.clear}). */
    void clear() {
        speaking = false;
        silentMs = 0;
    }
}
