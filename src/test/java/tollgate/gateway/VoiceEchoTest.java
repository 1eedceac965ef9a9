package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.net.http.WebSocketHandshakeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.json.Json;

/**
 * Realtime voice sessions end to end on the offline echo provider: the JDK's WebSocket client
 * against the gateway's voice listener, every refusal at the handshake with its status and
 * OpenAI-shaped body, the policy's model and voice applied to the session, the session recorded.
 */
class VoiceEchoTest {
    static final String CONFIG = """
            {
              "server": {"access_log": false},
              "keys": [{"name": "t", "key": "sk-test-0123456789abcdef"}],
              "providers": {"echo": {"kind": "echo"}},
              "models": [
                {"id": "echo", "provider": "echo"},
                {"id": "echo-realtime", "provider": "echo", "upstream": "echo-rt-1", "pricing": {"audio_minute": "0"},
                 "capabilities": ["realtime"]},
                {"id": "echo-realtime-hd", "provider": "echo", "upstream": "echo-rt-hd", "pricing": {"audio_minute": "0.15"},
                 "capabilities": ["realtime"]}
              ],
              "voice": {"policies": {"premium": ["echo-realtime-hd"], "balanced": ["echo-realtime"], "frugal": ["echo-realtime"]},
                        "origins": ["https://app.example"]}
            }
            """;

    @TempDir
    static Path dir;
    static GatewayHarness gw;
    static HttpClient http;

    @BeforeAll
    static void start() throws Exception {
        gw = GatewayHarness.builder("http://127.0.0.1:9", dir).config(CONFIG).start();
        http = HttpClient.newHttpClient();
    }

    @AfterAll
    static void stop() {
        if (gw != null) gw.close();
        if (http != null) http.shutdownNow();
    }

    static String ws(String pathAndQuery) { return "ws://127.0.0.1:" + gw.gateway.voicePort() + pathAndQuery; }

    static final String[] BEARER = {"Authorization", GatewayHarness.AUTH};

    /** 100 ms of PCM16 at 24 kHz, a ramp, as base64. */
    static String audio() {
        byte[] pcm = new byte[4800];
        for (int i = 0; i < pcm.length; i++) pcm[i] = (byte) i;
        return Base64.getEncoder().encodeToString(pcm);
    }

    @Test
    void bearerSession_firstSessionUpdateGetsTheModelAndVoice_audioEchoed_closedWith1000() throws Exception {
        try (RealtimeClient c = RealtimeClient.connect(http, ws("/v1/realtime?model=echo-realtime"), BEARER)) {
            Map<String, Object> created = c.expect("session.created").json();
            assertEquals("echo-rt-1", GatewayHarness.obj(created.get("session")).get("model"), "the upstream model, not the client's id");
            c.send("{\"type\":\"session.update\",\"session\":{\"type\":\"realtime\",\"instructions\":\"be brief\"}}");
            Map<String, Object> session = GatewayHarness.obj(c.expect("session.updated").json().get("session"));
            assertEquals("echo-rt-1", session.get("model"));
            assertEquals("be brief", session.get("instructions"));
            assertEquals("alloy", GatewayHarness.obj(GatewayHarness.obj(session.get("audio")).get("output")).get("voice"));
            String a = audio();
            c.send("{\"type\":\"input_audio_buffer.append\",\"audio\":\"" + a + "\"}");
            c.send("{\"type\":\"input_audio_buffer.commit\"}");
            c.expect("input_audio_buffer.committed");
            c.send("{\"type\":\"response.create\"}");
            StringBuilder echoed = new StringBuilder();
            for (RealtimeClient.Received r = c.next(); !"response.done".equals(r.type()); r = c.next()) {
                if ("response.output_audio.delta".equals(r.type())) {
                    echoed.append(r.json().get("delta"));
                }
            }
            assertEquals(a, echoed.toString(), "every byte of the appended audio came back, in order");
            c.close(1000, "done");
            assertEquals(1000, c.closeCode());
        }
    }

