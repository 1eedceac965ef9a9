package tollgate.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.GatewayHarness.chat;
import static tollgate.gateway.GatewayHarness.errorJson;
import static tollgate.gateway.GatewayHarness.list;
import static tollgate.gateway.GatewayHarness.obj;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.json.Json;

/**
 * Local models (issue 13): kinds {@code ollama} and {@code vllm} against fakes on loopback, the
 * models they serve discovered at start-up ({@code /api/tags}, {@code /v1/models}), listed in
 * {@code GET /v1/models}, reached as {@code <provider>/<name>}; a down upstream; the suggestion
 * in an unknown model's error.
 */
class LocalModelsTest {
    static final String TAGS = """
            {"models": [
              {"name": "llama3:8b", "model": "llama3:8b", "size": 4661224676, "details": {"family": "llama"}},
              {"name": "qwen2.5-coder:latest", "model": "qwen2.5-coder:latest"},
              {"name": "llama3.2:latest", "model": "llama3.2:latest"},
              {"name": "has space", "model": "has space"},
              {"model": "no-name:1b"},
              {"name": 7}
            ]}""";
    static final String VLLM_MODELS = """
            {"object": "list", "data": [
              {"id": "meta-llama/Llama-3.1-8B-Instruct", "object": "model", "created": 1700000000, "owned_by": "vllm",
               "root": "meta-llama/Llama-3.1-8B-Instruct", "max_model_len": 8192}
            ]}""";
    static final String COMPLETION = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1700000000,"
            + "\"model\":\"llama3:8b\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hi!\"},"
            + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,\"total_tokens\":5}}";

    @TempDir Path dataDir;
    private final List<AutoCloseable> open = new ArrayList<>();
    private GatewayHarness gw;

    @AfterEach
    void close() throws Exception {
        if (gw != null) gw.close();
        for (AutoCloseable c : open) c.close();
    }

    /** A fake local server: its model list at {@code listPath}, chat completions at /v1/chat/completions. */
    private FakeUpstream local(String listPath, String list) throws IOException {
        FakeUpstream f = new FakeUpstream().respondWith((ex, up) -> {
            String path = ex.getRequestURI().getRawPath();
            if (ex.getRequestMethod().equals("GET") && path.equals(listPath)) send(ex, 200, list);
            else if (ex.getRequestMethod().equals("POST") && path.equals("/v1/chat/completions")) send(ex, 200, COMPLETION);
            else send(ex, 404, "{\"error\":\"not found\"}");
        });
        open.add(f);
        return f;
    }

    private static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static final String KEYS = "\"server\": {\"access_log\": false}, \"keys\": [{\"name\": \"t\", \"key\": \"sk-test-0123456789abcdef\"}]";

