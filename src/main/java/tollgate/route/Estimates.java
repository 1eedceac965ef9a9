package tollgate.route;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tollgate.catalog.Model;

/**
 * What the account is asked to admit and hold before a request's cost is known (issue 9): the
 * models the client named, the completion it allows, and so the most an attempt may cost.
 */
final class Estimates {
    private Estimates() { throw new AssertionError(); }

    /** The models the client named: its model and fallbacks, each checked against the key's rules. */
    static List<String> asked(ChatRequest request) {
        if (request.fallbacks().isEmpty()) return List.of(request.model());
        List<String> all = new ArrayList<>(1 + request.fallbacks().size());
        all.add(request.model());
        all.addAll(request.fallbacks());
        return all;
    }

    /** {@code max_completion_tokens}, else {@code max_tokens}, else 0 (validated before: whole and ≥ 1 when present). */
    static long requestedMaxTokens(Map<String, Object> body) {
        Object v = body.get("max_completion_tokens");
        if (v == null) v = body.get("max_tokens");
        if (v instanceof tollgate.json.JsonNumber n && n.isInteger()) {
            try {
                return Math.max(0, n.longValue());
            } catch (NumberFormatException tooBig) {
                return 0;
            }
        }
        return 0;
    }

    /**
     * {@code a + b}, at most {@link Long#MAX_VALUE}: a {@code max_tokens} of 2^63-1 plus the prompt
     * must stay the largest request, not wrap around to tokens given back to the key's limit.
     */
    static long plus(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }

    /**
     * Completion tokens assumed when holding credits for a model with neither the request's
     * {@code max_tokens} nor a configured {@code max_output_tokens}.
     */
    static final long DEFAULT_COMPLETION_ESTIMATE_TOKENS = 4096;

    /** The most an attempt on {@code model} may cost: the prompt estimate and the completion allowed, at its prices. */
    static BigDecimal worstCost(Model model, long promptTokens, long maxTokens) {
        long completion = maxTokens > 0 ? maxTokens : model.maxOutputTokens() > 0 ? model.maxOutputTokens()
                : DEFAULT_COMPLETION_ESTIMATE_TOKENS;
        return model.pricing().cost(promptTokens, completion);
    }
}
