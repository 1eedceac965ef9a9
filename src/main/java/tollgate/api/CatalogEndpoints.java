package tollgate.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import tollgate.catalog.Catalog;
import tollgate.catalog.Model;
import tollgate.config.GatewayConfig;
import tollgate.config.ProviderConfig;
import tollgate.config.RouterConfig;
import tollgate.http.Endpoint;
import tollgate.json.Json;
import tollgate.provider.Provider;
import tollgate.route.Deployment;
import tollgate.route.Router;

/**
 * {@code GET /models} and {@code GET /providers} (no auth; seed 002). The model list does not
 * change while the gateway runs, so it is rendered once at start-up; the provider list carries
 * live health (circuit breakers, latency, calls in flight) and is rendered per request.
 */
final class CatalogEndpoints {
    private CatalogEndpoints() { throw new AssertionError(); }

    /**
     * Models whose provider is enabled, in config order, in seed 002's shape; then the groups
     * (seed 003's {@code group:<uuid>}) and the neo-mode policies (seed 000), each with the union
     * of its members' capabilities.
     */
    static Endpoint models(Catalog catalog, Router router, Map<String, Provider> running) {
        List<Object> data = new ArrayList<>();
        for (Model m : catalog.models()) {
            Provider p = running.get(m.provider());
            if (p == null) continue;
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("id", m.id());
            entry.put("object", "model");
            entry.put("created", m.created());
            entry.put("owned_by", m.provider());
            entry.put("name", m.name());
            Deployment d = router.deploymentOf(m.id());
            entry.put("context_length", d != null ? d.model().contextLength() : m.contextLength());
            if (m.pricing().prompt() != null || m.pricing().completion() != null) {
                Map<String, Object> pricing = new LinkedHashMap<>();
                pricing.put("prompt", m.pricing().prompt() == null ? null : m.pricing().prompt().toPlainString());
                // An embeddings model has no completion (issue 14): no "completion": null that looks like a gap.
                if (m.pricing().completion() != null || !m.has("embeddings")) {
                    pricing.put("completion", m.pricing().completion() == null ? null : m.pricing().completion().toPlainString());
                }
                entry.put("pricing", pricing);
            } else if (m.pricing().audioMinute() != null || m.pricing().character() != null || m.pricing().image() != null) {
                Map<String, Object> pricing = new LinkedHashMap<>(); // a speech or image model
                if (m.pricing().audioMinute() != null) pricing.put("audio_minute", m.pricing().audioMinute().toPlainString());
                if (m.pricing().character() != null) pricing.put("character", m.pricing().character().toPlainString());
                if (m.pricing().image() != null) pricing.put("image", m.pricing().image().toPlainString());
                entry.put("pricing", pricing);
            }
            entry.put("capabilities", List.copyOf(new TreeSet<>(m.capabilities())));
            if (p.offline()) entry.put("offline", true);
            data.add(entry);
        }
        for (Router.GroupInfo g : router.groups()) {
            Map<String, Object> entry = routed("group:" + g.id(), g.name() != null ? g.name() : "Group " + g.id(), g.members());
            entry.put("strategy", g.strategy());
            if (g.name() != null) entry.put("alias", "group:" + g.name());
            data.add(entry);
        }
        List<Model> pool = router.policyModels();
        if (!pool.isEmpty()) {
            data.add(neoMode(routed(Router.NEO_MODE, "Neo mode (policy " + Router.DEFAULT_POLICY + ")", pool)));
            for (String policy : RouterConfig.POLICIES) {
                data.add(neoMode(routed(Router.NEO_MODE + "/" + policy, "Neo mode (policy " + policy + ")", pool)));
            }
        }
        return fixed(list(data));
    }

    /** An entry the gateway routes: capabilities are the union of its members', the window the largest. */
    /** Capabilities neo-mode can use: it routes chat only (FIM and speech name their model). */
    private static final Set<String> CHAT_CAPABILITIES = Set.of("tools", "vision", "json", "stream");

    /** A neo-mode entry: only the chat capabilities of its pool. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> neoMode(Map<String, Object> entry) {
        List<String> caps = new ArrayList<>((List<String>) entry.get("capabilities"));
        caps.retainAll(CHAT_CAPABILITIES);
        entry.put("capabilities", List.copyOf(caps));
        return entry;
    }

    private static Map<String, Object> routed(String id, String name, List<Model> members) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("id", id);
        entry.put("object", "model");
        entry.put("created", 0);
        entry.put("owned_by", "tollgate");
        entry.put("name", name);
        long window = 0;
        TreeSet<String> caps = new TreeSet<>();
        List<String> ids = new ArrayList<>();
        for (Model m : members) {
            window = Math.max(window, m.contextLength());
            caps.addAll(m.capabilities());
            ids.add(m.id());
        }
        entry.put("context_length", window);
        entry.put("capabilities", List.copyOf(caps));
        entry.put("members", ids);
        return entry;
    }

    /**
     * Every configured provider, enabled or not, with why not, and the health of each of its
     * deployments (circuit breaker state, window counts, latency, calls in flight). Base URLs and
     * keys are not shown.
     */
    static Endpoint providers(GatewayConfig config, Router router, Map<String, Provider> running) {
        return call -> {
            List<Object> data = new ArrayList<>();
            List<Deployment> deployments = router.deployments();
            for (ProviderConfig pc : config.providers().values()) {
                Provider p = running.get(pc.id());
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("id", pc.id());
                entry.put("object", "provider");
                entry.put("kind", pc.kind());
                entry.put("enabled", p != null);
                if (p == null) entry.put("disabled_reason", pc.disabledReason());
                entry.put("offline", p != null && p.offline());
                entry.put("capabilities", p == null ? List.of() : p.capabilities().stream().sorted().toList());
                entry.put("models", config.models().stream().filter(m -> m.provider().equals(pc.id())).map(m -> m.id()).toList());
                if (p != null && p.offline()) {
                    entry.put("description", "Offline echo provider: answers deterministically without any network. Not a language model.");
                }
                if (p != null) {
                    List<Object> health = new ArrayList<>();
                    for (Deployment d : deployments) if (d.model().provider().equals(pc.id())) health.add(d.health());
                    entry.put("deployments", health);
                }
                data.add(entry);
            }
            byte[] bytes = Json.toBytes(list(data));
            call.respond(200, "application/json", bytes, bytes.length);
        };
    }

    private static Map<String, Object> list(List<Object> data) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("object", "list");
        body.put("data", data);
        return body;
    }

    private static Endpoint fixed(Map<String, Object> body) {
        byte[] bytes = Json.toBytes(body);
        return call -> call.respond(200, "application/json", bytes, bytes.length);
    }
}
