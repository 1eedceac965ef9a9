package tollgate.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.config.ConfigException;
import tollgate.config.ConfigLoader;

/**
 * HTTPS on the HTTP listener ({@code server.tls}, issue 13) from PKCS#12 keystores made by the
 * JDK's keytool: the JDK client's handshake, and a reload serving a renewed certificate to new
 * connections without closing the listener.
 */
class TlsGatewayTest {
    static final String PASSWORD = "tls-test-pass-0123";

    @TempDir
    Path dir;

    private Path keystore(String name, String cn) throws Exception {
        Path ks = dir.resolve(name);
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
                "-alias", "tollgate", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + cn, "-validity", "2",
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-storetype", "PKCS12", "-keystore", ks.toString(),
                "-storepass", PASSWORD, "-keypass", PASSWORD).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), UTF_8);
        assertEquals(0, p.waitFor(), out);
        return ks;
    }

    /** A client trusting exactly the certificates of {@code keystores}. */
    private static HttpClient client(Path... keystores) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        int i = 0;
        for (Path ks : keystores) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(ks)) {
                store.load(in, PASSWORD.toCharArray());
            }
            trust.setCertificateEntry("c" + i++, store.getCertificate("tollgate"));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(null, tmf.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(c).version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    private static String config(Path keystore) {
        return """
                {
                  "server": {"access_log": false, "tls": {"keystore": "%s", "password": "${TLS_PASSWORD}"}},
                  "accounts": {"admin_token": "%s"},
                  "keys": [{"name": "t", "key": "sk-test-0123456789abcdef"}],
                  "providers": {"echo": {"kind": "echo"}},
                  "models": [{"id": "echo", "provider": "echo", "context_length": 8192}]
                }
                """.formatted(keystore, ReloadGatewayTest.ADMIN_TOKEN);
    }

    private static String subject(HttpResponse<?> r) throws Exception {
        X509Certificate cert = (X509Certificate) r.sslSession().orElseThrow().getPeerCertificates()[0];
        return cert.getSubjectX500Principal().getName();
    }

    @Test
    void httpsHandshakeWithTheJdkClient_andAReloadServesTheRenewedCertificateToNewConnections() throws Exception {
        Path served = keystore("served.p12", "first");
        Path renewed = keystore("renewed.p12", "second");
        try (GatewayHarness gw = GatewayHarness.builder("http://127.0.0.1:9", dir.resolve("data")).config(config(served))
                .env("TLS_PASSWORD", PASSWORD).startReloadable(dir.resolve("gateway.json"))) {
            assertEquals("https", gw.gateway.scheme());
            URI base = URI.create("https://127.0.0.1:" + gw.port());
            HttpClient before = client(served, renewed);
            HttpResponse<String> health = before.send(HttpRequest.newBuilder(base.resolve("/healthz")).build(),
                    HttpResponse.BodyHandlers.ofString(UTF_8));
            assertEquals(200, health.statusCode());
            assertEquals("application/json", health.headers().firstValue("Content-Type").orElse(null));
            assertEquals("{\"status\":\"ok\"}", health.body());
            assertEquals("CN=first", subject(health));
            assertTrue(health.sslSession().orElseThrow().getProtocol().matches("TLSv1\\.[23]"), health.sslSession().get().getProtocol());

            // A chat request over TLS, the whole answer.
            HttpResponse<String> chat = before.send(HttpRequest.newBuilder(base.resolve("/v1/chat/completions"))
                    .header("Authorization", GatewayHarness.AUTH).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(GatewayHarness.chat("echo", false))).build(),
                    HttpResponse.BodyHandlers.ofString(UTF_8));
            assertEquals(200, chat.statusCode(), chat.body());
            assertEquals("application/json", chat.headers().firstValue("Content-Type").orElse(null));
            assertEquals("chat.completion", GatewayHarness.obj(chat.body()).get("object"));

            // The certificate is renewed in place, then the config reloaded.
            Path firstOnly = keystoreCopy(served);
            Files.copy(renewed, served, StandardCopyOption.REPLACE_EXISTING);
            HttpResponse<String> reloaded = before.send(HttpRequest.newBuilder(base.resolve("/admin/reload"))
                    .header("Authorization", ReloadGatewayTest.ADMIN).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString(UTF_8));
            assertEquals(200, reloaded.statusCode(), reloaded.body());
            assertEquals("application/json", reloaded.headers().firstValue("Content-Type").orElse(null));
            assertEquals("{\"reloaded\":true,\"models\":1,\"providers\":[\"echo\"],\"keys\":1,\"tls_reloaded\":true,"
                    + "\"restart_needed\":[]}", reloaded.body());

            // A new connection gets the renewed certificate, from the same listener.
            HttpClient after = client(served, renewed);
            HttpResponse<String> again = after.send(HttpRequest.newBuilder(base.resolve("/healthz")).build(),
                    HttpResponse.BodyHandlers.ofString(UTF_8));
            assertEquals(200, again.statusCode());
            assertEquals("application/json", again.headers().firstValue("Content-Type").orElse(null));
            assertEquals("{\"status\":\"ok\"}", again.body());
            assertEquals("CN=second", subject(again));

            // A client that trusts only the old certificate is refused by its own check now.
            HttpClient oldTrust = client(firstOnly);
            assertThrows(IOException.class, () -> oldTrust.send(HttpRequest.newBuilder(base.resolve("/healthz")).build(),
                    HttpResponse.BodyHandlers.ofString(UTF_8)));

            // Plain HTTP on the TLS port is not served.
            HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            assertThrows(IOException.class, () -> plain.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.port() + "/healthz"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString(UTF_8)));
        }
    }

    @Test
    void aBrokenRenewalFailsTheReload_andNewConnectionsKeepTheOldCertificate() throws Exception {
        Path served = keystore("served.p12", "first");
        try (GatewayHarness gw = GatewayHarness.builder("http://127.0.0.1:9", dir.resolve("data")).config(config(served))
                .env("TLS_PASSWORD", PASSWORD).startReloadable(dir.resolve("gateway.json"))) {
            URI base = URI.create("https://127.0.0.1:" + gw.port());
            HttpClient client = client(served);
            Path trusted = keystoreCopy(served);
            Files.write(served, new byte[] {0x30, 0x03, 0x02, 0x01, 0x00}); // a half-written renewal
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(base.resolve("/admin/reload"))
                    .header("Authorization", ReloadGatewayTest.ADMIN).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString(UTF_8));
            assertEquals(400, r.statusCode(), r.body());
            assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(null));
            String message = (String) GatewayHarness.obj(GatewayHarness.obj(r.body()).get("error")).get("message");
            assertTrue(message.contains("server.tls.keystore") && message.contains(served.toString()), message);
            assertFalse(message.contains(PASSWORD), message);

            HttpResponse<String> again = client(trusted).send(HttpRequest.newBuilder(base.resolve("/healthz")).build(),
                    HttpResponse.BodyHandlers.ofString(UTF_8));
            assertEquals(200, again.statusCode());
            assertEquals("application/json", again.headers().firstValue("Content-Type").orElse(null));
            assertEquals("{\"status\":\"ok\"}", again.body());
            assertEquals("CN=first", subject(again));
        }
    }

    /** A copy of {@code ks} as it is now. */
    private Path keystoreCopy(Path ks) throws IOException {
        Path copy = dir.resolve("copy.p12");
        Files.copy(ks, copy, StandardCopyOption.REPLACE_EXISTING);
        return copy;
    }

    @Test
    void aBadKeystoreOrPasswordFailsTheConfig_namingTheSettingAndNotThePassword() throws Exception {
        Path ks = keystore("k.p12", "first");
        String wrong = "wrong-password-4567";
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(config(ks).getBytes(UTF_8), dir,
                Map.of("TLS_PASSWORD", wrong), ConfigLoader.Overrides.NONE));
        assertTrue(e.getMessage().contains("server.tls.keystore") && e.getMessage().contains(ks.toString()), e.getMessage());
        assertFalse(e.getMessage().contains(wrong), e.getMessage());

        ConfigException missing = assertThrows(ConfigException.class, () -> ConfigLoader.parse(
                config(dir.resolve("nope.p12")).getBytes(UTF_8), dir, Map.of("TLS_PASSWORD", PASSWORD), ConfigLoader.Overrides.NONE));
        assertEquals("config: server.tls.keystore: " + dir.resolve("nope.p12") + ": no such file", missing.getMessage());

        ConfigException alias = assertThrows(ConfigException.class, () -> ConfigLoader.parse(
                config(ks).replace("\"password\"", "\"alias\": \"other\", \"password\"").getBytes(UTF_8), dir,
                Map.of("TLS_PASSWORD", PASSWORD), ConfigLoader.Overrides.NONE));
        assertTrue(alias.getMessage().contains("server.tls.keystore") && alias.getMessage().contains("alias \"other\""),
                alias.getMessage());
    }
}
