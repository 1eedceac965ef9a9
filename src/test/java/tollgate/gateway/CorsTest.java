package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.GatewayHarness.chat;
import static tollgate.gateway.GatewayHarness.errorJson;

import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * CORS (Fetch standard §3.2) from {@code server.cors}: preflights answered before any key is
 * checked, the headers on every answer to an allowed origin (errors and streams included), none
 * for another origin, and none at all while CORS is off.
 */
class CorsTest extends GatewayTestBase {
    static final String APP = "https://app.example";
    static final String EXPOSE = "x-request-id, x-tollgate-route, retry-after, retry-after-ms, x-should-retry, "
            + "x-ratelimit-limit-requests, x-ratelimit-remaining-requests, x-ratelimit-reset-requests, "
            + "x-ratelimit-limit-tokens, x-ratelimit-remaining-tokens, x-ratelimit-reset-tokens, location, dg-request-id";

    @Override
    GatewayHarness startGateway(FakeUpstream upstream) throws Exception {
        return withCors(Map.of("allow_origins", List.of(APP, "http://localhost:5173"), "max_age_s", 300));
    }

    GatewayHarness withCors(Map<String, Object> cors) throws Exception {
        return GatewayHarness.builder(upstream.url(), dataDir).server("cors", cors).start();
    }

    void restart(Map<String, Object> cors) throws Exception {
        gw.close();
        gw = cors == null ? GatewayHarness.start(upstream, dataDir) : withCors(cors);
    }

