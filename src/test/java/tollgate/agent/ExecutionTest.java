package tollgate.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.json.Json;

/** An execution's state as a file holds it: what the loop needs to continue, through JSON text and back. */
class ExecutionTest {
    @Test
    void theStateRoundTrips_withItsCost_butNotTheLastRoute() {
        Map<String, Object> body = new LinkedHashMap<>(Map.of("model", "m"));
        List<Object> messages = new ArrayList<>(List.of(Map.of("role", "user", "content", "héllo ✓")));
        Execution ex = new Execution("e1", "k1", "t", "req_1", null, "m", body, Map.of("files__read", "files.read"),
                new LinkedHashSet<>(List.of("files__read")), 8, 120_000, messages);
        ex.modelCalled();
        ex.charged(100, 20, 1, new BigDecimal("0.000027"));
        ex.charged(5, 5, 2, null);
        ex.charged(100, 20, 1, new BigDecimal("0.000027"));
        ex.route(Map.of("chosen", "x"));
        ex.steps().add(Map.of("type", "model"));

        Execution back = Execution.fromJson(Json.parse(Json.toString(ex.toJson())));

        assertEquals(Json.toString(ex.toJson()), Json.toString(back.toJson()));
        assertEquals(new BigDecimal("0.000054"), back.cost());
        assertEquals(4, back.credits());
        assertEquals(205, back.promptTokens());
        assertEquals(1, back.modelCalls());
        assertNull(back.route(), "the route explains one answer; it is not kept");
        assertEquals("héllo ✓", ((Map<?, ?>) back.messages().get(0)).get("content"));
    }
}
