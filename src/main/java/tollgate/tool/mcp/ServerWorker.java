package tollgate.tool.mcp;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import tollgate.call.Cancellation;
import tollgate.log.Log;
import tollgate.route.Backoff;
import tollgate.tool.GatewayTool;
import tollgate.tool.ToolBox;

/**
 * Keeps one MCP server's tools in the {@link ToolBox}: a virtual thread that discovers them
 * (initialize, initialized, tools/list), then waits to be asked again ({@link #request()}: a
 * reload; the server's {@code tools/list_changed}, no sooner than the notice interval after the
 * last attempt began); after a failure it logs
 * {@code mcp_discovery_failed} and tries again with exponential backoff ("equal jitter": half
 * the ceiling plus a random half) until the server answers or it is asked again.
 *
 * <pre>
 *   DISCOVERING ──ok──────▶ WAITING ─────request(), or a notice once the interval is over──▶ DISCOVERING
 *   DISCOVERING ──failed──▶ BACKING_OFF ──delay over, request(), or a notice (as above)──▶ DISCOVERING
 *   any ──stop()──▶ CLOSED (an attempt in flight is aborted)
 * </pre>
 *
 * A failed rediscovery leaves the tools found before in place: a server that blinks keeps its
 * tools, whose calls then fail with their own clear errors.
 */
final class ServerWorker {
    /** Most skipped names (and unused approval rules) remembered as logged: names a server changes at each listing are not kept forever. */
    static final int MAX_LOGGED_SKIPS = 4 * McpClient.MAX_SKIPPED_LISTED;

    private final McpClient client;
    private final ToolBox box;
    private final Backoff backoff;
    private final long noticeIntervalNanos;
    private final Cancellation closing = new Cancellation();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Set<String> loggedSkips = new HashSet<>();
    private final Thread thread;
    // Guarded by lock:
    private long requested;   // serial of the last request() (0: the first discovery)
    private long served = -1; // serial of the request the last finished attempt served
    private boolean noticed;  // the server said its tools changed since the last attempt began
    private boolean closed;
    private McpDiscovery.Status status;

    /** @param noticeIntervalNanos least time from one attempt's start to the next one a server's notice asks for */
    ServerWorker(McpClient client, ToolBox box, Backoff backoff, long noticeIntervalNanos) {
        this.client = client;
        this.box = box;
        this.backoff = backoff;
        this.noticeIntervalNanos = noticeIntervalNanos;
        this.status = new McpDiscovery.Status(false, 0, 0, null);
        this.thread = Thread.ofVirtual().name("tollgate-mcp-" + client.server().name()).unstarted(this::run);
        client.onToolsChanged(this::noticed);
    }

    String name() { return client.server().name(); }

    void start() { thread.start(); }

    /** Whether the thread still runs (after {@link #stop()}: not for long). */
    boolean alive() { return thread.isAlive(); }

