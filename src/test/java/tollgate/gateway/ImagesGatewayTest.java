package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.GatewayHarness.errorJson;
import static tollgate.gateway.GatewayHarness.list;
import static tollgate.gateway.GatewayHarness.obj;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.account.Ledger;
import tollgate.account.UsageRecord;
import tollgate.json.Json;
import tollgate.json.JsonNumber;
import tollgate.provider.PngCheck;

/**
 * {@code POST /images/generations} (OpenAI's API, issue 12) end to end: the request an
 * OpenAI-compatible upstream gets, the answer the client gets (the upstream's, with the extension
 * object), echo's offline PNGs, validation in OpenAI's error shape, routing by capability and
 * failover in a group, and per-image pricing: credits held for {@code n} images, charged for those
 * returned, 402 when the balance cannot cover them, one ledger record with the image count.
 */
class ImagesGatewayTest extends GatewayTestBase {
    static final String CONFIG = """
            {
              "server": {"access_log": false},
              "router": {"retries": 0, "breaker": {"min_requests": 1000000}},
              "keys": [{"name": "t", "key": "sk-test-0123456789abcdef"}],
              "providers": {
                "openai": {"kind": "openai", "base_url": "${FAKE_URL}/v1", "api_key": "sk-upstream-5ecret-0000",
                           "timeout_ms": 10000, "idle_timeout_ms": 10000},
                "echo": {"kind": "echo"}
              },
              "models": [
                {"id": "dall-e-3", "provider": "openai", "pricing": {"image": "0.04"}, "capabilities": ["images"]},
                {"id": "gpt-image", "provider": "openai", "upstream": "gpt-image-1", "pricing": {"image": "0.167"},
                 "capabilities": ["images"]},
                {"id": "unpriced", "provider": "openai", "upstream": "dall-e-2", "capabilities": ["images"]},
                {"id": "echo-image", "provider": "echo", "pricing": {"image": "0"}, "capabilities": ["images"]},
                {"id": "echo", "provider": "echo", "pricing": {"prompt": "0", "completion": "0"}}
              ],
              "groups": [{"id": "123e4567-e89b-12d3-a456-426614174002", "name": "painters", "strategy": "priority",
                          "deployments": [{"model": "dall-e-3"}, {"model": "echo-image"}]}]
            }
            """;
    static final String TWO_URLS = "{\"created\":1700000000,\"data\":[{\"url\":\"https://img.example/1.png\","
            + "\"revised_prompt\":\"A red fox in the snow\"},{\"url\":\"https://img.example/2.png\"}]}";
    static final String ONE_URL = "{\"created\":1700000000,\"data\":[{\"url\":\"https://img.example/1.png\"}]}";

    @Override
    GatewayHarness startGateway(FakeUpstream upstream) throws Exception {
        return GatewayHarness.builder(upstream.url(), dataDir).config(CONFIG).start();
    }

    static Map<String, Object> ext(String body) { return obj(obj(body).get("tollgate")); }

    static long num(Object v) { return ((JsonNumber) v).longValue(); }

    @Test
    void anOpenAiModel_getsOpenAisRequest_andTheClientGetsItsAnswer_withTheExtension() throws Exception {
        upstream.respondWith(FakeUpstream.json(200, TWO_URLS));
        HttpResponse<String> r = gw.post("/v1/images/generations", "{\"model\":\"dall-e-3\",\"prompt\":\"a red fox\",\"n\":2,"
                + "\"size\":\"1024x1024\",\"quality\":\"hd\",\"response_format\":\"url\",\"style\":\"vivid\",\"user\":\"u-1\"}",
                "Content-Type", "application/json", "x-request-id", "img-req-1");

        FakeUpstream.Received sent = upstream.takeRequest();
        assertEquals("/v1/images/generations", sent.path());
        assertEquals("Bearer sk-upstream-5ecret-0000", sent.header("authorization"));
        assertEquals("img-req-1", sent.header("x-request-id"));
        assertEquals("{\"model\":\"dall-e-3\",\"prompt\":\"a red fox\",\"n\":2,\"size\":\"1024x1024\",\"quality\":\"hd\","
                + "\"response_format\":\"url\",\"style\":\"vivid\",\"user\":\"u-1\"}", sent.bodyText());

        assertJsonStatus(200, r);
        assertEquals("openai/dall-e-3", r.headers().firstValue("x-tollgate-route").orElse(null));
        Map<String, Object> ext = ext(r.body());
        assertTrue(GatewayHarness.UUID_V4.matcher((String) ext.get("execution_id")).matches(), r.body());
        assertEquals("{\"created\":1700000000,\"data\":[{\"url\":\"https://img.example/1.png\",\"revised_prompt\":\"A red fox in the snow\"},"
                + "{\"url\":\"https://img.example/2.png\"}],\"tollgate\":{\"execution_id\":\"" + ext.get("execution_id") + "\","
                + "\"request_id\":\"img-req-1\",\"cost\":0.08,\"credits_charged\":80}}", r.body());
    }

