package tollgate.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.GatewayHarness.chat;
import static tollgate.gateway.GatewayHarness.errorJson;
import static tollgate.gateway.GatewayHarness.obj;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a new user meets first (issue 13, "The first hour"): {@code GET /} in a browser and as
 * JSON, 404s that say which base URL to use, and OpenAI's routes without {@code /v1}.
 */
class FrontDoorTest extends GatewayTestBase {
    String base() { return "http://127.0.0.1:" + gw.port() + "/v1"; }

    String hint() {
        return " Tollgate serves the OpenAI API under " + base() + " (e.g. POST /v1/chat/completions); GET /v1/models lists the models.";
    }

    static final String JSON_TEMPLATE = "{\"object\":\"gateway\",\"name\":\"Tollgate\",\"version\":\"0.1.0\",\"status\":\"ok\","
            + "\"base_url\":\"%s\",\"auth\":\"Authorization: Bearer <key>\",\"providers\":[\"openai\",\"echo\"],"
            + "\"disabled_providers\":[\"vault\"],\"models\":{\"count\":2,\"ids\":[\"gpt-4o-mini\",\"echo\"],\"more\":0},"
            + "\"links\":{\"models\":\"/v1/models\",\"providers\":\"/v1/providers\",\"dashboard\":\"/dashboard\",\"health\":\"/healthz\"},"
            + "\"quick_start\":\"README.md, section \\\"Try it\\\"\"}";

    // ------------------------------------------------------------------ GET /

    @Test
    void root_asJson_givesTheFactsAndTheBaseUrl_withoutAKey() throws Exception {
        HttpResponse<String> r = gw.get("/", "Accept", "application/json");

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        assertEquals("Accept", r.headers().firstValue("vary").orElseThrow());
        assertEquals(String.format(JSON_TEMPLATE, base()), r.body());
        // Nothing /v1/models does not show publicly: no key, no upstream URL, no reason a provider is off.
        assertFalse(r.body().contains(GatewayHarness.UPSTREAM_KEY) || r.body().contains(upstream.url())
                || r.body().contains("TG_TEST_VAULT_KEY"), r.body());
    }

