package tollgate.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tollgate.config.GatewayConfig;
import tollgate.config.ModelConfig;
import tollgate.config.ProviderConfig;
import tollgate.http.Endpoint;
import tollgate.json.Json;
import tollgate.provider.Provider;

/**
 * {@code GET /models} and {@code GET /providers} (no auth; seed 002). The catalogue does not
 * change while the gateway runs, so both bodies are rendered once at start-up.
 */
final class CatalogEndpoints {
    private CatalogEndpoints() { throw new AssertionError(); }

    /** Models whose provider is enabled, in config order, in seed 002's shape. */
    static Endpoint models(GatewayConfig config, Map<String, Provider> running) {
        List<Object> data = new ArrayList<>();
        for (ModelConfig m : config.models()) {
            Provider p = running.get(m.provider());
            if (p == null) continue;
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("id", m.id());
            entry.put("object", "model");
            entry.put("created", m.created());
            entry.put("owned_by", m.provider());
            entry.put("name", m.name());
            entry.put("context_length", m.contextLength());
            if (m.promptPrice() != null || m.completionPrice() != null) {
                Map<String, Object> pricing = new LinkedHashMap<>();
                pricing.put("prompt", m.promptPrice());
                pricing.put("completion", m.completionPrice());
                entry.put("pricing", pricing);
            }
            entry.put("capabilities", List.copyOf(m.capabilities().stream().sorted().toList()));
            if (p.offline()) entry.put("offline", true);
            data.add(entry);
        }
        return fixed(list(data));
    }

    /** Every configured provider, enabled or not, with why not. Base URLs and keys are not shown. */
    static Endpoint providers(GatewayConfig config, Map<String, Provider> running) {
        List<Object> data = new ArrayList<>();
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
            entry.put("models", config.models().stream().filter(m -> m.provider().equals(pc.id())).map(ModelConfig::id).toList());
            if (p != null && p.offline()) {
                entry.put("description", "Offline echo provider: answers deterministically without any network. Not a language model.");
            }
            data.add(entry);
        }
        return fixed(list(data));
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
