package tollgate.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import tollgate.Gateway;
import tollgate.config.ConfigLoader;
import tollgate.config.GatewayConfig;
import tollgate.json.Json;
import tollgate.provider.SseEvent;
import tollgate.provider.SseReader;

/**
 * Starts a real {@link Gateway} on 127.0.0.1:0 from a JSON config and talks to it over HTTP.
 * The standard config ({@link #STANDARD_CONFIG}) has an {@code openai} provider pointing at a
 * {@link FakeUpstream} ({@code ${FAKE_URL}}), the offline {@code echo} provider, and a provider
 * {@code vault} that is disabled because its key variable is unset. It routes each request to
 * one attempt (no retries, breakers that never open), so that the tests of one upstream call see
 * exactly one; the routing tests configure retries and breakers themselves.
 */
final class GatewayHarness implements AutoCloseable {
    static final String CLIENT_KEY = "sk-test-0123456789abcdef";
    static final String UPSTREAM_KEY = "sk-upstream-5ecret-0000";
    static final String AUTH = "Bearer " + CLIENT_KEY;
    /** What {@code gpt-4o-mini} is called upstream. */
    static final String UPSTREAM_MODEL = "gpt-4o-mini-2024-07-18";
    /** A random (version 4) UUID as {@code execution_id} must be. */
    static final Pattern UUID_V4 = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    /** A request id the gateway generated. */
    static final Pattern GENERATED_REQUEST_ID = Pattern.compile("req_[0-9a-f]{24}");

    static final String STANDARD_CONFIG = """
            {
              "server": {"access_log": false},
              "router": {"retries": 0, "breaker": {"min_requests": 1000000}},
              "keys": [{"name": "t", "key": "sk-test-0123456789abcdef"}],
              "providers": {
                "openai": {"kind": "openai", "base_url": "${FAKE_URL}/v1", "api_key": "sk-upstream-5ecret-0000",
                           "headers": {"X-Org": "org-42", "OpenAI-Project": "proj-7"},
                           "timeout_ms": 10000, "idle_timeout_ms": 10000},
                "echo": {"kind": "echo"},
                "vault": {"kind": "openai", "base_url": "${FAKE_URL}/v1", "api_key": "${TG_TEST_VAULT_KEY}"}
              },
              "models": [
                {"id": "gpt-4o-mini", "provider": "openai", "upstream": "gpt-4o-mini-2024-07-18", "name": "GPT-4o mini",
                 "context_length": 128000, "pricing": {"prompt": "0.00000015", "completion": "0.0000006"},
                 "capabilities": ["tools", "vision", "json", "stream"], "created": 1721172741},
                {"id": "echo", "provider": "echo", "name": "Echo", "context_length": 131072,
                 "pricing": {"prompt": "0", "completion": "0"}, "created": 1700000000},
                {"id": "vault-model", "provider": "vault", "name": "Vault", "context_length": 8192}
              ]
            }
            """;

    final Gateway gateway;
    final HttpClient http;
    private final java.util.concurrent.atomic.AtomicBoolean stopped = new java.util.concurrent.atomic.AtomicBoolean();

