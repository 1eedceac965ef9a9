package tollgate.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code tools} section: defaults per type, and every mistake named by its path. */
class ToolConfigTest {
    static List<ToolConfig> tools(String tools) {
        return tools(tools, Map.of());
    }

    static List<ToolConfig> tools(String tools, Map<String, String> env) {
        return ConfigLoader.parse(("{\"tools\": [" + tools + "]}").getBytes(StandardCharsets.UTF_8), "config", Path.of("/tmp"), env,
                ConfigLoader.Overrides.NONE, line -> { }).tools().tools();
    }

    static String error(String tools) {
        return assertThrows(ConfigException.class, () -> tools(tools)).getMessage();
    }

    @Test
    void noToolsSection_meansNoTools() {
        assertEquals(List.of(), tools("").stream().toList());
    }

    @Test
    void defaults_perType() {
        List<ToolConfig> t = tools("""
                {"name": "hook", "type": "http", "url": "https://example.org/hook"},
                {"name": "search", "type": "web_search", "url": "http://searx:8080"},
                {"name": "py", "type": "python"}
                """);
        ToolConfig http = t.get(0);
        assertTrue(http.enabled());
        assertEquals(ToolConfig.DEFAULT_TIMEOUT, http.timeout());
        assertEquals(64 * 1024, http.maxOutputBytes());
        assertEquals(List.of("*"), http.keys());
        assertFalse(http.requiresApproval());
        assertEquals(5, t.get(1).maxResults());
        ToolConfig py = t.get(2);
        assertFalse(py.enabled(), "python is off unless enabled");
        assertTrue(py.denyNetwork());
        assertEquals(List.of("python3"), py.command());
        assertEquals(256, py.memoryMb());
        assertEquals(Duration.ofSeconds(10), py.timeout());
    }

    @Test
    void pythonSettings_areRead() {
        ToolConfig py = tools("{\"name\": \"py\", \"type\": \"python\", \"enabled\": true, \"command\": [\"/usr/bin/python3\", \"-X\","
                + " \"utf8\"], \"memory_mb\": 512, \"network\": \"allow\", \"timeout_ms\": 2500, \"max_output_bytes\": 1000}").get(0);
        assertTrue(py.enabled());
        assertEquals(List.of("/usr/bin/python3", "-X", "utf8"), py.command());
        assertEquals(512, py.memoryMb());
        assertFalse(py.denyNetwork());
        assertEquals(Duration.ofMillis(2500), py.timeout());
        assertEquals(1000, py.maxOutputBytes());
    }

    @Test
    void mistakes_areNamedByTheirPath() {
        assertEquals("config: tools[0].type: expected one of http, web_search, image_generation, python, got \"shell\"",
                error("{\"name\": \"sh\", \"type\": \"shell\"}"));
        assertEquals("config: tools[1].name: duplicate tool name \"a\"",
                error("{\"name\": \"a\", \"type\": \"python\"}, {\"name\": \"a\", \"type\": \"python\"}"));
        assertEquals("config: tools[0].name: expected 1-64 letters, digits, '_' or '-' (a function name), got \"web search\"",
                error("{\"name\": \"web search\", \"type\": \"python\"}"));
        assertEquals("config: tools[0].url: expected an http:// or https:// URL, got \"ftp://x\"",
                error("{\"name\": \"h\", \"type\": \"http\", \"url\": \"ftp://x\"}"));
        assertTrue(error("{\"name\": \"h\", \"type\": \"http\"}").startsWith("config: tools[0].url: "));
        assertEquals("config: tools[0].network: expected \"deny\" or \"allow\", got \"none\"",
                error("{\"name\": \"py\", \"type\": \"python\", \"network\": \"none\"}"));
        assertEquals("config: tools[0].memory_mb: not a setting of a tool of type \"http\"",
                error("{\"name\": \"h\", \"type\": \"http\", \"url\": \"http://x\", \"memory_mb\": 5}"));
        assertEquals("config: tools[0].command: expected the interpreter and its arguments, got an empty array",
                error("{\"name\": \"py\", \"type\": \"python\", \"command\": []}"));
        assertEquals("config: tools[0].parameters: expected a JSON schema with \"type\": \"object\"",
                error("{\"name\": \"h\", \"type\": \"http\", \"url\": \"http://x\", \"parameters\": {\"type\": \"string\"}}"));
        assertTrue(error("{\"name\": \"h\", \"type\": \"http\", \"url\": \"http://x\", \"max_output_bytes\": 10}")
                .startsWith("config: tools[0].max_output_bytes: "));
        assertTrue(error("{\"name\": \"h\", \"type\": \"http\", \"url\": \"http://x\", \"timeot_ms\": 10}")
                .startsWith("config: tools[0]: unknown key \"timeot_ms\""));
    }

    @Test
    void headerValues_areSecrets_keptOutOfToStringAndMessages() {
        ToolConfig t = tools("{\"name\": \"h\", \"type\": \"http\", \"url\": \"http://x\", \"headers\": {\"authorization\":"
                + " \"Bearer ${HOOK_TOKEN}\"}}", Map.of("HOOK_TOKEN", "hk-very-secret-value")).get(0);
        assertEquals("Bearer hk-very-secret-value", t.headers().get("authorization"));
        assertFalse(t.toString().contains("hk-very-secret"), t.toString());
        assertTrue(t.toString().contains("authorization"), t.toString());
        String unset = error("{\"name\": \"h\", \"type\": \"http\", \"url\": \"http://x\", \"headers\": {\"authorization\": \"Bearer"
                + " ${HOOK_TOKEN}\"}}");
        assertTrue(unset.startsWith("config: tools[0].headers.authorization: "), unset);
    }
}
