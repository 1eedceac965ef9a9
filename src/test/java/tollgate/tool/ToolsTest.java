package tollgate.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.config.ConfigException;
import tollgate.json.Json;
import tollgate.provider.Upstream;

/** Tools.build: one tool per enabled entry, by type; what cannot work stops the start naming tools[i]. */
class ToolsTest {

    @Test
    void buildsTheEnabledTools_byType() {
        try (Upstream upstream = new Upstream(Duration.ofSeconds(1))) {
            ToolBox box = Tools.build(Calls.config("""
                    {"name": "hook", "type": "http", "url": "http://127.0.0.1:9/x"},
                    {"name": "search", "type": "web_search", "url": "http://127.0.0.1:9"},
                    {"name": "off", "type": "http", "url": "http://127.0.0.1:9/x", "enabled": false},
                    {"name": "py", "type": "python", "command": ["/nonexistent/python3"]}
                    """), null, null, upstream, null);
            assertEquals(List.of("hook", "search"), box.all().stream().map(GatewayTool::name).toList());
            assertTrue(box.find("hook") instanceof HttpTool);
            assertTrue(box.find("search") instanceof WebSearchTool);
            assertNull(box.find("off"));
            assertNull(box.find("py"), "python is off unless enabled, and then not even probed");
        }
    }

    @Test
    void aHeaderTheClientCannotSend_stopsTheStart_withoutItsValue() {
        ConfigException e = assertThrows(ConfigException.class, () -> Tools.build(Calls.config(
                "{\"name\": \"hook\", \"type\": \"http\", \"url\": \"http://127.0.0.1:9/x\", \"headers\": {\"Host\": \"secret-host-value\"}}"),
                null, null, null, null));
        assertEquals("tools[0].headers.Host: a header the gateway cannot send (a restricted name such as host or content-length,"
                + " or a value with a line break)", e.getMessage());
        assertFalse(e.getMessage().contains("secret-host-value"));
    }

    @Test
    void pythonResult_fitsTheCap_asValidJson_cuttingTheLongerStream() {
        byte[] controls = new byte[5000]; // each \u0001 is six bytes of JSON
        java.util.Arrays.fill(controls, (byte) 1);
        PythonSandbox.Result r = new PythonSandbox.Result(1, new ToolText.Capped(controls, false),
                new ToolText.Capped("Traceback: boom".getBytes(StandardCharsets.UTF_8), false), false, false);
        String json = PythonTool.render(r, 512);
        assertTrue(json.getBytes(StandardCharsets.UTF_8).length <= 512, json.length() + ": " + json);
        Map<?, ?> m = (Map<?, ?>) Json.parse(json);
        assertEquals(true, m.get("output_cut"));
        assertEquals("Traceback: boom", m.get("stderr"));
        String stdout = (String) m.get("stdout");
        assertTrue(stdout.startsWith("\u0001") && stdout.endsWith("\n[output cut]"), stdout);
        assertTrue(json.getBytes(StandardCharsets.UTF_8).length > 512 - 40, "cut no more than needed: " + json.length());
    }
}
