package tollgate.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tollgate.catalog.Model;
import tollgate.config.GatewayConfig;
import tollgate.config.RouterConfig;
import tollgate.route.CircuitBreaker;
import tollgate.route.Deployment;
import tollgate.route.Router;

/**
 * {@code GET /admin/routing}: where traffic goes, for the dashboard and for operators.
 * <pre>
 * {"deployments": [{"deployment": "openai/gpt-4o-mini", "provider": "openai", "model": "gpt-4o-mini",
 *                   "upstream": "gpt-4o-mini-2024-07-18", "breaker": "closed"|"open"|"half_open",
 *                   "breaker_retry_after_ms": n (open only), "rate_limited_for_ms": n (cooling only),
 *                   "in_flight": n, "requests": n, "errors": n, "latency_ms": x|null}, ...],
 *  "disabled_providers": [{"provider": "vault", "reason": "..."}],
 *  "policies": [{"name": "frugal", "min_quality": 60, "default": false}, ...],
 *  "policy_models": ["gpt-4o-mini", ...],
 *  "groups": [{"id": "...", "name": "...", "strategy": "priority", "members": ["openai/gpt-4o-mini", ...]}],
 *  "baseline_model": "gpt-4o" | null}
 * </pre>
 * {@code requests} and {@code errors} count upstream calls (retries included) since start;
 * {@code latency_ms} is the router's peak-EWMA estimate (time to first token when streamed),
 * null until measured. Rendered per request: the breakers change; nothing here is per request
 * on the hot path.
 */
final class DashboardRouting {
    private final GatewayConfig config;
    private final Router router;
    private final Model baseline;

    DashboardRouting(GatewayConfig config, Router router, Model baseline) {
        this.config = config;
        this.router = router;
        this.baseline = baseline;
    }

    Map<String, Object> render() {
        List<Object> deployments = new ArrayList<>();
        for (Deployment d : router.deployments()) deployments.add(deployment(d));
        List<Object> disabled = new ArrayList<>();
        for (Map.Entry<String, String> e : router.disabledReasons().entrySet()) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("provider", e.getKey());
            p.put("reason", e.getValue());
            disabled.add(p);
        }
        List<Object> policies = new ArrayList<>();
        for (String name : RouterConfig.POLICIES) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("name", name);
            p.put("min_quality", config.router().minQuality().get(name));
            p.put("default", name.equals(Router.DEFAULT_POLICY));
            policies.add(p);
        }
        List<Object> pool = new ArrayList<>();
        for (Model m : router.policyModels()) pool.add(m.id());
        List<Object> groups = new ArrayList<>();
        for (Router.GroupInfo g : router.groups()) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("id", g.id());
            out.put("name", g.name());
            out.put("strategy", g.strategy());
            List<Object> members = new ArrayList<>();
            for (Model m : g.members()) members.add(m.provider() + "/" + m.upstream());
            out.put("members", members);
            groups.add(out);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("deployments", deployments);
        body.put("disabled_providers", disabled);
        body.put("policies", policies);
        body.put("policy_models", pool);
        body.put("groups", groups);
        body.put("baseline_model", baseline == null ? null : baseline.id());
        return body;
    }

    private static Map<String, Object> deployment(Deployment d) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("deployment", d.id());
        out.put("provider", d.model().provider());
        out.put("model", d.model().id());
        out.put("upstream", d.model().upstream());
        CircuitBreaker.State state = d.breaker().state();
        out.put("breaker", state.name().toLowerCase(Locale.ROOT));
        long retry = d.breaker().retryAfterNanos();
        if (state != CircuitBreaker.State.CLOSED && retry > 0) out.put("breaker_retry_after_ms", (retry + 999_999) / 1_000_000);
        long cooling = d.coolingNanos();
        if (cooling > 0) out.put("rate_limited_for_ms", (cooling + 999_999) / 1_000_000);
        out.put("in_flight", d.inFlight());
        out.put("requests", d.calls());
        out.put("errors", d.errors());
        out.put("latency_ms", d.latency().observed() ? d.latency().estimateNanos() / 1_000_000.0 : null);
        return out;
    }
}
