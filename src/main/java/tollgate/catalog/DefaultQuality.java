package tollgate.catalog;

import java.util.Map;

/**
 * Quality scores for the models the shipped config lists, used where a model's config gives
 * none. Order: general, writing, code-generation, reasoning, vision. They are a coarse ranking
 * by the models' tier within each vendor's line-up (flagship above mid above small), not
 * measurements: Tollgate measures nothing about answer quality. They are scaled so that the
 * shipped policy floors separate the tiers: frugal's floor (60) admits the small models,
 * balanced's (75) the mid tier, premium takes the best. A model without vision scores 0 on it.
 * Operators override any of them per model in config ({@code models[].quality}).
 */
final class DefaultQuality {
    private DefaultQuality() { throw new AssertionError(); }

    static final Map<String, Quality> BY_MODEL_ID = Map.ofEntries(
            Map.entry("gpt-4o", Quality.of(86, 85, 84, 80, 88)),
            Map.entry("gpt-4o-mini", Quality.of(72, 70, 70, 65, 72)),
            Map.entry("claude-sonnet-4-5", Quality.of(90, 90, 94, 90, 86)),
            Map.entry("claude-haiku-4-5", Quality.of(78, 77, 80, 74, 75)),
            Map.entry("mistral-large-latest", Quality.of(80, 80, 78, 76, 0)),
            Map.entry("mistral-small-latest", Quality.of(66, 65, 62, 60, 0)),
            Map.entry("llama3.2", Quality.of(50, 50, 45, 40, 0)),
            // Not a language model: it only ever wins when nothing else is enabled.
            Map.entry("echo", Quality.uniform(1)));

    /** The shipped score for {@code modelId}, or null. */
    static Quality of(String modelId) { return BY_MODEL_ID.get(modelId); }
}
