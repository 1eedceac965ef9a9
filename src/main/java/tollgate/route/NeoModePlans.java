package tollgate.route;

import java.util.ArrayList;
import java.util.List;
import tollgate.catalog.Task;
import tollgate.config.RouterConfig;
import tollgate.error.GatewayException;

/**
 * Plans for {@code neo-mode} (seed 000): the request's policy and task, then the policy pool
 * ranked for them ({@link PolicyRanking}), those passed over (breaker open, cooling) listed.
 * Split from {@link Router}, which owns the pool and calls {@link #plan}; one pass over the pool
 * per request.
 */
final class NeoModePlans {
    private NeoModePlans() {}

    /**
     * The plan of a {@code neo-mode} request.
     *
     * @param pool the models a policy may choose, in catalog order
     * @throws GatewayException 400 for an unknown policy, a policy that contradicts the model, or
     *                          when no model of the pool can serve the request
     */
    static Plan plan(ChatRequest request, Needs needs, List<Deployment> pool, RouterConfig config) {
        String model = request.model();
        String policy = model.length() > Router.NEO_MODE.length() ? model.substring(Router.NEO_MODE.length() + 1) : null;
        if (policy != null && !RouterConfig.POLICIES.contains(policy)) {
            throw GatewayException.invalid("model", "Unknown neo-mode policy '" + Router.clip(policy)
                    + "': use neo-mode/frugal, neo-mode/balanced or neo-mode/premium.");
        }
        if (policy != null && request.policy() != null && !policy.equals(request.policy())) {
            throw GatewayException.invalid("policy", "'policy' is '" + request.policy() + "' but the model asks for neo-mode/"
                    + policy + "; send one of them.");
        }
        if (policy == null) policy = request.policy() != null ? request.policy() : Router.DEFAULT_POLICY;
        Task task;
        String source;
        String taskReason;
        if (request.taskHint() != null) {
            task = Task.fromWire(request.taskHint());
            source = "hint";
            taskReason = "taskHint";
        } else {
            TaskInference.Inferred inferred = TaskInference.infer(request.body());
            task = inferred.task();
            source = "inferred";
            taskReason = inferred.reason();
        }
        PolicyRanking ranking = new PolicyRanking(policy, task, config.minQuality().get(policy), needs, config.defaultOutputTokens());
        List<Tried> skipped = new ArrayList<>();
        int capable = 0;
        int required = needs.required();
        for (int i = 0, n = pool.size(); i < n; i++) {
            Deployment d = pool.get(i);
            if (!needs.metBy(d, required)) continue;
            capable++;
            Tried unhealthy = Router.unhealthyNow(d);
            if (unhealthy == null) ranking.offer(d);
            else if (skipped.size() < Router.MAX_SKIPPED_LISTED) skipped.add(unhealthy);
        }
        if (capable == 0) {
            throw GatewayException.invalid(needs.vision() != null ? needs.vision() : "model", "No model that neo-mode can choose "
                    + "on this gateway can serve this request: it needs " + needs.describe() + ".");
        }
        String reason = task.wire() + " (" + source + ": " + taskReason + "); " + ranking.reason();
        return new Plan(policy, task, source, ranking.ranked(), List.copyOf(skipped), reason, true);
    }
}
