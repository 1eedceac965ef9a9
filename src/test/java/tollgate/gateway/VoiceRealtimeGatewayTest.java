package tollgate.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.GatewayHarness.errorJson;
import static tollgate.gateway.GatewayHarness.obj;

import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tollgate.json.Json;
import tollgate.voice.SessionConfigs;

/**
 * {@code POST /voice/realtime} end to end (seed 000, issue 11): the session configuration on
 * every path layout, each policy's model and price, every refusal with its exact body, the URL's
 * host, and the minted token good for exactly one connection to the voice listener.
 */
class VoiceRealtimeGatewayTest extends GatewayTestBase {
    /**
     * premium: an enabled network model first; balanced: a disabled one (its key variable unset),
     * so the echo fallback; frugal: an echo model without a price.
     */
    static final String CONFIG = """
            {
              "server": {"access_log": false},
              "router": {"retries": 0, "breaker": {"min_requests": 1000000}},
              "keys": [{"name": "t", "key": "sk-test-0123456789abcdef"}],
              "providers": {
                "openai": {"kind": "openai", "base_url": "${FAKE_URL}/v1", "api_key": "sk-upstream-5ecret-0000"},
                "vault": {"kind": "openai", "base_url": "${FAKE_URL}/v1", "api_key": "${TG_TEST_VAULT_KEY}"},
                "echo": {"kind": "echo"}
              },
              "models": [
                {"id": "gpt-realtime", "provider": "openai", "pricing": {"audio_minute": "0.15"}, "capabilities": ["realtime"]},
                {"id": "vault-realtime", "provider": "vault", "pricing": {"audio_minute": "0.04"}, "capabilities": ["realtime"]},
                {"id": "echo-realtime", "provider": "echo", "pricing": {"audio_minute": "0"}, "capabilities": ["realtime"]},
                {"id": "echo-unpriced", "provider": "echo", "capabilities": ["realtime"]},
                {"id": "echo", "provider": "echo", "pricing": {"prompt": "0", "completion": "0"}}
              ],
              "voice": {
                %s
                "policies": {"premium": ["gpt-realtime", "echo-realtime"], "balanced": ["vault-realtime", "echo-realtime"],
                             "frugal": ["echo-unpriced"]}
              }
            }
            """;
    static final Pattern URL = Pattern.compile("ws://127\\.0\\.0\\.1:([0-9]+)/v1/realtime\\?token=(tg_rt_[A-Za-z0-9_-]{32})");
    static final String POLICY_VALUES = "premium, balanced, frugal";
    static final String VOICE_VALUES = "alloy, ash, ballad, coral, echo, sage, shimmer, verse";

    @Override
    GatewayHarness startGateway(FakeUpstream upstream) throws Exception {
        return start("");
    }

    GatewayHarness start(String voiceKeys) throws Exception {
        return GatewayHarness.builder(upstream.url(), dataDir).config(CONFIG.formatted(voiceKeys)).start();
    }

    /** The answer's body with its token and expiry, checked against what the token says. */
    record Answer(String body, String token, long expiresAt) {}

    Answer ok(String path, String json, String... headers) throws Exception {
        HttpResponse<String> r = gw.post(path, json, headers);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("no-store", r.headers().firstValue("cache-control").orElse(null));
        Map<String, Object> m = obj(r.body());
        Matcher u = URL.matcher((String) m.get("url"));
        assertTrue(u.matches(), r.body());
        assertEquals(gw.gateway.voicePort(), Integer.parseInt(u.group(1)));
        long expiresAt = ((tollgate.json.JsonNumber) m.get("expires_at")).longValue();
        long now = System.currentTimeMillis() / 1000;
        assertTrue(expiresAt >= now + 58 && expiresAt <= now + 60, expiresAt + " vs " + now); // voice.token_ttl_ms, 60 s
        return new Answer(r.body(), u.group(2), expiresAt);
    }

    /** The body an answer must have. */
    static String expected(Answer a, String base, String policy, String voice, String model, String price) {
        return "{\"url\":\"" + base + "/v1/realtime?token=" + a.token() + "\",\"client_secret\":{\"value\":\"" + a.token()
                + "\",\"expires_at\":" + a.expiresAt() + "},\"sessionConfig\":" + Json.toString(SessionConfigs.sessionConfig(model, voice))
                + ",\"policy\":\"" + policy + "\",\"voice\":\"" + voice + "\",\"model\":\"" + model + "\",\"price_per_minute\":" + price
                + ",\"expires_at\":" + a.expiresAt() + "}";
    }

    String base() { return "ws://127.0.0.1:" + gw.gateway.voicePort(); }