    /** Asks for a discovery as soon as the one running (if any) ends; returns its serial for {@link #await}. */
    long request() {
        lock.lock();
        try {
            requested++;
            changed.signalAll();
            return requested;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The server said its tools changed: a discovery once {@link #noticeIntervalNanos} has passed
     * since the last one began. Not a {@link #request()}: a server that says so in every answer,
     * its own tools/list's included, must not keep this thread listing in a loop.
     */
    private void noticed() {
        lock.lock();
        try {
            noticed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Waits until an attempt that began after request {@code serial} has ended, up to {@code nanos}; false if it has not. */
    boolean await(long serial, long nanos) throws InterruptedException {
        lock.lock();
        try {
            while (served < serial && !closed) {
                if (nanos <= 0) return false;
                nanos = changed.awaitNanos(nanos);
            }
            return served >= serial;
        } finally {
            lock.unlock();
        }
    }

    McpDiscovery.Status status() {
        lock.lock();
        try {
            return status;
        } finally {
            lock.unlock();
        }
    }

    /** Stops the thread: an attempt in flight is aborted (within {@link CallTimer#POLL_NANOS}); returns at once. */
    void stop() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        closing.cancel();
    }

    /** After {@link #stop()}: waits for the thread up to {@code millis}, then ends the session (bounded). */
    void finish(long millis) throws InterruptedException {
        thread.join(Math.max(1, millis));
        client.close();
    }

    private void run() {
        int failures = 0;
        while (true) {
            long serving;
            lock.lock();
            try {
                if (closed) return;
                serving = requested;
            } finally {
                lock.unlock();
            }
            long started = System.nanoTime();
            boolean ok = attempt();
            failures = ok ? 0 : failures + 1;
            long retryAt = ok ? Long.MAX_VALUE : System.nanoTime() + retryDelay(failures);
            lock.lock();
            try {
                served = serving;
                changed.signalAll();
                while (!closed && requested == serving) {
                    long until = noticed ? Math.min(retryAt, started + noticeIntervalNanos) : retryAt;
                    if (until == Long.MAX_VALUE) {
                        changed.await();
                        continue;
                    }
                    long left = until - System.nanoTime();
                    if (left <= 0) break;
                    changed.awaitNanos(left);
                }
                noticed = false; // the attempt about to begin lists what changed
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
        }
    }

    private long retryDelay(int failures) {
        long ceiling = backoff.ceilingNanos(failures);
        return ceiling / 2 + backoff.delayNanos(failures) / 2;
    }

    /** One discovery; true when the server answered. */
    private boolean attempt() {
        int attempts = status().attempts() + 1;
        long started = System.nanoTime();
        try (CallTimer timer = CallTimer.start(started + client.server().timeout().toNanos(), closing)) {
            McpClient.Listing listing = client.listTools(timer);
            List<McpTool> made = McpTool.fromListing(client, listing.tools());
            List<GatewayTool> tools = new ArrayList<>(made);
            box.replaceServer(name(), tools);
            long overBudget = 0;
            for (int i = 0; i < made.size(); i++) if (made.get(i).schemaOverBudget(listing.tools().get(i))) overBudget++;
            if (overBudget > 0) {
                Log.warn("mcp_schemas_capped", "server", name(), "tools", overBudget, "reason", "their input schemas are past the "
                        + McpTool.MAX_SERVER_SCHEMA_BYTES + " bytes a server's tools may have in all: the model gets {\"type\": \"object\"}");
            }
            for (String skipped : listing.skipped()) {
                // Each name logged once, and no more of them remembered than one listing gives.
                if (loggedSkips.size() < MAX_LOGGED_SKIPS && loggedSkips.add(skipped)) {
                    Log.warn("mcp_tool_skipped", "server", name(), "tool", client.scrub(skipped), "reason",
                            "an empty, repeated or over-long name (over " + McpClient.MAX_TOOL_NAME_CHARS + " chars), or one with a control character");
                }
            }
            if (listing.skippedCount() > listing.skipped().size()) {
                Log.warn("mcp_tools_skipped", "server", name(), "count", listing.skippedCount(), "logged", listing.skipped().size());
            }
            for (String rule : client.server().toolApproval().keySet()) {
                if (listing.tools().stream().noneMatch(t -> t.name().equals(rule)) && loggedSkips.add("\0rule:" + rule)) {
                    Log.warn("mcp_tool_rule_unused", "server", name(), "tool", rule, "reason", "the server has no tool of that name");
                }
            }
            if (listing.truncated()) {
                Log.warn("mcp_tools_capped", "server", name(), "kept", tools.size(), "reason",
                        "the server lists more than " + McpClient.MAX_TOOLS + " tools (or pages)");
            }
            Log.info("mcp_discovered", "server", name(), "tools", tools.size(), "took_ms", (System.nanoTime() - started) / 1_000_000);
            setStatus(new McpDiscovery.Status(true, tools.size(), attempts, null));
            return true;
        } catch (McpException e) {
            if (e.kind() == McpException.Kind.CANCELLED && closing.isCancelled()) return false;
            McpDiscovery.Status before = status();
            Log.warn("mcp_discovery_failed", "server", name(), "reason", e.getMessage(), "attempt", attempts);
            setStatus(new McpDiscovery.Status(before.discovered(), before.tools(), attempts, e.getMessage()));
            return false;
        } catch (RuntimeException e) {
            // A bug must not end the worker for good: log it, and back off as after any failure.
            Log.error("mcp_discovery_failed", "server", name(), "reason", "internal error: " + e.getClass().getSimpleName(), "attempt", attempts);
            McpDiscovery.Status before = status();
            setStatus(new McpDiscovery.Status(before.discovered(), before.tools(), attempts, "internal error"));
            return false;
        }
    }

    private void setStatus(McpDiscovery.Status s) {
        lock.lock();
        try {
            status = s;
        } finally {
            lock.unlock();
        }
    }

    /** For tests: a backoff delay's bounds are those of {@link Backoff}; the jitter source is the thread's. */
    static Backoff backoff(long firstNanos, long maxNanos) {
        return new Backoff(firstNanos, maxNanos, () -> ThreadLocalRandom.current().nextLong());
    }
}
