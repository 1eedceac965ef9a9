package tollgate.route;

import java.math.BigDecimal;
import java.util.Map;
import tollgate.conversation.Repairs;
import tollgate.provider.Usage;

/**
 * What one dispatched request came to.
 *
 * @param chosen     the deployment that answered
 * @param completion the {@code chat.completion} (tool ids restored), or null for a stream
 * @param usage      as the upstream reported it
 * @param route      the route explanation, or null when the client chose the model and no retry happened
 * @param repairs    what was repaired in the conversation for the answering attempt
 * @param plan       the router's plan
 * @param cost       USD the request cost at the chosen model's prices, or null when unknown
 * @param savings    USD it would have cost on the baseline model minus {@code cost}, or null
 * @param credits    credits charged to the key (0 before settlement, or when not metered)
 * @param balance    the key's balance after the charge, or null when it has none
 */
public record Dispatched(Deployment chosen, Map<String, Object> completion, Usage usage, Map<String, Object> route,
                         Repairs repairs, Plan plan, BigDecimal cost, BigDecimal savings, long credits, Long balance) {

    /** The same, settled. */
    Dispatched settled(long charged, Long after) {
        return new Dispatched(chosen, completion, usage, route, repairs, plan, cost, savings, charged, after);
    }
}
