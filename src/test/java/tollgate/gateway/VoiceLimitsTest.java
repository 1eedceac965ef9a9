package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.WebSocketHandshakeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The voice listener's own limits: a taken port fails the start naming voice.port; port 0 switches
 * it off; sessions per key are capped (each test its own gateway, so no other test's session
 * still ending takes a place).
 */
class VoiceLimitsTest {
    @TempDir
    Path dir;

    @Test
    void aTakenVoicePort_failsTheStart_namingVoicePort() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String config = VoiceEchoTest.CONFIG.replace("\"voice\": {", "\"voice\": {\"port\": " + taken.getLocalPort() + ", ");
            BindException e = assertThrows(BindException.class,
                    () -> GatewayHarness.builder("http://127.0.0.1:9", dir).config(config).start());
            assertEquals("voice.port: cannot listen on 127.0.0.1:" + taken.getLocalPort() + " (Address already in use); set "
                    + "voice.port to a free port, or to 0 to switch realtime voice off", e.getMessage());
        }
    }

    @Test
    void voicePortZero_noListener_andPostVoiceRealtimeSaysItIsOff() throws Exception {
        String config = VoiceEchoTest.CONFIG.replace("\"voice\": {", "\"voice\": {\"port\": 0, ");
        try (GatewayHarness gw = GatewayHarness.builder("http://127.0.0.1:9", dir).config(config).start()) {
            assertEquals(-1, gw.gateway.voicePort());
            var r = gw.post("/v1/voice/realtime", "{}");
            assertEquals(503, r.statusCode());
            assertEquals("{\"error\":{\"message\":\"Realtime voice is off on this gateway (voice.port is 0).\","
                    + "\"type\":\"service_unavailable\",\"param\":null,\"code\":503}}", r.body());
        }
    }

    @Test
    void sessionsPerKey_areCapped_429_andGivenBackWhenOneEnds() throws Exception {
        String config = VoiceEchoTest.CONFIG.replace("\"voice\": {", "\"voice\": {\"max_sessions_per_key\": 2, ");
        GatewayHarness gw = GatewayHarness.builder("http://127.0.0.1:9", dir).config(config).start();
        HttpClient http = HttpClient.newHttpClient();
        try {
            perKey(gw, http);
        } finally {
            gw.close();
            http.shutdownNow();
        }
    }

    private static void perKey(GatewayHarness gw, HttpClient http) throws Exception {
        java.util.function.Function<String, String> ws = p -> "ws://127.0.0.1:" + gw.gateway.voicePort() + p;
        String[] BEARER = VoiceEchoTest.BEARER;
        RealtimeClient a = RealtimeClient.connect(http, ws.apply("/v1/realtime"), BEARER);
        RealtimeClient b = RealtimeClient.connect(http, ws.apply("/v1/realtime"), BEARER);
        a.expect("session.created");
        b.expect("session.created");
        WebSocketHandshakeException e = RealtimeClient.refused(http, ws.apply("/v1/realtime"), BEARER);
        assertEquals(429, e.getResponse().statusCode());
        assertEquals(List.of("1"), e.getResponse().headers().allValues("retry-after"));
        // A minted token refused for capacity is not used up: the client may retry with the same URL.
        var minted = gw.post("/v1/voice/realtime", "{}");
        String url = (String) GatewayHarness.obj(minted.body()).get("url");
        assertEquals(429, RealtimeClient.refused(http, url, new String[0]).getResponse().statusCode());
        a.close(1000, "");
        assertEquals(1000, a.closeCode());
        a.close();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        RealtimeClient c = null;
        while (c == null) {
            try {
                c = RealtimeClient.connect(http, url, new String[0]);
            } catch (java.util.concurrent.CompletionException retry) {
                if (System.nanoTime() > deadline) throw retry;
                Thread.sleep(20); // the ended session's slot is given back once its usage is recorded
            }
        }
        c.expect("session.created");
        c.close();
        b.close();
        assertEquals(401, RealtimeClient.refused(http, url, new String[0]).getResponse().statusCode(), "used once it had a place");
    }

}
