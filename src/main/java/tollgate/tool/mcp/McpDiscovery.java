package tollgate.tool.mcp;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tollgate.config.McpServerConfig;
import tollgate.log.Log;
import tollgate.memory.MemoryBudget;
import tollgate.provider.Upstream;
import tollgate.route.Backoff;
import tollgate.tool.ToolBox;

/**
 * Finds the tools of every configured MCP server ({@code mcp_servers}) and keeps them in the
 * {@link ToolBox} as {@code <server>.<tool>}: at start-up, all servers in parallel, waiting at
 * most {@link #STARTUP_WAIT} so that a server that is down delays the gateway's start by that
 * much at most; a server that fails is logged ({@code mcp_discovery_failed}, with the reason and
 * no secret) and tried again in the background with backoff ({@link #FIRST_RETRY} doubling up to
 * {@link #MAX_RETRY}) until it answers. {@link #rediscover()} asks every server again (a reload);
 * a server's {@code notifications/tools/list_changed} asks it again by itself, at most once per
 * {@link #NOTICE_INTERVAL}.
 *
 * <p>Each configured server is in the box from the start, with no tools until its first
 * discovery succeeds: {@link ToolBox#server} then says "known, nothing to offer now" rather than
 * "no such server".
 *
 * <p>One virtual thread per server; all calls go through the gateway's shared {@link Upstream}
 * client. Thread-safe; {@link #close()} once, at shutdown, before the {@code Upstream} closes.
 */
public final class McpDiscovery implements AutoCloseable {
    /** Longest wait at start-up for the servers' first discovery. */
    public static final Duration STARTUP_WAIT = Duration.ofSeconds(5);
    /** Ceiling of the first retry's delay after a failed discovery. */
    public static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    /** Ceiling of any retry's delay. */
    public static final Duration MAX_RETRY = Duration.ofMinutes(1);
    /**
     * Least time between the starts of two listings that a server's
     * {@code notifications/tools/list_changed} asks for: a server that says so in every answer
     * (its own tools/list's too) is listed again at this pace, not in a loop.
     */
    public static final Duration NOTICE_INTERVAL = Duration.ofSeconds(5);
    /** Longest {@link #close()} waits for each server's thread (then the session's DELETE, itself bounded). */
    static final Duration CLOSE_WAIT = Duration.ofSeconds(2);

    /**
     * Where one server's discovery stands (for the admin API and tests).
     *
     * @param discovered whether some discovery has succeeded
     * @param tools      the tools in the box now
     * @param attempts   discoveries tried
     * @param lastError  why the last attempt failed (no secrets), or null when it succeeded
     */
    public record Status(boolean discovered, int tools, int attempts, String lastError) {}

    private final Map<String, ServerWorker> workers = new LinkedHashMap<>();

    McpDiscovery(List<McpServerConfig> servers, ToolBox box, Upstream upstream, String clientVersion, Backoff backoff,
                 Duration noticeInterval) {
        this(servers, box, upstream, clientVersion, MemoryBudget.unlimited(), backoff, noticeInterval);
    }

    McpDiscovery(List<McpServerConfig> servers, ToolBox box, Upstream upstream, String clientVersion, MemoryBudget budget,
                 Backoff backoff, Duration noticeInterval) {
        for (McpServerConfig s : servers) {
            box.replaceServer(s.name(), List.of());
            workers.put(s.name(), new ServerWorker(new McpClient(s, upstream, clientVersion, budget), box, backoff,
                    noticeInterval.toNanos()));
        }
    }

    /**
     * Starts discovering every server in {@code servers} and returns once all have answered or
     * failed once, or after {@link #STARTUP_WAIT}, whichever is first.
     *
     * @param clientVersion the gateway's version, for {@code clientInfo}
     * @param budget        the gateway's memory budget, which each tool call's answer is held in
     */
    public static McpDiscovery start(List<McpServerConfig> servers, ToolBox box, Upstream upstream, String clientVersion,
                                     MemoryBudget budget) {
        McpDiscovery d = new McpDiscovery(servers, box, upstream, clientVersion, budget,
                ServerWorker.backoff(FIRST_RETRY.toNanos(), MAX_RETRY.toNanos()), NOTICE_INTERVAL);
        d.startAndWait(STARTUP_WAIT);
        return d;
    }

    /** Starts every worker and waits up to {@code wait} for their first discoveries; logs the servers still pending. */
    void startAndWait(Duration wait) {
        for (ServerWorker w : workers.values()) w.start();
        List<String> pending = awaitAll(0, wait);
        if (!pending.isEmpty()) {
            Log.warn("mcp_discovery_pending", "servers", pending, "waited_ms", wait.toMillis(),
                    "reason", "no answer yet: their tools are added when they answer");
        }
    }

    /**
     * Discovers every server's tools again (after a config reload, issue 13), waiting up to
     * {@code wait} for the answers; a server that fails keeps its tools and is retried.
     *
     * @return the servers whose discovery failed or had not ended within {@code wait} (see {@link #status()})
     */
    public List<String> rediscover(Duration wait) {
        Map<ServerWorker, Long> serials = new LinkedHashMap<>();
        for (ServerWorker w : workers.values()) serials.put(w, w.request());
        List<String> failed = new ArrayList<>();
        long deadline = System.nanoTime() + wait.toNanos();
        for (var e : serials.entrySet()) {
            ServerWorker w = e.getKey();
            if (!await(w, e.getValue(), deadline) || w.status().lastError() != null) failed.add(w.name());
        }
        return failed;
    }

    /** Discovers every server's tools again, in the background. */
    public void rediscover() {
        for (ServerWorker w : workers.values()) w.request();
    }

    /** Each server's status, by name, in config order. */
    public Map<String, Status> status() {
        Map<String, Status> m = new LinkedHashMap<>();
        workers.forEach((name, w) -> m.put(name, w.status()));
        return m;
    }

    /**
     * Stops every server's thread and ends its session, all servers at once, in at most about
     * {@link #CLOSE_WAIT} plus a session DELETE's bound; calls in flight on the shared client
     * are the {@code Upstream}'s to end.
     */
    @Override
    public void close() {
        for (ServerWorker w : workers.values()) w.stop();
        List<Thread> finishing = new ArrayList<>();
        for (ServerWorker w : workers.values()) {
            finishing.add(Thread.ofVirtual().name("tollgate-mcp-close").start(() -> {
                try {
                    w.finish(CLOSE_WAIT.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        long deadline = System.nanoTime() + CLOSE_WAIT.toNanos() + McpClient.NOTICE_NANOS;
        try {
            for (Thread t : finishing) t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The servers whose thread still runs (for tests: none after {@link #close()}). */
    List<String> running() {
        return workers.values().stream().filter(ServerWorker::alive).map(ServerWorker::name).toList();
    }

    private List<String> awaitAll(long serial, Duration wait) {
        List<String> pending = new ArrayList<>();
        long deadline = System.nanoTime() + wait.toNanos();
        for (ServerWorker w : workers.values()) if (!await(w, serial, deadline)) pending.add(w.name());
        return pending;
    }

    private static boolean await(ServerWorker w, long serial, long deadline) {
        try {
            return w.await(serial, deadline - System.nanoTime());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