    HttpResponse<String> preflight(String path, String origin, String... more) throws Exception {
        HttpRequest.Builder b = gw.request(path, more).header("Origin", origin).header("Access-Control-Request-Method", "POST")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody());
        return gw.send(b.build());
    }

    /** Every response header but Date and X-request-id (which vary), by lower-case name. */
    static Map<String, List<String>> headers(HttpResponse<?> r) {
        Map<String, List<String>> out = new TreeMap<>();
        r.headers().map().forEach((name, values) -> {
            String n = name.toLowerCase(Locale.ROOT);
            if (!n.equals("date") && !n.equals("x-request-id") && !n.startsWith(":")) out.put(n, values);
        });
        return out;
    }

    // ------------------------------------------------------------------ preflight

    @Test
    void preflightFromAnAllowedOrigin_is204_withoutAKey() throws Exception {
        HttpResponse<String> r = preflight("/v1/chat/completions", APP,
                "Access-Control-Request-Headers", "authorization, content-type, x-stainless-os");

        assertEquals(204, r.statusCode());
        assertEquals("", r.body());
        assertEquals(Map.of(
                "access-control-allow-origin", List.of(APP),
                "access-control-allow-methods", List.of("GET, POST, PATCH, DELETE"),
                "access-control-allow-headers", List.of("authorization, content-type, x-stainless-os"),
                "access-control-max-age", List.of("300"),
                "vary", List.of("Origin")), headers(r));
        assertTrue(r.headers().firstValue("x-request-id").isPresent());
        // Any path: the actual request then gets the path's own answer, readable by the page.
        assertEquals(204, preflight("/admin/keys", "http://localhost:5173").statusCode());
        assertEquals(0, upstream.requests().size());
    }

    @Test
    void preflightFromAnotherOrigin_is403WithoutCorsHeaders() throws Exception {
        for (String origin : new String[] {"https://evil.example", "https://app.example.evil.example", "http://app.example", "null"}) {
            HttpResponse<String> r = preflight("/v1/chat/completions", origin);
            assertEquals(403, r.statusCode(), origin);
            assertEquals(errorJson("Cross-origin requests from " + origin + " are not allowed: the origin is not in "
                    + "server.cors.allow_origins.", "permission_error", null, 403), r.body());
            assertEquals(Map.of("content-type", List.of("application/json"), "content-length", List.of(Integer.toString(r.body().length())),
                    "x-should-retry", List.of("false")), headers(r), origin);
        }
    }

    @Test
    void configuredAllowHeaders_areSentAsConfigured() throws Exception {
        restart(Map.of("allow_origins", List.of(APP), "allow_headers", List.of("Authorization", "Content-Type")));
        HttpResponse<String> r = preflight("/v1/models", APP, "Access-Control-Request-Headers", "authorization, x-other");
        assertEquals(204, r.statusCode());
        assertEquals("authorization, content-type", r.headers().firstValue("access-control-allow-headers").orElseThrow());
        assertEquals("600", r.headers().firstValue("access-control-max-age").orElseThrow());
    }

    // ------------------------------------------------------------------ actual responses

    Map<String, List<String>> corsOf(HttpResponse<?> r) {
        Map<String, List<String>> h = headers(r);
        h.keySet().removeIf(n -> !n.startsWith("access-control-") && !n.equals("vary"));
        return h;
    }

    static final Map<String, List<String>> ALLOWED = Map.of("access-control-allow-origin", List.of(APP),
            "access-control-expose-headers", List.of(EXPOSE), "vary", List.of("Origin"));

    @Test
    void a401_carriesTheHeaders() throws Exception {
        HttpResponse<String> r = gw.postAs("/v1/chat/completions", chat("echo", false), "Origin", APP);
        RequestErrorsTest.assertError(r, 401, RequestErrorsTest.MISSING_KEY);
        assertEquals(ALLOWED, corsOf(r));
    }

    @Test
    void a200_carriesTheHeaders() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("echo", false), "Origin", APP);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        assertTrue(r.body().contains("\"content\":\"Echo: Hi\""), r.body());
        assertEquals(ALLOWED, corsOf(r));
    }

    /** The front door's parts meet: a root alias, a 404 with its hint and the status page are readable by an allowed page. */
    @Test
    void rootAliases_404Hints_andTheFrontDoor_carryTheHeaders() throws Exception {
        assertEquals(204, preflight("/chat/completions", APP).statusCode());
        HttpResponse<String> alias = gw.post("/chat/completions", chat("echo", false), "Origin", APP);
        assertEquals(200, alias.statusCode(), alias.body());
        assertEquals("application/json", alias.headers().firstValue("content-type").orElseThrow());
        assertTrue(alias.body().contains("\"content\":\"Echo: Hi\""), alias.body());
        assertEquals(ALLOWED, corsOf(alias));

        HttpResponse<String> missing = gw.get("/openai/v1/models", "Origin", APP);
        RequestErrorsTest.assertError(missing, 404, errorJson("Unknown path GET /openai/v1/models. Did you mean /v1/models? "
                + "Tollgate serves the OpenAI API under http://127.0.0.1:" + gw.port() + "/v1 (e.g. POST /v1/chat/completions); "
                + "GET /v1/models lists the models.", "not_found_error", null, 404));
        assertEquals(ALLOWED, corsOf(missing));

        HttpResponse<String> root = gw.get("/", "Origin", APP, "Accept", "application/json");
        assertEquals(200, root.statusCode(), root.body());
        assertEquals("application/json", root.headers().firstValue("content-type").orElseThrow());
        assertTrue(root.body().startsWith("{\"object\":\"gateway\""), root.body());
        assertEquals(Map.of("access-control-allow-origin", List.of(APP), "access-control-expose-headers", List.of(EXPOSE),
                "vary", List.of("Origin", "Accept")), corsOf(root)); // two Vary fields: one list (RFC 9110 §5.3)
    }

    @Test
    void aStream_carriesTheHeaders() throws Exception {
        HttpResponse<InputStream> r = gw.postStream("/v1/chat/completions", chat("echo", true), "Origin", APP);
        assertEquals(200, r.statusCode());
        assertEquals("text/event-stream", r.headers().firstValue("content-type").orElseThrow());
        assertEquals(ALLOWED, corsOf(r));
        assertTrue(GatewayHarness.readAll(r.body()).endsWith("data: [DONE]\n\n"));
    }

    @Test
    void a404OfTheRouter_carriesTheHeaders() throws Exception {
        HttpResponse<String> r = gw.get("/v1/nope", "Origin", APP);
        assertEquals(404, r.statusCode());
        assertEquals(ALLOWED, corsOf(r));
    }

    @Test
    void anotherOriginOrNone_getsNoCorsHeader_butVary() throws Exception {
        HttpResponse<String> other = gw.post("/v1/chat/completions", chat("echo", false), "Origin", "https://evil.example");
        assertEquals(200, other.statusCode()); // the browser, not the gateway, keeps it from the page
        assertEquals(Map.of("vary", List.of("Origin")), corsOf(other));
        assertEquals(Map.of("vary", List.of("Origin")), corsOf(gw.get("/v1/models")));
    }

    // ------------------------------------------------------------------ other configs

    @Test
    void off_byDefault_noHeaders_andPreflightsRefused() throws Exception {
        restart(null);
        assertEquals(Map.of(), corsOf(gw.post("/v1/chat/completions", chat("echo", false), "Origin", APP)));
        HttpResponse<String> p = preflight("/v1/chat/completions", APP);
        assertEquals(403, p.statusCode());
        assertEquals(errorJson("Cross-origin requests are off on this gateway: server.cors.allow_origins lists the origins that "
                + "may call it.", "permission_error", null, 403), p.body());
        assertEquals(Map.of(), corsOf(p));
        // An OPTIONS that is no preflight meets the route as before.
        assertEquals(405, gw.send(gw.request("/v1/models").method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build()).statusCode());
    }

    @Test
    void anyOrigin_isStar_withoutVary() throws Exception {
        restart(Map.of("allow_origins", List.of("*")));
        HttpResponse<String> r = gw.get("/v1/models", "Origin", "https://anyone.example");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        assertEquals(CatalogTest.MODELS, r.body());
        assertEquals(Map.of("access-control-allow-origin", List.of("*"), "access-control-expose-headers", List.of(EXPOSE)), corsOf(r));
        HttpResponse<String> p = preflight("/v1/chat/completions", "https://anyone.example");
        assertEquals(204, p.statusCode());
        assertEquals("*", p.headers().firstValue("access-control-allow-origin").orElseThrow());
    }

    @Test
    void credentials_whenConfigured() throws Exception {
        restart(Map.of("allow_origins", List.of(APP), "allow_credentials", true));
        HttpResponse<String> r = gw.get("/v1/models", "Origin", APP);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        assertEquals("true", r.headers().firstValue("access-control-allow-credentials").orElseThrow());
        assertEquals(APP, r.headers().firstValue("access-control-allow-origin").orElseThrow());
        assertEquals("true", preflight("/v1/models", APP).headers().firstValue("access-control-allow-credentials").orElseThrow());
    }
}
