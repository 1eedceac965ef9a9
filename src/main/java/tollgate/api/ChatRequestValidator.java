package tollgate.api;

import static tollgate.api.Validation.NAME_RULE;
import static tollgate.api.Validation.bool;
import static tollgate.api.Validation.cast;
import static tollgate.api.Validation.integer;
import static tollgate.api.Validation.invalidType;
import static tollgate.api.Validation.invalidValue;
import static tollgate.api.Validation.isDigits;
import static tollgate.api.Validation.isName;
import static tollgate.api.Validation.longerThan;
import static tollgate.api.Validation.notFunction;
import static tollgate.api.Validation.number;
import static tollgate.api.Validation.object;
import static tollgate.api.Validation.optionalBool;
import static tollgate.api.Validation.optionalObject;
import static tollgate.api.Validation.optionalString;
import static tollgate.api.Validation.requiredObject;
import static tollgate.api.Validation.requiredString;
import static tollgate.api.Validation.show;
import static tollgate.api.Validation.string;
import static tollgate.api.Validation.typeName;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import tollgate.error.GatewayException;
import tollgate.route.ChatRequest;
import tollgate.json.JsonNumber;

/**
 * Validates a parsed POST /chat/completions body against the OpenAI Chat Completions contract
 * (ranges from the API docs of seeds 001-003) and stops at the first problem with a 400 naming
 * the offending field by its path ({@code messages[2].content[0].image_url.url}, {@code stop[1]},
 * {@code logit_bias.50256}).
 *
 * <p>Runs on every request, so: one pass over the body's entries, no regular expressions, no
 * exceptions but the one thrown, and error paths and messages are built only when failing.
 * Optional fields set to JSON null count as absent; unknown top-level fields pass through
 * unvalidated. Messages, and the checks and error wording shared by both, are in {@link Validation}.
 */
public final class ChatRequestValidator {
    private ChatRequestValidator() { throw new AssertionError(); }

    static final int MAX_STOP = 4;
    static final int MAX_METADATA_KEYS = 16;
    static final int MAX_METADATA_KEY_CHARS = 64;
    static final int MAX_METADATA_VALUE_CHARS = 512;
    static final int MAX_REQUEST_ID_CHARS = 128;

    /**
     * @param parsedBody the body as produced by {@code tollgate.json.Json.parse}
     * @return the validated view; its {@code body} is {@code parsedBody} itself
     * @throws GatewayException {@code CALLER_INVALID_REQUEST} (400) at the first problem found
     */
    public static ChatRequest validate(Object parsedBody) {
        if (!(parsedBody instanceof Map<?, ?> raw)) {
            throw GatewayException.invalid(null,
                    "The request body must be a JSON object, got " + typeName(parsedBody) + ".");
        }
        Map<String, Object> body = cast(raw);

        String model = requiredString(body, "model", "model");
        if (model.isEmpty()) throw invalidValue("model", "a non-empty string", model);
        Validation.messages(body);

        boolean stream = false, logprobs = false, topLogprobs = false;
        Map<String, Object> streamOptions = null;
        Object toolChoice = null;
        Declared toolNames = null;
        String requestId = null, mode = null, taskHint = null, policy = null, requiresApproval = null;
        List<String> fallbacks = List.of();

        for (Map.Entry<String, Object> e : body.entrySet()) {
            Object v = e.getValue();
            if (v == null) continue; // explicit null = absent; model and messages are checked above
            String key = e.getKey();
            switch (key) {
                case "max_tokens", "max_completion_tokens" -> integer(key, v, 1, Long.MAX_VALUE);
                case "stream" -> stream = bool(key, v);
                case "stream_options" -> streamOptions = streamOptions(v);
                case "temperature" -> number(key, v, 0, 2);
                case "top_p" -> number(key, v, 0, 1);
                case "frequency_penalty", "presence_penalty" -> number(key, v, -2, 2);
                case "logit_bias" -> logitBias(v);
                case "n" -> integer(key, v, 1, 128);
                case "seed" -> integer(key, v, Long.MIN_VALUE, Long.MAX_VALUE);
                case "stop" -> stop(v);
                case "tools" -> toolNames = tools(v);
                case "tool_choice" -> toolChoice = v; // needs the declared tools: checked below
                case "parallel_tool_calls" -> bool(key, v);
                case "response_format" -> responseFormat(v);
                case "user" -> string(key, v);
                case "logprobs" -> logprobs = bool(key, v);
                case "top_logprobs" -> {
                    integer(key, v, 0, 20);
                    topLogprobs = true;
                }
                case "metadata" -> {
                    Map<String, Object> m = metadata(v);
                    requestId = (String) m.get("request_id");
                    mode = (String) m.get("mode");
                    requiresApproval = (String) m.get(REQUIRES_APPROVAL);
                }
                case "taskHint" -> taskHint = taskHint(v);
                case "policy" -> policy = policy(v);
                case "models" -> fallbacks = fallbacks(v);
                default -> { } // model, messages (done above) and pass-through fields
            }
        }

        if (streamOptions != null && !stream) {
            throw GatewayException.invalid("stream_options",
                    "The 'stream_options' parameter is only allowed when 'stream' is enabled.");
        }
        if (topLogprobs && !logprobs) {
            throw GatewayException.invalid("top_logprobs",
                    "Invalid value for 'top_logprobs': 'top_logprobs' is only allowed when 'logprobs' is true.");
        }
        if (toolChoice != null) toolChoice(toolChoice, toolNames);
        if (requiresApproval != null) requiresApproval(requiresApproval, toolNames);

        boolean includeUsage = stream && streamOptions != null
                && Boolean.TRUE.equals(streamOptions.get("include_usage"));
        boolean agent = requiresApproval != null || (toolNames != null && toolNames.gateway != null);
        return new ChatRequest(model, body, stream, includeUsage, requestId, mode, taskHint, policy, fallbacks, agent);
    }

