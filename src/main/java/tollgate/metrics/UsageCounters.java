package tollgate.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the usage ledger records, by deployment and key name: tokens in and out, cost, credits
 * and savings. Counted from each ledger record ({@link Metrics#recording}), so that every
 * dispatched call counts (chat, completions, speech, images, agent steps, tasks), as charged.
 */
final class UsageCounters {
    static final String TOKENS_IN = "tollgate_tokens_in_total";
    static final String TOKENS_OUT = "tollgate_tokens_out_total";
    static final String COST = "tollgate_cost_usd_total";
    static final String CREDITS = "tollgate_credits_total";
    static final String SAVINGS = "tollgate_savings_usd_total";

    /** One deployment and key. */
    static final class Cell {
        final String labels;
        final LongAdder tokensIn = new LongAdder();
        final LongAdder tokensOut = new LongAdder();
        final LongAdder credits = new LongAdder();
        final DoubleAdder cost = new DoubleAdder();
        final DoubleAdder savings = new DoubleAdder();

        Cell(String labels) { this.labels = labels; }
    }

    private final Map<String, Map<String, Cell>> byDeployment = new ConcurrentHashMap<>();

    Cell cell(String deployment, String key) {
        Map<String, Cell> byKey = byDeployment.get(deployment);
        if (byKey == null) byKey = byDeployment.computeIfAbsent(deployment, d -> new ConcurrentHashMap<>());
        Cell c = byKey.get(key);
        return c != null ? c : byKey.computeIfAbsent(key, k -> new Cell(Exposition.labels("deployment", deployment, "key", k)));
    }

    void render(Exposition out) {
        out.family(TOKENS_IN, "counter", "Prompt (input) tokens recorded in the usage ledger, by deployment and key name.");
        for (Map<String, Cell> m : byDeployment.values()) for (Cell c : m.values()) out.sample(TOKENS_IN, c.labels, c.tokensIn.sum());
        out.family(TOKENS_OUT, "counter", "Completion (output) tokens recorded in the usage ledger, by deployment and key name.");
        for (Map<String, Cell> m : byDeployment.values()) for (Cell c : m.values()) out.sample(TOKENS_OUT, c.labels, c.tokensOut.sum());
        out.family(COST, "counter", "Cost in US dollars at the configured prices, by deployment and key name.");
        for (Map<String, Cell> m : byDeployment.values()) for (Cell c : m.values()) out.sample(COST, c.labels, c.cost.sum());
        out.family(CREDITS, "counter", "Credits charged to keys, by deployment and key name.");
        for (Map<String, Cell> m : byDeployment.values()) for (Cell c : m.values()) out.sample(CREDITS, c.labels, c.credits.sum());
        out.family(SAVINGS, "counter", "US dollars saved against the premium baseline model, by deployment and key name.");
        for (Map<String, Cell> m : byDeployment.values()) for (Cell c : m.values()) out.sample(SAVINGS, c.labels, c.savings.sum());
    }
}