    private void start(String providersAndModels, Map<String, String> env, String url) throws IOException {
        GatewayHarness.Builder b = GatewayHarness.builder(url, dataDir).config("{" + KEYS + ", " + providersAndModels + "}");
        env.forEach(b::env);
        gw = b.start();
    }

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> models() throws Exception {
        HttpResponse<String> r = gw.get("/v1/models");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object o : list(obj(r.body()).get("data"))) out.add((Map<String, Object>) o);
        return out;
    }

    private static List<String> ids(List<Map<String, Object>> models) {
        return models.stream().map(m -> (String) m.get("id")).toList();
    }

    private void startBoth(FakeUpstream ollama, FakeUpstream vllm) throws IOException {
        // Ollama through OLLAMA_URL without /v1 (the kind adds it), vLLM through its base_url.
        start("""
                "providers": {"ollama": {"kind": "ollama"}, "vllm": {"kind": "vllm", "base_url": "${VLLM_FAKE}/v1"}},
                "models": [{"id": "qwen", "provider": "ollama", "upstream": "qwen2.5-coder:latest"},
                           {"id": "llama-3.2", "provider": "ollama", "upstream": "llama3.2",
                            "pricing": {"prompt": "0.000001", "completion": "0.000002"}}]""",
                Map.of("OLLAMA_URL", ollama.url(), "VLLM_FAKE", vllm.url()), ollama.url());
    }

    @Test
    void discoveredModels_areListedAsProviderSlashName_besideTheConfiguredOnes() throws Exception {
        FakeUpstream ollama = local("/api/tags", TAGS);
        FakeUpstream vllm = local("/v1/models", VLLM_MODELS);
        startBoth(ollama, vllm);

        List<Map<String, Object>> models = models();
        // Configured first; "qwen2.5-coder:latest" is the configured "qwen" already, and "llama3.2:latest" the
        // configured "llama-3.2" (Ollama's default tag), so neither is listed twice;
        // "has space" and entries without a string name are skipped; discovered ones are no neo-mode candidates.
        assertEquals(List.of("qwen", "llama-3.2", "ollama/llama3:8b", "ollama/no-name:1b", "vllm/meta-llama/Llama-3.1-8B-Instruct",
                "neo-mode", "neo-mode/frugal", "neo-mode/balanced", "neo-mode/premium"), ids(models));
        String caps = "[\"completions\",\"fim\",\"json\",\"stream\",\"tools\",\"vision\"]";
        assertEquals("{\"id\":\"ollama/llama3:8b\",\"object\":\"model\",\"created\":0,\"owned_by\":\"ollama\",\"name\":\"llama3:8b\","
                + "\"context_length\":0,\"capabilities\":" + caps + "}", Json.toString(models.get(2)));
        assertEquals("{\"id\":\"vllm/meta-llama/Llama-3.1-8B-Instruct\",\"object\":\"model\",\"created\":1700000000,"
                + "\"owned_by\":\"vllm\",\"name\":\"meta-llama/Llama-3.1-8B-Instruct\",\"context_length\":8192,"
                + "\"capabilities\":" + caps + "}", Json.toString(models.get(4)));
        assertEquals(List.of("qwen", "llama-3.2"), models.get(5).get("members"));

        FakeUpstream.Received tags = ollama.takeRequest();
        assertEquals("GET", tags.method());
        assertEquals("/api/tags", tags.path());
        assertEquals("application/json", tags.header("accept"));
        FakeUpstream.Received list = vllm.takeRequest();
        assertEquals("/v1/models", list.path());
        assertEquals(null, list.header("authorization"));
    }

    @Test
    void chatToADiscoveredModel_reachesItsServerWithTheBareName() throws Exception {
        FakeUpstream ollama = local("/api/tags", TAGS);
        FakeUpstream vllm = local("/v1/models", VLLM_MODELS);
        startBoth(ollama, vllm);
        ollama.takeRequest();
        vllm.takeRequest();

        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("ollama/llama3:8b", false));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        assertEquals("ollama/llama3:8b", r.headers().firstValue("x-tollgate-route").orElseThrow());
        Map<String, Object> body = obj(r.body());
        assertEquals("ollama/llama3:8b", body.get("model"));
        assertEquals("Hi!", obj(obj(list(body.get("choices")).get(0)).get("message")).get("content"));
        // Unpriced: no cost, nothing charged, no savings claimed.
        assertEquals(null, obj(body.get("tollgate")).get("cost"));
        FakeUpstream.Received sent = ollama.takeRequest();
        assertEquals("/v1/chat/completions", sent.path());
        assertEquals("{\"model\":\"llama3:8b\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}", sent.bodyText());

        r = gw.post("/v1/chat/completions", chat("vllm/meta-llama/Llama-3.1-8B-Instruct", false));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        assertEquals("{\"model\":\"meta-llama/Llama-3.1-8B-Instruct\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
                vllm.takeRequest().bodyText());
    }

    @Test
    void unknownModel_suggestsTheProviderSlashName_elseTheClosestIds() throws Exception {
        startBoth(local("/api/tags", TAGS), local("/v1/models", VLLM_MODELS));

        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("llama3", false));
        assertEquals(400, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        assertEquals(errorJson("The model 'llama3' does not exist on this gateway. Did you mean 'ollama/llama3:8b'? "
                + "GET /v1/models lists the models it serves.", "invalid_request_error", "model", 400), r.body());

        r = gw.post("/v1/chat/completions", chat("Llama3:latest", false));
        assertEquals(errorJson("The model 'Llama3:latest' does not exist on this gateway. Did you mean 'ollama/llama3:8b'? "
                + "GET /v1/models lists the models it serves.", "invalid_request_error", "model", 400), r.body());

        r = gw.post("/v1/chat/completions", chat("llama-3.1", false));
        assertEquals(400, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        assertEquals(errorJson("The model 'llama-3.1' does not exist on this gateway. Did you mean 'llama-3.2'? "
                + "GET /v1/models lists the models it serves.", "invalid_request_error", "model", 400), r.body());

        r = gw.post("/v1/chat/completions", chat("gpt-4o", false));
        assertEquals(errorJson("The model 'gpt-4o' does not exist on this gateway. "
                + "GET /v1/models lists the models it serves.", "invalid_request_error", "model", 400), r.body());
    }

    @Test
    void downOrSilentUpstreams_doNotStopTheStart_andTheirConfiguredModelsStayListed() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        SilentUpstream silent = new SilentUpstream(false);
        open.add(silent);
        FakeUpstream ollama = local("/api/tags", TAGS);
        FakeUpstream failing = local("/elsewhere", "{}"); // its /v1/models is a 404, its chat completions work
        FakeUpstream notAList = local("/v1/models", "{\"object\": \"list\", \"data\": 5}");
        FakeUpstream tooBig = local("/v1/models", "{\"data\": [{\"id\": \"" + "x".repeat(2 * 1024 * 1024) + "\"}]}");
        // "timeout_ms" shortens the discovery wait below ModelDiscovery.TIMEOUT.
        start("""
                "providers": {"down": {"kind": "vllm", "base_url": "http://127.0.0.1:%d/v1"},
                              "silent": {"kind": "llamacpp", "base_url": "${SILENT}", "timeout_ms": 300},
                              "failing": {"kind": "vllm", "base_url": "${FAILING}/v1"},
                              "notalist": {"kind": "vllm", "base_url": "${NOT_A_LIST}/v1"},
                              "toobig": {"kind": "vllm", "base_url": "${TOO_BIG}/v1"},
                              "ollama": {"kind": "ollama", "base_url": "${FAKE_URL}/v1"}},
                "models": [{"id": "local-big", "provider": "down", "upstream": "big"},
                           {"id": "local-small", "provider": "silent", "upstream": "small"},
                           {"id": "local-mid", "provider": "failing", "upstream": "mid"}]""".formatted(closedPort),
                Map.of("SILENT", silent.url(), "FAILING", failing.url(), "NOT_A_LIST", notAList.url(), "TOO_BIG", tooBig.url()),
                ollama.url());

        assertTrue(silent.awaitRequest(Duration.ofSeconds(5)));
        // Given up on, not left hanging: the gateway closed its connection.
        assertTrue(silent.awaitPeerClosed(Duration.ofSeconds(5)));
        assertEquals("/v1/models", failing.takeRequest().path());
        assertEquals("/v1/models", notAList.takeRequest().path());
        assertEquals("/v1/models", tooBig.takeRequest().path());
        assertEquals(List.of("local-big", "local-small", "local-mid", "ollama/llama3:8b", "ollama/qwen2.5-coder:latest",
                "ollama/llama3.2:latest", "ollama/no-name:1b",
                "neo-mode", "neo-mode/frugal", "neo-mode/balanced", "neo-mode/premium"), ids(models()));
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("local-mid", false));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        assertEquals("failing/mid", r.headers().firstValue("x-tollgate-route").orElseThrow());
    }

    @Test
    void discoverFalse_asksNothing() throws Exception {
        FakeUpstream vllm = local("/v1/models", VLLM_MODELS);
        start("""
                "providers": {"vllm": {"kind": "vllm", "base_url": "${FAKE_URL}/v1", "discover": false, "api_key": "sk-vllm-0123"}},
                "models": [{"id": "m", "provider": "vllm", "upstream": "meta-llama/Llama-3.1-8B-Instruct"}]""",
                Map.of(), vllm.url());

        assertEquals(List.of("m", "neo-mode", "neo-mode/frugal", "neo-mode/balanced", "neo-mode/premium"), ids(models()));
        assertEquals(List.of(), vllm.requests());
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("m", false));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        assertEquals("Bearer sk-vllm-0123", vllm.takeRequest().header("authorization"));
    }

    @Test
    void discoveryWithAKey_sendsIt() throws Exception {
        FakeUpstream vllm = local("/v1/models", VLLM_MODELS);
        start("""
                "providers": {"vllm": {"kind": "vllm", "base_url": "${FAKE_URL}/v1", "api_key": "sk-vllm-0123",
                                       "headers": {"X-Team": "ml"}}}""", Map.of(), vllm.url());

        FakeUpstream.Received list = vllm.takeRequest();
        assertEquals("/v1/models", list.path());
        assertEquals("Bearer sk-vllm-0123", list.header("authorization"));
        assertEquals("ml", list.header("x-team"));
        assertEquals(List.of("vllm/meta-llama/Llama-3.1-8B-Instruct"), ids(models()));
    }

    @Test
    void discoveredModels_doNotPushTheOfflineEchoOutOfNeoMode() throws Exception {
        // Online discovered models never join the policies' pool; when only they are online, the
        // configured echo model is still what neo-mode answers from (as without discovery).
        FakeUpstream ollama = local("/api/tags", TAGS);
        start("""
                "providers": {"ollama": {"kind": "ollama", "base_url": "${FAKE_URL}/v1"}, "echo": {"kind": "echo"}},
                "models": [{"id": "echo", "provider": "echo"}]""", Map.of(), ollama.url());

        List<Map<String, Object>> models = models();
        assertEquals(List.of("echo", "ollama/llama3:8b", "ollama/qwen2.5-coder:latest", "ollama/llama3.2:latest", "ollama/no-name:1b",
                "neo-mode", "neo-mode/frugal", "neo-mode/balanced", "neo-mode/premium"), ids(models));
        assertEquals(List.of("echo"), models.get(5).get("members"));
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("neo-mode", false));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        assertEquals("echo/echo", r.headers().firstValue("x-tollgate-route").orElseThrow());
        assertEquals("neo-mode", obj(r.body()).get("model"));
    }

    @Test
    void aReload_asksAgain_andCountsTheDiscoveredModelsAsUsable() throws Exception {
        AtomicReference<String> tags = new AtomicReference<>("{\"models\": [{\"name\": \"llama3:8b\"}]}");
        FakeUpstream ollama = new FakeUpstream().respondWith((ex, up) -> send(ex, 200, tags.get()));
        open.add(ollama);
        String config = "{" + KEYS + ", \"accounts\": {\"admin_token\": \"admin-token-0123456789abcdef\"},"
                + " \"providers\": {\"ollama\": {\"kind\": \"ollama\", \"base_url\": \"${FAKE_URL}/v1\"}}}";
        Path file = dataDir.resolve("gateway.json");
        gw = GatewayHarness.builder(ollama.url(), dataDir.resolve("data")).config(config).startReloadable(file);
        assertEquals(List.of("ollama/llama3:8b"), ids(models()));

        tags.set("{\"models\": [{\"name\": \"llama3:8b\"}, {\"name\": \"phi3:mini\"}]}");
        Files.writeString(file, config, UTF_8);
        HttpResponse<String> r = gw.send(gw.request("/admin/reload", "Authorization", "Bearer admin-token-0123456789abcdef")
                .POST(HttpRequest.BodyPublishers.noBody()).build());
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        assertTrue(r.body().contains("\"models\":2,"), r.body());
        assertEquals(List.of("ollama/llama3:8b", "ollama/phi3:mini"), ids(models()));
    }

    @Test
    void atMost256ModelsAreTakenFromOneProvider() throws Exception {
        StringBuilder many = new StringBuilder("{\"models\": [");
        for (int i = 0; i < 300; i++) many.append(i == 0 ? "" : ",").append("{\"name\": \"m").append(i).append("\"}");
        FakeUpstream ollama = local("/api/tags", many.append("]}").toString());
        start("\"providers\": {\"ollama\": {\"kind\": \"ollama\", \"base_url\": \"${FAKE_URL}/v1\"}}", Map.of(), ollama.url());

        List<String> ids = ids(models());
        assertEquals(256, ids.size(), ids.toString());
        assertEquals("ollama/m0", ids.get(0));
        assertEquals("ollama/m255", ids.get(255));
    }
}
