package tollgate.conversation;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static tollgate.conversation.TestBodies.body;
import static tollgate.conversation.TestBodies.model;

import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import tollgate.catalog.Model;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;

class CapabilitiesTest {

    static final Set<String> ALL = Set.of("tools", "vision", "json", "stream");

    static final String IMAGE_MESSAGES = "[{\"role\":\"system\",\"content\":\"s\"},{\"role\":\"user\",\"content\":\"hi\"},"
            + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"look\"},"
            + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x/a.png\"}},"
            + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x/b.png\"}}]}]";

    static final String TOOLS = "[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]";

    static Map<String, Object> request(String extra) {
        return body("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]" + extra + "}");
    }

    static GatewayException refused(Model model, Map<String, Object> body) {
        GatewayException e = assertThrows(GatewayException.class, () -> Capabilities.check(model, body));
        assertEquals(ErrorKind.CALLER_INVALID_REQUEST, e.kind());
        assertEquals(400, e.httpStatus());
        return e;
    }

    @Test
    void check_refusesImagesWithoutVision() {
        GatewayException e = refused(model("text-only", 0, Model.DEFAULT_CAPABILITIES),
                body("{\"model\":\"m\",\"messages\":" + IMAGE_MESSAGES + "}"));
        assertEquals("messages[2].content[1]", e.param());
        assertEquals("The model 'text-only' does not accept images (its capabilities are: tools, json, stream). "
                + "Send text only, or choose a model with vision.", e.getMessage());
    }

    @Test
    void check_refusesToolsWithoutTools() {
        GatewayException e = refused(model("plain", 0, Set.of("stream", "json")), request(",\"tools\":" + TOOLS));
        assertEquals("tools", e.param());
        assertEquals("The model 'plain' does not support tools (its capabilities are: json, stream). "
                + "Send the request without 'tools', or choose a model with tools.", e.getMessage());
    }

    @Test
    void check_refusesJsonObjectWithoutJson() {
        GatewayException e = refused(model("plain", 0, Set.of("stream", "vision")),
                request(",\"response_format\":{\"type\":\"json_object\"}"));
        assertEquals("response_format", e.param());
        assertEquals("The model 'plain' does not support JSON output (response_format 'json_object') "
                + "(its capabilities are: vision, stream). Use response_format 'text', or choose a model with json.",
                e.getMessage());
    }

    @Test
    void check_refusesJsonSchemaWithoutJson() {
        GatewayException e = refused(model("bare", 0, Set.of()),
                request(",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\"}}"));
        assertEquals("response_format", e.param());
        assertEquals("The model 'bare' does not support JSON output (response_format 'json_schema') "
                + "(its capabilities are: none). Use response_format 'text', or choose a model with json.",
                e.getMessage());
    }

    @Test
    void check_reportsImagesFirst() {
        GatewayException e = refused(model("bare", 0, Set.of()),
                body("{\"model\":\"m\",\"messages\":" + IMAGE_MESSAGES + ",\"tools\":" + TOOLS + "}"));
        assertEquals("messages[2].content[1]", e.param());
    }

    @Test
    void check_acceptsWhatTheModelSupports() {
        Model all = model("all", 0, ALL);
        assertDoesNotThrow(() -> Capabilities.check(all, body("{\"model\":\"m\",\"messages\":" + IMAGE_MESSAGES
                + ",\"tools\":" + TOOLS + ",\"response_format\":{\"type\":\"json_object\"}}")));
        Model bare = model("bare", 0, Set.of());
        assertDoesNotThrow(() -> Capabilities.check(bare, request("")));
        assertDoesNotThrow(() -> Capabilities.check(bare, request(",\"response_format\":{\"type\":\"text\"}")));
        assertDoesNotThrow(() -> Capabilities.check(bare, request(",\"tools\":null,\"response_format\":null")));
        assertDoesNotThrow(() -> Capabilities.check(bare, body("{\"model\":\"m\",\"messages\":["
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"only text\"}]}]}")));
    }

    @Test
    void check_treatsMissingCapabilitiesAsTheDefaults() {
        Model unset = model("unset", 0, null);
        assertDoesNotThrow(() -> Capabilities.check(unset, request(",\"tools\":" + TOOLS)));
        assertEquals("messages[2].content[1]",
                refused(unset, body("{\"model\":\"m\",\"messages\":" + IMAGE_MESSAGES + "}")).param());
    }

    @Test
    void firstImage_nullWithoutImages() {
        assertNull(Capabilities.firstImage(request("")));
    }
}
