package tollgate.route;

import java.util.List;
import tollgate.catalog.Task;

/**
 * The router's decision for one request: whom to try, in order, and why.
 *
 * @param policy     {@code frugal}, {@code balanced} or {@code premium} for neo-mode; null otherwise
 * @param task       the task the policy ranked for; null when no policy applied
 * @param taskSource {@code hint} or {@code inferred}; null when no policy applied
 * @param candidates deployments to try, best first
 * @param skipped    deployments passed over before any call (breaker open, cooling, disabled)
 * @param reason     one sentence on why the first candidate leads
 * @param routed     whether the client left the choice to the gateway (a policy, a group, or a
 *                   fallback list), so the response carries the route explanation
 */
public record Plan(String policy, Task task, String taskSource, List<Deployment> candidates, List<Tried> skipped,
                   String reason, boolean routed) {}
