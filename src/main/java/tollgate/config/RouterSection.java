package tollgate.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import tollgate.config.Substitution.Text;

/** Reads the {@code router} and {@code groups} sections; every value checked, errors name the path. */
final class RouterSection {
    private RouterSection() { throw new AssertionError(); }

    static final List<String> ROUTER_KEYS = List.of("retries", "backoff_ms", "max_backoff_ms", "max_retry_after_ms",
            "baseline_model", "policies", "default_output_tokens", "breaker");
    private static final List<String> POLICY_KEYS = List.of("min_quality");
    private static final List<String> BREAKER_KEYS = List.of("window_ms", "min_requests", "failure_percent", "cooldown_ms");
    private static final List<String> GROUP_KEYS = List.of("id", "name", "strategy", "deployments");
    private static final List<String> MEMBER_KEYS = List.of("model", "provider", "upstream", "weight");
    /** RFC 9562 textual UUID, any version. */
    private static final Pattern UUID = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern GROUP_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    /** Most retries per deployment: beyond this a failing upstream just holds the client longer. */
    static final int MAX_RETRIES = 10;
    /** Longest configurable wait, in ms (backoff cap, retry-after cap, breaker window and cooldown). */
    static final long MAX_WAIT_MS = 3_600_000;
    /** Largest assumed completion, in tokens. */
    static final long MAX_OUTPUT_TOKENS = 10_000_000;
    /** Most groups. */
    static final int MAX_GROUPS = 10_000;

    static RouterConfig router(ConfigReader r, Map<String, Object> top, List<ModelConfig> models) {
        Map<String, Object> s = r.object(top, "", "router", ROUTER_KEYS);
        String p = "router";
        int retries = (int) r.integer(s, p, "retries", RouterConfig.DEFAULT_RETRIES, 0, MAX_RETRIES);
        Duration backoff = r.millis(s, p, "backoff_ms", RouterConfig.DEFAULT_BACKOFF_MS, 0, MAX_WAIT_MS);
        Duration maxBackoff = r.millis(s, p, "max_backoff_ms", RouterConfig.DEFAULT_MAX_BACKOFF_MS, 0, MAX_WAIT_MS);
        if (maxBackoff.compareTo(backoff) < 0) throw r.fail(p + ".max_backoff_ms", "must be at least backoff_ms (" + backoff.toMillis() + ")");
        Duration maxRetryAfter = r.millis(s, p, "max_retry_after_ms", RouterConfig.DEFAULT_MAX_RETRY_AFTER_MS, 0, MAX_WAIT_MS);
        String baseline = r.string(s, p, "baseline_model", null);
        if (baseline != null && models.stream().noneMatch(m -> m.id().equals(baseline))) {
            throw r.missing(p + ".baseline_model", "model", baseline, "no model " + ConfigReader.quote(baseline) + " is configured");
        }
        Map<String, Object> policies = r.object(s, p, "policies", RouterConfig.POLICIES);
        Map<String, Integer> floors = new LinkedHashMap<>();
        for (String policy : RouterConfig.POLICIES) {
            Map<String, Object> pol = r.object(policies, p + ".policies", policy, POLICY_KEYS);
            floors.put(policy, (int) r.integer(pol, p + ".policies." + policy, "min_quality",
                    RouterConfig.DEFAULT_MIN_QUALITY.get(policy), 0, ProvidersSection.MAX_QUALITY));
        }
        long outputTokens = r.integer(s, p, "default_output_tokens", RouterConfig.DEFAULT_OUTPUT_TOKENS, 1, MAX_OUTPUT_TOKENS);
        Map<String, Object> b = r.object(s, p, "breaker", BREAKER_KEYS);
        String bp = p + ".breaker";
        RouterConfig.Breaker breaker = new RouterConfig.Breaker(
                r.millis(b, bp, "window_ms", RouterConfig.Breaker.DEFAULT_WINDOW_MS, 10, MAX_WAIT_MS),
                (int) r.integer(b, bp, "min_requests", RouterConfig.Breaker.DEFAULT_MIN_REQUESTS, 1, 1_000_000),
                r.integer(b, bp, "failure_percent", RouterConfig.Breaker.DEFAULT_FAILURE_PERCENT, 1, 100) / 100.0,
                r.millis(b, bp, "cooldown_ms", RouterConfig.Breaker.DEFAULT_COOLDOWN_MS, 0, MAX_WAIT_MS));
        return new RouterConfig(retries, backoff, maxBackoff, maxRetryAfter, baseline,
                Collections.unmodifiableMap(floors), outputTokens, breaker);
    }

