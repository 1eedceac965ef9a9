package tollgate.config;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One entry of the {@code tools} section (issue 12): a tool the gateway runs itself when a model
 * calls it. Common to every type: the name the model sees (a function name), a description, a
 * JSON schema for the arguments, whether a human must approve each call, a timeout, a cap on what
 * the tool returns to the model, and the client keys allowed to use it. Then per type:
 *
 * <ul>
 *   <li>{@code http}: {@code url} (POSTed the arguments as JSON), {@code headers};</li>
 *   <li>{@code web_search}: {@code url} (a SearXNG instance; {@code /search?format=json}),
 *       {@code max_results}, {@code headers};</li>
 *   <li>{@code image_generation}: {@code model} (a catalog model with capability {@code images}),
 *       {@code response_format} ({@code url} or {@code b64_json}), {@code size}, {@code max_images};</li>
 *   <li>{@code python}: {@code enabled} (false unless set), {@code command} (the interpreter),
 *       {@code memory_mb}, {@code network} ({@code deny}: a network namespace of its own where the
 *       host allows one; {@code allow}).</li>
 * </ul>
 *
 * @param parameters     the arguments' JSON schema, or null for the type's own
 * @param description    what the model is told the tool does, or null for the type's own
 * @param keys           names of the client keys that may use it; {@code ["*"]} (the default) for every key
 * @param url            http, web_search: the endpoint; else null
 * @param headers        http, web_search: extra request headers (values may be secrets); else empty
 * @param maxResults     web_search: results given to the model
 * @param model          image_generation: the model's catalog id, or null for the first images model
 * @param responseFormat image_generation: {@code url} or {@code b64_json}
 * @param size           image_generation: the default size, e.g. {@code 1024x1024}
 * @param maxImages      image_generation: most images one call may ask for
 * @param enabled        false: declared but never offered (python's default)
 * @param command        python: the interpreter and its first arguments
 * @param memoryMb       python: address-space limit of the process, in MiB
 * @param denyNetwork    python: run without network access where the host allows it
 */
public record ToolConfig(String name, String type, String description, Map<String, Object> parameters, boolean requiresApproval,
                         Duration timeout, int maxOutputBytes, List<String> keys, String url, Map<String, String> headers,
                         int maxResults, String model, String responseFormat, String size, int maxImages, boolean enabled,
                         List<String> command, int memoryMb, boolean denyNetwork) {

    public static final List<String> TYPES = List.of("http", "web_search", "image_generation", "python");
    /** OpenAI's (and Anthropic's) rule for function names: the model sees a gateway tool as a function. */
    public static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_PYTHON_TIMEOUT = Duration.ofSeconds(10);
    /** Generating an image often takes longer than the other tools' 30 s: two minutes leaves room for a high-quality one. */
    public static final Duration DEFAULT_IMAGE_TIMEOUT = Duration.ofSeconds(120);
    /** 64 KiB: a tool's answer goes into the next prompt, and is paid for there. */
    public static final int DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024;
    public static final int MAX_MAX_OUTPUT_BYTES = 4 * 1024 * 1024;
    public static final int DEFAULT_MAX_RESULTS = 5;
    public static final int DEFAULT_MEMORY_MB = 256;
    public static final List<String> DEFAULT_PYTHON_COMMAND = List.of("python3");

    static final List<String> KEYS = List.of("name", "type", "description", "parameters", "requires_approval", "timeout_ms",
            "max_output_bytes", "keys", "url", "headers", "max_results", "model", "response_format", "size", "max_images",
            "enabled", "command", "memory_mb", "network");

    /** Whether {@code keyName} may use this tool. */
    public boolean allows(String keyName) {
        return keys.contains("*") || (keyName != null && keys.contains(keyName));
    }

    /** Without header values, which may be secrets. */
    @Override
    public String toString() {
        return "ToolConfig[name=" + name + ", type=" + type + ", url=" + url + ", headers=" + headers.keySet() + ", keys=" + keys
                + ", requiresApproval=" + requiresApproval + ", enabled=" + enabled + "]";
    }

    static List<ToolConfig> readAll(ConfigReader r, Map<String, Object> top) {
        List<Object> list = r.array(top, "", "tools");
        if (list == null) return List.of();
        List<ToolConfig> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String p = ConfigReader.index("tools", i);
            Object entry = list.get(i);
            // Each tool on its own, so that one problem does not hide the next.
            ToolConfig t = r.attempt(() -> {
                ToolConfig read = read(r, p, r.object(p, entry, KEYS));
                if (!names.add(read.name())) throw r.fail(p + ".name", "duplicate tool name " + ConfigReader.quote(read.name()));
                return read;
            }, null);
            if (t != null) out.add(t);
        }
        return List.copyOf(out);
    }

    private static ToolConfig read(ConfigReader r, String p, Map<String, Object> t) {
        String name = r.requiredString(t, p, "name");
        if (!NAME.matcher(name).matches()) {
            throw r.fail(p + ".name", "expected 1-64 letters, digits, '_' or '-' (a function name), got " + ConfigReader.quote(name));
        }
        String type = r.requiredString(t, p, "type");
        if (!TYPES.contains(type)) throw r.fail(p + ".type", "expected one of " + String.join(", ", TYPES) + ", got " + ConfigReader.quote(type));
        String description = r.string(t, p, "description", null);
        Map<String, Object> parameters = null;
        if (t.get("parameters") != null) {
            parameters = r.object(p + ".parameters", t.get("parameters"), null);
            if (!"object".equals(parameters.get("type"))) throw r.fail(p + ".parameters", "expected a JSON schema with \"type\": \"object\"");
        }
        boolean approval = r.bool(t, p, "requires_approval", false);
        boolean python = type.equals("python");
        Duration defaultTimeout = python ? DEFAULT_PYTHON_TIMEOUT : type.equals("image_generation") ? DEFAULT_IMAGE_TIMEOUT : DEFAULT_TIMEOUT;
        Duration timeout = r.millis(t, p, "timeout_ms", defaultTimeout.toMillis(), 100,
                ConfigLoader.MAX_MILLIS);
        int maxOutput = (int) r.integer(t, p, "max_output_bytes", DEFAULT_MAX_OUTPUT_BYTES, 256, MAX_MAX_OUTPUT_BYTES);
        List<String> keys = keys(r, t, p);
        String url = null;
        Map<String, String> headers = Map.of();
        if (type.equals("http") || type.equals("web_search")) {
            url = url(r, p + ".url", r.requiredString(t, p, "url"));
            headers = headers(r, t, p);
        } else {
            only(r, t, p, type, "url", "headers");
        }
        int maxResults = DEFAULT_MAX_RESULTS;
        if (type.equals("web_search")) maxResults = (int) r.integer(t, p, "max_results", DEFAULT_MAX_RESULTS, 1, 50);
        else only(r, t, p, type, "max_results");
        String model = null, format = "url", size = "1024x1024";
        int maxImages = 1;
        if (type.equals("image_generation")) {
            model = r.string(t, p, "model", null);
            format = r.string(t, p, "response_format", "url");
            if (!format.equals("url") && !format.equals("b64_json")) {
                throw r.fail(p + ".response_format", "expected \"url\" or \"b64_json\", got " + ConfigReader.quote(format));
            }
            size = r.string(t, p, "size", size);
            maxImages = (int) r.integer(t, p, "max_images", 1, 1, 10);
        } else {
            only(r, t, p, type, "model", "response_format", "size", "max_images");
        }
        boolean enabled = r.bool(t, p, "enabled", !python);
        List<String> command = DEFAULT_PYTHON_COMMAND;
        int memory = DEFAULT_MEMORY_MB;
        boolean deny = true;
        if (python) {
            List<Object> c = r.array(t, p, "command");
            if (c != null) {
                if (c.isEmpty()) throw r.fail(p + ".command", "expected the interpreter and its arguments, got an empty array");
                List<String> cmd = new ArrayList<>();
                for (int i = 0; i < c.size(); i++) cmd.add(r.string(ConfigReader.index(p + ".command", i), c.get(i)));
                command = List.copyOf(cmd);
            }
            memory = (int) r.integer(t, p, "memory_mb", DEFAULT_MEMORY_MB, 16, 65_536);
            String network = r.string(t, p, "network", "deny");
            if (!network.equals("deny") && !network.equals("allow")) {
                throw r.fail(p + ".network", "expected \"deny\" or \"allow\", got " + ConfigReader.quote(network));
            }
            deny = network.equals("deny");
        } else {
            only(r, t, p, type, "command", "memory_mb", "network");
        }
        return new ToolConfig(name, type, description, parameters, approval, timeout, maxOutput, keys, url, headers, maxResults, model,
                format, size, maxImages, enabled, command, memory, deny);
    }

    /** A key that belongs to another type is a mistake worth naming. */
    private static void only(ConfigReader r, Map<String, Object> t, String p, String type, String... keys) {
        for (String k : keys) {
            if (t.get(k) != null) throw r.fail(p + "." + k, "not a setting of a tool of type " + ConfigReader.quote(type));
        }
    }

    static List<String> keys(ConfigReader r, Map<String, Object> t, String p) {
        List<Object> list = r.array(t, p, "keys");
        if (list == null) return List.of("*");
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) keys.add(r.string(ConfigReader.index(p + ".keys", i), list.get(i)));
        return List.copyOf(keys);
    }

    static Map<String, String> headers(ConfigReader r, Map<String, Object> t, String p) {
        if (t.get("headers") == null) return Map.of();
        Map<String, Object> h = r.object(p + ".headers", t.get("headers"), null);
        Map<String, String> out = new LinkedHashMap<>();
        for (var e : h.entrySet()) out.put(e.getKey(), r.secret(p + ".headers." + e.getKey(), e.getValue()));
        return java.util.Collections.unmodifiableMap(out);
    }

    static String url(ConfigReader r, String path, String url) {
        try {
            URI u = new URI(url);
            if (("http".equals(u.getScheme()) || "https".equals(u.getScheme())) && u.getHost() != null) return url;
        } catch (java.net.URISyntaxException e) {
            // reported below
        }
        throw r.fail(path, "expected an http:// or https:// URL, got " + ConfigReader.quote(url));
    }
}