    @ParameterizedTest
    @ValueSource(strings = {"/v1", "/api", "/api/gateway"})
    void defaults_onEveryLayout(String prefix) throws Exception {
        Answer a = ok(prefix + "/voice/realtime", "{}");
        assertEquals(expected(a, base(), "balanced", "alloy", "echo-realtime", "0"), a.body());
        assertEquals("{\"type\":\"realtime\",\"model\":\"echo-realtime\",\"output_modalities\":[\"audio\"],\"audio\":{\"input\":"
                + "{\"format\":{\"type\":\"audio/pcm\",\"rate\":24000},\"turn_detection\":{\"type\":\"server_vad\"}},\"output\":"
                + "{\"format\":{\"type\":\"audio/pcm\",\"rate\":24000},\"voice\":\"alloy\"}}}", Json.toString(obj(a.body()).get("sessionConfig")));
        // no body at all, and other fields, are the defaults too
        Answer empty = ok(prefix + "/voice/realtime", "");
        assertEquals(expected(empty, base(), "balanced", "alloy", "echo-realtime", "0"), empty.body());
        Answer other = ok(prefix + "/voice/realtime", "{\"policy\":null,\"model\":\"gpt-realtime\",\"temperature\":2}");
        assertEquals(expected(other, base(), "balanced", "alloy", "echo-realtime", "0"), other.body());
    }

    @Test
    void eachPolicy_itsModelAndPrice() throws Exception {
        Answer premium = ok("/v1/voice/realtime", "{\"policy\":\"premium\",\"voice\":\"coral\"}");
        assertEquals(expected(premium, base(), "premium", "coral", "gpt-realtime", "0.15"), premium.body());
        // balanced names a disabled provider's model first: the echo fallback takes the session
        Answer balanced = ok("/v1/voice/realtime", "{\"policy\":\"balanced\",\"voice\":\"verse\"}");
        assertEquals(expected(balanced, base(), "balanced", "verse", "echo-realtime", "0"), balanced.body());
        Answer frugal = ok("/api/voice/realtime", "{\"policy\":\"frugal\"}");
        assertEquals(expected(frugal, base(), "frugal", "alloy", "echo-unpriced", "null"), frugal.body());
        assertEquals(3, List.of(premium.token(), balanced.token(), frugal.token()).stream().distinct().count());
    }

    @Test
    void badRequests_namingTheFieldAndTheAllowedValues() throws Exception {
        String path = "/v1/voice/realtime";
        assertError(400, errorJson("Invalid value for 'policy': expected one of " + POLICY_VALUES + "; got 'turbo'.",
                "invalid_request_error", "policy", 400), gw.post(path, "{\"policy\":\"turbo\"}"));
        assertError(400, errorJson("Invalid type for 'policy': expected a string, one of " + POLICY_VALUES + "; got a number.",
                "invalid_request_error", "policy", 400), gw.post(path, "{\"policy\":1}"));
        assertError(400, errorJson("Invalid value for 'voice': expected one of " + VOICE_VALUES + "; got 'nova'.",
                "invalid_request_error", "voice", 400), gw.post(path, "{\"voice\":\"nova\"}"));
        assertError(400, errorJson("Invalid value for 'voice': expected one of " + VOICE_VALUES + "; got an empty string.",
                "invalid_request_error", "voice", 400), gw.post(path, "{\"voice\":\"\"}"));
        assertError(400, errorJson("Invalid type for 'voice': expected a string, one of " + VOICE_VALUES + "; got an object.",
                "invalid_request_error", "voice", 400), gw.post(path, "{\"voice\":{\"id\":\"alloy\"}}"));
        assertError(400, errorJson("The request body must be a JSON object.", "invalid_request_error", null, 400),
                gw.post(path, "[\"premium\"]"));
        assertError(400, errorJson("The request body is not valid JSON: Unexpected end of input at line 1, column 11.",
                "invalid_request_error", null, 400), gw.post(path, "{\"policy\":"));
    }

    @Test
    void aLargeBody_413() throws Exception {
        assertError(413, errorJson("Request body is larger than this endpoint's limit of 65536 bytes.", "invalid_request_error", null,
                413), gw.post("/v1/voice/realtime", "{\"pad\":\"" + "x".repeat(70_000) + "\"}"));
    }

    static void assertError(int status, String body, HttpResponse<String> r) {
        assertEquals(status, r.statusCode(), r.body());
        assertEquals(body, r.body());
    }