    private GatewayHarness(Gateway gateway) {
        this.gateway = gateway;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    static Builder builder(String upstreamUrl, Path dataDir) { return new Builder(upstreamUrl, dataDir); }

    /** The standard config against {@code upstream}. */
    static GatewayHarness start(FakeUpstream upstream, Path dataDir) throws IOException {
        return builder(upstream.url(), dataDir).start();
    }

    static final class Builder {
        private final Map<String, String> env = new HashMap<>();
        private final Path dataDir;
        private Map<String, Object> config;
        private List<tollgate.tool.GatewayTool> tools = List.of();

        private Builder(String upstreamUrl, Path dataDir) {
            this.dataDir = dataDir;
            env.put("FAKE_URL", upstreamUrl);
            config = Json.asObject(Json.parse(STANDARD_CONFIG));
        }

        /** Replaces the whole config (still with {@code ${FAKE_URL}} available). */
        Builder config(String json) {
            config = Json.asObject(Json.parseWithComments(json.getBytes(UTF_8)));
            return this;
        }

        Builder server(String key, Object value) {
            section(config, "server").put(key, value);
            return this;
        }

        Builder provider(String id, String key, Object value) {
            section(section(config, "providers"), id).put(key, value);
            return this;
        }

        /** Sets a top-level section (e.g. {@code agent}) to a JSON value. */
        Builder top(String key, String json) {
            config.put(key, Json.parseWithComments(json.getBytes(UTF_8)));
            return this;
        }

        /** Gateway tools beyond the configured ones (issue 12's tests: tools scripted in the test). */
        Builder tools(List<tollgate.tool.GatewayTool> extra) {
            this.tools = extra;
            return this;
        }

        Builder env(String name, String value) {
            env.put(name, value);
            return this;
        }

        GatewayConfig build() {
            return ConfigLoader.parse(Json.toBytes(config), dataDir, env,
                    new ConfigLoader.Overrides("127.0.0.1", 0, dataDir));
        }

        /**
         * Writes the config to {@code file} and starts the gateway reloadable from it ({@link Gateway#reload}
         * reads the file again with this builder's environment and overrides), as {@code tollgate.Main} does.
         */
        GatewayHarness startReloadable(Path file) throws IOException {
            java.nio.file.Files.write(file, Json.toBytes(config));
            Map<String, String> environment = Map.copyOf(env);
            ConfigLoader.Overrides overrides = new ConfigLoader.Overrides("127.0.0.1", 0, dataDir);
            return new GatewayHarness(Gateway.start(ConfigLoader.load(file, environment, overrides), tools,
                    () -> ConfigLoader.load(file, environment, overrides)));
        }

        GatewayHarness start() throws IOException { return new GatewayHarness(Gateway.start(build(), tools)); }

        private static Map<String, Object> section(Map<String, Object> parent, String key) {
            Object v = parent.get(key);
            if (v == null) {
                v = new LinkedHashMap<String, Object>();
                parent.put(key, v);
            }
            return Json.asObject(v);
        }
    }

    int port() { return gateway.port(); }

    URI uri(String path) { return URI.create("http://127.0.0.1:" + port() + path); }

    /** An authorized POST of {@code json}; {@code headers} are name, value pairs. */
    HttpResponse<String> post(String path, String json, String... headers) throws IOException, InterruptedException {
        return send(request(path, headers).header("Authorization", AUTH)
                .POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    /** A POST with exactly the given headers (no Authorization unless given). */
    HttpResponse<String> postAs(String path, String json, String... headers) throws IOException, InterruptedException {
        return send(request(path, headers).POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    /** An authorized POST whose response body is left to the caller as a stream. */
    HttpResponse<InputStream> postStream(String path, String json, String... headers) throws IOException, InterruptedException {
        HttpRequest r = request(path, headers).header("Authorization", AUTH)
                .POST(HttpRequest.BodyPublishers.ofString(json)).build();
        return http.send(r, HttpResponse.BodyHandlers.ofInputStream());
    }

    HttpResponse<String> get(String path, String... headers) throws IOException, InterruptedException {
        return send(request(path, headers).GET().build());
    }

    HttpRequest.Builder request(String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20));
        for (int i = 0; i + 1 < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return b;
    }

    HttpResponse<String> send(HttpRequest r) throws IOException, InterruptedException {
        return http.send(r, HttpResponse.BodyHandlers.ofString(UTF_8));
    }

    RawHttp raw() throws IOException { return new RawHttp(port()); }

    /** Stops the gateway (once; {@link #close} then only closes the client). */
    void stop(Duration drain) {
        if (stopped.compareAndSet(false, true)) gateway.stop(drain);
    }

    @Override
    public void close() {
        // The gateway first: with the client's connections still open it closes them itself,
        // where closing the client first left the JDK server waiting its full stop time
        // about one time in five.
        stop(Duration.ZERO);
        http.shutdownNow();
    }

    // ------------------------------------------------------------------ parsing helpers

    /** A JSON text as an object map (numbers as {@code JsonNumber}, key order kept). */
    static Map<String, Object> obj(String json) {
        Map<String, Object> m = Json.asObject(Json.parse(json));
        if (m == null) throw new AssertionError("not a JSON object: " + json);
        return m;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> obj(Object value) { return (Map<String, Object>) value; }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object value) { return (List<Object>) value; }

    /** The {@code data} of every SSE event in {@code text}, comments skipped. */
    static List<String> sseData(String text) {
        List<String> out = new ArrayList<>();
        try (SseReader r = new SseReader(new ByteArrayInputStream(text.getBytes(UTF_8)))) {
            SseEvent e;
            while ((e = r.next()) != null) out.add(e.text());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return out;
    }

    static String readAll(InputStream in) throws IOException {
        try (in) {
            return new String(in.readAllBytes(), UTF_8);
        }
    }

    /** A minimal valid chat request body. */
    static String chat(String model, boolean stream) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]"
                + (stream ? ",\"stream\":true" : "") + "}";
    }

    /** An error body exactly as the gateway renders it. */
    /** The routes of Deepgram's API, whose errors also carry Deepgram's fields (issue 10). */
    private static final java.util.List<String> DEEPGRAM_ROUTES = java.util.List.of("/listen", "/speak", "/deepgram/stt",
            "/deepgram/tts");

    /**
     * What {@code r}'s body must be when its request expected {@code expected}: for an error on a
     * route of Deepgram's API, the same OpenAI error with Deepgram's {@code category},
     * {@code message} and {@code request_id} (the response's x-request-id) beside it
     * (error.ErrorBody#renderForDeepgram); otherwise {@code expected} itself.
     */
    static String expectedError(java.net.http.HttpResponse<?> r, String expected) {
        return expectedError(r.request().uri().getPath(), r.statusCode(), r.headers().firstValue("x-request-id").orElse(null), expected);
    }

    /** {@link #expectedError(java.net.http.HttpResponse, String)} for a response read off a raw socket. */
    static String expectedError(String path, RawHttp.Head head, String expected) {
        return expectedError(path, head.status(), head.header("x-request-id"), expected);
    }

    @SuppressWarnings("unchecked")
    private static String expectedError(String path, int status, String requestId, String expected) {
        int query = path.indexOf('?');
        if (query >= 0) path = path.substring(0, query);
        if (status < 400 || DEEPGRAM_ROUTES.stream().noneMatch(path::endsWith)) return expected;
        Map<String, Object> body = new LinkedHashMap<>(Json.asObject(Json.parse(expected.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        Map<String, Object> error = (Map<String, Object>) body.get("error");
        body.put("category", ((String) error.get("type")).toUpperCase(java.util.Locale.ROOT));
        body.put("message", error.get("message"));
        body.put("request_id", java.util.Objects.requireNonNull(requestId, "x-request-id"));
        return Json.toString(body);
    }

    static String errorJson(String message, String type, String param, int code) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("message", message);
        error.put("type", type);
        error.put("param", param);
        error.put("code", code);
        return Json.toString(Map.of("error", error));
    }
}
