package tollgate.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.account.Ledger;
import tollgate.account.UsageRecord;

/**
 * The voice listener over TLS ({@code wss://}, what the OpenAI SDK's realtime client always
 * dials), from a PKCS#12 keystore made by the JDK's keytool; and a gateway shutdown ending a
 * live session with 1001 (going away) after recording it.
 */
class VoiceTlsTest {
    static final String PASSWORD = "voice-test-pass";

    @TempDir
    Path dir;

    private Path keystore() throws Exception {
        Path ks = dir.resolve("voice.p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
                "-alias", "voice", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost", "-validity", "2",
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-storetype", "PKCS12", "-keystore", ks.toString(),
                "-storepass", PASSWORD, "-keypass", PASSWORD).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), UTF_8);
        assertEquals(0, p.waitFor(), out);
        return ks;
    }

    /** A client context trusting exactly the keystore's certificate. */
    private static SSLContext trusting(Path ks) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ks)) {
            store.load(in, PASSWORD.toCharArray());
        }
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("voice", store.getCertificate("voice"));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(null, tmf.getTrustManagers(), null);
        return c;
    }

    @Test
    void wss_mintedUrlIsWss_sessionRuns_andAShutdownEndsItWith1001AfterRecordingIt() throws Exception {
        Path ks = keystore();
        String config = VoiceEchoTest.CONFIG.replace("\"voice\": {",
                "\"voice\": {\"tls\": {\"keystore\": \"" + ks + "\", \"password\": \"${VOICE_KS_PASSWORD}\"}, ");
        GatewayHarness gw = GatewayHarness.builder("http://127.0.0.1:9", dir).config(config).env("VOICE_KS_PASSWORD", PASSWORD).start();
        HttpClient http = HttpClient.newBuilder().sslContext(trusting(ks)).build();
        try {
            var r = gw.post("/v1/voice/realtime", "{\"policy\":\"balanced\"}");
            assertEquals(200, r.statusCode(), r.body());
            String url = (String) GatewayHarness.obj(r.body()).get("url");
            assertTrue(url.startsWith("wss://127.0.0.1:" + gw.gateway.voicePort() + "/v1/realtime?token="), url);
            RealtimeClient c = RealtimeClient.connect(http, url, new String[0]);
            Map<String, Object> created = c.expect("session.created").json();
            assertEquals("echo-rt-1", GatewayHarness.obj(created.get("session")).get("model"));
            c.send("{\"type\":\"input_audio_buffer.clear\"}");
            c.expect("session.updated");
            c.expect("input_audio_buffer.cleared");
            gw.stop(Duration.ofSeconds(5));
            assertEquals(1001, c.closeCode(), "the gateway going away says so");
            c.close();
            List<UsageRecord> records = new ArrayList<>();
            Ledger.readAll(dir, p -> records.add(UsageRecord.fromJson(p)));
            assertEquals(1, records.size(), "the session was recorded before the ledger closed");
            assertEquals("realtime", records.get(0).endpoint());
        } finally {
            gw.close();
            http.shutdownNow();
        }
    }
}
