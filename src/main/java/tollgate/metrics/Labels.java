package tollgate.metrics;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The bounded label values (issue 13: "no request ids, no raw model strings from clients that do
 * not exist"). Each lookup returns the canonical string the counters are keyed by, found with
 * one hash lookup of a string the gateway already holds: no allocation on the hot path.
 * <ul>
 *   <li>model: a configured name (catalog model, {@code group:<id or name>}, {@code neo-mode} and
 *       its policies, a configured deployment id); any other string is {@link #UNKNOWN};</li>
 *   <li>deployment: a configured one ({@code <provider>/<upstream>}); an ad-hoc one is
 *       {@link #OTHER}; none (the request reached no upstream) is {@link #NONE};</li>
 *   <li>key: the key's name, for the first {@code maxKeys} names seen, then {@link #OTHER}.</li>
 * </ul>
 * Names of an earlier configuration stay known after a reload, so that their series keep their label.
 */
final class Labels {
    static final String NONE = "none";
    static final String UNKNOWN = "unknown";
    static final String OTHER = "other";
    /** Longest model name looked up, in chars: a longer one is not a configured name, and is not hashed. */
    static final int MAX_NAME_CHARS = 256;

    private volatile Map<String, String> models = Map.of();
    private volatile Map<String, String> deployments = Map.of();
    private final Map<String, String> keys = new ConcurrentHashMap<>();
    private final int maxKeys;

    Labels(int maxKeys) {
        this.maxKeys = maxKeys;
    }

    /** Adds the names of a (re)loaded configuration; those already known stay. */
    synchronized void know(Collection<String> modelNames, Collection<String> deploymentIds) {
        Map<String, String> m = new HashMap<>(models);
        for (String n : modelNames) if (n != null && n.length() <= MAX_NAME_CHARS) m.putIfAbsent(n, n);
        Map<String, String> d = new HashMap<>(deployments);
        for (String n : deploymentIds) if (n != null && n.length() <= MAX_NAME_CHARS) d.putIfAbsent(n, n);
        models = Map.copyOf(m);
        deployments = Map.copyOf(d);
    }

    /** The label of a model as asked (an access-log field value: a String, or null). */
    String model(Object asked) {
        if (!(asked instanceof String s)) return NONE;
        if (s.length() > MAX_NAME_CHARS) return UNKNOWN;
        String known = models.get(s);
        return known != null ? known : UNKNOWN;
    }

    /** The label of a deployment id (a String, or null when none answered). */
    String deployment(Object id) {
        if (!(id instanceof String s)) return NONE;
        if (s.length() > MAX_NAME_CHARS) return OTHER;
        String known = deployments.get(s);
        return known != null ? known : OTHER;
    }

    /** Whether {@code id} is a configured deployment. */
    boolean configuredDeployment(String id) { return deployments.containsKey(id); }

    /** The label of a key name (null: no key, e.g. an unauthenticated or health call). */
    String key(String name) {
        if (name == null) return NONE;
        String known = keys.get(name);
        if (known != null) return known;
        if (keys.size() >= maxKeys || name.length() > MAX_NAME_CHARS) return OTHER;
        known = keys.putIfAbsent(name, name); // racing threads may pass the cap by a few: still bounded
        return known != null ? known : name;
    }
}
