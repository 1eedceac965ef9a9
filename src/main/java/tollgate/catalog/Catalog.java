package tollgate.catalog;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tollgate.config.ModelConfig;

/**
 * The configured models as domain {@link Model}s, by id, in config order, then the models
 * discovered from local upstreams ({@code <provider>/<name>}, README "Local models"). Quality
 * scores the config leaves out come from {@link DefaultQuality}, else {@link Quality#UNSCORED};
 * a task that needs a capability the model lacks (vision) scores 0 whatever is configured.
 */
public final class Catalog {
    private final Map<String, Model> byId;
    /** Ids of the discovered models: reached by name only, never a neo-mode candidate (nobody scored or priced them). */
    private final Set<String> discovered;

    private Catalog(Map<String, Model> byId, Set<String> discovered) {
        this.byId = byId;
        this.discovered = discovered;
    }

    public static Catalog of(List<ModelConfig> configs) {
        return of(configs, List.of());
    }

    /**
     * The configured models, then the discovered ones that add something: one whose id is
     * configured, or whose provider and upstream model a configured entry already serves, is
     * left out (the operator's entry, with its name, prices and window, is the one listed).
     */
    public static Catalog of(List<ModelConfig> configs, List<ModelConfig> discoveredModels) {
        if (!ModelConfig.TASKS.equals(taskNames())) throw new AssertionError("config task names out of step with Task");
        Map<String, Model> byId = new LinkedHashMap<>();
        Set<String> served = new HashSet<>();
        for (ModelConfig c : configs) {
            byId.put(c.id(), model(c));
            served.add(served(c));
        }
        Set<String> found = new LinkedHashSet<>();
        for (ModelConfig c : discoveredModels) {
            if (byId.containsKey(c.id()) || !served.add(served(c))) continue;
            byId.put(c.id(), model(c));
            found.add(c.id());
        }
        return new Catalog(Collections.unmodifiableMap(byId), Collections.unmodifiableSet(found));
    }

    /** Tag Ollama assumes when a model is named without one: {@code llama3.2} is {@code llama3.2:latest}. */
    static final String DEFAULT_TAG = ":latest";

    /** {@code <provider>/<upstream>}, the default tag left out: the same model however it is named. */
    private static String served(ModelConfig c) {
        String u = c.upstreamModel();
        if (u.endsWith(DEFAULT_TAG)) u = u.substring(0, u.length() - DEFAULT_TAG.length());
        return c.provider() + "/" + u;
    }

    /** The model with this id, or null. */
    public Model get(String id) { return byId.get(id); }

    /** Whether model {@code id} was discovered from its upstream rather than configured. */
    public boolean discovered(String id) { return discovered.contains(id); }

    /** Every model, configured ones in config order, then the discovered ones. */
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
