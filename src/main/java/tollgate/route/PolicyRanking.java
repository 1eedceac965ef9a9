package tollgate.route;

import java.util.ArrayList;
import java.util.List;
import tollgate.catalog.Task;

/**
 * Ranks the candidates of a neo-mode request (seed 000's driving styles) and keeps the best
 * {@link #MAX_CANDIDATES}, in one pass over the pool without sorting it: each candidate's key is
 * computed once and inserted into a small ordered array.
 *
 * <p>Keys, compared in order (higher is better):
 * <ol>
 *   <li>whether the model's quality for the task clears the policy's floor (those that do
 *       always come first; the others are a last resort, best quality first);</li>
 *   <li>frugal: lower estimated cost; balanced: higher quality per unit of estimated cost (a
 *       free model above the floor beats any priced one); premium: higher quality;</li>
 *   <li>higher quality, then lower estimated cost;</li>
 *   <li>lower peak-EWMA latency (an unmeasured deployment counts as 0, so it gets measured).</li>
 * </ol>
 */
final class PolicyRanking {
    /** How deep the fallback chain of a policy goes: each step may cost an upstream timeout. */
    static final int MAX_CANDIDATES = 4;

    private final String policy;
    private final Task task;
    private final int floor;
    private final Needs needs;
    private final long defaultOutputTokens;
    private final Deployment[] best = new Deployment[MAX_CANDIDATES];
    private final double[][] keys = new double[MAX_CANDIDATES][];
    private int size;
    private int aboveFloor;

    PolicyRanking(String policy, Task task, int floor, Needs needs, long defaultOutputTokens) {
        this.policy = policy;
        this.task = task;
        this.floor = floor;
        this.needs = needs;
        this.defaultOutputTokens = defaultOutputTokens;
    }

    void offer(Deployment d) {
        int q = d.model().quality().of(task);
        double cost = needs.cost(d.model(), defaultOutputTokens);
        boolean clears = q >= floor;
        if (clears) aboveFloor++;
        double primary = switch (policy) {
            case "frugal" -> -cost;
            case "premium" -> q;
            default -> cost <= 0 ? Double.POSITIVE_INFINITY : q / cost;
        };
        double[] key = {clears ? 1 : 0, primary, q, -cost, -d.latency().estimateNanos()};
        if (size == MAX_CANDIDATES && compare(key, keys[size - 1]) <= 0) return;
        int i = size == MAX_CANDIDATES ? size - 1 : size++;
        while (i > 0 && compare(key, keys[i - 1]) > 0) {
            best[i] = best[i - 1];
            keys[i] = keys[i - 1];
            i--;
        }
        best[i] = d;
        keys[i] = key;
    }

    private static int compare(double[] a, double[] b) {
        for (int i = 0; i < a.length; i++) {
            int c = Double.compare(a[i], b[i]);
            if (c != 0) return c;
        }
        return 0;
    }

    List<Deployment> ranked() {
        List<Deployment> out = new ArrayList<>(size);
        for (int i = 0; i < size; i++) out.add(best[i]);
        return out;
    }

    /** Why the first one leads, for {@code route.reason}. */
    String reason() {
        if (size == 0) return "no candidate";
        Deployment first = best[0];
        int q = first.model().quality().of(task);
        String what = switch (policy) {
            case "frugal" -> "the cheapest";
            case "premium" -> "the highest quality";
            default -> "the best quality per cost";
        };
        if (aboveFloor == 0) {
            return "no model reaches " + policy + "'s quality floor " + floor + " for " + task.wire()
                    + "; chose the best available, " + first.model().id() + " (quality " + q + ")";
        }
        return first.model().id() + " is " + what + " of " + aboveFloor + " model" + (aboveFloor == 1 ? "" : "s")
                + " with " + task.wire() + " quality >= " + floor + " (quality " + q + ")";
    }
}
