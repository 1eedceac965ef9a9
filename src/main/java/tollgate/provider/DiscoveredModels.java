package tollgate.provider;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tollgate.json.Json;
import tollgate.json.JsonNumber;

/**
 * Reads a model list: Ollama's {@code GET /api/tags} ({@code {"models": [{"name": "llama3:8b",
 * ...}]}}) or the OpenAI shape of {@code GET /v1/models} ({@code {"object": "list", "data":
 * [{"id": ..., "created": ..., "max_model_len": ...}]}}, where {@code max_model_len} is vLLM's
 * context window). Entries without a usable name are skipped; anything else in them is ignored.
 */
final class DiscoveredModels {
    private DiscoveredModels() { throw new AssertionError(); }

    /** Largest context window taken from an upstream, in tokens (the config's own limit). */
    static final long MAX_CONTEXT_TOKENS = 1_000_000_000L;

    /**
     * @param name          the model name as the upstream knows it
     * @param contextLength its context window in tokens; 0 when the upstream does not say
     * @param created       epoch seconds; 0 when the upstream does not say
     */
    record Entry(String name, long contextLength, long created) {}

    /**
     * @param ollama true for {@code /api/tags}, false for the OpenAI shape
     * @throws IllegalArgumentException when the answer is not such a list (the message says what it lacks)
     * @throws tollgate.json.JsonException when it is not JSON
     */
    static List<Entry> parse(byte[] body, boolean ollama) {
        Map<String, Object> root = Json.asObject(Json.parse(body));
        String list = ollama ? "models" : "data";
        if (root == null || !(root.get(list) instanceof List<?> items)) {
            throw new IllegalArgumentException("the answer has no \"" + list + "\" list");
        }
        List<Entry> out = new ArrayList<>(items.size());
        for (Object item : items) {
            Map<String, Object> m = Json.asObject(item);
            if (m == null) continue;
            Object name = ollama ? (m.get("name") != null ? m.get("name") : m.get("model")) : m.get("id");
            if (!(name instanceof String s) || s.isEmpty()) continue;
            long context = ollama ? 0 : number(m.get("max_model_len"), MAX_CONTEXT_TOKENS);
            long created = ollama ? 0 : number(m.get("created"), Long.MAX_VALUE);
            out.add(new Entry(s, context, created));
        }
        return out;
    }

    /** A non-negative integer up to {@code max}, else 0. */
    private static long number(Object v, long max) {
        if (!(v instanceof JsonNumber n)) return 0;
        try {
            long x = Long.parseLong(n.text());
            return x >= 0 && x <= max ? x : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
