package tollgate.catalog;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tollgate.config.ModelConfig;

/**
 * The configured models as domain {@link Model}s, by id, in config order. Quality scores the
 * config leaves out come from {@link DefaultQuality}, else {@link Quality#UNSCORED}; a task
 * that needs a capability the model lacks (vision) scores 0 whatever is configured.
 */
public final class Catalog {
    private final Map<String, Model> byId;

    private Catalog(Map<String, Model> byId) {
        this.byId = byId;
    }

    public static Catalog of(List<ModelConfig> configs) {
        if (!ModelConfig.TASKS.equals(taskNames())) throw new AssertionError("config task names out of step with Task");
        Map<String, Model> byId = new LinkedHashMap<>();
        for (ModelConfig c : configs) byId.put(c.id(), model(c));
        return new Catalog(Collections.unmodifiableMap(byId));
    }

    /** The model with this id, or null. */
    public Model get(String id) { return byId.get(id); }

    /** Every model, in config order. */
    public List<Model> models() { return List.copyOf(byId.values()); }

    static Model model(ModelConfig c) {
        Quality q = DefaultQuality.of(c.id());
        if (q == null) q = Quality.uniform(Quality.UNSCORED);
        for (Task t : Task.values()) {
            Integer configured = c.quality().get(t.wire());
            if (configured != null) q = q.with(t, configured);
        }
        if (!c.capabilities().contains("vision")) q = q.with(Task.VISION, 0);
        Pricing pricing = Pricing.of(c.promptPrice(), c.completionPrice(), c.audioMinutePrice(), c.characterPrice(), c.imagePrice());
        return new Model(c.id(), c.name(), c.provider(), c.upstreamModel(), c.contextLength(), c.maxOutputTokens(), pricing,
                c.capabilities(), q, c.created());
    }

    private static List<String> taskNames() {
        List<String> names = new ArrayList<>();
        for (Task t : Task.values()) names.add(t.wire());
        return names;
    }
}
