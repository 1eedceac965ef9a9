package tollgate.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.config.StateConfig;

/** {@code rediss://}: TLS to a real redis-server with a certificate made by keytool; the host name is verified. */
class RedisTlsTest {
    @TempDir Path dir;

    private static final String STORE_PASSWORD = "changeit-123";

    /** A self-signed certificate for {@code san} (keytool's -ext value), as PEM files, and a PKCS#12 trust store of it. */
    private record Pki(Path certPem, Path keyPem, Path truststore) { }

    private Pki pki(String name, String san) throws Exception {
        Path p12 = dir.resolve(name + ".p12");
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process k = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "redis", "-keyalg", "RSA", "-keysize", "2048",
                "-dname", "CN=" + name, "-ext", "SAN=" + san, "-validity", "2", "-storetype", "PKCS12", "-keystore", p12.toString(),
                "-storepass", STORE_PASSWORD, "-keypass", STORE_PASSWORD).redirectErrorStream(true).start();
        String out = new String(k.getInputStream().readAllBytes());
        assertEquals(0, k.waitFor(), out);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            ks.load(in, STORE_PASSWORD.toCharArray());
        }
        Certificate cert = ks.getCertificate("redis");
        byte[] key = ks.getKey("redis", STORE_PASSWORD.toCharArray()).getEncoded(); // PKCS#8
        Path certPem = dir.resolve(name + ".crt");
        Path keyPem = dir.resolve(name + ".key");
        Files.writeString(certPem, pem("CERTIFICATE", cert.getEncoded()));
        Files.writeString(keyPem, pem("PRIVATE KEY", key));
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("redis", cert);
        Path truststore = dir.resolve(name + "-trust.p12");
        try (OutputStream o = Files.newOutputStream(truststore)) {
            trust.store(o, STORE_PASSWORD.toCharArray());
        }
        return new Pki(certPem, keyPem, truststore);
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static StateConfig config(String host, int port, Path truststore) {
        return new StateConfig(host, port, true, null, null, 0, "t", StateConfig.DEFAULT_KEY_PREFIX, 2, Duration.ofMillis(2000),
                Duration.ofMillis(3000), truststore, truststore == null ? null : STORE_PASSWORD);
    }

    @Test
    void rediss_withTheConfiguredTrustStore_andTheHostNameVerified() throws Exception {
        Pki pki = pki("redis-ok", "ip:127.0.0.1,dns:localhost");
        try (RedisServer r = RedisServer.startTls(pki.certPem(), pki.keyPem())) {
            try (Redis c = RedisClient.open(config("127.0.0.1", r.tlsPort(), pki.truststore()))) {
                assertEquals("OK", c.call("SET", "tls", "yes"));
                assertEquals(List.of("yes", 1L), c.pipeline(List.of(new String[] {"GET", "tls"}, new String[] {"EXISTS", "tls"})));
            }
            try (Redis c = RedisClient.open(config("localhost", r.tlsPort(), pki.truststore()))) {
                assertEquals("yes", c.call("GET", "tls"));
            }
            // The JDK's own trust store does not know a self-signed certificate.
            try (Redis c = RedisClient.open(config("127.0.0.1", r.tlsPort(), null))) {
                RedisException e = assertThrows(RedisException.class, () -> c.call("PING"));
                assertEquals(RedisException.Kind.UNAVAILABLE, e.kind());
                assertEquals("cannot connect to Redis at 127.0.0.1:" + r.tlsPort() + ": the TLS certificate is not trusted"
                        + " (the JDK's trust store, or state.tls_truststore)", e.getMessage());
                assertFalse(c.up());
            }
            // Plain RESP to the TLS port is not answered as Redis: the handshake fails, it is not a hang.
            try (Redis c = RedisClient.open(new StateConfig("127.0.0.1", r.tlsPort(), false, null, null, 0, "t", "tollgate:", 2,
                    Duration.ofMillis(500), Duration.ofMillis(1000), null, null))) {
                RedisException e = assertThrows(RedisException.class, () -> c.call("PING"));
                assertTrue(e.unavailable(), e.getMessage());
            }
        }
    }

    @Test
    void aCertificateForAnotherHostIsRefused() throws Exception {
        Pki pki = pki("redis-other", "dns:other.example");
        try (RedisServer r = RedisServer.startTls(pki.certPem(), pki.keyPem());
             Redis c = RedisClient.open(config("127.0.0.1", r.tlsPort(), pki.truststore()))) {
            RedisException e = assertThrows(RedisException.class, () -> c.call("PING"));
            assertEquals(RedisException.Kind.UNAVAILABLE, e.kind());
            assertEquals("cannot connect to Redis at 127.0.0.1:" + r.tlsPort()
                    + ": the TLS certificate does not name 127.0.0.1 (hostname verification)", e.getMessage());
            assertFalse(c.up());
        }
    }

    @Test
    void anUnreadableTrustStoreFailsAtStartNamingTheSetting() throws Exception {
        Path bad = dir.resolve("bad.p12");
        Files.writeString(bad, "not a key store");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RedisClient.open(config("127.0.0.1", 1, bad)));
        assertTrue(e.getMessage().startsWith("state.tls_truststore: cannot read " + bad), e.getMessage());
        assertFalse(e.getMessage().contains(STORE_PASSWORD), e.getMessage());
    }
}
