package tollgate.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.GatewayHarness.chat;
import static tollgate.gateway.GatewayHarness.list;
import static tollgate.gateway.GatewayHarness.obj;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.config.ConfigException;

/**
 * Hot reload (issue 13) through {@code POST /admin/reload}, which runs the same
 * {@code Gateway.reload} as {@code SIGHUP}: a stream in flight finishes on the config it started
 * with while new requests see the new one; a bad file changes nothing and its error names the
 * setting; config keys come and go; deployment health carries over when its provider is unchanged.
 */
class ReloadGatewayTest {
    static final String ADMIN_TOKEN = "admin-token-0123456789abcdef";
    static final String ADMIN = "Bearer " + ADMIN_TOKEN;
    static final String SECOND_KEY = "sk-test-second-0123456789";

    /** {@code m} on provider {@code first} ({@code ${FAKE_URL}}), model {@code up-one}, key {@code t}. */
    static final String V1 = """
            {
              "server": {"access_log": false},
              "router": {"retries": 0, "breaker": {"min_requests": 1000000}},
              "accounts": {"admin_token": "%s"},
              "keys": [{"name": "t", "key": "sk-test-0123456789abcdef"}],
              "providers": {
                "first": {"kind": "openai", "base_url": "${FAKE_URL}/v1", "api_key": "sk-upstream-5ecret-0000"%s}
              },
              "models": [{"id": "m", "provider": "first", "upstream": "up-one", "context_length": 8192}%s]
            }
            """;

    /** {@code m} moved to provider {@code second} ({@code ${SECOND_URL}}), model {@code up-two}; key {@code t} replaced by {@code t2}. */
    static final String V2 = """
            {
              "server": {"access_log": false},
              "router": {"retries": 0, "breaker": {"min_requests": 1000000}},
              "accounts": {"admin_token": "%s"},
              "keys": [{"name": "t2", "key": "%s"}],
              "providers": {
                "second": {"kind": "openai", "base_url": "${SECOND_URL}/v1", "api_key": "sk-upstream-5ecret-0000"}
              },
              "models": [{"id": "m", "provider": "second", "upstream": "up-two", "context_length": 8192}]
            }
            """.formatted(ADMIN_TOKEN, SECOND_KEY);

    @TempDir
    Path dir;

    static String v1() { return v1("", ""); }

    static String v1(String providerExtra, String modelsExtra) { return V1.formatted(ADMIN_TOKEN, providerExtra, modelsExtra); }

    static String chunk(String model, String content, String finish) {
        return FakeUpstream.data("{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"" + model
                + "\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + content + "\"},\"finish_reason\":"
                + (finish == null ? "null" : "\"" + finish + "\"") + "}]}");
    }

    static String completion(String model, String content) {
        return "{\"id\":\"x\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"" + model + "\",\"choices\":[{\"index\":0,"
                + "\"message\":{\"role\":\"assistant\",\"content\":\"" + content + "\"},\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,\"total_tokens\":3}}";
    }

    private GatewayHarness start(FakeUpstream first, FakeUpstream second, String config) throws Exception {
        return GatewayHarness.builder(first.url(), dir.resolve("data")).env("SECOND_URL", second.url()).config(config)
                .startReloadable(dir.resolve("gateway.json"));
    }

