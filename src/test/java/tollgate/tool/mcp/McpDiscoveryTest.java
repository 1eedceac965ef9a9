package tollgate.tool.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.tool.mcp.McpTestSupport.TOKEN;
import static tollgate.tool.mcp.McpTestSupport.call;
import static tollgate.tool.mcp.McpTestSupport.config;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tollgate.config.McpServerConfig;
import tollgate.provider.Upstream;
import tollgate.tool.GatewayTool;
import tollgate.tool.ToolBox;
import tollgate.tool.ToolOutput;

/** Discovery: in parallel and bounded at start-up, retried in the background, again on request, stopped at close. */
class McpDiscoveryTest {
    private static final Duration T = Duration.ofSeconds(10);
    private Upstream upstream;
    private final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeEach
    void setUp() {
        upstream = new Upstream(Duration.ofSeconds(2));
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closing.reversed()) c.close();
        upstream.close();
    }

    private FakeMcpServer server(String... tools) throws IOException {
        FakeMcpServer s = FakeMcpServer.start().token(TOKEN);
        for (String t : tools) s.tool(t, "the " + t + " tool", "{\"type\":\"object\"}", FakeMcpServer.echo());
        closing.add(s);
        return s;
    }

    /**
     * Discovery with retries after 50 ms (doubling up to 200 ms), a server's tools/list_changed
     * heeded at most every 300 ms, started and awaited up to {@code wait}.
     */
    private McpDiscovery discover(List<McpServerConfig> servers, ToolBox box, Duration wait) {
        McpDiscovery d = new McpDiscovery(servers, box, upstream, "1",
                ServerWorker.backoff(TimeUnit.MILLISECONDS.toNanos(50), TimeUnit.MILLISECONDS.toNanos(200)), Duration.ofMillis(300));
        closing.add(d);
        d.startAndWait(wait);
        return d;
    }

    private static List<String> names(List<GatewayTool> tools) { return tools.stream().map(GatewayTool::name).toList(); }

    @Test
    void everyServersTools_areInTheBox_underTheirPrefix() throws Exception {
        FakeMcpServer files = server("read", "write");
        FakeMcpServer git = server("log").mode(FakeMcpServer.Mode.SSE);
        ToolBox box = new ToolBox(List.of());

        McpDiscovery d = discover(List.of(config("files", files.url(), TOKEN), config("git", git.url(), TOKEN)), box, T);

        assertEquals(List.of("files.read", "files.write"), names(box.server("files")));
        assertEquals(List.of("git.log"), names(box.server("git")));
        assertEquals(List.of("files.read", "files.write", "git.log"), names(box.all()));
        assertEquals("the read tool", box.find("files.read").description());
        assertEquals(ToolOutput.ok("{\"a\":\"b\"}"), box.find("git.log").run(call(Map.of("a", "b"), T)));
        assertEquals(Map.of("files", new McpDiscovery.Status(true, 2, 1, null), "git", new McpDiscovery.Status(true, 1, 1, null)),
                d.status());
    }

    @Test
    void aServerThatNeverAnswers_doesNotHoldStartUpPastTheWait_andTheOthersAreThere() throws Exception {
        FakeMcpServer files = server("read");
        // A listener that accepts connections and never says a word.
        ServerSocket silent = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        closing.add(silent);
        List<Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread.ofVirtual().start(() -> {
            try {
                while (true) held.add(silent.accept());
            } catch (IOException e) {
                // closed
            }
        });
        ToolBox box = new ToolBox(List.of());
        McpServerConfig mute = config("mute", "http://127.0.0.1:" + silent.getLocalPort() + "/mcp", TOKEN);

        long t0 = System.nanoTime();
        McpDiscovery d = discover(List.of(mute, config("files", files.url(), TOKEN)), box, Duration.ofMillis(700));
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

        assertTrue(tookMs >= 650 && tookMs < 5_000, "took " + tookMs + " ms");
        assertEquals(List.of(), box.server("mute")); // known, nothing to offer yet
        assertEquals(new McpDiscovery.Status(false, 0, 0, null), d.status().get("mute")); // still on its first attempt
        // On a loaded machine the other server may need longer than the wait; it is not held up by the mute one.
        assertTrue(poll(() -> !box.server("files").isEmpty()), d.status().toString());
        assertEquals(List.of("files.read"), names(box.server("files")));
        assertNull(box.server("nosuch"));
        for (Socket s : held) s.close();
    }

    @Test
    void aServerThatIsDown_isRetried_andItsToolsAppearWhenItComesBack() throws Exception {
        FakeMcpServer files = server("read");
        files.stop();
        ToolBox box = new ToolBox(List.of());
        McpDiscovery d = discover(List.of(config("files", files.url(), TOKEN)), box, T);
        assertEquals(List.of(), box.server("files"));
        McpDiscovery.Status down = d.status().get("files");
        assertEquals("the MCP server 'files' could not be reached: the connection was refused", down.lastError());

        files.restart();

        assertTrue(poll(() -> !box.server("files").isEmpty()), d.status().toString());
        assertEquals(List.of("files.read"), names(box.server("files")));
        McpDiscovery.Status up = d.status().get("files");
        assertNull(up.lastError());
        assertTrue(up.attempts() >= 2, up.toString());
    }

    @Test
    void aServerThatGoesAwayAfterDiscovery_keepsItsTools_whoseCallsFailClearly_untilItIsBack() throws Exception {
        FakeMcpServer files = server("read");
        ToolBox box = new ToolBox(List.of());
        McpDiscovery d = discover(List.of(config("files", files.url(), TOKEN)), box, T);
        GatewayTool read = box.find("files.read");
        files.stop();

        assertEquals(new ToolOutput("the MCP server 'files' could not be reached: the connection was refused", ToolOutput.Outcome.ERROR, 0),
                read.run(call(Map.of(), T)));
        assertEquals(List.of("files"), d.rediscover(T)); // answered: with a failure
        assertEquals(List.of("files.read"), names(box.server("files")));

        files.restart(); // a new process: our session is unknown to it (404), so the next call opens a new one
        assertEquals(ToolOutput.ok("{}"), read.run(call(Map.of(), T)));
        assertEquals(List.of(), files.violations());
    }

    @Test
    void aWrongToken_isLogged_andRetried_withoutTheToken() throws Exception {
        FakeMcpServer files = server("read");
        ToolBox box = new ToolBox(List.of());
        McpDiscovery d = discover(List.of(config("files", files.url(), "not-the-token-0123456789")), box, T);

        McpDiscovery.Status s = d.status().get("files");
        assertEquals("the MCP server 'files' refused the gateway's credentials (HTTP 401); check its token and headers", s.lastError());
        assertEquals(List.of(), box.server("files"));
        assertTrue(poll(() -> d.status().get("files").attempts() >= 3), d.status().toString());
    }

    @Test
    void rediscover_picksUpNewTools_andDropsGoneOnes() throws Exception {
        FakeMcpServer files = server("read", "write");
        ToolBox box = new ToolBox(List.of());
        McpDiscovery d = discover(List.of(config("files", files.url(), TOKEN)), box, T);
        files.removeTool("write").tool("stat", null, null, FakeMcpServer.echo());

        assertEquals(List.of(), d.rediscover(T));

        assertEquals(List.of("files.read", "files.stat"), names(box.server("files")));
        assertNull(box.find("files.write"));
        assertEquals(1, files.count("initialize")); // the same session
    }

    @Test
    void theServersListChangedNotification_triggersARediscovery() throws Exception {
        FakeMcpServer files = server("read").mode(FakeMcpServer.Mode.SSE);
        ToolBox box = new ToolBox(List.of());
        discover(List.of(config("files", files.url(), TOKEN)), box, T);
        files.tool("stat", null, null, FakeMcpServer.echo()).listChangedOnNextAnswer();

        box.find("files.read").run(call(Map.of(), T));

        assertTrue(poll(() -> box.server("files").size() == 2), names(box.server("files")).toString());
        assertNotNull(box.find("files.stat"));
    }

    @Test
    void aServerSayingListChangedInEveryAnswer_isListedAgainAtMostOncePerInterval_notInALoop() throws Exception {
        FakeMcpServer files = server("read").mode(FakeMcpServer.Mode.SSE).listChangedOnEveryAnswer(true);
        ToolBox box = new ToolBox(List.of());
        discover(List.of(config("files", files.url(), TOKEN)), box, T);
        assertEquals(List.of("files.read"), names(box.server("files")));

        Thread.sleep(1_500); // a window in which a loop would list hundreds of times
        long lists = files.count("tools/list");
        // One listing per notice interval (300 ms here) at most: the first, then ~5; generous for a slow machine's none.
        assertTrue(lists >= 1 && lists <= 8, lists + " tools/list in 1.5 s");
        files.listChangedOnEveryAnswer(false);
    }

    @Test
    void close_stopsTheRetries_andEndsTheSessions() throws Exception {
        FakeMcpServer files = server("read");
        FakeMcpServer down = server();
        down.stop();
        ToolBox box = new ToolBox(List.of());
        McpDiscovery d = discover(List.of(config("files", files.url(), TOKEN), config("down", down.url(), TOKEN)), box, T);

        long t0 = System.nanoTime();
        d.close();
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 5_000);
        assertEquals("DELETE", files.methods().get(files.methods().size() - 1));
        assertEquals(List.of(), d.running());
    }

    private static boolean poll(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) return false;
            Thread.sleep(10);
        }
        return true;
    }
}
