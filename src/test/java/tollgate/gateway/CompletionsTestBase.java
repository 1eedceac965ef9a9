package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static tollgate.gateway.GatewayHarness.obj;

import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.Map;
import tollgate.json.Json;

/**
 * The fixture of the FIM and completions tests: one {@link FakeUpstream} that is an OpenAI-style
 * server under {@code /v1} (legacy {@code /completions} with {@code suffix}, as DeepSeek, vLLM and
 * llama.cpp serve it, and chat) and Mistral under {@code /mistral/v1} (its FIM endpoint and chat),
 * answering by path ({@link ProviderKindsTestBase#byPath}); the offline echo provider; and a model
 * for each inbound × backend pair:
 *
 * <pre>
 *   codestral      mistral /fim/completions     fim            priced
 *   codestral-text mistral /fim/completions     completions
 *   deepseek-coder openai  /completions         fim, completions  priced
 *   gpt-4o-mini    openai  /chat/completions    chat only (completions wrapped)
 *   mistral-small  mistral /chat/completions    chat only (completions wrapped)
 *   echo           echo                         chat, fim, completions
 *   echo-chat      echo                         chat only (completions wrapped)
 * </pre>
 */
abstract class CompletionsTestBase extends GatewayTestBase {
    static final String OPENAI_KEY = "sk-upstream-5ecret-0000";
    static final String MISTRAL_KEY = "mk-test-mistral-5ecret";
    static final String FIM_PATH = "/mistral/v1/fim/completions";
    static final String COMPLETIONS_PATH = "/v1/completions";
    static final String CHAT_PATH = "/v1/chat/completions";
    static final String MISTRAL_CHAT_PATH = "/mistral/v1/chat/completions";

    static final String CONFIG = """
            {
              "server": {"access_log": false},
              "router": {"retries": 0, "breaker": {"min_requests": 1000000}},
              "keys": [{"name": "t", "key": "sk-test-0123456789abcdef"}],
              "providers": {
                "openai": {"kind": "openai", "base_url": "${FAKE_URL}/v1", "api_key": "sk-upstream-5ecret-0000",
                           "timeout_ms": 10000, "idle_timeout_ms": 10000},
                "mistral": {"kind": "mistral", "base_url": "${FAKE_URL}/mistral/v1", "api_key": "mk-test-mistral-5ecret",
                            "timeout_ms": 10000, "idle_timeout_ms": 10000},
                "echo": {"kind": "echo"}
              },
              "models": [
                {"id": "codestral", "provider": "mistral", "upstream": "codestral-2405", "context_length": 256000,
                 "pricing": {"prompt": "0.0000003", "completion": "0.0000009"}, "capabilities": ["fim", "stream"]},
                {"id": "codestral-text", "provider": "mistral", "upstream": "codestral-2405", "capabilities": ["completions"]},
                {"id": "deepseek-coder", "provider": "openai", "upstream": "deepseek-coder-v2", "context_length": 128000,
                 "pricing": {"prompt": "0.00000014", "completion": "0.00000028"}, "capabilities": ["fim", "completions", "stream"]},
                {"id": "gpt-4o-mini", "provider": "openai", "upstream": "gpt-4o-mini-2024-07-18", "context_length": 128000,
                 "pricing": {"prompt": "0.00000015", "completion": "0.0000006"}},
                {"id": "mistral-small", "provider": "mistral", "upstream": "mistral-small-2409"},
                {"id": "echo", "provider": "echo", "pricing": {"prompt": "0", "completion": "0"},
                 "capabilities": ["tools", "json", "stream", "fim", "completions"]},
                {"id": "echo-chat", "provider": "echo", "upstream": "echo", "pricing": {"prompt": "0", "completion": "0"}}
              ]
            }
            """;

    String config() { return CONFIG; }

    @Override
    GatewayHarness startGateway(FakeUpstream upstream) throws Exception {
        return GatewayHarness.builder(upstream.url(), dataDir).config(config()).start();
    }

    /** A streamed POST: asserts a 200 event stream and returns its body. */
    String stream(String path, String body, String... headers) throws Exception {
        HttpResponse<InputStream> r = gw.postStream(path, body, headers);
        String text = GatewayHarness.readAll(r.body());
        assertEquals(200, r.statusCode(), text);
        assertEquals("text/event-stream", r.headers().firstValue("content-type").orElseThrow());
        return text;
    }

    /** The extension object of a JSON answer or chunk. */
    static Map<String, Object> ext(String json) {
        return obj(obj(json).get("tollgate"));
    }

    /** The ids part of the extension object, as the gateway renders it, from a response's own. */
    static String ids(String json, String requestId) {
        return "{\"execution_id\":\"" + ext(json).get("execution_id") + "\",\"request_id\":\"" + requestId + "\"}";
    }

    static String lit(String s) { return Json.toString(s); }
}
