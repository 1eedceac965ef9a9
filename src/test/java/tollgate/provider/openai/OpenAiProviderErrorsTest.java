package tollgate.provider.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.provider.FakeUpstream.event;
import static tollgate.provider.FakeUpstream.json;
import static tollgate.provider.FakeUpstream.startSse;
import static tollgate.provider.openai.Fixture.SIMPLE;
import static tollgate.provider.openai.Fixture.SIMPLE_STREAM;
import static tollgate.provider.openai.Fixture.call;
import static tollgate.provider.openai.Fixture.provider;
import static tollgate.provider.openai.OpenAiProviderTest.STREAM;

import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tollgate.call.Cancellation;
import tollgate.error.ClientGoneException;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.provider.FakeUpstream;
import tollgate.provider.HttpChatProvider;
import tollgate.provider.RawUpstream;

/** How every way an upstream can fail reaches the gateway. */
class OpenAiProviderErrorsTest {

    private static final long WAIT_S = 10; // generous: these only bound a hang

    private FakeUpstream up;

    @BeforeEach
    void start() throws IOException {
        up = new FakeUpstream();
    }

    @AfterEach
    void stop() {
        up.close();
    }

    private static HttpChatProvider providerWith(URI base, Duration timeout, Duration idle) {
        return Fixture.openAi(Fixture.config(base, "sk-test", Map.of(), timeout, idle), Fixture.UPSTREAM, Fixture.WATCHDOG);
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "400 | {\"error\":{\"message\":\"Invalid 'temperature': must be <= 2\",\"type\":\"invalid_request_error\",\"param\":\"temperature\",\"code\":null}} | CALLER_INVALID_REQUEST | 400 | Invalid 'temperature': must be <= 2 | ",
        "400 | something went wrong | CALLER_INVALID_REQUEST | 400 | something went wrong | ",
        "401 | {\"error\":{\"message\":\"Incorrect API key provided: sk-test***\"}} | PROVIDER_AUTH_FAILED | 502 | rejected the gateway's credentials | sk-",
        "403 | {\"error\":{\"message\":\"key sk-test is not allowed\"}} | PROVIDER_AUTH_FAILED | 502 | rejected the gateway's credentials | sk-",
        "402 | {\"error\":{\"message\":\"Insufficient credits, add billing details\"}} | PROVIDER_UNAVAILABLE | 503 | is unavailable | credit",
        "404 | {\"error\":{\"message\":\"The model does not exist\",\"code\":\"model_not_found\"}} | PROVIDER_ERROR | 502 | model 'up-model' not found | ",
        "404 | {\"error\":{\"message\":\"Unknown parameter: foo\",\"param\":\"foo\"}} | CALLER_INVALID_REQUEST | 400 | Unknown parameter: foo | ",
        "408 | | PROVIDER_TIMEOUT | 504 | timed out | ",
        "413 | | CALLER_BODY_TOO_LARGE | 413 | too large | ",
        "422 | {\"detail\":\"field required\"} | CALLER_INVALID_REQUEST | 400 | field required | ",
        "429 | {\"error\":{\"message\":\"Rate limit reached for org-abc123\",\"type\":\"requests\"}} | PROVIDER_RATE_LIMITED | 429 | rate-limiting the gateway | org-",
        "429 | {\"error\":{\"message\":\"You exceeded your current quota, check your billing\",\"type\":\"insufficient_quota\"}} | PROVIDER_UNAVAILABLE | 503 | is unavailable | billing",
        "500 | {\"error\":{\"message\":\"The server had an error\"}} | PROVIDER_ERROR | 502 | The server had an error | ",
        "502 | <html><body>Bad Gateway</body></html> | PROVIDER_ERROR | 502 | HTTP 502 | <html",
        "503 | {\"error\":{\"message\":\"Service Unavailable\"}} | PROVIDER_UNAVAILABLE | 503 | unavailable | ",
        "529 | {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}} | PROVIDER_UNAVAILABLE | 503 | Overloaded | ",
        "504 | | PROVIDER_TIMEOUT | 504 | timed out | ",
        "418 | {\"error\":{\"message\":\"teapot\"}} | PROVIDER_ERROR | 502 | HTTP 418 | ",
    })
    void status_isClassifiedForChatAndStream(int status, String body, ErrorKind kind, int clientStatus,
                                             String contains, String mustNotContain) {
        up.handler = ex -> json(ex, status, body == null ? "" : body);
        for (boolean stream : new boolean[] {false, true}) {
            GatewayException e = assertThrows(GatewayException.class, () -> {
                if (stream) provider(up.baseUrl()).stream(call(SIMPLE_STREAM, true), c -> { });
                else provider(up.baseUrl()).chat(call(SIMPLE, false));
            });
            assertEquals(kind, e.kind());
            assertEquals(clientStatus, e.httpStatus());
            assertEquals(status, e.upstreamStatus());
            assertTrue(e.getMessage().startsWith("Provider 'acme'"), e.getMessage());
            assertTrue(e.getMessage().contains(contains), e.getMessage());
            if (mustNotContain != null) assertFalse(e.getMessage().contains(mustNotContain), e.getMessage());
        }
    }

    @Test
    void status400_carriesTheUpstreamParam() {
        up.handler = ex -> json(ex, 400, "{\"error\":{\"message\":\"bad\",\"param\":\"messages[0].content\"}}");
        GatewayException e = assertThrows(GatewayException.class, () -> provider(up.baseUrl()).chat(call(SIMPLE, false)));
        assertEquals("messages[0].content", e.param());
    }

    @Test
    void connectionRefused_isUnavailable() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        GatewayException e = assertThrows(GatewayException.class,
                () -> provider(URI.create("http://127.0.0.1:" + port + "/v1")).chat(call(SIMPLE, false)));
        assertEquals(ErrorKind.PROVIDER_UNAVAILABLE, e.kind());
        assertEquals("Provider 'acme' is unreachable", e.getMessage());
    }

    @Test
    void noHeadersInTime_isTimeout() throws Exception {
        try (RawUpstream raw = new RawUpstream((in, out) -> {
            RawUpstream.readRequest(in);
            in.read(); // never answers; returns when the client gives up
        })) {
            GatewayException e = assertThrows(GatewayException.class,
                    () -> providerWith(raw.baseUrl(), Duration.ofMillis(300), Duration.ofSeconds(10)).chat(call(SIMPLE, false)));
            assertEquals(ErrorKind.PROVIDER_TIMEOUT, e.kind());
        }
    }

    @Test
    void headersTimeout_doesNotLimitALongStream() {
        // HttpRequest.timeout covers the wait for headers only (JDK 25 MultiExchange cancels its
        // timer when they arrive); a stream may run far longer while bytes keep coming.
        up.handler = ex -> {
            OutputStream out = startSse(ex);
            for (int i = 0; i < 8; i++) {
                event(out, STREAM.get(1));
                Thread.sleep(100);
            }
            event(out, "[DONE]");
        };
        AtomicInteger chunks = new AtomicInteger();
        providerWith(up.baseUrl(), Duration.ofMillis(300), Duration.ofSeconds(10))
                .stream(call(SIMPLE_STREAM, true), c -> chunks.incrementAndGet());
        assertEquals(8, chunks.get());
    }

    @Test
    void headersTimeout_doesNotLimitASlowNonStreamBody() {
        // The headers wait ends when the headers arrive (CappedBody's onHeaders); from then on
        // only the idle timeout applies, as for streams.
        byte[] body = "{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[]}".getBytes();
        up.handler = ex -> {
            ex.sendResponseHeaders(200, body.length);
            OutputStream out = ex.getResponseBody();
            for (byte b : body) {
                out.write(b);
                out.flush();
                if (b == ',') Thread.sleep(250); // 3 commas: ~750 ms, well over the 300 ms headers timeout
            }
            out.close();
        };
        var result = providerWith(up.baseUrl(), Duration.ofMillis(300), Duration.ofSeconds(10)).chat(call(SIMPLE, false));
        assertEquals("x", result.completion().get("id"));
    }

    @Test
    void silenceMidStream_isTimeout() {
        up.handler = ex -> {
            OutputStream out = startSse(ex);
            event(out, STREAM.get(0));
            up.stall();
        };
        AtomicInteger chunks = new AtomicInteger();
        GatewayException e = assertThrows(GatewayException.class, () -> providerWith(up.baseUrl(), Duration.ofSeconds(10),
                Duration.ofMillis(300)).stream(call(SIMPLE_STREAM, true), c -> chunks.incrementAndGet()));
        assertEquals(ErrorKind.PROVIDER_TIMEOUT, e.kind());
        assertEquals(1, chunks.get());
    }

    @Test
    void silenceInANonStreamBody_isTimeout() {
        up.handler = ex -> {
            ex.sendResponseHeaders(200, 1000);
            ex.getResponseBody().write("{\"choices\":".getBytes());
            ex.getResponseBody().flush();
            up.stall();
        };
        GatewayException e = assertThrows(GatewayException.class, () -> providerWith(up.baseUrl(), Duration.ofSeconds(10),
                Duration.ofMillis(300)).chat(call(SIMPLE, false)));
        assertEquals(ErrorKind.PROVIDER_TIMEOUT, e.kind());
    }

    @Test
    void streamWithoutDone_isBroken() {
        up.handler = ex -> event(startSse(ex), STREAM.get(0));
        GatewayException e = assertThrows(GatewayException.class,
                () -> provider(up.baseUrl()).stream(call(SIMPLE_STREAM, true), c -> { }));
        assertEquals(ErrorKind.PROVIDER_STREAM_BROKEN, e.kind());
        assertEquals("Provider 'acme' stream ended without its end-of-stream event", e.getMessage());
    }

    @Test
    void connectionCutMidChunkedStream_isBroken() throws Exception {
        try (RawUpstream raw = new RawUpstream((in, out) -> {
            RawUpstream.readRequest(in);
            RawUpstream.write(out, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + RawUpstream.chunk("data: " + STREAM.get(0) + "\n\n") + "40\r\ndata: {\"partial");
        })) {
            AtomicInteger chunks = new AtomicInteger();
            GatewayException e = assertThrows(GatewayException.class,
                    () -> provider(raw.baseUrl()).stream(call(SIMPLE_STREAM, true), c -> chunks.incrementAndGet()));
            assertEquals(ErrorKind.PROVIDER_STREAM_BROKEN, e.kind());
            assertEquals(1, chunks.get());
        }
    }

    @Test
    void connectionClosedBeforeAnyChunk_isClassifiedNotBroken() throws Exception {
        try (RawUpstream raw = new RawUpstream((in, out) -> {
            RawUpstream.readRequest(in);
            RawUpstream.write(out, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "40\r\ndata: {\"partial");
        })) {
            GatewayException e = assertThrows(GatewayException.class,
                    () -> provider(raw.baseUrl()).stream(call(SIMPLE_STREAM, true), c -> { }));
            assertEquals(ErrorKind.PROVIDER_ERROR, e.kind());
        }
    }

    @Test
    void authErrorInsideA200Stream_doesNotPassOnTheUpstreamMessage() {
        up.handler = ex -> event(startSse(ex), "{\"error\":{\"message\":\"Incorrect API key provided: sk-abc***wxyz\","
                + "\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}");
        GatewayException e = assertThrows(GatewayException.class,
                () -> provider(up.baseUrl()).stream(call(SIMPLE_STREAM, true), c -> { }));
        assertEquals(ErrorKind.PROVIDER_AUTH_FAILED, e.kind());
        assertEquals("Provider 'acme' rejected the gateway's credentials", e.getMessage());
    }

    @Test
    void errorEventMidStream_carriesTheUpstreamMessage() {
        up.handler = ex -> {
            OutputStream out = startSse(ex);
            event(out, STREAM.get(0));
            event(out, "{\"error\":{\"message\":\"Upstream is overloaded\",\"type\":\"overloaded_error\"}}");
        };
        GatewayException e = assertThrows(GatewayException.class,
                () -> provider(up.baseUrl()).stream(call(SIMPLE_STREAM, true), c -> { }));
        assertEquals(ErrorKind.PROVIDER_UNAVAILABLE, e.kind());
        assertEquals("Provider 'acme' reported an error: Upstream is overloaded", e.getMessage());

        up.handler = ex -> event(startSse(ex), "{\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}");
        e = assertThrows(GatewayException.class, () -> provider(up.baseUrl()).stream(call(SIMPLE_STREAM, true), c -> { }));
        assertEquals(ErrorKind.PROVIDER_ERROR, e.kind());
        assertTrue(e.getMessage().endsWith("boom"));
    }

    @Test
    void streamRequestAnsweredWithJsonError_isClassified() {
        up.handler = ex -> json(ex, 200, "{\"error\":{\"message\":\"busy\",\"type\":\"overloaded_error\"}}");
        GatewayException e = assertThrows(GatewayException.class,
                () -> provider(up.baseUrl()).stream(call(SIMPLE_STREAM, true), c -> { }));
        assertEquals(ErrorKind.PROVIDER_UNAVAILABLE, e.kind());

        up.handler = ex -> json(ex, 200, "{\"id\":\"x\",\"choices\":[]}");
        e = assertThrows(GatewayException.class, () -> provider(up.baseUrl()).stream(call(SIMPLE_STREAM, true), c -> { }));
        assertEquals(ErrorKind.PROVIDER_ERROR, e.kind());
    }

    @Test
    void cancelWhileWaitingForHeaders_closesTheConnection() throws Exception {
        CountDownLatch received = new CountDownLatch(1);
        CountDownLatch closedByClient = new CountDownLatch(1);
        try (RawUpstream raw = new RawUpstream((in, out) -> {
            RawUpstream.readRequest(in);
            received.countDown();
            try {
                if (in.read() < 0) closedByClient.countDown();
            } catch (IOException reset) {
                closedByClient.countDown();
            }
        })) {
            Cancellation cancellation = new Cancellation();
            // Timeouts far beyond the test's wait: only the cancellation can end the call in time.
            Future<?> f = Fixture.THREADS.submit(() -> providerWith(raw.baseUrl(), Duration.ofSeconds(120), Duration.ofSeconds(120))
                    .chat(call(SIMPLE, false, cancellation)));
            assertTrue(received.await(WAIT_S, TimeUnit.SECONDS));
            cancellation.cancel();
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(WAIT_S, TimeUnit.SECONDS));
            assertInstanceOf(ClientGoneException.class, e.getCause());
            assertTrue(closedByClient.await(WAIT_S, TimeUnit.SECONDS), "the upstream saw its connection closed");
        }
    }

    /** A stream that goes on until writing fails; counts down {@code writeFailed} then. */
    private FakeUpstream.Handler endless(CountDownLatch writeFailed) {
        return ex -> {
            OutputStream out = startSse(ex);
            try {
                for (int i = 0; i < 3000; i++) {
                    event(out, STREAM.get(1));
                    Thread.sleep(10);
                }
            } catch (IOException e) {
                writeFailed.countDown();
            }
        };
    }

    @Test
    void cancelMidStream_closesTheUpstream() throws Exception {
        CountDownLatch writeFailed = new CountDownLatch(1);
        up.handler = endless(writeFailed);
        Cancellation cancellation = new Cancellation();
        CountDownLatch firstChunk = new CountDownLatch(1);
        Future<?> f = Fixture.THREADS.submit(() -> providerWith(up.baseUrl(), Duration.ofSeconds(120), Duration.ofSeconds(120))
                .stream(call(SIMPLE_STREAM, true, cancellation), c -> firstChunk.countDown()));
        assertTrue(firstChunk.await(WAIT_S, TimeUnit.SECONDS));
        cancellation.cancel();
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(WAIT_S, TimeUnit.SECONDS));
        assertInstanceOf(ClientGoneException.class, e.getCause());
        assertTrue(writeFailed.await(WAIT_S, TimeUnit.SECONDS), "the upstream's writes failed");
    }

    @Test
    void sinkClientGone_closesTheUpstreamAndPropagates() throws Exception {
        CountDownLatch writeFailed = new CountDownLatch(1);
        up.handler = endless(writeFailed);
        ClientGoneException gone = new ClientGoneException(new IOException("Broken pipe"));
        AtomicInteger n = new AtomicInteger();
        ClientGoneException thrown = assertThrows(ClientGoneException.class, () -> provider(up.baseUrl())
                .stream(call(SIMPLE_STREAM, true), c -> {
                    if (n.incrementAndGet() == 2) throw gone;
                }));
        assertSame(gone, thrown);
        assertTrue(writeFailed.await(WAIT_S, TimeUnit.SECONDS), "the upstream's writes failed");
    }

    @Test
    void alreadyCancelled_sendsNothing() {
        Cancellation c = new Cancellation();
        c.cancel();
        assertThrows(ClientGoneException.class, () -> provider(up.baseUrl()).chat(call(SIMPLE, false, c)));
        assertTrue(up.requests.isEmpty());
    }

    @Test
    void constructor_rejectsAHeaderHttpClientRefuses() {
        assertThrows(IllegalArgumentException.class, () -> Fixture.openAi(Fixture.config(up.baseUrl(), null,
                Map.of("Host", "evil"), Duration.ofSeconds(1), Duration.ofSeconds(1)), Fixture.UPSTREAM, Fixture.WATCHDOG));
    }

    @Test
    void constructor_neverQuotesAnInvalidKey() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Fixture.openAi(
                Fixture.config(up.baseUrl(), "sk-abc\ndef", Map.of(), Duration.ofSeconds(1), Duration.ofSeconds(1)),
                Fixture.UPSTREAM, Fixture.WATCHDOG));
        assertFalse(e.getMessage().contains("sk-abc"), e.getMessage());
        assertEquals(null, e.getCause());
    }
}
