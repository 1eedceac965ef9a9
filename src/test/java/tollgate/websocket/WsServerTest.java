package tollgate.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import tollgate.json.Json;

/** The listener's own limits: idle timeout and pings, connection cap, write timeout, shutdown. */
class WsServerTest {
    private static final long WAIT_SECONDS = 10;

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(5);
        }
    }

    private static WsLimits limits(Duration idle, Duration ping, Duration write) {
        return new WsLimits(WsLimits.DEFAULT_MAX_MESSAGE_BYTES, WsLimits.DEFAULT_MAX_HEADER_BYTES, Duration.ofSeconds(5),
                idle, ping, Duration.ofSeconds(2), write);
    }

    @Test
    void aSilentPeerIsPingedThenClosed1001() throws Exception {
        BlockingQueue<String> ended = new LinkedBlockingQueue<>();
        try (WsServer s = WsServer.bind("127.0.0.1", 0, null, 10, limits(Duration.ofMillis(600), Duration.ofMillis(200),
                Duration.ofSeconds(5)), (req, up) -> {
                    WsConnection c = up.accept(null, null);
                    Servers.echoLoop(c);
                    ended.add(c.sentCloseCode() + " " + c.peerCloseCode());
                })) {
            s.start();
            try (RawClient c = RawClient.open(s.port())) {
                c.expectFrame(9, new byte[0]);                      // the ping after 200 ms of silence
                RawClient.Frame close = c.expectClose(1001);         // no pong: closed after 600 ms
                assertEquals("idle timeout", close.closeReason());
                c.sendClose(1001, "");
                c.expectEof();
                assertEquals("1001 1001", ended.poll(WAIT_SECONDS, TimeUnit.SECONDS));
            }
        }
    }

    @Test
    void pongsKeepAQuietPeerAlive() throws Exception {
        try (WsServer s = WsServer.bind("127.0.0.1", 0, null, 10, limits(Duration.ofMillis(1000), Duration.ofMillis(200),
                Duration.ofSeconds(5)), (req, up) -> Servers.echoLoop(up.accept(null, null)))) {
            s.start();
            try (RawClient c = RawClient.open(s.port())) {
                for (int i = 0; i < 6; i++) {                        // 6 pings answered: past the idle timeout
                    c.expectFrame(9, new byte[0]);
                    c.send(10, new byte[0]);
                }
                c.sendText("still here");
                c.expectText("still here");
                c.expectFrame(9, new byte[0]);
                c.expectClose(1001);
            }
        }
    }

    @Test
    void oneConnectionOverTheCapIsAnswered503() throws Exception {
        try (WsServer s = WsServer.bind("127.0.0.1", 0, null, 2, Servers.limits(1024),
                (req, up) -> Servers.echoLoop(up.accept(null, null)))) {
            s.start();
            try (RawClient a = RawClient.open(s.port()); RawClient b = RawClient.open(s.port())) {
                assertEquals(2, s.connections());
                try (RawClient c = RawClient.connect(s.port())) {
                    c.write(RawClient.upgradeRequest("/", ""));
                    RawClient.Response r = c.readResponse();
                    assertEquals(503, r.status());
                    assertEquals("1", r.headers().get("retry-after"));
                    Map<?, ?> error = (Map<?, ?>) ((Map<?, ?>) Json.parse(r.body())).get("error");
                    assertEquals("service_unavailable", error.get("type"));
                    c.expectEof();
                }
                a.sendClose(1000, "");
                a.expectClose(1000);
                await(() -> s.connections() == 1, "the closed connection to be counted out");
                try (RawClient d = RawClient.open(s.port())) {
                    d.sendText("room again");
                    d.expectText("room again");
                    b.sendText("b unaffected");
                    b.expectText("b unaffected");
                }
            }
        }
    }

    @Test
    void aPeerThatNeverReadsIsAbortedAfterTheWriteTimeoutOthersUnaffected() throws Exception {
        CountDownLatch sendFailed = new CountDownLatch(1);
        try (WsServer s = WsServer.bind("127.0.0.1", 0, null, 10, limits(Duration.ofSeconds(30), Duration.ofSeconds(20),
                Duration.ofMillis(300)), (req, up) -> {
                    WsConnection c = up.accept(null, null);
                    if (req.path().equals("/flood")) {
                        byte[] chunk = new byte[64 * 1024];
                        try {
                            while (true) c.sendBinary(chunk);
                        } catch (IOException e) {
                            sendFailed.countDown();
                        }
                        assertEquals(null, c.read());
                    } else {
                        Servers.echoLoop(c);
                    }
                })) {
            s.start();
            try (RawClient flooded = RawClient.open(s.port(), "/flood"); RawClient other = RawClient.open(s.port())) {
                flooded.socket.setReceiveBufferSize(4096);
                other.sendText("before");
                other.expectText("before");
                assertTrue(sendFailed.await(WAIT_SECONDS, TimeUnit.SECONDS), "the stuck write was not aborted");
                other.sendText("after");
                other.expectText("after");
                await(() -> s.connections() == 1, "the aborted connection to be counted out");
            }
        }
    }

    @Test
    void aPongStuckBehindAStuckWriteIsFreedByTheWriteTimeout() throws Exception {
        // The session's writer is stuck (the peer reads nothing) and holds the write lock; the
        // reader, answering the peer's ping, waits for that lock. The write timeout frees both.
        CountDownLatch readerEnded = new CountDownLatch(1);
        CountDownLatch writerEnded = new CountDownLatch(1);
        try (WsServer s = WsServer.bind("127.0.0.1", 0, null, 10, limits(Duration.ofSeconds(30), Duration.ofSeconds(20),
                Duration.ofMillis(300)), (req, up) -> {
                    WsConnection c = up.accept(null, null);
                    Thread reader = Thread.ofVirtual().start(() -> {
                        try {
                            while (c.read() != null) {
                                // the ping is answered inside read()
                            }
                        } catch (IOException e) {
                            // read() reports the end as null
                        }
                        readerEnded.countDown();
                    });
                    try {
                        while (true) c.sendBinary(new byte[64 * 1024]);
                    } catch (IOException e) {
                        writerEnded.countDown();
                    }
                    try {
                        reader.join();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                })) {
            s.start();
            try (RawClient flooded = RawClient.open(s.port())) {
                flooded.send(9, RawClient.utf8("answer me"));
                assertTrue(writerEnded.await(WAIT_SECONDS, TimeUnit.SECONDS), "the stuck write was not aborted");
                assertTrue(readerEnded.await(WAIT_SECONDS, TimeUnit.SECONDS), "the reader stayed stuck behind the writer");
                await(() -> s.connections() == 0, "the aborted connection to be counted out");
            }
        }
    }

    @Test
    void closingTheServerSendsGoingAwayAndWaitsForHandlers() throws Exception {
        BlockingQueue<String> ended = new LinkedBlockingQueue<>();
        WsServer s = WsServer.bind("127.0.0.1", 0, null, 10, Servers.limits(1024), (req, up) -> {
            WsConnection c = up.accept(null, null);
            Servers.echoLoop(c);
            ended.add(c.sentCloseCode() + " " + c.peerCloseCode());
        });
        s.start();
        try (RawClient a = RawClient.open(s.port()); RawClient b = RawClient.open(s.port())) {
            a.sendText("hi");
            a.expectText("hi");
            Thread closer = Thread.ofVirtual().start(() -> s.close(Duration.ofSeconds(WAIT_SECONDS)));
            for (RawClient c : new RawClient[] {a, b}) {
                RawClient.Frame f = c.expectClose(1001);
                assertEquals("going away", f.closeReason());
                c.sendClose(1001, "");
                c.expectEof();
            }
            closer.join();
            assertEquals(0, s.connections());
            assertEquals("1001 1001", ended.poll(0, TimeUnit.SECONDS));
            assertEquals("1001 1001", ended.poll(0, TimeUnit.SECONDS));
        }
        try (RawClient late = RawClient.connect(s.port())) {
            throw new AssertionError("still accepting after close: " + late);
        } catch (IOException expected) {
            // connection refused
        }
    }

    @Test
    void closingTheServerDropsAPeerThatDoesNotAnswerItsClose() throws Exception {
        WsServer s = WsServer.bind("127.0.0.1", 0, null, 10, new WsLimits(1024, 4096, Duration.ofSeconds(5),
                Duration.ofSeconds(30), Duration.ofSeconds(20), Duration.ofMillis(300), Duration.ofSeconds(5)),
                (req, up) -> Servers.echoLoop(up.accept(null, null)));
        s.start();
        try (RawClient a = RawClient.open(s.port())) {
            Thread closer = Thread.ofVirtual().start(() -> s.close(Duration.ofSeconds(WAIT_SECONDS)));
            a.expectClose(1001);
            a.expectEof();                 // never answered: dropped after the close timeout
            closer.join();
            assertEquals(0, s.connections());
        }
    }

    @Test
    void handshakesInProgressAreDroppedAtClose() throws Exception {
        WsServer s = Servers.echo();
        try (RawClient a = RawClient.connect(s.port())) {
            a.write("GET / HTTP/1.1\r\n");
            await(() -> s.connections() == 1, "the handshake to start");
            s.close();
            a.expectEof();
            assertEquals(0, s.connections());
        }
    }

    @Test
    void theListenerReportsItsAddress() throws Exception {
        try (WsServer s = Servers.echo()) {
            assertEquals("127.0.0.1", s.host());
            assertTrue(s.port() > 0);
            assertEquals(false, s.tls());
            assertNotNull(s);
        }
    }

    @Test
    void oneAddress_holdsAtMostItsShareOfHandshakes_theNextIsClosedAtOnce_andAPlaceFreesWhenOneEnds() throws Exception {
        int n = WsServer.MAX_HANDSHAKES_PER_ADDRESS;
        try (WsServer s = Servers.echo(Servers.limits(1024), 1000)) {
            java.util.List<java.net.Socket> silent = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < n; i++) silent.add(new java.net.Socket("127.0.0.1", s.port()));
                // Every place of this address is held by a socket that sends nothing.
                try (java.net.Socket more = new java.net.Socket("127.0.0.1", s.port())) {
                    more.setSoTimeout(5000);
                    assertEquals(-1, more.getInputStream().read(), "closed at once, unanswered");
                }
                silent.remove(0).close();
                long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                while (true) {
                    try (RawClient c = RawClient.open(s.port())) {
                        break; // upgraded: the place was given back
                    } catch (IOException | AssertionError busy) {
                        assertTrue(System.nanoTime() < deadline, "no place came free: " + busy);
                        Thread.sleep(20);
                    }
                }
            } finally {
                for (java.net.Socket x : silent) x.close();
            }
        }
    }
}
