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
    /** Key fields per kept candidate, compared in this order; higher is better. */
    private static final int CLEARS = 0, PRIMARY = 1, QUALITY = 2, CHEAPNESS = 3, SPEED = 4, KEY = 5;

    private final Deployment[] best = new Deployment[MAX_CANDIDATES];
    /** Keys of the kept candidates, {@link #KEY} doubles each: no allocation per offer. */
    private final double[] keys = new double[MAX_CANDIDATES * KEY];
    private final double[] key = new double[KEY];
    private int size;
    private int aboveFloor;

    private static final int FRUGAL = 0, BALANCED = 1, PREMIUM = 2;
    /** The policy as a number: compared per candidate. */
    private final int mode;

    PolicyRanking(String policy, Task task, int floor, Needs needs, long defaultOutputTokens) {
        this.policy = policy;
        this.mode = switch (policy) {
            case "frugal" -> FRUGAL;
            case "premium" -> PREMIUM;
            default -> BALANCED;
        };
        this.task = task;
        this.floor = floor;
        this.needs = needs;
        this.defaultOutputTokens = defaultOutputTokens;
    }

    void offer(Deployment d) {
        int q = d.model().quality().of(task);
        double cost = needs.cost(d, defaultOutputTokens);
        boolean clears = q >= floor;
        if (clears) aboveFloor++;
        key[CLEARS] = clears ? 1 : 0;
        key[PRIMARY] = !clears ? q : switch (mode) { // under the floor: a last resort, best quality first
            case FRUGAL -> -cost;
            case PREMIUM -> q;
            default -> cost <= 0 ? Double.POSITIVE_INFINITY : q / cost;
        };
        key[QUALITY] = q;
        key[CHEAPNESS] = -cost;
        key[SPEED] = -d.latency().estimateNanos();
        if (size == MAX_CANDIDATES && compare(size - 1) <= 0) return;
        int i = size == MAX_CANDIDATES ? size - 1 : size++;
        while (i > 0 && compare(i - 1) > 0) {
            best[i] = best[i - 1];
            System.arraycopy(keys, (i - 1) * KEY, keys, i * KEY, KEY);
            i--;
        }
        best[i] = d;
        System.arraycopy(key, 0, keys, i * KEY, KEY);
    }

    /** The offered key against kept candidate {@code slot}. */
    private int compare(int slot) {
        int base = slot * KEY;
        for (int i = 0; i < KEY; i++) {
            int c = Double.compare(key[i], keys[base + i]);
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
