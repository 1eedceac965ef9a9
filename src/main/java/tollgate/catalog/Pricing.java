package tollgate.catalog;

import java.math.BigDecimal;
import java.math.MathContext;

/**
 * USD per token, as configured ({@code "0.000003"}), kept exact for what is reported (cost,
 * savings) and as doubles for ranking, where speed matters more than the last digit.
 *
 * @param prompt     USD per prompt token, or null when unknown
 * @param completion USD per completion token, or null when unknown
 */
public record Pricing(BigDecimal prompt, BigDecimal completion) {
    /** Unknown prices (an ad-hoc {@code <provider>/<model>} route). */
    public static final Pricing UNKNOWN = new Pricing(null, null);
    /** Significant digits kept in reported costs: far below a millionth of a cent per request. */
    static final MathContext COST_PRECISION = MathContext.DECIMAL64;

    /** From configured decimal text; either may be null. */
    public static Pricing of(String prompt, String completion) {
        return new Pricing(prompt == null ? null : new BigDecimal(prompt), completion == null ? null : new BigDecimal(completion));
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