    static List<GroupConfig> groups(ConfigReader r, Map<String, Object> top, Map<String, ProviderConfig> providers,
                                    List<ModelConfig> models) {
        List<Object> entries = r.array(top, "", "groups");
        if (entries == null) return List.of();
        if (entries.size() > MAX_GROUPS) throw r.fail("groups", "more than " + MAX_GROUPS + " groups");
        Map<String, String> handles = new HashMap<>(); // id or name -> path, to refuse clashes
        for (ModelConfig m : models) handles.put("model " + m.id(), "models");
        List<GroupConfig> groups = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            String p = ConfigReader.index("groups", i);
            Object entry = entries.get(i);
            GroupConfig group = r.attempt(() -> group(r, p, entry, handles, providers, models), null);
            if (group != null) groups.add(group);
        }
        return List.copyOf(groups);
    }

    /** {@code groups[i]} at {@code p}; {@code handles} holds the ids and names taken so far. */
    private static GroupConfig group(ConfigReader r, String p, Object entry, Map<String, String> handles,
                                     Map<String, ProviderConfig> providers, List<ModelConfig> models) {
        Map<String, Object> g = r.object(p, entry, GROUP_KEYS);
        String id = r.requiredString(g, p, "id");
        if (!UUID.matcher(id).matches()) throw r.expected(p + ".id", "a UUID like 123e4567-e89b-12d3-a456-426614174000", Text.literal(id));
        id = id.toLowerCase(Locale.ROOT);
        String name = r.string(g, p, "name", null);
        if (name != null && !GROUP_NAME.matcher(name).matches()) {
            throw r.expected(p + ".name", "a name of letters, digits, '_', '.', '-' (at most 64)", Text.literal(name));
        }
        for (String handle : name == null ? List.of(id) : List.of(id, name)) {
            String clash = handles.putIfAbsent(handle, p);
            if (clash != null) throw r.fail(p, "group handle " + ConfigReader.quote(handle) + " is also used by " + clash);
        }
        String strategy = r.string(g, p, "strategy", "priority");
        if (!GroupConfig.STRATEGIES.contains(strategy)) {
            throw r.expected(p + ".strategy", "one of " + String.join(", ", GroupConfig.STRATEGIES), Text.literal(strategy));
        }
        List<Object> list = r.array(g, p, "deployments");
        if (list == null || list.isEmpty()) throw r.fail(p + ".deployments", "required: at least one deployment");
        if (list.size() > GroupConfig.MAX_MEMBERS) throw r.fail(p + ".deployments", "more than " + GroupConfig.MAX_MEMBERS + " deployments");
        List<GroupConfig.Member> members = new ArrayList<>();
        for (int j = 0; j < list.size(); j++) members.add(member(r, ConfigReader.index(p + ".deployments", j), list.get(j), providers, models));
        return new GroupConfig(id, name, strategy, List.copyOf(members));
    }

    private static GroupConfig.Member member(ConfigReader r, String p, Object value, Map<String, ProviderConfig> providers,
                                             List<ModelConfig> models) {
        Map<String, Object> m = r.object(p, value, MEMBER_KEYS);
        String model = r.string(m, p, "model", null);
        String provider = r.string(m, p, "provider", null);
        String upstream = r.string(m, p, "upstream", null);
        int weight = (int) r.integer(m, p, "weight", 1, 1, GroupConfig.MAX_WEIGHT);
        if (model != null) {
            if (provider != null || upstream != null) throw r.fail(p, "give either model, or provider and upstream, not both");
            if (models.stream().noneMatch(x -> x.id().equals(model))) {
                throw r.missing(p + ".model", "model", model, "no model " + ConfigReader.quote(model) + " is configured");
            }
            return new GroupConfig.Member(model, null, null, weight);
        }
        if (provider == null || upstream == null) throw r.fail(p, "required: model, or provider and upstream");
        if (!providers.containsKey(provider)) throw r.missing(p + ".provider", "provider", provider, "no provider " + ConfigReader.quote(provider) + " is configured");
        if (upstream.isEmpty() || upstream.length() > 256) throw r.expected(p + ".upstream", "an upstream model name", Text.literal(upstream));
        return new GroupConfig.Member(null, provider, upstream, weight);
    }
}
