package tollgate.route;

/**
 * What a call used, in the units its model is priced in ({@link tollgate.catalog.Pricing}):
 * tokens for text, milliseconds of audio for speech-to-text, characters for text-to-speech,
 * images for image generation.
 *
 * @param promptTokens     prompt tokens (≥ 0)
 * @param completionTokens completion tokens (≥ 0)
 * @param audioMillis      milliseconds of audio (≥ 0)
 * @param characters       characters of text (≥ 0)
 * @param images           images generated (≥ 0)
 */
public record Meter(long promptTokens, long completionTokens, long audioMillis, long characters, long images) {
    /** Nothing used. */
    public static final Meter NONE = new Meter(0, 0, 0, 0, 0);

    public Meter {
        if (promptTokens < 0 || completionTokens < 0 || audioMillis < 0 || characters < 0 || images < 0) {
            throw new IllegalArgumentException("negative usage");
        }
    }

    /** Tokens, audio and characters, no images. */
    public Meter(long promptTokens, long completionTokens, long audioMillis, long characters) {
        this(promptTokens, completionTokens, audioMillis, characters, 0);
    }

    public static Meter tokens(long prompt, long completion) { return new Meter(prompt, completion, 0, 0); }

    public static Meter audio(long millis) { return new Meter(0, 0, millis, 0); }

    public static Meter characters(long n) { return new Meter(0, 0, 0, n); }

    public static Meter images(long n) { return new Meter(0, 0, 0, 0, n); }

    /** Whether nothing was used. */
    public boolean isEmpty() {
        return promptTokens == 0 && completionTokens == 0 && audioMillis == 0 && characters == 0 && images == 0;
    }
}
