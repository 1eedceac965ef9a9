package tollgate.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static tollgate.gateway.GatewayHarness.list;
import static tollgate.gateway.GatewayHarness.obj;

import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tollgate.json.Json;

/**
 * The fixture of the provider-kind tests: one {@link FakeUpstream} stands in for three upstreams
 * at once, told apart by path ({@code /v1/...} is the {@code openai} kind,
 * {@code /anthropic/v1/...} the {@code anthropic} kind, {@code /mistral/v1/...} the
 * {@code mistral} kind), and a gateway with one model or more on each ({@link #CONFIG}).
 * Helpers for Anthropic's named SSE events and for the pieces of a tool-calling conversation.
 */
abstract class ProviderKindsTestBase extends GatewayTestBase {
    static final String ANTHROPIC_KEY = "sk-ant-test";
    static final String MISTRAL_KEY = "mk-test";

    static final String OPENAI_PATH = "/v1/chat/completions";
    static final String ANTHROPIC_PATH = "/anthropic/v1/messages";
    static final String MISTRAL_PATH = "/mistral/v1/chat/completions";

    static final String CONFIG = """
            {
              "server": {"access_log": false},
              "keys": [{"name": "t", "key": "sk-test-0123456789abcdef"}],
              "providers": {
                "openai": {"kind": "openai", "base_url": "${FAKE_URL}/v1", "api_key": "sk-upstream-5ecret-0000",
                           "timeout_ms": 10000, "idle_timeout_ms": 10000},
                "anthropic": {"kind": "anthropic", "base_url": "${FAKE_URL}/anthropic/v1", "api_key": "sk-ant-test",
                              "timeout_ms": 10000, "idle_timeout_ms": 10000},
                "mistral": {"kind": "mistral", "base_url": "${FAKE_URL}/mistral/v1", "api_key": "mk-test",
                            "timeout_ms": 10000, "idle_timeout_ms": 10000}
              },
              "models": [
                {"id": "gpt-4o-mini", "provider": "openai", "upstream": "gpt-4o-mini-2024-07-18", "context_length": 128000,
                 "capabilities": ["tools", "vision", "json", "stream"]},
                // default capabilities: tools, json, stream (no vision)
                {"id": "gpt-text", "provider": "openai", "upstream": "gpt-3.5-turbo-0125", "context_length": 16385},
                {"id": "gpt-small", "provider": "openai", "upstream": "tiny-1", "context_length": 100},
                {"id": "gpt-plain", "provider": "openai", "upstream": "plain-1", "capabilities": ["stream"]},
                {"id": "claude-sonnet", "provider": "anthropic", "upstream": "claude-sonnet-4-20250514", "context_length": 200000,
                 "max_output_tokens": 8192, "capabilities": ["tools", "vision", "json", "stream"]},
                {"id": "claude-haiku", "provider": "anthropic", "upstream": "claude-3-5-haiku-20241022", "context_length": 200000},
                {"id": "mistral-large", "provider": "mistral", "upstream": "mistral-large-2411", "context_length": 128000}
              ]
            }
            """;

    @Override
    GatewayHarness startGateway(FakeUpstream upstream) throws Exception {
        return GatewayHarness.builder(upstream.url(), dataDir).config(CONFIG).start();
    }

    // ------------------------------------------------------------------ the fake upstream

