package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The voice listener at start-up: a taken port fails the start naming voice.port; port 0 switches it off. */
class VoiceStartupTest {
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
}
