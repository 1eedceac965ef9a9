package tollgate.provider;

/**
 * A validated text-to-speech request, whichever API it came in on (OpenAI's
 * {@code /audio/speech}, Deepgram's {@code /speak}, seed 000's {@code /deepgram/tts}).
 *
 * @param text          what to say; at least one character
 * @param voice         the voice the client asked for, in its API's terms: an OpenAI-style name
 *                      ({@code alloy}, or one a local server knows), a Deepgram Aura model, a
 *                      custom voice id (see {@code voiceId}); null when it named none
 * @param voiceId       whether {@code voice} came as OpenAI's {@code {"id": ...}} (a custom voice)
 * @param format        the audio to produce
 * @param speed         the speaking rate multiplier; 0 when the client gave none
 * @param instructions  OpenAI's {@code instructions} (tone, accent), or null
 * @param deepgramExtra Deepgram-only query parameters sent on to a Deepgram backend as they came
 *                      ({@code tag}, {@code mip_opt_out}), as name, value pairs
 * @param formatParam   the request field that chose the format ({@code response_format} or
 *                      {@code encoding}), for error messages
 * @param voiceParam    the request field that chose the voice ({@code voice} or {@code model})
 */
public record SpeechRequest(String text, String voice, boolean voiceId, AudioFormat format, double speed,
                            String instructions, java.util.List<String> deepgramExtra, String formatParam,
                            String voiceParam) {

    /** The number of characters (Unicode code points) of the text: what usage counts and TTS is priced by. */
    public long characters() { return text.codePointCount(0, text.length()); }
}
