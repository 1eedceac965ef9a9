package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static tollgate.gateway.ChatStreamTest.C1;
import static tollgate.gateway.ChatStreamTest.C2;
import static tollgate.gateway.ChatStreamTest.C3;
import static tollgate.gateway.ChatStreamTest.C4;
import static tollgate.gateway.ChatStreamTest.executionId;
import static tollgate.gateway.ChatStreamTest.relayed;
import static tollgate.gateway.ChatStreamTest.withExtension;
import static tollgate.gateway.FakeUpstream.DONE;
import static tollgate.gateway.FakeUpstream.data;
import static tollgate.gateway.GatewayHarness.chat;
import static tollgate.gateway.GatewayHarness.obj;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Many requests at once, streams and not, each getting exactly its own answer. */
class ConcurrencyTest {
    static final int CLIENTS = 48;

    @TempDir Path dataDir;
    FakeUpstream upstream;
    GatewayHarness gw;

    @BeforeEach
    void start() throws Exception {
        upstream = new FakeUpstream().respondWith(FakeUpstream.sse(data(C1), data(C2), data(C3), data(C4), DONE)
                .delayBetween(Duration.ofMillis(20)));
        gw = GatewayHarness.builder(upstream.url(), dataDir).server("heartbeat_ms", 10).start();
    }

    @AfterEach
    void stop() {
        gw.close();
        upstream.close();
    }

    @Test
    void parallelStreamsAndEchoCalls_eachGetTheirOwnExactAnswer() throws Exception {
        List<Future<String>> streams = new ArrayList<>();
        List<Future<String>> echoes = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < CLIENTS; i++) {
                String id = "c-" + i;
                streams.add(pool.submit(() -> {
                    String body = GatewayHarness.readAll(gw.postStream("/v1/chat/completions", chat("gpt-4o-mini", true),
                            "x-request-id", id).body());
                    String clean = body.replace(": ping\n\n", "");
                    assertEquals(data(withExtension(relayed(C1, false), executionId(clean), id)) + data(relayed(C2, false))
                            + data(relayed(C3, false)) + data(relayed(C4, false)) + DONE, clean);
                    return executionId(clean);
                }));
                String text = "message number " + i;
                echoes.add(pool.submit(() -> {
                    String req = "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}";
                    String body = gw.post("/v1/chat/completions", req).body();
                    return (String) obj(obj(GatewayHarness.list(obj(body).get("choices")).get(0)).get("message")).get("content");
                }));
            }
            Set<String> executionIds = new HashSet<>();
            for (Future<String> f : streams) executionIds.add(f.get());
            assertEquals(CLIENTS, executionIds.size());
            for (int i = 0; i < CLIENTS; i++) assertEquals("Echo: message number " + i, echoes.get(i).get());
        }
        assertEquals(CLIENTS, upstream.requests().size());
    }

    /**
     * A client's keep-alive pool larger than the JDK server's default idle limit (200, closed past
     * it in ServerImpl.markIdle): every connection, idle at once, serves its next request.
     */
    @Test
    void moreKeepAliveConnectionsThanTheJdkDefault_allServeTheirNextRequest() throws Exception {
        int pool = 240;
        List<RawHttp> connections = new ArrayList<>();
        try {
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < pool; i++) {
                    if (round == 0) connections.add(new RawHttp(gw.port()));
                    RawHttp c = connections.get(i);
                    c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
                    RawHttp.Head head = c.readHead();
                    assertEquals(200, head.status(), "round " + round + ", connection " + i);
                    c.readBody(head);
                }
            }
        } finally {
            for (RawHttp c : connections) c.close();
        }
    }
}