    @Test
    void echo_servesPngsOffline_onEveryLayout_asBase64OrDataUrls() throws Exception {
        for (String path : List.of("/v1/images/generations", "/api/images/generations", "/api/gateway/images/generations")) {
            HttpResponse<String> r = gw.post(path, "{\"model\":\"echo-image\",\"prompt\":\"a red fox\",\"n\":2,"
                    + "\"response_format\":\"b64_json\"}", "Content-Type", "application/json");
            assertEquals(200, r.statusCode(), path + ": " + r.body());
            assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), path);
            assertEquals("echo/echo-image", r.headers().firstValue("x-tollgate-route").orElse(null));
            List<Object> data = list(obj(r.body()).get("data"));
            assertEquals(2, data.size());
            for (Object d : data) PngCheck.check(Base64.getDecoder().decode((String) obj(d).get("b64_json")));
            assertEquals(0, num(ext(r.body()).get("credits_charged")));
        }
        HttpResponse<String> r = gw.post("/v1/images/generations", "{\"model\":\"echo-image\",\"prompt\":\"x\",\"response_format\":\"url\"}",
                "Content-Type", "application/json");
        assertJsonStatus(200, r);
        String url = (String) obj(list(obj(r.body()).get("data")).get(0)).get("url");
        assertTrue(url.startsWith("data:image/png;base64,"), url);
        assertEquals(0, upstream.requests().size(), "echo is offline");
    }

    @Test
    void withoutAModel_theFirstOnlineImagesModelAnswers() throws Exception {
        upstream.respondWith(FakeUpstream.json(200, ONE_URL));
        HttpResponse<String> r = gw.post("/v1/images/generations", "{\"prompt\":\"a red fox\"}", "Content-Type", "application/json");
        assertJsonStatus(200, r);
        assertEquals("{\"model\":\"dall-e-3\",\"prompt\":\"a red fox\"}", upstream.takeRequest().bodyText());
    }

    @Test
    void gptImageModels_areNotSentResponseFormat() throws Exception {
        upstream.respondWith(FakeUpstream.json(200, "{\"created\":1,\"data\":[{\"b64_json\":\"iVBORw0KGgo=\"}],\"usage\":"
                + "{\"input_tokens\":9,\"output_tokens\":4160,\"total_tokens\":4169}}"));
        HttpResponse<String> r = gw.post("/v1/images/generations", "{\"model\":\"gpt-image\",\"prompt\":\"a red fox\","
                + "\"response_format\":\"url\",\"background\":\"transparent\"}", "Content-Type", "application/json");
        assertJsonStatus(200, r);
        assertEquals("{\"model\":\"gpt-image-1\",\"prompt\":\"a red fox\",\"background\":\"transparent\"}", upstream.takeRequest().bodyText());
        assertEquals(167, num(ext(r.body()).get("credits_charged")), "per image, not per token");
    }

    @Test
    void badRequests_areRefusedInOpenAisShape_beforeAnyUpstreamCall() throws Exception {
        String[][] cases = {
            {"{\"model\":\"dall-e-3\"}", "Missing required parameter: 'prompt'.", "prompt"},
            {"{\"prompt\":\"x\",\"n\":11}", "Invalid value for 'n': expected an integer between 1 and 10, got 11.", "n"},
            {"{\"prompt\":\"x\",\"n\":0}", "Invalid value for 'n': expected an integer between 1 and 10, got 0.", "n"},
            {"{\"prompt\":\"x\",\"response_format\":\"png\"}", "Invalid value for 'response_format': expected one of 'url', "
                    + "'b64_json', got 'png'.", "response_format"},
            {"{\"prompt\":\"x\",\"size\":\"huge\"}", "Invalid value for 'size': expected 'auto' or WIDTHxHEIGHT such as "
                    + "'1024x1024', got 'huge'.", "size"},
            {"{\"prompt\":\"x\",\"stream\":true}", "Streamed image generation is not supported by this gateway; leave out 'stream' "
                    + "(or set it to false) to get the images in one answer.", "stream"},
            {"{\"prompt\":\"x\",\"steps\":30}", "Unrecognized request argument supplied: 'steps'.", "steps"},
            {"{\"prompt\":\"" + "x".repeat(32_001) + "\"}", "Invalid value for 'prompt': expected at most 32000 characters, got 32001.",
                    "prompt"},
            {"[1]", "The request body must be a JSON object.", null},
        };
        for (String[] c : cases) {
            HttpResponse<String> r = gw.post("/v1/images/generations", c[0], "Content-Type", "application/json");
            assertJsonStatus(400, r);
            assertEquals(errorJson(c[1], "invalid_request_error", c[2], 400), r.body());
        }
        HttpResponse<String> r = gw.post("/v1/images/generations", "{\"prompt\":\"x\"}", "Content-Type", "text/plain");
        assertJsonStatus(415, r);
        assertEquals(0, upstream.requests().size());
    }

    @Test
    void imageModels_serveNoChat_andChatModelsNoImages() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions", GatewayHarness.chat("dall-e-3", false));
        assertJsonStatus(400, r);
        assertEquals(errorJson("The model 'dall-e-3' is an image generation model; it does not serve chat completions.",
                "invalid_request_error", "model", 400), r.body());
        assertModelRefused("echo", "The model 'echo' does not support image generation; models that do: dall-e-3, gpt-image, "
                + "unpriced, echo-image.");
        assertEquals(0, upstream.requests().size());
    }

    @Test
    void aModelWithoutAnImagePrice_isRefused_neverFree() throws Exception {
        assertModelRefused("unpriced", "The model 'unpriced' has no image price, and images are charged per image; use a "
                + "configured image model.");
        assertModelRefused("openai/dall-e-2", "The model 'openai/dall-e-2' has no image price, and images are charged per image; "
                + "use a configured image model.");
        assertEquals(0, upstream.requests().size());
    }

    @Test
    void anUpstreamRefusal_reachesTheClient_andAGroupFailsOverOnAnOutage() throws Exception {
        upstream.respondWith(FakeUpstream.json(400, "{\"error\":{\"message\":\"Your request was rejected as a result of our safety "
                + "system.\",\"type\":\"invalid_request_error\",\"param\":\"prompt\",\"code\":\"content_policy_violation\"}}"));
        HttpResponse<String> r = gw.post("/v1/images/generations", "{\"model\":\"dall-e-3\",\"prompt\":\"x\"}",
                "Content-Type", "application/json");
        assertJsonStatus(400, r);
        assertTrue(r.body().contains("Your request was rejected as a result of our safety system."), r.body());

        upstream.respondWith(FakeUpstream.json(503, "{\"error\":{\"message\":\"overloaded\"}}"));
        r = gw.post("/v1/images/generations", "{\"model\":\"group:painters\",\"prompt\":\"x\"}", "Content-Type", "application/json");
        assertJsonStatus(200, r);
        assertEquals("echo/echo-image", r.headers().firstValue("x-tollgate-route").orElse(null));
        assertEquals("[\"openai/dall-e-3\",\"echo/echo-image\"]", Json.toString(
                list(obj(ext(r.body()).get("route")).get("tried")).stream().map(t -> obj(t).get("deployment")).toList()));
    }

    @Test
    void aManagedKey_isHeldForNImages_chargedForThoseReturned_andRefusedWhenItCannotCoverThem() throws Exception {
        String auth = new AccountsKeys(gw, dataDir).create("painter", 100L);
        upstream.respondWith(FakeUpstream.json(200, TWO_URLS));
        HttpResponse<String> r = gw.post("/v1/images/generations", "{\"model\":\"dall-e-3\",\"prompt\":\"a red fox\",\"n\":2}",
                "Authorization", auth, "Content-Type", "application/json");
        assertJsonStatus(200, r);
        assertEquals(80, num(ext(r.body()).get("credits_charged")), "2 images at 0.04 USD, 1000 credits per USD");
        assertEquals(20, num(ext(r.body()).get("balance")));

        int calls = upstream.requests().size();
        r = gw.post("/v1/images/generations", "{\"model\":\"dall-e-3\",\"prompt\":\"x\"}", "Authorization", auth,
                "Content-Type", "application/json");
        assertJsonStatus(402, r);
        assertEquals(errorJson("Insufficient credits: this request may cost up to 40 credits and the key's balance is 20. "
                + "Add credits to continue.", "insufficient_quota", null, 402), r.body());
        assertEquals(calls, upstream.requests().size(), "nothing was called");

        gw.close();
        List<UsageRecord> records = new ArrayList<>();
        Ledger.readAll(dataDir, p -> records.add(UsageRecord.fromJson(p)));
        UsageRecord first = records.get(0);
        assertEquals("images", first.endpoint());
        assertEquals(2, first.images());
        assertEquals(80, first.credits());
        assertEquals(new java.math.BigDecimal("0.08"), first.cost());
        assertEquals("openai/dall-e-3", first.deployment());
        assertEquals(2, records.size());
        assertEquals(402, records.get(1).status());
        assertEquals(0, records.get(1).images());
        assertEquals(0, records.get(1).credits());
        gw = GatewayHarness.builder(upstream.url(), dataDir).config(CONFIG).start(); // for the base class to close
    }

    @Test
    void theUpstreamReturningFewerImages_isChargedForThoseOnly() throws Exception {
        String auth = new AccountsKeys(gw, dataDir).create("painter", 1000L);
        upstream.respondWith(FakeUpstream.json(200, ONE_URL));
        HttpResponse<String> r = gw.post("/v1/images/generations", "{\"model\":\"dall-e-3\",\"prompt\":\"x\",\"n\":3}",
                "Authorization", auth, "Content-Type", "application/json");
        assertJsonStatus(200, r);
        assertEquals(40, num(ext(r.body()).get("credits_charged")));
        assertEquals(960, num(ext(r.body()).get("balance")));
    }

    @Test
    void theUpstreamReturningMoreImagesThanAsked_givesTheClientThoseAskedForOnly_theOnesPaidFor() throws Exception {
        String auth = new AccountsKeys(gw, dataDir).create("painter", 1000L);
        upstream.respondWith(FakeUpstream.json(200, TWO_URLS));
        HttpResponse<String> r = gw.post("/v1/images/generations", "{\"model\":\"dall-e-3\",\"prompt\":\"x\"}",
                "Authorization", auth, "Content-Type", "application/json");
        assertJsonStatus(200, r);
        assertEquals("[{\"url\":\"https://img.example/1.png\",\"revised_prompt\":\"A red fox in the snow\"}]",
                Json.toString(obj(r.body()).get("data")), "n left out is one image");
        assertEquals(40, num(ext(r.body()).get("credits_charged")));
        assertEquals(960, num(ext(r.body()).get("balance")));
    }

    @Test
    void theCatalog_listsImageModels_withTheirPerImagePrice() throws Exception {
        HttpResponse<String> r = gw.get("/v1/models", "Authorization", GatewayHarness.AUTH);
        assertJsonStatus(200, r);
        Map<String, Object> dalle = null;
        for (Object m : list(obj(r.body()).get("data"))) if ("dall-e-3".equals(obj(m).get("id"))) dalle = obj(m);
        assertEquals("{\"image\":\"0.04\"}", Json.toString(dalle.get("pricing")));
        assertEquals("[\"images\"]", Json.toString(dalle.get("capabilities")));
        assertNull(obj(r.body()).get("error"));
    }

    /** An images request for {@code model} is refused with 400 in OpenAI's error shape, naming the model param. */
    void assertModelRefused(String model, String message) throws Exception {
        HttpResponse<String> r = gw.post("/v1/images/generations", "{\"model\":\"" + model + "\",\"prompt\":\"x\"}",
                "Content-Type", "application/json");
        assertJsonStatus(400, r);
        assertEquals(errorJson(message, "invalid_request_error", "model", 400), r.body());
    }

    /** What a client reads before the body: the status, and that the body is JSON. */
    static void assertJsonStatus(int status, HttpResponse<String> r) {
        assertEquals(status, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
    }
}
