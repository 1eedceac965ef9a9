package tollgate.websocket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JDK's own client ({@code java.net.http.WebSocket}) against the listener, over {@code ws://}
 * and {@code wss://}: it insists on exactly one {@code Connection: Upgrade}, a correct accept
 * value, no extensions and an offered subprotocol, so a connection that works proves those.
 * The TLS keystore is generated for the test with the JDK's keytool.
 */
class WsJdkClientTest {
    private static final char[] PASSWORD = "test-only-password".toCharArray();
    private static final long WAIT_SECONDS = 10;
    private static final BlockingQueue<String> ENDINGS = new LinkedBlockingQueue<>();
    @TempDir
    static Path dir;
    private static SSLContext serverTls;
    private static SSLContext clientTls;
    private static WsServer plain;
    private static WsServer tls;

    @BeforeAll
    static void start() throws Exception {
        Path keystore = dir.resolve("ws.p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "ws", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", keystore.toString(), "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "keytool failed: " + out);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(keystore)) {
            ks.load(in, PASSWORD);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, PASSWORD);
        serverTls = SSLContext.getInstance("TLS");
        serverTls.init(kmf.getKeyManagers(), null, null);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ws", ks.getCertificate("ws"));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        clientTls = SSLContext.getInstance("TLS");
        clientTls.init(null, tmf.getTrustManagers(), null);

        WsHandler handler = (req, up) -> {
            String chosen = req.subprotocols().contains("realtime") ? "realtime" : null;
            WsConnection c = up.accept(chosen, null);
            if (req.path().equals("/bye")) {
                c.sendText("bye soon");
                c.close(4000, "done");
            }
            Servers.echoLoop(c);
            ENDINGS.add(c.peerCloseCode() + " " + c.peerCloseReason());
        };
        plain = WsServer.bind("127.0.0.1", 0, null, 10, Servers.limits(4 * 1024 * 1024), handler);
        plain.start();
        tls = WsServer.bind("127.0.0.1", 0, serverTls, 10, Servers.limits(4 * 1024 * 1024), handler);
        tls.start();
    }

    @AfterAll
    static void stop() {
        plain.close();
        tls.close();
    }

    /** Collects whole messages; each event is one string in the queue. */
    static final class Collector implements WebSocket.Listener {
        final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
        private final StringBuilder text = new StringBuilder();
        private final ByteArrayOutputStream binary = new ByteArrayOutputStream();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                events.add("text:" + text);
                text.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            binary.writeBytes(b);
            if (last) {
                events.add(binary.toByteArray());
                binary.reset();
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket ws, ByteBuffer data) {
            events.add("pong:" + java.nio.charset.StandardCharsets.UTF_8.decode(data));
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            events.add("close:" + statusCode + " " + reason);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) { events.add("error:" + error); }

        Object next() throws InterruptedException {
            Object e = events.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertTrue(e != null, "no event from the client");
            return e;
        }
    }

    private static void session(String base, SSLContext ctx) throws Exception {
        HttpClient.Builder b = HttpClient.newBuilder();
        if (ctx != null) b.sslContext(ctx);
        try (HttpClient client = b.build()) {
            Collector events = new Collector();
            ENDINGS.clear();
            WebSocket ws = client.newWebSocketBuilder().subprotocols("other", "realtime")
                    .buildAsync(URI.create(base + "/session"), events).get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertEquals("realtime", ws.getSubprotocol());
            ws.sendText("Hello, κόσμε", true).get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertEquals("text:Hello, κόσμε", events.next());
            byte[] big = new byte[1024 * 1024 + 3];
            new Random(11).nextBytes(big);
            ws.sendBinary(ByteBuffer.wrap(big), true).get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertArrayEquals(big, (byte[]) events.next());
            ws.sendText("in ", false);
            ws.sendText("two parts", true).get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertEquals("text:in two parts", events.next());
            ws.sendPing(ByteBuffer.wrap("are you there".getBytes())).get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertEquals("pong:are you there", events.next());
            ws.sendClose(1000, "bye").get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertEquals("close:1000 ", events.next());
            assertEquals("1000 bye", ENDINGS.poll(WAIT_SECONDS, TimeUnit.SECONDS));
        }
    }

    private static void serverCloses(String base, SSLContext ctx) throws Exception {
        HttpClient.Builder b = HttpClient.newBuilder();
        if (ctx != null) b.sslContext(ctx);
        try (HttpClient client = b.build()) {
            Collector events = new Collector();
            ENDINGS.clear();
            WebSocket ws = client.newWebSocketBuilder().buildAsync(URI.create(base + "/bye"), events)
                    .get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertEquals("", ws.getSubprotocol());
            assertEquals("text:bye soon", events.next());
            assertEquals("close:4000 done", events.next());   // the client answers it by itself
            assertEquals("4000 ", ENDINGS.poll(WAIT_SECONDS, TimeUnit.SECONDS));
        }
    }

    @Test
    void theJdkClientOverWs() throws Exception { session("ws://127.0.0.1:" + plain.port(), null); }

    @Test
    void theJdkClientOverWss() throws Exception {
        assertTrue(tls.tls());
        session("wss://127.0.0.1:" + tls.port(), clientTls);
    }

    @Test
    void theServersCloseReachesTheJdkClientOverWs() throws Exception { serverCloses("ws://127.0.0.1:" + plain.port(), null); }

    @Test
    void theServersCloseReachesTheJdkClientOverWss() throws Exception {
        serverCloses("wss://localhost:" + tls.port(), clientTls);
    }

    @Test
    void aTlsPeerThatNeverReadsIsAbortedToo() throws Exception {
        java.util.concurrent.CountDownLatch failed = new java.util.concurrent.CountDownLatch(1);
        WsLimits limits = new WsLimits(1024, 4096, java.time.Duration.ofSeconds(5), java.time.Duration.ofSeconds(30),
                java.time.Duration.ofSeconds(20), java.time.Duration.ofSeconds(2), java.time.Duration.ofMillis(300));
        try (WsServer s = WsServer.bind("127.0.0.1", 0, serverTls, 10, limits, (req, up) -> {
            WsConnection c = up.accept(null, null);
            try {
                while (true) c.sendBinary(new byte[64 * 1024]);
            } catch (IOException e) {
                failed.countDown();
            }
        })) {
            s.start();
            try (var socket = (javax.net.ssl.SSLSocket) clientTls.getSocketFactory().createSocket("127.0.0.1", s.port())) {
                socket.setReceiveBufferSize(4096);
                socket.getOutputStream().write(RawClient.upgradeRequest("/", "").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
                assertTrue(failed.await(WAIT_SECONDS, TimeUnit.SECONDS), "the stuck TLS write was not aborted");
            }
        }
    }

    @Test
    void aPlainClientOnTheTlsPortGetsNothingAndIsClosed() throws Exception {
        try (RawClient c = RawClient.connect(tls.port())) {
            c.write(RawClient.upgradeRequest("/", ""));
            try {
                c.in.readAllBytes();   // a TLS alert at most, then the end
            } catch (java.net.SocketException reset) {
                // also closed
            }
        }
    }
}
