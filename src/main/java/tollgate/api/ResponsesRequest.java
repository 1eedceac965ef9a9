package tollgate.api;

import static tollgate.api.Validation.NAME_RULE;
import static tollgate.api.Validation.bool;
import static tollgate.api.Validation.cast;
import static tollgate.api.Validation.integer;
import static tollgate.api.Validation.invalidValue;
import static tollgate.api.Validation.isName;
import static tollgate.api.Validation.number;
import static tollgate.api.Validation.object;
import static tollgate.api.Validation.requiredString;
import static tollgate.api.Validation.string;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tollgate.error.GatewayException;
import tollgate.json.JsonNumber;

/**
 * A validated {@code POST /responses} body (OpenAI's Responses API, protocols-2.md §9), and its
 * translation into the chat request every provider serves ({@link #chatBody}).
 *
 * <p>Fields, and what becomes of them:
 * <ul>
 *   <li>translated: {@code model}, {@code input} ({@link ResponsesInput}), {@code instructions}
 *       (a system message first; not carried over from a previous response, as OpenAI documents),
 *       {@code tools} (function tools, flat or in namespaces; web search left out: {@link ResponsesTools#tools}),
 *       {@code tool_choice}, {@code text.format}
 *       ({@code response_format}), {@code max_output_tokens} ({@code max_completion_tokens}),
 *       {@code temperature}, {@code top_p}, {@code parallel_tool_calls}, {@code metadata},
 *       {@code user}; the gateway's own {@code models}, {@code policy}, {@code taskHint} as on chat;</li>
 *   <li>acted on here: {@code store}, {@code stream}, {@code previous_response_id};</li>
 *   <li>accepted and ignored, since ignoring them changes nothing the client relies on:
 *       {@code include} (the gateway never produces the extra data it asks for),
 *       {@code reasoning} and {@code text.verbosity} (hints a chat model has no common field for),
 *       {@code service_tier}, {@code prompt_cache_key}, {@code safety_identifier}, {@code client_metadata},
 *       {@code stream_options}, {@code truncation: "disabled"} (the default: an overflow is a 400),
 *       {@code background: false}, {@code top_logprobs: 0};</li>
 *   <li>refused with a 400 naming the field: what would be silently wrong if ignored
 *       ({@code background: true}, {@code conversation}, {@code truncation: "auto"},
 *       {@code max_tool_calls}, {@code top_logprobs} above 0, {@code prompt}), chat's own fields
 *       ({@code messages}, {@code max_tokens}, {@code response_format}, ...: the message says which
 *       Responses field to use) and any unknown field.</li>
 * </ul>
 */
