package tollgate.route;

import java.math.BigDecimal;
import tollgate.catalog.Model;
import tollgate.provider.Usage;

/**
 * What a call cost and saved.
 *
 * @param usd     at the deployment's prices, or null when a price or the usage is unknown
 * @param savings the same tokens at the baseline model's prices minus {@code usd}, or null
 */
public record Cost(BigDecimal usd, BigDecimal savings) {

    /** {@code usage} at {@code priced}'s prices, and the savings against {@code baseline} (may be null). */
    static Cost of(Model priced, Model baseline, Usage usage) {
        if (!usage.known()) return new Cost(null, null);
        BigDecimal cost = priced.pricing().cost(usage.promptTokens(), usage.completionTokens());
        BigDecimal base = baseline == null ? null : baseline.pricing().cost(usage.promptTokens(), usage.completionTokens());
        BigDecimal savings = cost != null && base != null ? base.subtract(cost).stripTrailingZeros() : null;
        return new Cost(cost, savings);
    }
}