    // ---------------------------------------------------------------- top-level fields

    private static Map<String, Object> streamOptions(Object v) {
        Map<String, Object> m = object("stream_options", v);
        optionalBool(m, "include_usage", "stream_options.include_usage");
        optionalBool(m, "include_obfuscation", "stream_options.include_obfuscation");
        return m;
    }

    private static void logitBias(Object v) {
        Map<String, Object> m = object("logit_bias", v);
        for (Map.Entry<String, Object> e : m.entrySet()) {
            String token = e.getKey();
            if (!isDigits(token)) {
                throw GatewayException.invalid("logit_bias." + token, "Invalid key for 'logit_bias." + token
                        + "': expected a token id made of decimal digits, got " + show(token) + ".");
            }
            Object bias = e.getValue(); // the path is built only for a bad value
            if (!(bias instanceof JsonNumber n) || !(n.doubleValue() >= -100 && n.doubleValue() <= 100)) {
                number("logit_bias." + token, bias, -100, 100);
            }
        }
    }

    private static void stop(Object v) {
        if (v instanceof String) return;
        if (!(v instanceof List<?> list)) throw invalidType("stop", "a string or an array of strings", v);
        int n = list.size();
        if (n < 1 || n > MAX_STOP) {
            throw GatewayException.invalid("stop", "Invalid value for 'stop': expected an array of 1 to "
                    + MAX_STOP + " strings, got " + n + " items.");
        }
        int i = 0;
        for (Object s : list) {
            if (!(s instanceof String)) throw invalidType("stop[" + i + "]", "a string", s);
            i++;
        }
    }

    private static final String REQUIRES_APPROVAL = ChatRequest.REQUIRES_APPROVAL;
    /** Longest gateway tool name: an MCP server's (32) and one of its tools' (128) names with their dot. */
    static final int MAX_GATEWAY_NAME_CHARS = 161;

    /** The names {@code tools} declares: its functions', and its gateway tools' (null when none). */
    static final class Declared {
        final Set<String> functions = new HashSet<>();
        Set<String> gateway;

        /** A declared gateway tool, or one of the tools of a declared {@code <server>.*}. */
        boolean gateway(String name) {
            if (gateway == null) return false;
            if (gateway.contains(name)) return true;
            int dot = name.indexOf('.');
            return dot > 0 && gateway.contains(name.substring(0, dot) + ".*");
        }
    }