record ResponsesRequest(String model, List<Map<String, Object>> input, String instructions, List<Object> tools, Object toolChoice,
                        Map<String, Object> text, Long maxOutputTokens, Object temperature, Object topP, boolean parallelToolCalls,
                        Map<String, Object> metadata, boolean store, boolean stream, String previousResponseId, String user,
                        Object reasoning, Map<String, Object> gateway) {

    /** Most metadata pairs, and the longest key and value, in characters (OpenAI's limits). */
    static final int MAX_METADATA_KEYS = 16;
    static final int MAX_METADATA_KEY_CHARS = 64;
    static final int MAX_METADATA_VALUE_CHARS = 512;

    /** {@code client_metadata}: Codex's per-turn data (its installation, session and thread ids), for OpenAI's logs. */
    private static final Set<String> IGNORED = Set.of("include", "reasoning", "service_tier", "prompt_cache_key", "safety_identifier",
            "stream_options", "client_metadata");
    /** The gateway's chat extensions, taken here too and validated by the chat validator. */
    private static final Set<String> GATEWAY = Set.of("models", "policy", "taskHint");
    /** Chat Completions fields, with the Responses field to use instead (null: none). */
    private static final Map<String, String> CHAT_ONLY = chatOnly();

    private static Map<String, String> chatOnly() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("messages", "'input' (and 'instructions')");
        m.put("max_tokens", "'max_output_tokens'");
        m.put("max_completion_tokens", "'max_output_tokens'");
        m.put("response_format", "'text.format'");
        m.put("functions", "'tools'");
        m.put("function_call", "'tool_choice'");
        for (String k : List.of("n", "stop", "seed", "frequency_penalty", "presence_penalty", "logit_bias", "logprobs", "modalities",
                "audio", "prediction", "web_search_options")) {
            m.put(k, null);
        }
        return java.util.Collections.unmodifiableMap(m);
    }

    /**
     * @throws GatewayException {@code CALLER_INVALID_REQUEST} (400) naming the first offending field
     */
    static ResponsesRequest validate(Object parsed) {
        if (!(parsed instanceof Map<?, ?> raw)) {
            throw GatewayException.invalid(null, "The request body must be a JSON object, got " + Validation.typeName(parsed) + ".");
        }
        Map<String, Object> body = cast(raw);
        Validation.depth(body, Validation.MAX_TRANSLATED_DEPTH);
        String model = requiredString(body, "model", "model");
        if (model.isEmpty()) throw invalidValue("model", "a non-empty string", model);
        String instructions = null, previous = null, user = null;
        List<Object> tools = List.of();
        Object toolChoice = "auto", temperature = null, topP = null, reasoning = null;
        Map<String, Object> text = null, metadata = Map.of(), gateway = new LinkedHashMap<>();
        Long maxOutput = null;
        boolean parallel = true, store = true, stream = false;
        List<Map<String, Object>> input = null;
        for (Map.Entry<String, Object> e : body.entrySet()) {
            String key = e.getKey();
            Object v = e.getValue();
            if (v == null || key.equals("model")) continue; // explicit null = absent
            switch (key) {
                case "input" -> input = ResponsesInput.items(v);
                case "instructions" -> instructions = string(key, v);
                case "tools" -> tools = ResponsesTools.tools(v);
                case "tool_choice" -> toolChoice = v; // needs the tools: checked below
                case "text" -> text = text(v);
                case "max_output_tokens" -> {
                    integer(key, v, 1, Long.MAX_VALUE);
                    maxOutput = ((JsonNumber) v).longValue();
                }
                case "temperature" -> {
                    number(key, v, 0, 2);
                    temperature = v;
                }
                case "top_p" -> {
                    number(key, v, 0, 1);
                    topP = v;
                }
                case "parallel_tool_calls" -> parallel = bool(key, v);
                case "metadata" -> metadata = metadata(v);
                case "store" -> store = bool(key, v);
                case "stream" -> stream = bool(key, v);
                case "previous_response_id" -> previous = string(key, v);
                case "user" -> user = string(key, v);
                case "truncation" -> {
                    if (!"disabled".equals(v)) {
                        throw unsupported(key, "'truncation': \"auto\" (dropping the start of a conversation that does not fit) is not "
                                + "supported here; send 'truncation': \"disabled\" or leave it out, and shorten the input yourself.");
                    }
                }
                case "background" -> {
                    if (bool(key, v)) throw unsupported(key, "Background responses are not supported here; send 'background': false.");
                }
                case "top_logprobs" -> {
                    integer(key, v, 0, 20);
                    if (((JsonNumber) v).longValue() != 0) throw unsupported(key, "Log probabilities are not supported on /responses.");
                }
                case "conversation" -> throw unsupported(key, "Conversation objects are not supported here; continue a "
                        + "conversation with 'previous_response_id' instead.");
                case "max_tool_calls" -> throw unsupported(key, "'max_tool_calls' is not supported here; leave it out.");
                case "prompt" -> throw unsupported(key, "Reusable prompt templates are not supported here; send 'input' and "
                        + "'instructions' instead.");
                default -> {
                    if (IGNORED.contains(key)) {
                        if (key.equals("reasoning")) reasoning = object(key, v);
                        continue;
                    }
                    if (GATEWAY.contains(key)) {
                        gateway.put(key, v);
                        continue;
                    }
                    if (CHAT_ONLY.containsKey(key)) {
                        String instead = CHAT_ONLY.get(key);
                        throw unsupported(key, "'" + key + "' is a Chat Completions parameter with no equivalent on /responses"
                                + (instead != null ? ": use " + instead + " instead." : "; remove it."));
                    }
                    throw unsupported(key, "Unknown parameter: '" + key + "'.");
                }
            }
        }
        if (input == null && previous == null) throw Validation.missing("input");
        if (input == null) input = List.of();
        ResponsesTools.toolChoice(toolChoice, tools);
        if (text == null) text = Map.of("format", Map.of("type", "text"));
        return new ResponsesRequest(model, input, instructions, tools, toolChoice, text, maxOutput, temperature, topP, parallel, metadata,
                store, stream, previous, user, reasoning, gateway);
    }

    static GatewayException unsupported(String param, String message) {
        return GatewayException.invalid(param, message);
    }

    /** {@code text}: {@code format} (text, json_object, json_schema) and {@code verbosity}. */
    private static Map<String, Object> text(Object v) {
        Map<String, Object> t = object("text", v);
        for (String key : t.keySet()) {
            if (!key.equals("format") && !key.equals("verbosity")) throw GatewayException.invalid("text." + key, "Unknown parameter: 'text." + key + "'.");
        }
        if (t.get("verbosity") != null && !List.of("low", "medium", "high").contains(t.get("verbosity"))) {
            throw invalidValue("text.verbosity", "'low', 'medium' or 'high'", t.get("verbosity"));
        }
        if (t.get("format") == null) {
            Map<String, Object> out = new LinkedHashMap<>(t);
            out.put("format", Map.of("type", "text"));
            return out;
        }
        Map<String, Object> f = object("text.format", t.get("format"));
        Object type = f.get("type");
        if ("json_schema".equals(type)) {
            String name = requiredString(f, "name", "text.format.name");
            if (!isName(name)) throw invalidValue("text.format.name", NAME_RULE, name);
            Validation.requiredObject(f, "schema", "text.format.schema");
            if (f.get("strict") != null) bool("text.format.strict", f.get("strict"));
            if (f.get("description") != null) string("text.format.description", f.get("description"));
        } else if (!"text".equals(type) && !"json_object".equals(type)) {
            throw type == null ? Validation.missing("text.format.type")
                    : invalidValue("text.format.type", "'text', 'json_object' or 'json_schema'", type);
        }
        return t;
    }

    private static Map<String, Object> metadata(Object v) {
        Map<String, Object> m = object("metadata", v);
        if (m.size() > MAX_METADATA_KEYS) {
            throw GatewayException.invalid("metadata", "Invalid value for 'metadata': expected at most " + MAX_METADATA_KEYS
                    + " key-value pairs, got " + m.size() + ".");
        }
        for (Map.Entry<String, Object> e : m.entrySet()) {
            if (Validation.longerThan(e.getKey(), MAX_METADATA_KEY_CHARS)) {
                throw GatewayException.invalid("metadata", "Invalid key in 'metadata': expected at most " + MAX_METADATA_KEY_CHARS
                        + " characters, got one of " + e.getKey().codePointCount(0, e.getKey().length()) + ".");
            }
            String path = "metadata." + e.getKey();
            String s = string(path, e.getValue());
            if (Validation.longerThan(s, MAX_METADATA_VALUE_CHARS)) {
                throw invalidValue(path, "a string of at most " + MAX_METADATA_VALUE_CHARS + " characters", s);
            }
        }
        return m;
    }

    /**
     * The chat request for {@code conversation} (the previous response's items, if any, then this
     * request's input, item references resolved), for {@code ChatRequestValidator}.
     */
    Map<String, Object> chatBody(List<Map<String, Object>> conversation) {
        Map<String, Object> chat = new LinkedHashMap<>();
        chat.put("model", model);
        List<Object> messages = new ArrayList<>();
        if (instructions != null) messages.add(map("role", "system", "content", instructions));
        ResponsesInput.messages(conversation, messages);
        chat.put("messages", messages);
        List<Map<?, ?>> functions = ResponsesTools.functions(tools);
        if (!functions.isEmpty()) {
            List<Object> nested = new ArrayList<>(functions.size());
            for (Map<?, ?> flat : functions) {
                Map<String, Object> function = new LinkedHashMap<>();
                function.put("name", flat.get("name"));
                if (flat.get("description") != null) function.put("description", flat.get("description"));
                if (flat.get("parameters") != null) function.put("parameters", flat.get("parameters"));
                if (Boolean.TRUE.equals(flat.get("strict")) && flat.get("parameters") != null) function.put("strict", Boolean.TRUE);
                Map<String, Object> tool = new LinkedHashMap<>();
                tool.put("type", "function");
                tool.put("function", function);
                nested.add(tool);
            }
            chat.put("tools", nested);
            chat.put("tool_choice", toolChoice instanceof Map<?, ?> m
                    ? map("type", "function", "function", map("name", m.get("name"))) : toolChoice);
            if (!parallelToolCalls) chat.put("parallel_tool_calls", Boolean.FALSE);
        }
        Map<?, ?> format = (Map<?, ?>) text.get("format");
        if ("json_object".equals(format.get("type"))) {
            chat.put("response_format", map("type", "json_object"));
        } else if ("json_schema".equals(format.get("type"))) {
            Map<String, Object> schema = new LinkedHashMap<>();
            schema.put("name", format.get("name"));
            if (format.get("description") != null) schema.put("description", format.get("description"));
            schema.put("schema", format.get("schema"));
            if (format.get("strict") != null) schema.put("strict", format.get("strict"));
            chat.put("response_format", map("type", "json_schema", "json_schema", schema));
        }
        if (maxOutputTokens != null) chat.put("max_completion_tokens", new JsonNumber(Long.toString(maxOutputTokens)));
        if (temperature != null) chat.put("temperature", temperature);
        if (topP != null) chat.put("top_p", topP);
        if (!metadata.isEmpty()) chat.put("metadata", new LinkedHashMap<>(metadata));
        if (user != null) chat.put("user", user);
        chat.putAll(gateway);
        if (stream) {
            chat.put("stream", Boolean.TRUE);
            chat.put("stream_options", map("include_usage", Boolean.TRUE));
        }
        return chat;
    }

    /** A mutable map of the pairs {@code kv} (the dispatcher may edit a chat body's parts, e.g. for repairs). */
    static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }
}
