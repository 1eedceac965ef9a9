package tollgate.catalog;

import java.math.BigDecimal;
import java.math.MathContext;

/**
 * USD per token, as configured ({@code "0.000003"}), kept exact for what is reported (cost,
 * savings) and as doubles for ranking, where speed matters more than the last digit.
 *
 * @param prompt      USD per prompt token, or null when unknown
 * @param completion  USD per completion token, or null when unknown
 * @param audioMinute USD per minute of audio (speech-to-text), or null when unknown
 * @param character   USD per character of input (text-to-speech), or null when unknown
 * @param image       USD per image generated, whatever its size and quality (image generation), or
 *                    null when unknown
 */
public record Pricing(BigDecimal prompt, BigDecimal completion, BigDecimal audioMinute, BigDecimal character, BigDecimal image) {
    /** Unknown prices (an ad-hoc {@code <provider>/<model>} route). */
    public static final Pricing UNKNOWN = new Pricing(null, null, null, null, null);
    private static final BigDecimal MILLIS_PER_MINUTE = BigDecimal.valueOf(60_000);

    /** Token prices only. */
    public Pricing(BigDecimal prompt, BigDecimal completion) {
        this(prompt, completion, null, null, null);
    }

    /** Token, audio and character prices, no image price. */
    public Pricing(BigDecimal prompt, BigDecimal completion, BigDecimal audioMinute, BigDecimal character) {
        this(prompt, completion, audioMinute, character, null);
    }
    /** Significant digits kept in reported costs: far below a millionth of a cent per request. */
    static final MathContext COST_PRECISION = MathContext.DECIMAL64;

    /** From configured decimal text; either may be null. */
    public static Pricing of(String prompt, String completion) {
        return of(prompt, completion, null, null);
    }

    /** From configured decimal text; any may be null. */
    public static Pricing of(String prompt, String completion, String audioMinute, String character) {
        return of(prompt, completion, audioMinute, character, null);
    }

    /** From configured decimal text; any may be null. */
    public static Pricing of(String prompt, String completion, String audioMinute, String character, String image) {
        return new Pricing(decimal(prompt), decimal(completion), decimal(audioMinute), decimal(character), decimal(image));
    }

    private static BigDecimal decimal(String text) {
        return text == null ? null : new BigDecimal(text);
    }

    /** {@link #cost(long, long, long, long, long)} of a call that generated no image. */
    public BigDecimal cost(long promptTokens, long completionTokens, long audioMillis, long characters) {
        return cost(promptTokens, completionTokens, audioMillis, characters, 0);
    }

    /**
     * The exact cost of a call that used any of tokens, audio, characters and images, or null
     * when a price for something it used is unknown. A call that used nothing costs 0 when the
     * model has any price, null when it has none.
     */
    public BigDecimal cost(long promptTokens, long completionTokens, long audioMillis, long characters, long images) {
        BigDecimal sum = BigDecimal.ZERO;
        boolean any = false;
        if (promptTokens > 0 || completionTokens > 0) {
            // A call without completion tokens (embeddings, issue 14) needs only the prompt price:
            // an embeddings model is configured with that one alone.
            BigDecimal t = completionTokens == 0 && prompt != null
                    ? prompt.multiply(BigDecimal.valueOf(promptTokens), COST_PRECISION).stripTrailingZeros()
                    : cost(promptTokens, completionTokens);
            if (t == null) return null;
            sum = t;
            any = true;
        }
        if (audioMillis > 0) {
            if (audioMinute == null) return null;
            sum = sum.add(audioMinute.multiply(BigDecimal.valueOf(audioMillis), COST_PRECISION)
                    .divide(MILLIS_PER_MINUTE, COST_PRECISION), COST_PRECISION);
            any = true;
        }
        if (characters > 0) {
            if (character == null) return null;
            sum = sum.add(character.multiply(BigDecimal.valueOf(characters), COST_PRECISION), COST_PRECISION);
            any = true;
        }
        if (images > 0) {
            if (image == null) return null;
            sum = sum.add(image.multiply(BigDecimal.valueOf(images), COST_PRECISION), COST_PRECISION);
            any = true;
        }
        if (!any) return known() || audioMinute != null || character != null || image != null ? BigDecimal.ZERO : null;
        return sum.stripTrailingZeros();
    }

    /** Whether both prices are known. */
    public boolean known() { return prompt != null && completion != null; }

    /** The exact cost of a call in USD, or null when a price is unknown. */
    public BigDecimal cost(long promptTokens, long completionTokens) {
        if (!known()) return null;
        return prompt.multiply(BigDecimal.valueOf(promptTokens), COST_PRECISION)
                .add(completion.multiply(BigDecimal.valueOf(completionTokens), COST_PRECISION), COST_PRECISION)
                .stripTrailingZeros();
    }

    /** USD per prompt token as a double; unknown counts as 0. For ranking only. */
    public double promptPerToken() { return prompt == null ? 0 : prompt.doubleValue(); }

    /** USD per completion token as a double; unknown counts as 0. For ranking only. */
    public double completionPerToken() { return completion == null ? 0 : completion.doubleValue(); }
}