    private HttpResponse<String> reload(GatewayHarness gw, String config) throws Exception {
        Files.writeString(dir.resolve("gateway.json"), config, UTF_8);
        return gw.send(gw.request("/admin/reload", "Authorization", ADMIN).POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    private static HttpResponse<String> chatAs(GatewayHarness gw, String key, String body) throws Exception {
        return gw.postAs("/v1/chat/completions", body, "Authorization", "Bearer " + key, "Content-Type", "application/json");
    }

    @Test
    void aStreamInFlightFinishesOnItsConfig_whileNewRequestsSeeTheNewOne() throws Exception {
        try (FakeUpstream first = new FakeUpstream(); FakeUpstream second = new FakeUpstream();
             GatewayHarness gw = start(first, second, v1())) {
            CountDownLatch release = new CountDownLatch(1);
            first.respondWith((ex, up) -> {
                ex.getResponseHeaders().set("Content-Type", "text/event-stream");
                ex.sendResponseHeaders(200, 0);
                OutputStream out = ex.getResponseBody();
                out.write(chunk("up-one", "Hello", null).getBytes(UTF_8));
                out.flush();
                try {
                    release.await(20, TimeUnit.SECONDS); // held open until the test has reloaded
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                out.write((chunk("up-one", " world", "stop") + FakeUpstream.DONE).getBytes(UTF_8));
                out.close();
            });
            second.respondWith(FakeUpstream.json(200, completion("up-two", "from second")));

            HttpResponse<InputStream> stream = gw.postStream("/v1/chat/completions", chat("m", true), "Content-Type", "application/json");
            assertEquals(200, stream.statusCode());
            assertEquals("text/event-stream", stream.headers().firstValue("Content-Type").orElse("").split(";")[0]);
            BufferedReader events = new BufferedReader(new InputStreamReader(stream.body(), UTF_8));
            List<String> seen = new ArrayList<>();
            String line;
            while ((line = events.readLine()) != null) {
                seen.add(line);
                if (line.contains("Hello")) break;
            }
            assertTrue(seen.stream().anyMatch(l -> l.contains("Hello")), "first event: " + seen);

            HttpResponse<String> reloaded = reload(gw, V2);
            assertEquals(200, reloaded.statusCode(), reloaded.body());
            assertEquals("application/json", reloaded.headers().firstValue("Content-Type").orElse(null));
            assertEquals("{\"reloaded\":true,\"models\":1,\"providers\":[\"second\"],\"keys\":1,\"tls_reloaded\":false,"
                    + "\"restart_needed\":[]}", reloaded.body());

            // New requests: the new provider and model, the new key; the removed key is refused.
            HttpResponse<String> fresh = chatAs(gw, SECOND_KEY, chat("m", false));
            assertEquals(200, fresh.statusCode(), fresh.body());
            assertEquals("application/json", fresh.headers().firstValue("Content-Type").orElse(null));
            assertEquals("from second", obj(obj(list(obj(fresh.body()).get("choices")).get(0)).get("message")).get("content"));
            assertTrue(second.takeRequest().bodyText().contains("\"model\":\"up-two\""));
            HttpResponse<String> oldKey = chatAs(gw, GatewayHarness.CLIENT_KEY, chat("m", false));
            assertEquals(401, oldKey.statusCode(), oldKey.body());
            assertEquals("application/json", oldKey.headers().firstValue("content-type").orElse(null), oldKey.body());
            assertEquals(GatewayHarness.errorJson("Invalid API key.", "authentication_error", null, 401), oldKey.body());

            // The stream started before the reload ends on the old provider, whole.
            release.countDown();
            StringBuilder rest = new StringBuilder();
            while ((line = events.readLine()) != null) rest.append(line).append('\n');
            assertTrue(rest.toString().contains(" world"), rest.toString());
            assertTrue(rest.toString().contains("data: [DONE]"), rest.toString());
            assertEquals(1, first.requests().size());
            assertTrue(first.requests().get(0).bodyText().contains("\"model\":\"up-one\""));
        }
    }

    @Test
    void aBadFileChangesNothing_andItsErrorNamesTheSetting() throws Exception {
        try (FakeUpstream first = new FakeUpstream(); FakeUpstream second = new FakeUpstream();
             GatewayHarness gw = start(first, second, v1())) {
            first.respondWith(FakeUpstream.json(200, completion("up-one", "from first")));
            String bad = V2.replace("\"provider\": \"second\"", "\"provider\": \"nowhere\"");
            HttpResponse<String> r = reload(gw, bad);
            assertEquals(400, r.statusCode(), r.body());
            assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(null));
            Map<String, Object> error = obj(obj(r.body()).get("error"));
            assertEquals("invalid_request_error", error.get("type"));
            assertEquals("config", error.get("param"));
            String message = (String) error.get("message");
            assertTrue(message.startsWith("The config was not reloaded (the gateway goes on with the one it has): "), message);
            assertTrue(message.contains("gateway.json") && message.contains("models[0].provider"), message);

            // Not JSON at all: the same, naming the file.
            HttpResponse<String> broken = reload(gw, "{\"server\": ");
            assertEquals(400, broken.statusCode(), broken.body());
            assertEquals("application/json", broken.headers().firstValue("content-type").orElseThrow());
            assertTrue(((String) obj(obj(broken.body()).get("error")).get("message")).contains("gateway.json"), broken.body());

            // The SIGHUP path (Gateway.reload) refuses it too.
            ConfigException e = assertThrows(ConfigException.class, () -> gw.gateway.reload());
            assertTrue(e.getMessage().contains("gateway.json"), e.getMessage());

            // Still the old config: the old key, provider and model.
            HttpResponse<String> ok = chatAs(gw, GatewayHarness.CLIENT_KEY, chat("m", false));
            assertEquals(200, ok.statusCode(), ok.body());
            assertEquals("application/json", ok.headers().firstValue("content-type").orElse(null), ok.body());
            assertEquals("from first", obj(obj(list(obj(ok.body()).get("choices")).get(0)).get("message")).get("content"));
            assertTrue(first.takeRequest().bodyText().contains("\"model\":\"up-one\""));
            assertEquals(401, chatAs(gw, SECOND_KEY, chat("m", false)).statusCode());
            assertEquals(0, second.requests().size());
        }
    }

    @Test
    void reloadNeedsTheAdminToken_andNamesWhatNeedsARestart() throws Exception {
        try (FakeUpstream first = new FakeUpstream(); FakeUpstream second = new FakeUpstream();
             GatewayHarness gw = start(first, second, v1())) {
            HttpResponse<String> anonymous = gw.send(gw.request("/admin/reload").POST(HttpRequest.BodyPublishers.noBody()).build());
            RequestErrorsTest.assertError(anonymous, 401, GatewayHarness.errorJson(
                    "Missing admin token: send it as \"Authorization: Bearer <admin token>\".", "authentication_error", null, 401));
            HttpResponse<String> asClient = gw.send(gw.request("/admin/reload", "Authorization", GatewayHarness.AUTH)
                    .POST(HttpRequest.BodyPublishers.noBody()).build());
            RequestErrorsTest.assertError(asClient, 401,
                    GatewayHarness.errorJson("Invalid admin token.", "authentication_error", null, 401));

            String moved = v1().replace("\"access_log\": false", "\"access_log\": false, \"max_body_bytes\": 65536, \"port\": 1");
            HttpResponse<String> r = reload(gw, moved);
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
            assertEquals(List.of("server.max_body_bytes"), obj(r.body()).get("restart_needed"),
                    "the port is overridden by the command line (port 0), so it is not a change");
        }
    }

    @Test
    void aReloadAfterTheStopChangesNothing() throws Exception {
        try (FakeUpstream first = new FakeUpstream(); FakeUpstream second = new FakeUpstream();
             GatewayHarness gw = start(first, second, v1())) {
            Files.writeString(dir.resolve("gateway.json"), V2, UTF_8);
            gw.stop(java.time.Duration.ZERO);
            // A SIGHUP during the shutdown: nothing is started or switched after the stop closed it all.
            ConfigException e = assertThrows(ConfigException.class, () -> gw.gateway.reload());
            assertEquals("the gateway is stopping: the config was not reloaded", e.getMessage());
        }
    }

    @Test
    void switchingTheOpenMetricsListenerOnOrOffIsNamedAsNeedingARestart() throws Exception {
        String listening = v1().replace("\"router\":", "\"metrics\": {\"listen\": \"127.0.0.1:0\"}, \"router\":");
        try (FakeUpstream first = new FakeUpstream(); FakeUpstream second = new FakeUpstream();
             GatewayHarness gw = start(first, second, listening)) {
            assertTrue(gw.gateway.metricsPort() > 0);
            // The open listener keeps serving until a restart: the operator is told so.
            HttpResponse<String> off = reload(gw, listening.replace("{\"listen\"", "{\"enabled\": false, \"listen\""));
            assertEquals(200, off.statusCode(), off.body());
            assertEquals("application/json", off.headers().firstValue("content-type").orElse(null), off.body());
            assertEquals(List.of("metrics.enabled"), obj(off.body()).get("restart_needed"));
            HttpResponse<String> gone = reload(gw, v1());
            assertEquals(200, gone.statusCode(), gone.body());
            assertEquals("application/json", gone.headers().firstValue("content-type").orElse(null), gone.body());
            assertEquals(List.of("metrics.listen"), obj(gone.body()).get("restart_needed"));
        }
    }

    @Test
    void theTaskRunnersSettingsAreNamedAsNeedingARestart_atEveryReloadTillThen() throws Exception {
        String tasks = v1().replace("\"router\":", "\"agent\": {\"task_max_wall_ms\": 60000, \"task_retention_ms\": 120000},"
                + " \"router\":");
        try (FakeUpstream first = new FakeUpstream(); FakeUpstream second = new FakeUpstream();
             GatewayHarness gw = start(first, second, v1())) {
            for (int i = 0; i < 2; i++) {
                HttpResponse<String> r = reload(gw, tasks);
                assertEquals(200, r.statusCode(), r.body());
                assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
                assertEquals(List.of("agent.task_max_wall_ms", "agent.task_retention_ms"), obj(r.body()).get("restart_needed"), r.body());
            }
        }
    }

    @Test
    void deploymentHealthCarriesOverWhenItsProviderIsUnchanged() throws Exception {
        try (FakeUpstream first = new FakeUpstream(); FakeUpstream second = new FakeUpstream();
             GatewayHarness gw = start(first, second, v1())) {
            first.respondWith(FakeUpstream.json(500, "{\"error\":{\"message\":\"boom\"}}"));
            assertEquals(502, chatAs(gw, GatewayHarness.CLIENT_KEY, chat("m", false)).statusCode());
            assertEquals(Map.of("requests", 1L, "failures", 1L), window(gw));

            // Another model added, "first" as it was: the window goes on.
            String more = v1("", ", {\"id\": \"m2\", \"provider\": \"first\", \"upstream\": \"up-2\", \"context_length\": 8192}");
            assertEquals(200, reload(gw, more).statusCode());
            assertEquals(Map.of("requests", 1L, "failures", 1L), window(gw));

            // "first" itself changed (another timeout): its deployments start afresh.
            assertEquals(200, reload(gw, v1(", \"timeout_ms\": 5000", "")).statusCode());
            assertEquals(Map.of("requests", 0L, "failures", 0L), window(gw));
        }
    }

    @Test
    void corsAndTheFrontDoorFollowTheServedConfig() throws Exception {
        try (FakeUpstream first = new FakeUpstream(); FakeUpstream second = new FakeUpstream();
             GatewayHarness gw = start(first, second, v1())) {
            HttpRequest preflight = gw.request("/v1/chat/completions").header("Origin", "https://app.example")
                    .header("Access-Control-Request-Method", "POST").method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build();
            HttpResponse<String> off = gw.send(preflight);
            assertEquals(403, off.statusCode(), "CORS off: a preflight is refused");
            assertEquals("permission_error", obj(obj(off.body()).get("error")).get("type"));
            assertTrue(off.headers().firstValue("access-control-allow-origin").isEmpty());

            String withCors = V2.replace("\"access_log\": false", "\"access_log\": false, \"cors\": {\"allow_origins\": [\"https://app.example\"]}");
            assertEquals(200, reload(gw, withCors).statusCode());
            HttpResponse<String> on = gw.send(preflight);
            assertEquals(204, on.statusCode());
            assertEquals("https://app.example", on.headers().firstValue("access-control-allow-origin").orElse(null));

            // The status page names the new provider.
            HttpResponse<String> page = gw.get("/", "Accept", "application/json");
            assertEquals(200, page.statusCode(), page.body());
            assertTrue(page.body().contains("\"second\"") && !page.body().contains("\"first\""), page.body());
        }
    }

    /** Issue 13's routes, registered by parts written apart, are all in the table a reload installs. */
    @Test
    void afterAReload_everyOperatorRouteIsStillServed() throws Exception {
        try (FakeUpstream first = new FakeUpstream(); FakeUpstream second = new FakeUpstream();
             GatewayHarness gw = start(first, second, v1())) {
            HttpResponse<String> r = reload(gw, V2);
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());

            HttpResponse<String> dashboard = gw.get("/dashboard");
            assertEquals(200, dashboard.statusCode(), dashboard.body());
            assertEquals("text/html; charset=utf-8", dashboard.headers().firstValue("content-type").orElseThrow());
            assertTrue(dashboard.body().startsWith("<!doctype html>"), dashboard.body());
            HttpResponse<String> metrics = gw.get("/metrics", "Authorization", ADMIN);
            assertEquals(200, metrics.statusCode(), metrics.body());
            assertEquals("text/plain; version=0.0.4; charset=utf-8", metrics.headers().firstValue("content-type").orElseThrow());
            assertTrue(metrics.body().contains("\ntollgate_build_info{version=\"0.1.0\"} 1\n"), metrics.body());
            for (String path : List.of("/admin/stats", "/admin/requests", "/admin/routing", "/dashboard/status.json")) {
                HttpResponse<String> a = gw.get(path, "Authorization", ADMIN);
                assertEquals(200, a.statusCode(), path + ": " + a.body());
                assertEquals("application/json", a.headers().firstValue("content-type").orElseThrow(), path);
                assertTrue(a.body().startsWith("{"), path + ": " + a.body());
            }
            HttpResponse<String> models = gw.get("/models"); // the root alias
            assertEquals(200, models.statusCode(), models.body());
            assertEquals("application/json", models.headers().firstValue("content-type").orElseThrow());
            assertTrue(list(obj(models.body()).get("data")).stream().anyMatch(o -> "m".equals(obj(o).get("id"))), models.body());
            RequestErrorsTest.assertError(gw.get("/v1/admin/stats"), 404, GatewayHarness.errorJson(
                    "Unknown path GET /v1/admin/stats. Did you mean /admin/stats?", "not_found_error", null, 404));
            HttpResponse<String> again = reload(gw, V2);
            assertEquals(200, again.statusCode(), again.body());
            assertEquals("application/json", again.headers().firstValue("content-type").orElseThrow());
        }
    }

    /** The breaker window of {@code first/up-one} as {@code GET /v1/providers} shows it. */
    private static Map<String, Long> window(GatewayHarness gw) throws Exception {
        HttpResponse<String> r = gw.get("/v1/providers");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
        for (Object p : list(obj(r.body()).get("data"))) {
            if (!"first".equals(obj(p).get("id"))) continue;
            for (Object d : list(obj(p).get("deployments"))) {
                Map<String, Object> h = obj(d);
                if ("first/up-one".equals(h.get("deployment"))) {
                    return Map.of("requests", ((tollgate.json.JsonNumber) h.get("window_requests")).longValue(),
                            "failures", ((tollgate.json.JsonNumber) h.get("window_failures")).longValue());
                }
            }
        }
        throw new AssertionError("no first/up-one deployment in " + r.body());
    }
}
