package tollgate.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.FakeUpstream.DONE;
import static tollgate.gateway.FakeUpstream.data;
import static tollgate.gateway.GatewayHarness.obj;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import tollgate.json.Json;
import tollgate.json.JsonNumber;

/**
 * The fixture of the routing black-box tests: three fake OpenAI upstreams behind three providers
 * ({@code pa}, {@code pb}, {@code pc}), one catalog model each, and a gateway started per test
 * with the router (and groups) the test needs.
 *
 * <ul>
 *   <li>{@code a-model} = deployment {@code pa/up-a}: window 4096, the dearest of A and B,
 *       tools/json/stream; it is the savings baseline.</li>
 *   <li>{@code b-model} = {@code pb/up-b}: window 16384, half A's price, stream/vision.</li>
 *   <li>{@code c-model} = {@code pc/up-c}: window 4096 (as A's), the dearest, stream.</li>
 * </ul>
 */
abstract class RoutingTestBase {
    static final String A = "pa/up-a";
    static final String B = "pb/up-b";
    static final String C = "pc/up-c";

    /** One retry, tiny backoffs, a 50 ms retry-after cap, a breaker that never opens. */
    static final String ROUTER = "{\"retries\": 1, \"backoff_ms\": 1, \"max_backoff_ms\": 5, \"max_retry_after_ms\": 50,"
            + " \"baseline_model\": \"a-model\", \"breaker\": {\"min_requests\": 1000000}}";

    static final String CONFIG = """
            {
              "server": @SERVER@,
              "router": @ROUTER@,
              "groups": @GROUPS@,
              "keys": [{"name": "t", "key": "sk-test-0123456789abcdef"}],
              "providers": {
                "pa": {"kind": "openai", "base_url": "${A_URL}/v1", "api_key": "sk-up-a-000000000000",
                       "timeout_ms": @A_TIMEOUT@, "idle_timeout_ms": @A_IDLE@},
                "pb": {"kind": "openai", "base_url": "${B_URL}/v1", "api_key": "sk-up-b-000000000000",
                       "timeout_ms": 500, "idle_timeout_ms": 500},
                "pc": {"kind": "openai", "base_url": "${C_URL}/v1", "api_key": "sk-up-c-000000000000",
                       "timeout_ms": 500, "idle_timeout_ms": 500}
              },
              "models": [
                {"id": "a-model", "provider": "pa", "upstream": "up-a", "name": "Model A", "context_length": 4096,
                 "pricing": {"prompt": "0.000001", "completion": "0.000002"},
                 "capabilities": ["tools", "json", "stream"], "created": 1700000001},
                {"id": "b-model", "provider": "pb", "upstream": "up-b", "name": "Model B", "context_length": 16384,
                 "pricing": {"prompt": "0.0000005", "completion": "0.000001"},
                 "capabilities": ["stream", "vision"], "created": 1700000002},
                {"id": "c-model", "provider": "pc", "upstream": "up-c", "name": "Model C", "context_length": 4096,
                 "pricing": {"prompt": "0.000002", "completion": "0.000004"},
                 "capabilities": ["stream"], "created": 1700000003}
              ]
            }
            """;

    /** B's cost for {@link #completion}'s usage (10 + 5 tokens): 10 × 0.0000005 + 5 × 0.000001. */
    static final String B_COST = "0.00001";
    /** A's cost for the same usage: 10 × 0.000001 + 5 × 0.000002 (A is the baseline). */
    static final String A_COST = "0.00002";

    @TempDir Path dataDir;
    FakeUpstream a;
    FakeUpstream b;
    FakeUpstream c;
    GatewayHarness gw;
    /** The {@code server} section of the next {@link #start}. */
    String server = "{\"access_log\": false}";

    @BeforeEach
    void startUpstreams() throws Exception {
        a = new FakeUpstream();
        b = new FakeUpstream();
        c = new FakeUpstream();
    }

