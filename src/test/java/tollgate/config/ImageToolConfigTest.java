package tollgate.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * An {@code image_generation} tool's model is checked at start-up: a catalog model with capability
 * {@code images}, or (none named) some model with it; its {@code size} is WIDTHxHEIGHT or auto.
 */
class ImageToolConfigTest {
    private static final String MODELS = """
            "providers": {"echo": {"kind": "echo"}},
            "models": [
              {"id": "echo", "provider": "echo", "pricing": {"prompt": "0", "completion": "0"}},
              {"id": "echo-image", "provider": "echo", "pricing": {"image": "0"}, "capabilities": ["images"]}
            ]""";

    private static String error(String json) {
        return assertThrows(ConfigException.class, () -> ConfigLoaderTest.parse(json)).getMessage();
    }

    @Test
    void aModelWithoutTheImagesCapability_failsTheStart_namingTheToolsModel() {
        assertEquals("config: tools[1].model: model \"echo\" has no \"images\" capability (it has: tools, json, stream)",
                error("{" + MODELS + ", \"tools\": [{\"name\": \"draw\", \"type\": \"image_generation\", \"model\": \"echo-image\"},"
                        + "{\"name\": \"paint\", \"type\": \"image_generation\", \"model\": \"echo\"}]}"));
        assertEquals("config: tools[0].model: no model \"dalle\" is configured",
                error("{" + MODELS + ", \"tools\": [{\"name\": \"draw\", \"type\": \"image_generation\", \"model\": \"dalle\"}]}"));
    }

    @Test
    void noModelNamed_needsSomeImagesModel() {
        assertEquals("config: tools[0].model: no model has the \"images\" capability: configure one, or name the tool's model",
                error("{\"providers\": {\"echo\": {\"kind\": \"echo\"}}, \"models\": [{\"id\": \"echo\", \"provider\": \"echo\"}], "
                        + "\"tools\": [{\"name\": \"draw\", \"type\": \"image_generation\"}]}"));
        GatewayConfig c = ConfigLoaderTest.parse("{" + MODELS + ", \"tools\": [{\"name\": \"draw\", \"type\": \"image_generation\"}]}");
        ToolConfig t = c.tools().tools().get(0);
        assertEquals(null, t.model());
        assertEquals("url", t.responseFormat());
        assertEquals("1024x1024", t.size());
        assertEquals(1, t.maxImages());
        assertEquals(ToolConfig.DEFAULT_IMAGE_TIMEOUT, t.timeout());
    }

    @Test
    void aBadSize_isNamed() {
        assertEquals("config: tools[0].size: expected \"auto\" or WIDTHxHEIGHT in pixels such as \"1024x1024\", got \"large\"",
                error("{" + MODELS + ", \"tools\": [{\"name\": \"draw\", \"type\": \"image_generation\", \"size\": \"large\"}]}"));
    }

    @Test
    void theImagePrice_isRead_andCheckedLikeEveryPrice() {
        GatewayConfig c = ConfigLoaderTest.parse("{" + MODELS + "}");
        assertEquals("0", c.models().get(1).imagePrice());
        assertEquals(null, c.models().get(0).imagePrice());
        assertEquals("config: models[0].pricing.image: expected a non-negative decimal price like \"0.000003\", got \"-1\"",
                error("{\"providers\": {\"echo\": {\"kind\": \"echo\"}}, \"models\": [{\"id\": \"i\", \"provider\": \"echo\", "
                        + "\"pricing\": {\"image\": \"-1\"}, \"capabilities\": [\"images\"]}]}"));
    }
}
