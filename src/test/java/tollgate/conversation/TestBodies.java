package tollgate.conversation;

import java.util.List;
import java.util.Map;
import java.util.Set;

import tollgate.catalog.Model;
import tollgate.catalog.TestModels;
import tollgate.json.Json;

/** Request bodies from JSON text (the parser's value model) and models, for this package's tests. */
final class TestBodies {
    private TestBodies() { throw new AssertionError(); }

    static Map<String, Object> body(String json) {
        return Json.asObject(Json.parse(json));
    }

    /** A body {@code {"model":"m","messages":[...]}} around the given messages' JSON. */
    static Map<String, Object> messages(String messagesJson) {
        return body("{\"model\":\"m\",\"messages\":" + messagesJson + "}");
    }

    /** {@code json} in the writer's canonical form, to compare bodies as text (key order included). */
    static String canonical(String json) {
        return Json.toString(Json.parse(json));
    }

    @SuppressWarnings("unchecked")
    static List<Object> messagesOf(Map<String, Object> body) {
        return (List<Object>) body.get("messages");
    }

    static Model model(String id, long contextLength, Set<String> capabilities) {
        return TestModels.model(id, "p", "upstream-" + id, contextLength, capabilities, 0);
    }
}