    private static Declared tools(Object v) {
        if (!(v instanceof List<?> list)) throw invalidType("tools", "an array of tools", v);
        if (list.isEmpty()) {
            throw GatewayException.invalid("tools",
                    "Invalid value for 'tools': expected an array of at least 1 tool, got an empty array.");
        }
        Declared declared = new Declared();
        Set<String> names = declared.functions;
        int i = 0;
        for (Object t : list) {
            if (!(t instanceof Map<?, ?>)) throw invalidType(tool(i, ""), "an object", t);
            Map<String, Object> tool = cast(t);
            if (!"function".equals(tool.get("type"))) {
                if (!"gateway".equals(tool.get("type"))) {
                    throw tool.containsKey("type")
                            ? invalidValue(tool(i, ".type"), "'function' or 'gateway'", tool.get("type")) : notFunction(tool, tool(i, ".type"));
                }
                gatewayTool(tool, i, declared);
                i++;
                continue;
            }
            // paths are built only on failure: the required*/string/... calls below then throw
            Object f = tool.get("function");
            Map<String, Object> fn = f instanceof Map<?, ?> ? cast(f) : requiredObject(tool, "function", tool(i, ".function"));
            Object n = fn.get("name");
            if (!(n instanceof String s && isName(s))) {
                String path = tool(i, ".function.name");
                throw invalidValue(path, NAME_RULE, requiredString(fn, "name", path));
            }
            String name = (String) n;
            if (!names.add(name)) {
                throw GatewayException.invalid(tool(i, ".function.name"), "Invalid value for '"
                        + tool(i, ".function.name") + "': duplicate function name " + show(name)
                        + "; function names must be unique within 'tools'.");
            }
            Object d = fn.get("description"), p = fn.get("parameters"), st = fn.get("strict");
            if (d != null && !(d instanceof String)) string(tool(i, ".function.description"), d);
            if (p != null && !(p instanceof Map<?, ?>)) optionalObject(fn, "parameters", tool(i, ".function.parameters"));
            if (st != null && !(st instanceof Boolean)) bool(tool(i, ".function.strict"), st);
            i++;
        }
        return declared;
    }

    /**
     * {@code {"type": "gateway", "name": N}}: N a tool the gateway runs, or {@code <server>.*}.
     * Whether such a tool exists for the key is the agent loop's to say (it knows the tools).
     */
    private static void gatewayTool(Map<String, Object> tool, int i, Declared declared) {
        for (String key : tool.keySet()) {
            // The entry is replaced by the tool's own function: any other member would be dropped
            // unseen, and one like requires_approval must not look as if it gated anything.
            if (key.equals("type") || key.equals("name")) continue;
            String path = tool(i, "." + key);
            throw GatewayException.invalid(path, "Unrecognized member '" + path + "': a gateway tool entry takes only 'type' and 'name'."
                    + (key.equals(REQUIRES_APPROVAL) ? " To have its calls wait for approval, name it in 'metadata."
                    + REQUIRES_APPROVAL + "'." : ""));
        }
        String name = requiredString(tool, "name", tool(i, ".name"));
        if (name.isEmpty() || longerThan(name, MAX_GATEWAY_NAME_CHARS)) {
            throw invalidValue(tool(i, ".name"), "the name of a gateway tool, or '<server>.*'", name);
        }
        if (declared.gateway == null) declared.gateway = new HashSet<>();
        declared.gateway.add(name);
    }

    private static void requiresApproval(String list, Declared declared) {
        String path = "metadata." + REQUIRES_APPROVAL;
        for (String raw : list.split(",", -1)) {
            String name = raw.strip();
            if (name.isEmpty()) {
                throw GatewayException.invalid(path, "Invalid value for '" + path + "': expected comma-separated names of "
                        + "functions declared in 'tools', got an empty name.");
            }
            if (declared == null || (!declared.functions.contains(name) && !declared.gateway(name))) {
                throw GatewayException.invalid(path, "Invalid value for '" + path + "': " + show(name)
                        + " is not a function (or gateway tool) declared in 'tools'.");
            }
        }
    }

    private static String tool(int i, String suffix) { return "tools[" + i + "]" + suffix; }

    private static void toolChoice(Object v, Declared toolNames) {
        if (v instanceof String s) {
            if (!s.equals("none") && !s.equals("auto") && !s.equals("required")) {
                throw invalidValue("tool_choice",
                        "one of 'none', 'auto', 'required' or an object naming a function", s);
            }
            if (toolNames == null && !s.equals("none")) throw toolChoiceWithoutTools();
            return;
        }
        if (!(v instanceof Map<?, ?>)) throw invalidType("tool_choice", "a string or an object", v);
        Map<String, Object> m = cast(v);
        if (!"function".equals(m.get("type"))) throw notFunction(m, "tool_choice.type");
        Map<String, Object> fn = requiredObject(m, "function", "tool_choice.function");
        String name = requiredString(fn, "name", "tool_choice.function.name");
        if (toolNames == null) throw toolChoiceWithoutTools();
        if (!toolNames.functions.contains(name) && !toolNames.gateway(name)) {
            throw invalidValue("tool_choice.function.name", "the name of a function " + (toolNames.gateway == null ? "" : "(or gateway tool) ")
                    + "declared in 'tools'", name);
        }
    }