    @Test
    void theModelCannotBeSwitched_aLaterSessionUpdateKeepsTheClientsVoice() throws Exception {
        try (RealtimeClient c = RealtimeClient.connect(http, ws("/v1/realtime"), BEARER)) {
            c.expect("session.created");
            c.send("{\"type\":\"session.update\",\"session\":{\"type\":\"realtime\",\"model\":\"gpt-realtime\","
                    + "\"audio\":{\"output\":{\"voice\":\"verse\"}}}}");
            Map<String, Object> s = GatewayHarness.obj(c.expect("session.updated").json().get("session"));
            assertEquals("echo-rt-1", s.get("model"), "the default policy (balanced) names echo-realtime");
            assertEquals("verse", GatewayHarness.obj(GatewayHarness.obj(s.get("audio")).get("output")).get("voice"));
            c.send("{\"type\":\"session.update\",\"session\":{\"type\":\"realtime\",\"model\":\"x\",\"instructions\":\"hi\"}}");
            s = GatewayHarness.obj(c.expect("session.updated").json().get("session"));
            assertEquals("echo-rt-1", s.get("model"));
            // The same event spelled with escapes reads the same to any JSON parser upstream.
            c.send("{\"type\":\"session\\u002eupdate\",\"session\":{\"model\":\"gpt-realtime\"}}");
            assertEquals("echo-rt-1", GatewayHarness.obj(c.expect("session.updated").json().get("session")).get("model"));
            c.send("{\"t\\u0079pe\":\"session.update\",\"session\":{\"model\":\"gpt-realtime\"}}");
            assertEquals("echo-rt-1", GatewayHarness.obj(c.expect("session.updated").json().get("session")).get("model"));
            assertEquals("verse", GatewayHarness.obj(GatewayHarness.obj(s.get("audio")).get("output")).get("voice"),
                    "a later update does not put the policy's voice back");
        }
    }

    @Test
    void aFirstMessageThatIsNoSessionUpdate_theGatewaySendsItsOwnFirst() throws Exception {
        try (RealtimeClient c = RealtimeClient.connect(http, ws("/v1/realtime?model=neo-mode/premium"), BEARER)) {
            c.expect("session.created");
            c.send("{\"type\":\"input_audio_buffer.clear\"}");
            Map<String, Object> s = GatewayHarness.obj(c.expect("session.updated").json().get("session"));
            assertEquals("echo-rt-hd", s.get("model"));
            assertEquals("alloy", GatewayHarness.obj(GatewayHarness.obj(s.get("audio")).get("output")).get("voice"));
            Map<String, Object> in = GatewayHarness.obj(GatewayHarness.obj(s.get("audio")).get("input"));
            assertEquals(Map.of("type", "server_vad"), Json.asObject(in.get("turn_detection")));
            c.expect("input_audio_buffer.cleared");
        }
    }

    @Test
    void mintedToken_connectsOnce_withThePolicysModelAndVoice() throws Exception {
        var r = gw.post("/v1/voice/realtime", "{\"policy\":\"premium\",\"voice\":\"sage\"}");
        assertEquals(200, r.statusCode(), r.body());
        Map<String, Object> body = GatewayHarness.obj(r.body());
        String url = (String) body.get("url");
        assertTrue(url.startsWith(ws("/v1/realtime?token=")), url);
        try (RealtimeClient c = RealtimeClient.connect(http, url, new String[0])) {
            c.expect("session.created");
            c.send(Json.toString(Map.of("type", "session.update", "session", body.get("sessionConfig"))));
            Map<String, Object> s = GatewayHarness.obj(c.expect("session.updated").json().get("session"));
            assertEquals("echo-rt-hd", s.get("model"));
            assertEquals("sage", GatewayHarness.obj(GatewayHarness.obj(s.get("audio")).get("output")).get("voice"));
        }
        WebSocketHandshakeException again = RealtimeClient.refused(http, url, new String[0]);
        assertEquals(401, again.getResponse().statusCode());
        assertEquals("{\"error\":{\"message\":\"Invalid or already used session token.\",\"type\":\"authentication_error\","
                + "\"param\":null,\"code\":401}}", RealtimeClient.body(again));
    }

