package tollgate.agent;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.tool.GatewayTool;
import tollgate.tool.ToolBox;

/**
 * What a request's {@code {"type": "gateway", "name": ...}} entries come to, once, when its
 * execution starts: each tool resolved (a {@code <server>.*} expanded to that server's tools
 * now), refused when unknown (400, listing what the key may use) or not the key's (403), and
 * turned into an ordinary function whose name the model can take: OpenAI's rule is
 * {@code [a-zA-Z0-9_-]{1,64}}, so {@code files.read} is offered as {@code files__read}.
 */
final class Functions {
    /** Longest function name OpenAI (and Anthropic) accept. */
    static final int MAX_FUNCTION_NAME = 64;
    /** Most tool names an error lists (a key may see hundreds of MCP tools). */
    static final int MAX_LISTED = 40;

    private Functions() { throw new AssertionError(); }

    /**
     * The tools of one request as the model sees them.
     *
     * @param tools     the request's {@code tools}, gateway entries replaced by functions, in place
     * @param wire      function name → gateway tool name
     * @param approval  function names of the gateway tools that require approval
     * @param byGateway gateway tool name → function name (for {@code tool_choice} and {@code requires_approval})
     */
    record Resolved(List<Object> tools, Map<String, String> wire, Set<String> approval, Map<String, String> byGateway) {}

    /**
     * @param declared the request's validated {@code tools}
     * @param keyName  the client key's name, whose permissions count (null: every tool allowed)
     * @throws GatewayException 400 naming {@code tools[i].name} for an unknown tool or server, or a
     *     function name that collides with one of the client's; 403 for a tool the key may not use
     */
    static Resolved resolve(List<?> declared, ToolBox box, String keyName) {
        Set<String> clientNames = new HashSet<>();
        for (Object t : declared) {
            if (t instanceof Map<?, ?> m && "function".equals(m.get("type")) && m.get("function") instanceof Map<?, ?> f) {
                clientNames.add((String) f.get("name"));
            }
        }
        List<Object> out = new ArrayList<>(declared.size());
        Map<String, String> wire = new LinkedHashMap<>();
        Map<String, String> byGateway = new LinkedHashMap<>();
        Set<String> approval = new LinkedHashSet<>();
        for (int i = 0; i < declared.size(); i++) {
            Object t = declared.get(i);
            if (!(t instanceof Map<?, ?> m) || !"gateway".equals(m.get("type"))) {
                out.add(t);
                continue;
            }
            String name = (String) m.get("name");
            String path = "tools[" + i + "].name";
            for (GatewayTool tool : lookUp(name, path, box, keyName)) {
                if (byGateway.containsKey(tool.name())) continue; // named twice, or also by its server's '.*'
                String fn = functionName(tool.name(), wire.keySet());
                if (clientNames.contains(fn)) {
                    throw GatewayException.invalid(path, "Invalid value for '" + path + "': the gateway tool '" + tool.name()
                            + "' is offered to the model as the function '" + fn + "', which 'tools' also declares as a function "
                            + "of its own; rename that function.");
                }
                wire.put(fn, tool.name());
                byGateway.put(tool.name(), fn);
                if (tool.requiresApproval()) approval.add(fn);
                out.add(function(fn, tool));
            }
        }
        return new Resolved(out, wire, approval, byGateway);
    }

    /** The tools {@code name} stands for ({@code <server>.*}: all of that server's that exist now). */
    private static List<GatewayTool> lookUp(String name, String path, ToolBox box, String keyName) {
        if (name.endsWith(".*")) {
            String server = name.substring(0, name.length() - 2);
            List<GatewayTool> tools = box.server(server);
            if (tools == null) throw unknown(path, "MCP server", server, box, keyName);
            List<GatewayTool> allowed = new ArrayList<>(tools.size());
            for (GatewayTool t : tools) if (t.allows(keyName)) allowed.add(t);
            if (allowed.isEmpty() && !tools.isEmpty()) throw forbidden(path, "the tools of the MCP server '" + server + "' are");
            return allowed;
        }
        GatewayTool tool = box.find(name);
        if (tool == null) throw unknown(path, "gateway tool", name, box, keyName);
        if (!tool.allows(keyName)) throw forbidden(path, "the gateway tool '" + name + "' is");
        return List.of(tool);
    }

    private static GatewayException unknown(String path, String what, String name, ToolBox box, String keyName) {
        List<String> offered = offered(box, keyName);
        String list = offered.isEmpty() ? "none" : String.join(", ", offered.subList(0, Math.min(MAX_LISTED, offered.size())))
                + (offered.size() > MAX_LISTED ? " and " + (offered.size() - MAX_LISTED) + " more" : "");
        return GatewayException.invalid(path, "Invalid value for '" + path + "': no " + what + " '" + clip(name)
                + "' here. The gateway tools this key may use: " + list + ".");
    }

    private static GatewayException forbidden(String path, String what) {
        return new GatewayException(ErrorKind.POLICY_FORBIDDEN, "Invalid value for '" + path + "': " + what
                + " not allowed for this key.", path);
    }

    /** What the key may name: configured tools, then {@code <server>.*} for each server with a tool it may use; each sorted. */
    static List<String> offered(ToolBox box, String keyName) {
        List<String> names = new ArrayList<>();
        Set<String> servers = new LinkedHashSet<>();
        for (GatewayTool t : box.all()) {
            if (!t.allows(keyName)) continue;
            int dot = t.name().indexOf('.');
            if (dot > 0 && box.server(t.name().substring(0, dot)) != null) servers.add(t.name().substring(0, dot) + ".*");
            else names.add(t.name());
        }
        java.util.Collections.sort(names);
        names.addAll(new java.util.TreeSet<>(servers));
        return names;
    }

    /** {@code {"type": "function", "function": {name, description, parameters}}}. */
    private static Map<String, Object> function(String fn, GatewayTool tool) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("name", fn);
        if (tool.description() != null) f.put("description", tool.description());
        f.put("parameters", tool.parameters() != null ? tool.parameters() : Map.of("type", "object"));
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("type", "function");
        entry.put("function", f);
        return entry;
    }

    /**
     * A function name for the gateway tool {@code name}: a dot becomes {@code __}, any other
     * character outside {@code [a-zA-Z0-9_-]} {@code _}; past 64 characters it is cut and ends
     * with a hash of the whole name, and a name already taken gets {@code _2}, {@code _3}...
     */
    static String functionName(String name, Set<String> taken) {
        StringBuilder b = new StringBuilder(name.length() + 4);
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '.') b.append("__");
            else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-') b.append(c);
            else b.append('_');
        }
        String fn = b.toString();
        if (fn.length() > MAX_FUNCTION_NAME) fn = fn.substring(0, MAX_FUNCTION_NAME - 9) + "_" + hash(name);
        String candidate = fn;
        for (int n = 2; taken.contains(candidate); n++) {
            String suffix = "_" + n;
            candidate = (fn.length() + suffix.length() > MAX_FUNCTION_NAME ? fn.substring(0, MAX_FUNCTION_NAME - suffix.length()) : fn)
                    + suffix;
        }
        return candidate;
    }

    /** 8 hex digits of FNV-1a over the name's UTF-8: stable across restarts (a paused execution keeps its names). */
    private static String hash(String name) {
        int h = 0x811c9dc5;
        for (byte x : name.getBytes(StandardCharsets.UTF_8)) {
            h ^= x & 0xff;
            h *= 0x01000193;
        }
        return String.format("%08x", h);
    }

    private static String clip(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
