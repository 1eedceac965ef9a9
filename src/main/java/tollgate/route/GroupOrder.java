package tollgate.route;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Orders a group's members for one request by the group's strategy (seed 003's
 * {@code group:<uuid>}); the first is tried first, the rest are its fallbacks in that order.
 * <ul>
 *   <li>{@code priority}: config order;</li>
 *   <li>{@code weighted}: a weighted random draw without replacement (weight w is chosen first
 *       with probability w / sum of the remaining weights), so traffic splits by weight and
 *       fallbacks still follow;</li>
 *   <li>{@code least-latency}: lowest peak-EWMA time to first token; unmeasured members first,
 *       so that they get measured;</li>
 *   <li>{@code least-busy}: fewest calls in flight through this gateway;</li>
 *   <li>{@code cheapest}: lowest estimated cost of this request.</li>
 * </ul>
 * Ties keep config order (the sorts are stable).
 */
final class GroupOrder {
    private GroupOrder() { throw new AssertionError(); }

    /** A group member: a deployment and its weight. */
    record Member(Deployment deployment, int weight) {}

    static List<Deployment> order(String strategy, List<Member> members, Needs needs, long defaultOutputTokens,
                                  RandomGenerator random) {
        List<Member> list = new ArrayList<>(members);
        switch (strategy) {
            case "weighted" -> {
                return weighted(list, random);
            }
            case "least-latency" -> list.sort(Comparator.comparingLong(m -> m.deployment().latency().estimateNanos()));
            case "least-busy" -> list.sort(Comparator.comparingInt(m -> m.deployment().inFlight()));
            case "cheapest" -> list.sort(Comparator.comparingDouble(m -> needs.cost(m.deployment(), defaultOutputTokens)));
            default -> { } // priority
        }
        List<Deployment> out = new ArrayList<>(list.size());
        for (Member m : list) out.add(m.deployment());
        return out;
    }

    private static List<Deployment> weighted(List<Member> list, RandomGenerator random) {
        List<Deployment> out = new ArrayList<>(list.size());
        long total = 0;
        for (Member m : list) total += m.weight();
        while (!list.isEmpty()) {
            long pick = random.nextLong(total);
            int i = 0;
            while (pick >= list.get(i).weight()) pick -= list.get(i++).weight();
            Member chosen = list.remove(i);
            total -= chosen.weight();
            out.add(chosen.deployment());
        }
        return out;
    }
}
