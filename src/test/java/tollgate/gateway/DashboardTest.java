package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.GatewayHarness.chat;
import static tollgate.gateway.GatewayHarness.errorJson;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's endpoints from outside (issue 13): the page and its files with their types and
 * security headers, exactly the bytes shipped; the status the page reads before sign-in; and
 * {@code GET /admin/routing} behind the admin token. (The page itself runs in headless Chromium:
 * scripts/browser.)
 */
class DashboardTest extends GatewayTestBase {
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
            + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    static final String OFF = "The admin API is off: set the TOLLGATE_ADMIN_TOKEN environment variable (read by \"accounts\": "
            + "{\"admin_token\": \"${TOLLGATE_ADMIN_TOKEN}\"} in the config), or accounts.admin_token_sha256, and restart the gateway.";
    /** Files and their Content-Type. */
    static final Map<String, String> FILES = Map.of(
            "app.js", "text/javascript; charset=utf-8",
            "charts.js", "text/javascript; charset=utf-8",
            "app.css", "text/css; charset=utf-8",
            "favicon.svg", "image/svg+xml");
    static final String ROUTING_TAIL = "\"disabled_providers\":[{\"provider\":\"vault\",\"reason\":\"TG_TEST_VAULT_KEY is not set\"}],"
            + "\"policies\":[{\"name\":\"frugal\",\"min_quality\":60,\"default\":false},"
            + "{\"name\":\"balanced\",\"min_quality\":75,\"default\":true},{\"name\":\"premium\",\"min_quality\":0,\"default\":false}],"
            + "\"policy_models\":[\"gpt-4o-mini\"],\"groups\":[],\"baseline_model\":\"gpt-4o-mini\"}";

    @Override
    GatewayHarness startGateway(FakeUpstream upstream) throws Exception {
        return GatewayHarness.builder(upstream.url(), dataDir).config(AdminApiTest.ADMIN_CONFIG).start();
    }

    static byte[] shipped(String name) throws IOException {
        try (InputStream in = DashboardTest.class.getResourceAsStream("/tollgate/dashboard/" + name)) {
            assertTrue(in != null, name + " is shipped");
            return in.readAllBytes();
        }
    }

    static void assertSecured(HttpResponse<?> r, String contentType) {
        assertEquals(200, r.statusCode());
        assertEquals(contentType, r.headers().firstValue("content-type").orElseThrow());
        assertEquals(CSP, r.headers().firstValue("content-security-policy").orElseThrow());
        assertEquals("nosniff", r.headers().firstValue("x-content-type-options").orElseThrow());
        assertEquals("no-store", r.headers().firstValue("cache-control").orElseThrow());
        assertEquals("no-referrer", r.headers().firstValue("referrer-policy").orElseThrow());
        assertEquals("DENY", r.headers().firstValue("x-frame-options").orElseThrow());
        assertFalse(r.headers().firstValue("set-cookie").isPresent(), "no cookie");
    }

