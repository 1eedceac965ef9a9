package tollgate.route;

import java.math.BigDecimal;
import java.util.Map;

/**
 * A call that is not chat, answered, recorded and charged.
 *
 * @param value   what the attempt produced
 * @param chosen  the deployment that answered
 * @param meter   what it used
 * @param cost    USD at the deployment's prices, or null when a price is unknown (or the key was the client's own)
 * @param credits credits charged
 * @param balance the key's balance after the charge, or null when it has none
 * @param route   the route explanation, or null when there is nothing to explain (the model asked for, first try)
 * @param <R>     the attempt's result
 */
public record Served<R>(R value, Deployment chosen, Meter meter, BigDecimal cost, long credits, Long balance,
                        Map<String, Object> route) {
}