    @ParameterizedTest
    @ValueSource(strings = {"application/json, text/plain, */*", "text/html;q=0.5, application/json", "application/*"})
    void jsonIsChosenWhenAcceptPrefersIt(String accept) throws Exception {
        HttpResponse<String> r = gw.get("/", "Accept", accept);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow(), accept);
        assertEquals(String.format(JSON_TEMPLATE, base()), r.body());
    }

    @Test
    void root_inABrowser_isAPageWithTheFacts_andNothingFromElsewhere() throws Exception {
        HttpResponse<String> r = gw.get("/", "Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("text/html; charset=utf-8", r.headers().firstValue("content-type").orElseThrow());
        assertEquals("no-cache", r.headers().firstValue("cache-control").orElseThrow());
        String page = r.body();
        assertTrue(page.startsWith("<!doctype html>\n<html lang=\"en\">"), page);
        assertTrue(page.endsWith("</body>\n</html>\n"), page);
        assertTrue(page.contains("<title>Tollgate 0.1.0</title>"), page);
        assertTrue(page.contains("<code id=\"base-url\">" + base() + "</code>"), page);
        assertTrue(page.contains("<p>Enabled: <code>openai</code>, <code>echo</code>.</p>"), page);
        assertTrue(page.contains("Configured but disabled: <code>vault</code>"), page);
        assertTrue(page.contains("<h2>Models (2)</h2>\n<ul id=\"models\">\n<li><code>gpt-4o-mini</code></li>\n<li><code>echo</code></li>\n</ul>"), page);
        assertTrue(page.contains("<a href=\"/dashboard\">Dashboard</a>"), page);
        assertTrue(page.contains("<a href=\"/v1/models\">/v1/models</a>"), page);
        assertTrue(page.contains("Quick start: README.md, section &quot;Try it&quot;"), page);
        assertTrue(page.contains("curl " + base() + "/chat/completions"), page);
        // No script, and every link and resource is on this gateway.
        assertFalse(page.contains("<script"), page);
        Matcher refs = Pattern.compile("(?:href|src)=\"([^\"]*)\"").matcher(page);
        int links = 0;
        while (refs.find()) {
            assertTrue(refs.group(1).startsWith("/"), refs.group());
            links++;
        }
        assertEquals(7, links);
        assertFalse(page.contains(GatewayHarness.UPSTREAM_KEY) || page.contains(upstream.url()) || page.contains("TG_TEST_VAULT_KEY"));
    }

    @Test
    void head_hasTheHeadersOfGet_andNoBody() throws Exception {
        HttpResponse<String> get = gw.get("/");
        HttpResponse<String> head = gw.send(gw.request("/").method("HEAD", HttpRequest.BodyPublishers.noBody()).build());

        assertEquals(200, head.statusCode());
        assertEquals("", head.body());
        assertEquals("text/html; charset=utf-8", head.headers().firstValue("content-type").orElseThrow());
        assertEquals(Integer.toString(get.body().getBytes(UTF_8).length), head.headers().firstValue("content-length").orElseThrow());
    }

    @Test
    void aHostThatIsNoHost_isNotEchoed_theListenersAddressIsUsed() throws Exception {
        try (RawHttp raw = gw.raw()) {
            raw.send("GET / HTTP/1.1\r\nHost: x\"><img src=//evil>\r\nAccept: application/json\r\n\r\n");
            RawHttp.Head head = raw.readHead();
            assertEquals(200, head.status());
            assertEquals(String.format(JSON_TEMPLATE, base()), new String(raw.readBody(head), UTF_8));
        }
    }

    @Test
    void otherMethodsOnRoot_are405() throws Exception {
        HttpResponse<String> r = gw.post("/", "{}");
        assertEquals(405, r.statusCode());
        assertEquals("GET, HEAD", r.headers().firstValue("allow").orElseThrow());
        assertEquals(errorJson("Method POST is not allowed on /; use GET or HEAD.", "invalid_request_error", null, 405), r.body());
    }

    // ------------------------------------------------------------------ 404 hints

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "GET | /v1/chat/complete | ",
            "POST | /v1/nope | ",
            "GET | /api/gateway/modelz/list | ",
            "POST | /openai/v1/chat/completions | /v1/chat/completions",
            "POST | /v1/v1/chat/completions | /v1/chat/completions",
            "POST | /openai/chat/completions | /v1/chat/completions",
            "POST | /chat/completion | /v1/chat/completions",
            "GET | /v1/models/ | /v1/models",
            "GET | /V1/Models | /v1/models",
            "GET | /api/model | /api/models",
    })
    void unknownPath_is404NamingTheBaseUrl(String method, String path, String guess) throws Exception {
        HttpResponse<String> r = gw.send(gw.request(path).method(method, HttpRequest.BodyPublishers.ofString("{}")).build());

        RequestErrorsTest.assertError(r, 404, errorJson("Unknown path " + method + " " + path + "."
                + (guess == null ? "" : " Did you mean " + guess + "?") + hint(), "not_found_error", null, 404));
    }

    @Test
    void anAdminPathUnderAPrefix_pointsAtTheRoot() throws Exception {
        RequestErrorsTest.assertError(gw.get("/v1/admin/keys"), 404,
                errorJson("Unknown path GET /v1/admin/keys. Did you mean /admin/keys?", "not_found_error", null, 404));
    }

    @Test
    void wrongMethodOnAKnownPath_staysA405NamingTheMethods() throws Exception {
        HttpResponse<String> r = gw.get("/chat/completions", "Authorization", GatewayHarness.AUTH);
        RequestErrorsTest.assertError(r, 405,
                errorJson("Method GET is not allowed on /chat/completions; use POST.", "invalid_request_error", null, 405));
        assertEquals("POST", r.headers().firstValue("allow").orElseThrow());
    }

    // ------------------------------------------------------------------ root aliases

    @Test
    void chatCompletionsWithoutV1_isServed_withAKey() throws Exception {
        HttpResponse<String> r = gw.post("/chat/completions", chat("echo", false));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        assertEquals("Echo: Hi", obj(obj(GatewayHarness.list(obj(r.body()).get("choices")).get(0)).get("message")).get("content"));

        RequestErrorsTest.assertError(gw.postAs("/chat/completions", chat("echo", false)), 401, RequestErrorsTest.MISSING_KEY);
    }

    @Test
    void streamingWithoutV1_isServed() throws Exception {
        HttpResponse<java.io.InputStream> r = gw.postStream("/chat/completions", chat("echo", true));
        assertEquals(200, r.statusCode());
        assertEquals("text/event-stream", r.headers().firstValue("content-type").orElseThrow());
        String body = GatewayHarness.readAll(r.body());
        StringBuilder text = new StringBuilder();
        for (String data : GatewayHarness.sseData(body)) {
            if (data.equals("[DONE]")) continue;
            Object content = obj(obj(GatewayHarness.list(obj(data).get("choices")).get(0)).get("delta")).get("content");
            if (content != null) text.append(content);
        }
        assertEquals("Echo: Hi", text.toString());
        assertTrue(body.endsWith("data: [DONE]\n\n"), body);
    }

    @Test
    void modelsAndCompletionsWithoutV1_areServed() throws Exception {
        HttpResponse<String> m = gw.get("/models");
        assertEquals(200, m.statusCode(), m.body());
        assertEquals("application/json", m.headers().firstValue("content-type").orElseThrow());
        assertEquals(CatalogTest.MODELS, m.body());
        HttpResponse<String> c = gw.post("/completions", "{\"model\":\"echo\",\"prompt\":\"Hi\"}");
        assertEquals(200, c.statusCode(), c.body());
        assertEquals("application/json", c.headers().firstValue("content-type").orElseThrow());
        assertEquals("text_completion", obj(c.body()).get("object"));
    }

    @Test
    void seed000sLegacyChat_staysUnderItsPrefixesOnly() throws Exception {
        RequestErrorsTest.assertError(gw.post("/chat", "{\"message\":\"Hi\"}"), 404,
                errorJson("Unknown path POST /chat. Did you mean /v1/chat?" + hint(), "not_found_error", null, 404));
        HttpResponse<String> r = gw.post("/v1/chat", "{\"message\":\"Hi\",\"model\":\"echo\"}");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        assertEquals("Echo: Hi", obj(r.body()).get("reply"));
    }
}