    private static GatewayException toolChoiceWithoutTools() {
        return GatewayException.invalid("tool_choice",
                "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.");
    }

    private static void responseFormat(Object v) {
        Map<String, Object> m = object("response_format", v);
        String type = requiredString(m, "type", "response_format.type");
        switch (type) {
            case "text", "json_object" -> { }
            case "json_schema" -> {
                Map<String, Object> js = requiredObject(m, "json_schema", "response_format.json_schema");
                String name = requiredString(js, "name", "response_format.json_schema.name");
                if (!isName(name)) throw invalidValue("response_format.json_schema.name", NAME_RULE, name);
                optionalObject(js, "schema", "response_format.json_schema.schema");
                optionalBool(js, "strict", "response_format.json_schema.strict");
                optionalString(js, "description", "response_format.json_schema.description");
            }
            default -> throw invalidValue("response_format.type", "one of 'text', 'json_object', 'json_schema'", type);
        }
    }

    private static Map<String, Object> metadata(Object v) {
        Map<String, Object> m = object("metadata", v);
        if (m.size() > MAX_METADATA_KEYS) {
            throw GatewayException.invalid("metadata", "Invalid value for 'metadata': expected at most "
                    + MAX_METADATA_KEYS + " keys, got " + m.size() + ".");
        }
        for (Map.Entry<String, Object> e : m.entrySet()) {
            String key = e.getKey();
            if (longerThan(key, MAX_METADATA_KEY_CHARS)) {
                throw GatewayException.invalid("metadata", "Invalid key in 'metadata': expected at most "
                        + MAX_METADATA_KEY_CHARS + " characters, got " + show(key) + ".");
            }
            Object value = e.getValue();
            if (!(value instanceof String s)) throw invalidType("metadata." + key, "a string", value);
            int max = key.equals("request_id") ? MAX_REQUEST_ID_CHARS : MAX_METADATA_VALUE_CHARS;
            if (s.isEmpty() && key.equals("request_id")) {
                throw invalidValue("metadata.request_id", "a non-empty string of at most " + max + " characters", s);
            }
            if (longerThan(s, max)) {
                throw GatewayException.invalid("metadata." + key, "Invalid value for 'metadata." + key
                        + "': expected a string of at most " + max + " characters, got "
                        + s.codePointCount(0, s.length()) + " characters.");
            }
        }
        return m;
    }

    private static String taskHint(Object v) {
        if (!(v instanceof String s)) throw invalidType("taskHint", "a string", v);
        return switch (s) {
            case "writing", "code-generation", "reasoning", "vision", "general" -> s;
            default -> throw invalidValue("taskHint",
                    "one of 'writing', 'code-generation', 'reasoning', 'vision', 'general'", s);
        };
    }

    /** Seed 000's driving styles. */
    static String policy(Object v) {
        if (!(v instanceof String s)) throw invalidType("policy", "a string", v);
        return switch (s) {
            case "frugal", "balanced", "premium" -> s;
            default -> throw invalidValue("policy", "one of 'frugal', 'balanced', 'premium'", s);
        };
    }

    /** Most entries in {@code models}: each one may cost a full upstream timeout. */
    static final int MAX_FALLBACK_MODELS = 16;
    /** Longest model name in {@code models}, in chars. */
    static final int MAX_MODEL_CHARS = 256;

    /** {@code models}: an ordered fallback list (OpenRouter), non-empty strings, no duplicates. */
    private static List<String> fallbacks(Object v) {
        if (!(v instanceof List<?> list)) throw invalidType("models", "an array of model ids", v);
        if (list.isEmpty() || list.size() > MAX_FALLBACK_MODELS) {
            throw GatewayException.invalid("models", "Invalid 'models': expected 1 to " + MAX_FALLBACK_MODELS
                    + " model ids, got " + list.size() + ".");
        }
        List<String> out = new java.util.ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            String p = "models[" + i + "]";
            if (!(list.get(i) instanceof String s)) throw invalidType(p, "a string", list.get(i));
            if (s.isEmpty() || s.length() > MAX_MODEL_CHARS) {
                throw GatewayException.invalid(p, "Invalid '" + p + "': expected a model id of 1 to " + MAX_MODEL_CHARS + " characters.");
            }
            if (out.contains(s)) throw GatewayException.invalid(p, "Invalid '" + p + "': '" + s + "' is listed twice.");
            out.add(s);
        }
        return List.copyOf(out);
    }
}