    @Test
    void withoutAKey_401_andADeniedModel_403() throws Exception {
        assertError(401, errorJson("Missing API key: send it as \"Authorization: Bearer <key>\".", "authentication_error", null, 401),
                gw.postAs("/v1/voice/realtime", "{}"));
        assertError(401, errorJson("Invalid API key.", "authentication_error", null, 401),
                gw.postAs("/api/gateway/voice/realtime", "{}", "Authorization", "Bearer sk-wrong-0123456789abcdef"));
        Map<String, Object> fields = new java.util.LinkedHashMap<>();
        fields.put("name", "no-premium");
        fields.put("deny", List.of("gpt-realtime"));
        String auth = "Bearer " + new tollgate.account.KeyAdmin(new tollgate.account.KeyStore(dataDir), tollgate.call.Clock.SYSTEM)
                .create(fields).secret();
        HttpResponse<String> r = gw.post("/v1/voice/realtime", "{\"policy\":\"premium\"}", "Authorization", auth);
        for (long deadline = System.nanoTime() + 5_000_000_000L; r.statusCode() == 401 && System.nanoTime() < deadline; ) {
            Thread.sleep(10); // until the gateway has read the keys file
            r = gw.post("/v1/voice/realtime", "{\"policy\":\"premium\"}", "Authorization", auth);
        }
        assertError(403, errorJson("Voice policy 'premium' would use model 'gpt-realtime', which is denied for this key.",
                "permission_error", "policy", 403), r);
        assertEquals(200, gw.post("/v1/voice/realtime", "{\"policy\":\"balanced\"}", "Authorization", auth).statusCode());
    }

    @Test
    void theToken_opensOneSession_once() throws Exception {
        Answer a = ok("/v1/voice/realtime", "{\"policy\":\"balanced\",\"voice\":\"sage\"}");
        String url = (String) obj(a.body()).get("url");
        try (RealtimeClient c = RealtimeClient.connect(gw.http, url, new String[0])) {
            assertEquals("session.created", c.next().type());
        }
        WebSocketHandshakeException again = RealtimeClient.refused(gw.http, url, new String[0]);
        assertEquals(401, again.getResponse().statusCode());
        assertEquals(errorJson("Invalid or already used session token.", "authentication_error", null, 401), RealtimeClient.body(again));
    }

    @Test
    void voiceOff_is503() throws Exception {
        gw.close();
        gw = start("\"port\": 0,");
        assertEquals(-1, gw.gateway.voicePort());
        assertError(503, errorJson("Realtime voice is off on this gateway (voice.port is 0).", "service_unavailable", null, 503),
                gw.post("/v1/voice/realtime", "{}"));
    }

    @Test
    void voicesWithoutAlloy_theFirstIsTheDefault_andPublicUrlIsTheBase() throws Exception {
        gw.close();
        gw = start("\"voices\": [\"marin\", \"cedar\"], \"public_url\": \"wss://voice.example.com/tg/\",");
        HttpResponse<String> r = gw.post("/v1/voice/realtime", "{}");
        assertEquals(200, r.statusCode(), r.body());
        Map<String, Object> m = obj(r.body());
        String token = (String) obj(m.get("client_secret")).get("value");
        assertEquals("wss://voice.example.com/tg/v1/realtime?token=" + token, m.get("url"));
        assertEquals("marin", m.get("voice"));
        assertError(400, errorJson("Invalid value for 'voice': expected one of marin, cedar; got 'alloy'.", "invalid_request_error",
                "voice", 400), gw.post("/v1/voice/realtime", "{\"voice\":\"alloy\"}"));
    }

    @Test
    void listeningOnEveryInterface_theHostComesFromTheRequest() throws Exception {
        gw.close();
        gw = start("\"host\": \"0.0.0.0\",");
        int port = gw.gateway.voicePort();
        assertEquals("ws://voice.example.com:" + port, urlBase(post("voice.example.com:8080")));
        assertEquals("ws://voice.example.com:" + port, urlBase(post("voice.example.com")));
        assertEquals("ws://10.1.2.3:" + port, urlBase(post("10.1.2.3:80")));
        assertEquals("ws://[::1]:" + port, urlBase(post("[::1]:8080")));
        for (String bad : List.of("evil.com/x?", "a b", "[::1", "host:port")) {
            String body = post(bad);
            assertEquals(errorJson("Invalid Host header '" + bad + "': expected host[:port].", "invalid_request_error", null, 400), body);
        }
    }

    /** A raw POST with the given Host header; the response body. */
    String post(String host) throws Exception {
        try (RawHttp raw = gw.raw()) {
            raw.send("POST /v1/voice/realtime HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: " + GatewayHarness.AUTH
                    + "\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
            RawHttp.Head head = raw.readHead();
            return new String(raw.readBody(head), UTF_8);
        }
    }

    static String urlBase(String body) {
        String url = (String) obj(body).get("url");
        assertTrue(url != null, body);
        return url.substring(0, url.indexOf("/v1/realtime?token=tg_rt_"));
    }
}