    @Test
    void theTokenInTheSubprotocol_isNeverEchoed_realtimeIs() throws Exception {
        var r = gw.post("/v1/voice/realtime", "{}");
        String token = (String) GatewayHarness.obj(GatewayHarness.obj(r.body()).get("client_secret")).get("value");
        try (RealtimeClient c = RealtimeClient.connect(http, ws("/v1/realtime?model=echo-realtime"), new String[0],
                "realtime", "openai-insecure-api-key." + token)) {
            assertEquals("realtime", c.subprotocol());
            c.expect("session.created");
        }
        try (RealtimeClient c = RealtimeClient.connect(http, ws("/v1/realtime?model=echo-realtime"), new String[0],
                "realtime", "openai-insecure-api-key." + GatewayHarness.CLIENT_KEY)) {
            assertEquals("realtime", c.subprotocol(), "a client key works in the subprotocol too");
            c.expect("session.created");
        }
    }

    @Test
    void handshakeRefusals_statusAndOpenAiBody() throws Exception {
        WebSocketHandshakeException e = RealtimeClient.refused(http, ws("/v1/realtime"), new String[] {"Authorization", "Bearer sk-wrong-0000000000000"});
        assertEquals(401, e.getResponse().statusCode());
        assertEquals("{\"error\":{\"message\":\"Invalid API key.\",\"type\":\"authentication_error\",\"param\":null,\"code\":401}}",
                RealtimeClient.body(e));
        assertEquals(java.util.Optional.of("application/json"), e.getResponse().headers().firstValue("content-type"));

        e = RealtimeClient.refused(http, ws("/v1/realtime"), new String[0]);
        assertEquals(401, e.getResponse().statusCode());
        assertTrue(RealtimeClient.body(e).contains("Missing credential"), RealtimeClient.body(e));

        e = RealtimeClient.refused(http, ws("/v1/chat/completions"), BEARER);
        assertEquals(404, e.getResponse().statusCode());
        assertTrue(RealtimeClient.body(e).contains("connect to /v1/realtime"), RealtimeClient.body(e));

        e = RealtimeClient.refused(http, ws("/v1/realtime?model=no-such-model"), BEARER);
        assertEquals(400, e.getResponse().statusCode());
        assertTrue(RealtimeClient.body(e).contains("'no-such-model' does not exist"), RealtimeClient.body(e));

        e = RealtimeClient.refused(http, ws("/v1/realtime?model=echo"), BEARER);
        assertEquals(400, e.getResponse().statusCode(), "a chat model cannot hold a realtime session");
        assertTrue(RealtimeClient.body(e).contains("does not support realtime voice"), RealtimeClient.body(e));

        e = RealtimeClient.refused(http, ws("/v1/realtime?model=neo-mode/luxury"), BEARER);
        assertEquals(400, e.getResponse().statusCode());
        assertTrue(RealtimeClient.body(e).contains("Unknown voice policy 'luxury'"), RealtimeClient.body(e));

        e = RealtimeClient.refused(http, ws("/v1/realtime"), new String[] {"Authorization", GatewayHarness.AUTH, "Origin", "https://evil.example"});
        assertEquals(403, e.getResponse().statusCode());
        assertTrue(RealtimeClient.body(e).contains("voice.origins"), RealtimeClient.body(e));
        try (RealtimeClient c = RealtimeClient.connect(http, ws("/v1/realtime"), new String[] {"Authorization", GatewayHarness.AUTH,
                "Origin", "https://app.example"})) {
            c.expect("session.created");
        }
    }

