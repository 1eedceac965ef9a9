package tollgate.config;

import java.util.List;

/**
 * One model group from {@code groups[]}: clients send {@code group:<id>} or {@code group:<name>}
 * (seed 003) and the router picks a member by {@code strategy}, failing over to the others.
 *
 * @param id          a UUID (seed 003's {@code group:<uuid>}), lower case
 * @param name        an optional second handle, or null
 * @param strategy    one of {@link #STRATEGIES}
 * @param deployments the members, in config order (the order {@code priority} tries them)
 */
public record GroupConfig(String id, String name, String strategy, List<Member> deployments) {
    /** How a group orders its members for one request. */
    public static final List<String> STRATEGIES = List.of("priority", "weighted", "least-latency", "least-busy", "cheapest");
    /** Most members a group may have. */
    public static final int MAX_MEMBERS = 64;
    /** Largest weight of a member. */
    public static final int MAX_WEIGHT = 1_000_000;

    /**
     * One member: a catalog model ({@code model}) or a provider's upstream model
     * ({@code provider} + {@code upstream}), with a weight for {@code weighted}.
     *
     * @param model    a configured model id, or null
     * @param provider a provider id when {@code model} is null
     * @param upstream the upstream model name when {@code model} is null
     * @param weight   1..{@link #MAX_WEIGHT}; 1 unless configured
     */
    public record Member(String model, String provider, String upstream, int weight) {}
}