    @AfterEach
    void stopAll() {
        if (gw != null) {
            // The server first: when the client's connections close first, the JDK server's stop
            // sometimes waits out its whole deadline (3 s) for an exchange that never ends.
            gw.stop(Duration.ZERO);
            gw.close();
        }
        a.close();
        b.close();
        c.close();
    }

    GatewayHarness start(String router) throws IOException { return start(router, "[]"); }

    GatewayHarness start(String router, String groups) throws IOException {
        return start(router, groups, a.url(), 500, 500);
    }

    /** Starts the gateway; A's URL and time limits as given. */
    GatewayHarness start(String router, String groups, String aUrl, int aTimeoutMs, int aIdleMs) throws IOException {
        String config = CONFIG.replace("@SERVER@", server).replace("@ROUTER@", router).replace("@GROUPS@", groups)
                .replace("@A_TIMEOUT@", Integer.toString(aTimeoutMs)).replace("@A_IDLE@", Integer.toString(aIdleMs));
        gw = GatewayHarness.builder(a.url(), dataDir).config(config)
                .env("A_URL", aUrl).env("B_URL", b.url()).env("C_URL", c.url()).start();
        return gw;
    }

    /** A URL where nothing listens (a port just bound and released). */
    static String closedUrl() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + s.getLocalPort();
        }
    }

    // ------------------------------------------------------------------ requests

    /** A chat request for {@code model} with {@code models} fallbacks (none when empty). */
    static String chat(String model, boolean stream, String... fallbacks) {
        StringBuilder s = new StringBuilder("{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]");
        if (stream) s.append(",\"stream\":true");
        if (fallbacks.length > 0) {
            s.append(",\"models\":[");
            for (int i = 0; i < fallbacks.length; i++) s.append(i == 0 ? "" : ",").append('"').append(fallbacks[i]).append('"');
            s.append(']');
        }
        return s.append('}').toString();
    }

    HttpResponse<String> post(String body, String requestId) throws IOException, InterruptedException {
        return gw.post("/v1/chat/completions", body, "x-request-id", requestId);
    }

    /** A streamed request's response, its body read whole. */
    HttpResponse<String> postStream(String body, String requestId) throws IOException, InterruptedException {
        HttpResponse<InputStream> r = gw.postStream("/v1/chat/completions", body, "x-request-id", requestId);
        String text = GatewayHarness.readAll(r.body());
        return new HttpResponse<>() {
            @Override public int statusCode() { return r.statusCode(); }
            @Override public java.net.http.HttpRequest request() { return r.request(); }
            @Override public java.util.Optional<HttpResponse<String>> previousResponse() { return java.util.Optional.empty(); }
            @Override public java.net.http.HttpHeaders headers() { return r.headers(); }
            @Override public String body() { return text; }
            @Override public java.util.Optional<javax.net.ssl.SSLSession> sslSession() { return r.sslSession(); }
            @Override public java.net.URI uri() { return r.uri(); }
            @Override public java.net.http.HttpClient.Version version() { return r.version(); }
        };
    }

    static String route(HttpResponse<?> r) { return r.headers().firstValue("x-tollgate-route").orElse(null); }

    // ------------------------------------------------------------------ upstream answers

    /** A non-streamed completion from {@code upstreamModel} saying {@code content}; usage 10 + 5. */
    static String completion(String upstreamModel, String content) {
        return "{\"id\":\"chatcmpl-" + upstreamModel + "\",\"object\":\"chat.completion\",\"created\":1700000000,\"model\":\""
                + upstreamModel + "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"" + content
                + "\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5,\"total_tokens\":15}}";
    }

    static String chunk(String upstreamModel, String delta, String finishReason) {
        return "{\"id\":\"chatcmpl-s-" + upstreamModel + "\",\"object\":\"chat.completion.chunk\",\"created\":1700000001,"
                + "\"model\":\"" + upstreamModel + "\",\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":"
                + finishReason + "}]}";
    }

    static String roleChunk(String upstreamModel) { return chunk(upstreamModel, "{\"role\":\"assistant\",\"content\":\"\"}", "null"); }

    static String textChunk(String upstreamModel, String text) { return chunk(upstreamModel, "{\"content\":\"" + text + "\"}", "null"); }

    static String stopChunk(String upstreamModel) { return chunk(upstreamModel, "{}", "\"stop\""); }

    /** The three chunks of a whole streamed answer. */
    static List<String> streamChunks(String upstreamModel, String text) {
        return List.of(roleChunk(upstreamModel), textChunk(upstreamModel, text), stopChunk(upstreamModel));
    }

    /** A whole, clean SSE answer: {@link #streamChunks} then {@code [DONE]}. */
    static FakeUpstream.Sse streamAnswer(String upstreamModel, String text) {
        List<String> ch = streamChunks(upstreamModel, text);
        return FakeUpstream.sse(data(ch.get(0)), data(ch.get(1)), data(ch.get(2)), DONE);
    }

    /** Answers {@code status} with a JSON body and extra response headers (name, value pairs). */
    static FakeUpstream.Behaviour jsonWithHeaders(int status, String body, String... headers) {
        return (ex, up) -> {
            byte[] bytes = body.getBytes(UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            for (int i = 0; i + 1 < headers.length; i += 2) ex.getResponseHeaders().set(headers[i], headers[i + 1]);
            ex.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        };
    }

    /** The n-th call (0-based) answers as {@code steps[n]}; calls past the end as the last step. */
    static FakeUpstream.Behaviour sequence(FakeUpstream.Behaviour... steps) {
        AtomicInteger calls = new AtomicInteger();
        return (ex, up) -> steps[Math.min(calls.getAndIncrement(), steps.length - 1)].respond(ex, up);
    }

    static String openAiError(String message, String type, String param, String code) {
        return UpstreamErrorsTest.openAiError(message, type, param, code);
    }

    static final String OVERLOADED = openAiError("The engine is currently overloaded.", "server_error", null, null);
    static final String RATE_LIMITED = openAiError("Rate limit reached for requests per min.", "requests", null, "rate_limit_exceeded");
    static final String CONTEXT_EXCEEDED = openAiError("This model's maximum context length is 4096 tokens. However, your messages "
            + "resulted in 5000 tokens.", "invalid_request_error", "messages", "context_length_exceeded");

    // ------------------------------------------------------------------ what the client must see

    /**
     * The expected {@code route} object as JSON: {@code tried} must be exactly {@code expected}
     * ("deployment outcome" each); the {@code ms} values are the actual ones (checked to be
     * whole numbers from 0 up), so that the whole body can then be compared exactly.
     */
    static String expectedRoute(Map<String, Object> extension, String chosen, String model, String reason, String... expected) {
        Object actualRoute = extension.get("route");
        assertNotNull(actualRoute, "no route in " + extension);
        List<Object> tried = GatewayHarness.list(obj(actualRoute).get("tried"));
        List<String> pairs = new ArrayList<>();
        for (Object t : tried) pairs.add(obj(t).get("deployment") + " " + obj(t).get("outcome"));
        assertEquals(List.of(expected), pairs, "route.tried of " + extension);
        List<Object> triedOut = new ArrayList<>();
        for (int i = 0; i < tried.size(); i++) {
            Object ms = obj(tried.get(i)).get("ms");
            assertTrue(ms instanceof JsonNumber n && n.isInteger() && Long.parseLong(n.text()) >= 0, "ms: " + ms);
            String[] dp = expected[i].split(" ");
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("deployment", dp[0]);
            t.put("outcome", dp[1]);
            t.put("ms", ms);
            triedOut.add(t);
        }
        Map<String, Object> route = new LinkedHashMap<>();
        route.put("chosen", chosen);
        route.put("model", model);
        route.put("tried", triedOut);
        route.put("reason", reason);
        return Json.toString(route);
    }

    static long ms(Map<String, Object> extension, int index) {
        Object t = GatewayHarness.list(obj(extension.get("route")).get("tried")).get(index);
        return Long.parseLong(((JsonNumber) obj(t).get("ms")).text());
    }

    /** The extension object of a non-streamed answer. */
    static Map<String, Object> extension(String body) { return obj(obj(body).get("tollgate")); }

    /** The extension object on the first chunk of a stream. */
    static Map<String, Object> streamExtension(String sse) {
        return obj(obj(GatewayHarness.sseData(sse).get(0)).get("tollgate"));
    }

    /**
     * Credits a request costing {@code costUsd} is charged (issue 9): {@code ceil(cost × 1000)},
     * 1000 being the default {@code accounts.credits_per_usd} (the config has no {@code accounts}),
     * so anything above 0 costs at least one credit.
     */
    static long credits(String costUsd) {
        return new BigDecimal(costUsd).multiply(BigDecimal.valueOf(1000)).setScale(0, RoundingMode.CEILING).longValueExact();
    }

    /**
     * A non-streamed answer as the client must get it: the client's model, then the extension
     * object, ending with the credits charged for {@code cost} (the config key has no balance).
     */
    static String expectedCompletion(String upstreamCompletion, String upstreamModel, String clientModel, Map<String, Object> ext,
                                     String requestId, String routeJson, String cost, String savings) {
        String s = upstreamCompletion.replace("\"model\":\"" + upstreamModel + "\"", "\"model\":\"" + clientModel + "\"");
        return s.substring(0, s.length() - 1) + ",\"tollgate\":{\"execution_id\":\"" + ext.get("execution_id")
                + "\",\"request_id\":\"" + requestId + "\"" + (routeJson == null ? "" : ",\"route\":" + routeJson)
                + ",\"cost\":" + cost + ",\"savings\":" + savings + ",\"credits_charged\":" + credits(cost) + "}}";
    }

    /** A chunk as the client must get it: the client's model (and, on the first, the extension). */
    static String relayed(String upstreamChunk, String upstreamModel, String clientModel) {
        return upstreamChunk.replace("\"model\":\"" + upstreamModel + "\"", "\"model\":\"" + clientModel + "\"");
    }

    static String withExtension(String chunk, Map<String, Object> ext, String requestId, String routeJson) {
        return chunk.substring(0, chunk.length() - 1) + ",\"tollgate\":{\"execution_id\":\"" + ext.get("execution_id")
                + "\",\"request_id\":\"" + requestId + "\"" + (routeJson == null ? "" : ",\"route\":" + routeJson) + "}}";
    }

    /** A whole clean stream as the client must get it from {@code upstreamModel}'s {@link #streamChunks}. */
    static String expectedStream(String upstreamModel, String text, String clientModel, Map<String, Object> ext, String requestId,
                                 String routeJson) {
        List<String> ch = streamChunks(upstreamModel, text);
        return data(withExtension(relayed(ch.get(0), upstreamModel, clientModel), ext, requestId, routeJson))
                + data(relayed(ch.get(1), upstreamModel, clientModel)) + data(relayed(ch.get(2), upstreamModel, clientModel)) + DONE;
    }

    static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) n++;
        return n;
    }

    /** The health entry of {@code deployment} in {@code GET /v1/providers}. */
    Map<String, Object> health(String deployment) throws IOException, InterruptedException {
        HttpResponse<String> r = gw.get("/v1/providers");
        assertEquals(200, r.statusCode(), r.body());
        for (Object p : GatewayHarness.list(obj(r.body()).get("data"))) {
            Object ds = obj(p).get("deployments");
            if (ds == null) continue;
            for (Object d : GatewayHarness.list(ds)) if (deployment.equals(obj(d).get("deployment"))) return obj(d);
        }
        throw new AssertionError("no deployment " + deployment + " in " + r.body());
    }
}