    @Test
    void anInvalidEvent_getsAnErrorEvent_andTheSessionGoesOn() throws Exception {
        try (RealtimeClient c = RealtimeClient.connect(http, ws("/v1/realtime"), BEARER)) {
            c.expect("session.created");
            c.send("{\"type\":\"session.update\",\"session\":{\"type\":\"realtime\"}}");
            c.expect("session.updated");
            c.send("{\"type\":\"session.update\",\"session\":\"not an object\"}");
            Map<String, Object> err = GatewayHarness.obj(c.expect("error").json().get("error"));
            assertEquals("invalid_request_error", err.get("type"));
            assertEquals("session", err.get("param"));
            c.send("{\"type\":\"input_audio_buffer.clear\"}");
            c.expect("input_audio_buffer.cleared");
        }
    }

    @Test
    void anInvalidFirstSessionUpdate_theNextMessageStillGetsTheGatewaysUpdateFirst() throws Exception {
        try (RealtimeClient c = RealtimeClient.connect(http, ws("/v1/realtime"), BEARER)) {
            c.expect("session.created");
            c.send("{\"type\":\"session.update\",\"session\":\"not an object\"}");
            c.expect("error");
            c.send("{\"type\":\"input_audio_buffer.clear\"}");
            Map<String, Object> s = GatewayHarness.obj(c.expect("session.updated").json().get("session"));
            assertEquals("echo-rt-1", s.get("model"));
            c.expect("input_audio_buffer.cleared");
        }
    }

    @Test
    void aSessionUpdateTheScanCannotRead_isNeverForwardedWithTheClientsModel() throws Exception {
        try (RealtimeClient c = RealtimeClient.connect(http, ws("/v1/realtime"), BEARER)) {
            c.expect("session.created");
            String deep = "[".repeat(200) + "]".repeat(200);
            for (String event : List.of("{\"type\":\"session.update\",\"session\":{\"model\":\"gpt-realtime\"},\"pad\":\"\\udc00\"}",
                    "{\"type\":\"session.update\",\"session\":{\"model\":\"gpt-realtime\"},\"pad\":" + deep + "}")) {
                c.send(event);
                RealtimeClient.Received r = c.next();
                if ("session.updated".equals(r.type())) {
                    assertEquals("echo-rt-1", GatewayHarness.obj(r.json().get("session")).get("model"), r.text());
                } else {
                    assertEquals("error", r.type(), r.text());
                }
            }
        }
    }

    /** {@code ms} of PCM16 at 24 kHz as base64: a loud square wave, or silence. */
    static String pcm(int ms, boolean loud) {
        byte[] b = new byte[ms * 48];
        // The high byte of each little-endian sample: +2,816 and -2,816 in alternate milliseconds.
        for (int i = 0; loud && i + 1 < b.length; i += 2) b[i + 1] = (byte) ((i / 48) % 2 == 0 ? 0x0B : 0xF5);
        return Base64.getEncoder().encodeToString(b);
    }

    @Test
    void theGatewaysSessionConfig_serverVad_answersATurnWithoutCommitOrResponseCreate() throws Exception {
        try (RealtimeClient c = RealtimeClient.connect(http, ws("/v1/realtime"), BEARER)) {
            c.expect("session.created");
            c.send("{\"type\":\"input_audio_buffer.append\",\"audio\":\"" + pcm(300, true) + "\"}");
            c.expect("session.updated"); // the gateway's own, with server VAD
            c.expect("input_audio_buffer.speech_started");
            c.send("{\"type\":\"input_audio_buffer.append\",\"audio\":\"" + pcm(600, false) + "\"}");
            c.expect("input_audio_buffer.speech_stopped");
            c.expect("input_audio_buffer.committed");
            c.until("response.done");
        }
    }

    @Test
    void binaryMessages_relayedAsBinary() throws Exception {
        try (RealtimeClient c = RealtimeClient.connect(http, ws("/v1/realtime"), BEARER)) {
            c.expect("session.created");
            c.sendBinary(new byte[] {1, 2, 3});
            // The gateway's own session.update went first (a binary first message is not one).
            c.expect("session.updated");
            Map<String, Object> err = GatewayHarness.obj(c.expect("error").json().get("error"));
            assertNotNull(err.get("message"), "the echo answers a binary message with an error event, as OpenAI does");
            assertEquals("", c.subprotocol(), "no subprotocol offered, none chosen");
        }
    }
}
