package tollgate.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.json.Json;
import tollgate.tool.GatewayTool;
import tollgate.tool.ToolBox;
import tollgate.tool.ToolInvocation;
import tollgate.tool.ToolOutput;

/** Gateway tool entries turned into the functions a model sees (issue 12). */
class FunctionsTest {
    record Tool(String name, boolean requiresApproval, List<String> keys) implements GatewayTool {
        Tool(String name) { this(name, false, List.of("*")); }
        @Override public String description() { return "d " + name; }
        @Override public Map<String, Object> parameters() { return Map.of("type", "object"); }
        @Override public boolean allows(String keyName) { return keys.contains("*") || keys.contains(keyName); }
        @Override public ToolOutput run(ToolInvocation call) { return ToolOutput.ok(""); }
    }

    static ToolBox box() {
        ToolBox box = new ToolBox(List.of(new Tool("web_search"), new Tool("deploy", true, List.of("*")),
                new Tool("secret", false, List.of("ops"))));
        box.replaceServer("files", List.of(new Tool("files.read"), new Tool("files.write", true, List.of("*"))));
        box.replaceServer("vault", List.of(new Tool("vault.get", false, List.of("ops"))));
        return box;
    }

    static Map<String, Object> gw(String name) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "gateway");
        m.put("name", name);
        return m;
    }

    static Map<String, Object> fn(String name) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "function");
        m.put("function", new LinkedHashMap<>(Map.of("name", name)));
        return m;
    }

    @Test
    void functionNames_followOpenAIsRule() {
        Set<String> taken = new HashSet<>();
        assertEquals("files__read", Functions.functionName("files.read", taken));
        assertEquals("srv__a_b_c", Functions.functionName("srv.a b/c", taken));
        String longName = "server." + "t".repeat(120);
        String fn = Functions.functionName(longName, taken);
        assertEquals(64, fn.length());
        assertEquals(fn, Functions.functionName(longName, taken), "stable: a paused execution keeps its names across restarts");
        taken.add("files__read");
        assertEquals("files__read_2", Functions.functionName("files.read", taken));
        taken.add(fn);
        String second = Functions.functionName(longName, taken);
        assertEquals(64, second.length());
        assertEquals(fn.substring(0, 62) + "_2", second);
    }

    @Test
    void entriesAreReplacedInPlace_serversExpanded_duplicatesDropped() {
        List<Object> declared = new ArrayList<>(List.of(fn("mine"), gw("files.*"), gw("web_search"), gw("files.read"), gw("deploy")));

        Functions.Resolved r = Functions.resolve(declared, box(), "t");

        assertEquals("[{\"type\":\"function\",\"function\":{\"name\":\"mine\"}},"
                + "{\"type\":\"function\",\"function\":{\"name\":\"files__read\",\"description\":\"d files.read\",\"parameters\":{\"type\":\"object\"}}},"
                + "{\"type\":\"function\",\"function\":{\"name\":\"files__write\",\"description\":\"d files.write\",\"parameters\":{\"type\":\"object\"}}},"
                + "{\"type\":\"function\",\"function\":{\"name\":\"web_search\",\"description\":\"d web_search\",\"parameters\":{\"type\":\"object\"}}},"
                + "{\"type\":\"function\",\"function\":{\"name\":\"deploy\",\"description\":\"d deploy\",\"parameters\":{\"type\":\"object\"}}}]",
                Json.toString(r.tools()));
        assertEquals(Map.of("files__read", "files.read", "files__write", "files.write", "web_search", "web_search", "deploy", "deploy"),
                r.wire());
        assertEquals(Set.of("files__write", "deploy"), r.approval());
        assertEquals("files__read", r.byGateway().get("files.read"));
    }

    @Test
    void unknownForbiddenAndClashingTools_areRefused_namingTheEntry() {
        GatewayException e = assertThrows(GatewayException.class, () -> Functions.resolve(List.of(fn("f"), gw("nope")), box(), "t"));
        assertEquals(ErrorKind.CALLER_INVALID_REQUEST, e.kind());
        assertEquals("tools[1].name", e.param());
        assertEquals("Invalid value for 'tools[1].name': no gateway tool 'nope' here. The gateway tools this key may use: deploy, "
                + "web_search, files.*.", e.getMessage());
        e = assertThrows(GatewayException.class, () -> Functions.resolve(List.of(gw("db.*")), box(), "ops"));
        assertEquals("Invalid value for 'tools[0].name': no MCP server 'db' here. The gateway tools this key may use: deploy, secret, "
                + "web_search, files.*, vault.*.", e.getMessage());
        e = assertThrows(GatewayException.class, () -> Functions.resolve(List.of(gw("secret")), box(), "t"));
        assertEquals(ErrorKind.POLICY_FORBIDDEN, e.kind());
        assertEquals("tools[0].name", e.param());
        e = assertThrows(GatewayException.class, () -> Functions.resolve(List.of(gw("vault.*")), box(), "t"));
        assertEquals(ErrorKind.POLICY_FORBIDDEN, e.kind());
        e = assertThrows(GatewayException.class, () -> Functions.resolve(List.of(fn("files__read"), gw("files.read")), box(), "t"));
        assertEquals(ErrorKind.CALLER_INVALID_REQUEST, e.kind());
        assertEquals("tools[1].name", e.param());
        assertEquals(1, Functions.resolve(List.of(gw("vault.*")), box(), "ops").tools().size());
    }
}