    HttpResponse<byte[]> getBytes(String path) throws Exception {
        return gw.http.send(gw.request(path).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    HttpResponse<String> admin(String path, String authorization) throws Exception {
        return authorization == null ? gw.get(path) : gw.get(path, "Authorization", authorization);
    }

    @Test
    void thePage_isServedWithoutAToken_withTheStrictPolicy_atBothPaths() throws Exception {
        byte[] html = shipped("index.html");
        for (String path : List.of("/dashboard", "/dashboard/")) {
            HttpResponse<byte[]> r = getBytes(path);
            assertSecured(r, "text/html; charset=utf-8");
            assertArrayEquals(html, r.body(), path);
        }
        String text = new String(html, StandardCharsets.UTF_8);
        assertTrue(text.contains("<script src=\"/dashboard/app.js\" defer></script>"), "the script is a file of its own");
        assertFalse(text.matches("(?s).*<script(?![^>]*\\bsrc=)[^>]*>.*"), "no inline script (the policy would block it)");
        assertFalse(text.contains("style=") || text.contains("<style"), "no inline style (the policy would block it)");
        assertFalse(text.contains("http://") || text.contains("https://"), "nothing from another host");
    }

    @Test
    void everyFile_hasItsContentType_andTheShippedBytes() throws Exception {
        for (Map.Entry<String, String> f : FILES.entrySet()) {
            HttpResponse<byte[]> r = getBytes("/dashboard/" + f.getKey());
            assertSecured(r, f.getValue());
            assertArrayEquals(shipped(f.getKey()), r.body(), f.getKey());
        }
        String js = new String(shipped("app.js"), StandardCharsets.UTF_8) + new String(shipped("charts.js"), StandardCharsets.UTF_8);
        // Strings from the gateway (a model name a client chose) must never become markup.
        assertFalse(js.contains("innerHTML") || js.contains("outerHTML") || js.contains("insertAdjacentHTML")
                || js.contains("document.write") || js.contains("eval("), "the scripts build the page with textContent only");
        assertFalse(js.contains("localStorage.setItem") || js.contains("document.cookie"), "the token is kept in sessionStorage only");
    }

    @Test
    void unknownFiles_andOtherMethods_areRefusedAsUsual() throws Exception {
        HttpResponse<String> missing = gw.get("/dashboard/nope.js");
        assertEquals(404, missing.statusCode());
        assertEquals("application/json", missing.headers().firstValue("content-type").orElseThrow());
        // The router's 404 (the front door may add a hint after the first sentence).
        Map<String, Object> error = GatewayHarness.obj(GatewayHarness.obj(missing.body()).get("error"));
        assertTrue(((String) error.get("message")).startsWith("Unknown path GET /dashboard/nope.js."), missing.body());
        assertEquals("not_found_error", error.get("type"));
        assertEquals("404", error.get("code").toString());
        assertFalse(missing.headers().firstValue("content-security-policy").isPresent(), "not a dashboard file");
        HttpResponse<String> post = gw.postAs("/dashboard", "{}");
        assertEquals(405, post.statusCode());
        assertEquals("GET", post.headers().firstValue("allow").orElseThrow());
        assertEquals("application/json", post.headers().firstValue("content-type").orElseThrow());
    }

    @Test
    void theStatus_saysTheAdminApiIsOn() throws Exception {
        HttpResponse<String> r = gw.get("/dashboard/status.json");
        assertSecured(r, "application/json");
        assertEquals("{\"admin_api\":true,\"message\":null}", r.body());
    }

    @Test
    void withoutAnAdminToken_theStatusSaysHowToTurnItOn_andTheRoutingIsForbidden() throws Exception {
        try (GatewayHarness off = GatewayHarness.builder(upstream.url(), dataDir.resolve("off")).start()) {
            HttpResponse<String> status = off.get("/dashboard/status.json");
            assertSecured(status, "application/json");
            assertEquals("{\"admin_api\":false,\"message\":" + tollgate.json.Json.toString(OFF) + "}", status.body());
            HttpResponse<String> routing = off.get("/admin/routing", "Authorization", AdminApiTest.ADMIN);
            RequestErrorsTest.assertError(routing, 403, errorJson(OFF, "permission_error", null, 403));
        }
    }

    @Test
    void theRouting_needsTheAdminToken() throws Exception {
        RequestErrorsTest.assertError(admin("/admin/routing", null), 401, errorJson(
                "Missing admin token: send it as \"Authorization: Bearer <admin token>\".", "authentication_error", null, 401));
        RequestErrorsTest.assertError(admin("/admin/routing", "Bearer not-the-admin-token-000"), 401,
                errorJson("Invalid admin token.", "authentication_error", null, 401));
        // A client key is not an admin token.
        RequestErrorsTest.assertError(admin("/admin/routing", GatewayHarness.AUTH), 401,
                errorJson("Invalid admin token.", "authentication_error", null, 401));
    }

    @Test
    void theRouting_listsDeployments_withTheCallsTheyServed() throws Exception {
        HttpResponse<String> fresh = admin("/admin/routing", AdminApiTest.ADMIN);
        assertEquals(200, fresh.statusCode(), fresh.body());
        assertEquals("application/json", fresh.headers().firstValue("content-type").orElseThrow());
        assertEquals("no-store", fresh.headers().firstValue("cache-control").orElseThrow());
        assertEquals("{\"deployments\":[" + deployment("openai/gpt-4o-mini-2024-07-18", "openai", "gpt-4o-mini", 0, 0, "null")
                + "," + deployment("echo/echo", "echo", "echo", 0, 0, "null") + "]," + ROUTING_TAIL, fresh.body());

        for (int i = 0; i < 2; i++) {
            HttpResponse<String> r = gw.post("/v1/chat/completions", chat("echo", i == 1));
            assertEquals(200, r.statusCode(), r.body());
        }
        Map<String, Object> after = GatewayHarness.obj(admin("/admin/routing", AdminApiTest.ADMIN).body());
        Map<String, Object> echo = GatewayHarness.obj(GatewayHarness.list(after.get("deployments")).get(1));
        assertEquals("echo/echo", echo.get("deployment"));
        assertEquals("2", echo.get("requests").toString());
        assertEquals("0", echo.get("errors").toString());
        assertEquals("closed", echo.get("breaker"));
        assertTrue(echo.get("latency_ms") instanceof tollgate.json.JsonNumber, "measured now: " + echo);
        Map<String, Object> openai = GatewayHarness.obj(GatewayHarness.list(after.get("deployments")).get(0));
        assertEquals("0", openai.get("requests").toString(), "the other deployment served nothing");
    }

    @Test
    void aFailingDeployment_countsItsErrors_andShowsItsBreakerOpen() throws Exception {
        gw.close();
        upstream.respondWith(FakeUpstream.json(500, "{\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}"));
        gw = GatewayHarness.builder(upstream.url(), dataDir).config(AdminApiTest.ADMIN_CONFIG)
                .top("router", "{\"retries\": 0, \"breaker\": {\"min_requests\": 1, \"cooldown_ms\": 600000}}").start();
        HttpResponse<String> failed = gw.post("/v1/chat/completions", chat("gpt-4o-mini", false));
        assertTrue(failed.statusCode() >= 500, failed.statusCode() + " " + failed.body());

        Map<String, Object> body = GatewayHarness.obj(admin("/admin/routing", AdminApiTest.ADMIN).body());
        Map<String, Object> openai = GatewayHarness.obj(GatewayHarness.list(body.get("deployments")).get(0));
        assertEquals("openai/gpt-4o-mini-2024-07-18", openai.get("deployment"));
        assertEquals("open", openai.get("breaker"));
        long retry = ((tollgate.json.JsonNumber) openai.get("breaker_retry_after_ms")).longValue();
        assertTrue(retry > 0 && retry <= 600_000, "retry after " + retry + " ms, within the cooldown");
        assertEquals("1", openai.get("requests").toString());
        assertEquals("1", openai.get("errors").toString());
    }

    static String deployment(String id, String provider, String model, long requests, long errors, String latency) {
        String upstreamModel = id.substring(id.indexOf('/') + 1);
        return "{\"deployment\":\"" + id + "\",\"provider\":\"" + provider + "\",\"model\":\"" + model + "\",\"upstream\":\""
                + upstreamModel + "\",\"breaker\":\"closed\",\"in_flight\":0,\"requests\":" + requests + ",\"errors\":" + errors
                + ",\"latency_ms\":" + latency + "}";
    }
}