    /**
     * Answers by request path: {@code routes} are path, behaviour pairs; any other path gets a
     * 404 that names it (so a request sent to the wrong place fails loudly).
     */
    static FakeUpstream.Behaviour byPath(Object... routes) {
        Map<String, FakeUpstream.Behaviour> map = new LinkedHashMap<>();
        for (int i = 0; i + 1 < routes.length; i += 2) map.put((String) routes[i], (FakeUpstream.Behaviour) routes[i + 1]);
        return (ex, up) -> {
            FakeUpstream.Behaviour b = map.get(ex.getRequestURI().getRawPath());
            if (b != null) {
                b.respond(ex, up);
                return;
            }
            byte[] bytes = ("{\"error\":{\"message\":\"fake upstream: no route for " + ex.getRequestURI().getRawPath() + "\"}}")
                    .getBytes(UTF_8);
            ex.sendResponseHeaders(404, bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        };
    }

    /** An Anthropic SSE event: {@code event: <type>\ndata: <json>\n\n} (protocols.md §7). */
    static String event(String type, String json) {
        return "event: " + type + "\ndata: " + json + "\n\n";
    }

    // ------------------------------------------------------------------ conversation pieces

    /** Two client tools, as an OpenAI client declares them. */
    static final String TOOLS = "[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"description\":\"Current weather in a city\","
            + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"},\"unit\":{\"type\":\"string\","
            + "\"enum\":[\"c\",\"f\"]}},\"required\":[\"city\"]}}},"
            + "{\"type\":\"function\",\"function\":{\"name\":\"get_time\",\"parameters\":{\"type\":\"object\","
            + "\"properties\":{\"tz\":{\"type\":\"string\"}},\"required\":[\"tz\"]}}}]";

    /** {@link #TOOLS} as the Anthropic request must carry them ({@code input_schema}). */
    static final String ANTHROPIC_TOOLS = "[{\"name\":\"get_weather\",\"description\":\"Current weather in a city\","
            + "\"input_schema\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"},\"unit\":{\"type\":\"string\","
            + "\"enum\":[\"c\",\"f\"]}},\"required\":[\"city\"]}},"
            + "{\"name\":\"get_time\",\"input_schema\":{\"type\":\"object\",\"properties\":{\"tz\":{\"type\":\"string\"}},"
            + "\"required\":[\"tz\"]}}]";

    /** A JSON string literal, as the gateway's writer renders it. */
    static String lit(String s) { return Json.toString(s); }

    static String system(String text) { return "{\"role\":\"system\",\"content\":" + lit(text) + "}"; }

    static String user(String text) { return "{\"role\":\"user\",\"content\":" + lit(text) + "}"; }

    /** An OpenAI tool call ({@code arguments} is JSON text). */
    static String call(String id, String name, String arguments) {
        return "{\"id\":" + lit(id) + ",\"type\":\"function\",\"function\":{\"name\":" + lit(name) + ",\"arguments\":"
                + lit(arguments) + "}}";
    }

    /** An assistant message with {@code content} (null for none) and tool calls. */
    static String assistant(String content, String... calls) {
        return "{\"role\":\"assistant\",\"content\":" + (content == null ? "null" : lit(content))
                + ",\"tool_calls\":[" + String.join(",", calls) + "]}";
    }

    static String toolResult(String id, String content) {
        return "{\"role\":\"tool\",\"tool_call_id\":" + lit(id) + ",\"content\":" + lit(content) + "}";
    }

    static String messages(String... messages) { return "[" + String.join(",", messages) + "]"; }

    // ------------------------------------------------------------------ reading answers

    /** The {@code data} of each SSE event the client got, the last one checked to be [DONE] and dropped. */
    static List<String> chunksBeforeDone(String sse) {
        List<String> events = GatewayHarness.sseData(sse);
        assertEquals("[DONE]", events.get(events.size() - 1), sse);
        return events.subList(0, events.size() - 1);
    }

    /** {@code tool_calls[].id} of every assistant message / delta in a parsed body, in order. */
    static List<String> toolCallIds(Object messagesOrBlocks) {
        List<String> ids = new ArrayList<>();
        for (Object m : list(messagesOrBlocks)) {
            Object calls = obj(m).get("tool_calls");
            if (calls == null) continue;
            for (Object c : list(calls)) ids.add((String) obj(c).get("id"));
        }
        return ids;
    }

    /** {@code tool_call_id} of every tool message, in order. */
    static List<String> toolMessageIds(Object messages) {
        List<String> ids = new ArrayList<>();
        for (Object m : list(messages)) {
            if ("tool".equals(obj(m).get("role"))) ids.add((String) obj(m).get("tool_call_id"));
        }
        return ids;
    }

    /** The extension object of a non-streamed completion. */
    static Map<String, Object> extension(HttpResponse<String> r) {
        return obj(obj(r.body()).get("tollgate"));
    }

    /** The {@code repairs} report as JSON text, or null when the extension has none. */
    static String repairs(Map<String, Object> extension) {
        Object r = extension.get("repairs");
        return r == null ? null : Json.toString(r);
    }
}
