package tollgate.provider;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import tollgate.json.JsonException;

class DiscoveredModelsTest {
    private static List<DiscoveredModels.Entry> parse(String json, boolean ollama) {
        return DiscoveredModels.parse(json.getBytes(UTF_8), ollama);
    }

    @Test
    void ollamaTags_byName_elseModel() {
        assertEquals(List.of(new DiscoveredModels.Entry("llama3:8b", 0, 0), new DiscoveredModels.Entry("phi3:mini", 0, 0)),
                parse("{\"models\": [{\"name\": \"llama3:8b\", \"model\": \"other\", \"modified_at\": \"2024-05-01T00:00:00Z\"},"
                        + " {\"model\": \"phi3:mini\"}, {\"name\": \"\"}, {\"name\": null}, 5, {\"size\": 1}]}", true));
        assertEquals(List.of(), parse("{\"models\": []}", true));
    }

    @Test
    void openAiShape_idCreatedAndVllmsWindow() {
        assertEquals(List.of(new DiscoveredModels.Entry("a", 8192, 1700000000), new DiscoveredModels.Entry("b", 0, 0),
                        new DiscoveredModels.Entry("c", 0, 0)),
                parse("{\"object\": \"list\", \"data\": [{\"id\": \"a\", \"created\": 1700000000, \"max_model_len\": 8192},"
                        + " {\"id\": \"b\", \"created\": -1, \"max_model_len\": 1.5},"
                        + " {\"id\": \"c\", \"max_model_len\": 99999999999999999999}, {\"name\": \"no-id\"}]}", false));
    }

    @Test
    void notAList_saysWhatIsMissing() {
        assertEquals("the answer has no \"data\" list",
                assertThrows(IllegalArgumentException.class, () -> parse("{\"models\": []}", false)).getMessage());
        assertEquals("the answer has no \"models\" list",
                assertThrows(IllegalArgumentException.class, () -> parse("[1]", true)).getMessage());
        assertThrows(JsonException.class, () -> parse("<html>", false));
    }

    @Test
    void usableIds_areTheConfigsModelIds() {
        assertTrue(ModelDiscovery.usable("ollama/llama3:8b"));
        assertTrue(ModelDiscovery.usable("v/" + "x".repeat(254)));
        assertFalse(ModelDiscovery.usable("v/" + "x".repeat(255)));
        assertFalse(ModelDiscovery.usable("ollama/has space"));
        assertFalse(ModelDiscovery.usable("ollama/ünï"));
    }
}
