package tollgate.metrics;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import tollgate.error.FailureClass;

/**
 * Upstream calls that failed, by deployment and failure class ({@link FailureClass}: what the
 * router acts on), and the retries and failovers the dispatchers made, by deployment.
 */
final class UpstreamCounters {
    static final String ERRORS = "tollgate_upstream_errors_total";
    static final String RETRIES = "tollgate_retries_total";
    static final String FAILOVERS = "tollgate_failovers_total";
    private static final FailureClass[] FAILURES = FailureClass.values();

    /** One deployment. */
    static final class Cell {
        final String labels;
        final String deployment;
        final LongAdder[] errors = new LongAdder[FAILURES.length];
        final LongAdder retries = new LongAdder();
        final LongAdder failovers = new LongAdder();

        Cell(String deployment) {
            this.deployment = deployment;
            this.labels = Exposition.labels("deployment", deployment);
            for (int i = 0; i < errors.length; i++) errors[i] = new LongAdder();
        }
    }

    private final Map<String, Cell> byDeployment = new ConcurrentHashMap<>();

    Cell cell(String deployment) {
        Cell c = byDeployment.get(deployment);
        return c != null ? c : byDeployment.computeIfAbsent(deployment, Cell::new);
    }

    void render(Exposition out) {
        out.family(ERRORS, "counter", "Upstream calls that failed, by deployment and class (rate_limited, unavailable, timeout, "
                + "broken_stream, caller_fault, credentials, context_too_long, rejected, busy, internal).");
        for (Cell c : byDeployment.values()) {
            for (int i = 0; i < FAILURES.length; i++) {
                long n = c.errors[i].sum();
                if (n > 0) out.sample(ERRORS, c.labels, "class", FAILURES[i].name().toLowerCase(Locale.ROOT), n);
            }
        }
        out.family(RETRIES, "counter", "Upstream calls that retried the deployment the same request had just called.");
        for (Cell c : byDeployment.values()) out.sample(RETRIES, c.labels, c.retries.sum());
        out.family(FAILOVERS, "counter", "Upstream calls that moved a request on from this deployment to another one.");
        for (Cell c : byDeployment.values()) out.sample(FAILOVERS, c.labels, c.failovers.sum());
    }
}
