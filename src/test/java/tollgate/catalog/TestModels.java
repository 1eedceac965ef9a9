package tollgate.catalog;

import java.util.Set;

/** Catalog models for unit tests: unpriced, unscored unless said otherwise. */
public final class TestModels {
    private TestModels() { throw new AssertionError(); }

    /** A model with the given names, window, capabilities (may be null) and output cap. */
    public static Model model(String id, String provider, String upstream, long contextLength, Set<String> capabilities,
                              long maxOutputTokens) {
        return new Model(id, id, provider, upstream, contextLength, maxOutputTokens, Pricing.UNKNOWN, capabilities,
                Quality.uniform(Quality.UNSCORED), 0);
    }

    /** A priced, scored model for routing tests. */
    public static Model priced(String id, String provider, String prompt, String completion, Quality quality,
                               long contextLength, Set<String> capabilities) {
        return new Model(id, id, provider, id, contextLength, 0, Pricing.of(prompt, completion), capabilities, quality, 0);
    }
}
