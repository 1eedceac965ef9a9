package tollgate;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tollgate.account.ApiKeys;
import tollgate.account.Accounts;
import tollgate.account.KeyStore;
import tollgate.account.Ledger;
import tollgate.config.KeyConfig;
import tollgate.api.Api;
import tollgate.api.FrontDoor;
import tollgate.config.GatewayConfig;
import tollgate.config.ProviderConfig;
import tollgate.config.ServerLimits;
import tollgate.http.Server;
import tollgate.log.Log;
import tollgate.memory.MemoryBudget;
import tollgate.provider.IdleWatchdog;
import tollgate.provider.ModelDiscovery;
import tollgate.provider.Provider;
import tollgate.provider.Providers;
import tollgate.provider.Secrets;
import tollgate.provider.Upstream;
import tollgate.route.Dispatcher;
import tollgate.agent.AgentLoop;
import tollgate.task.Tasks;
import tollgate.agent.Approvals;
import tollgate.tool.GatewayTool;
import tollgate.tool.ToolBox;
import tollgate.tool.Tools;
import tollgate.tool.mcp.McpDiscovery;
import tollgate.route.Router;
import tollgate.voice.VoiceService;
import tollgate.voice.VoiceTokens;
import tollgate.call.Clock;
import tollgate.catalog.Catalog;
import tollgate.catalog.Model;
import tollgate.catalog.Task;
import tollgate.config.RouterConfig;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * One running gateway: wires config → keys, providers, router, endpoints, listener. Tests start
 * it in-process on port 0; {@link Main} starts it for real.
 */
public final class Gateway {
    /** Most of the maximum heap the memory budget may take; the rest is for connections and garbage. */
    static final double MAX_BUDGET_SHARE = 0.8;
    /** At stop, how long the spans still queued get to reach the collector (one attempt, no retries). */
    static final Duration TRACE_FLUSH = Duration.ofSeconds(3);

    /**
     * Randomness for weighted groups and backoff jitter, shared by every request thread: each
     * draw comes from the calling thread's own {@link ThreadLocalRandom} (the JDK's default
     * generators are not thread-safe, and a lock would serialise the requests).
     */
    static final RandomGenerator RANDOM = () -> ThreadLocalRandom.current().nextLong();

    private final GatewayConfig config;
    private final Server server;
    private final Upstream upstream;
    private final IdleWatchdog watchdog;

    private final Ledger ledger;

    private final Accounts accounts;
    /** Durable agent tasks: stopped before the server drains (their followers end, their runs stop). */
    private final Tasks tasks;
    /** The realtime voice listener, or null when {@code voice.port} is 0. */
    private final VoiceService voice;
    /** Keeps the MCP servers' tools in the tool box. */
    private final McpDiscovery mcp;
    /** Request spans to an OTLP collector, or null when {@code telemetry} is off; set once at start. */
    private tollgate.telemetry.Tracer tracer;

    private Gateway(GatewayConfig config, Server server, Upstream upstream, IdleWatchdog watchdog, Ledger ledger, Accounts accounts,
                    VoiceService voice, McpDiscovery mcp, Tasks tasks) {
        this.voice = voice;
        this.mcp = mcp;
        this.tasks = tasks;
        this.ledger = ledger;
        this.accounts = accounts;
        this.config = config;
        this.server = server;
        this.upstream = upstream;
        this.watchdog = watchdog;
    }

    /** Builds everything, binds the port and starts serving. Fails here, not per request, on bad setup. */
    public static Gateway start(GatewayConfig config) throws IOException {
        return start(config, List.of());
    }

    /**
     * As {@link #start(GatewayConfig)}, with gateway tools beyond the configured ones (tests, and
     * programs embedding the gateway with tools of their own).
     */
    public static Gateway start(GatewayConfig config, List<? extends GatewayTool> extraTools) throws IOException {
        KeyStore store = new KeyStore(config.dataDir());
        List<KeyConfig> configured = ApiKeys.load(config.keys(), config.dataDir(), !store.read().isEmpty());
        MemoryBudget budget = budget(config.server().limits());
        Upstream upstream = new Upstream(config.server().connectTimeout());
        IdleWatchdog watchdog = new IdleWatchdog();
        Server server = null;
        VoiceService voice = null;
        Ledger ledger = null;
        Accounts keys = null;
        Tasks tasks = null;
        McpDiscovery mcp = null;
        tollgate.telemetry.Tracer tracer = null;
        try {
            ledger = Ledger.open(config.dataDir());
            keys = Accounts.open(configured, store, config.accounts().creditsPerUsd(), ledger.spentByKey(), Clock.SYSTEM);
            keys.watch();
            Secrets secrets = Secrets.of(config.providers().values());
            Map<String, Provider> running = new LinkedHashMap<>();
            for (ProviderConfig pc : config.providers().values()) {
                if (pc.enabled()) running.put(pc.id(), Providers.create(pc, upstream, watchdog, secrets));
            }
            // Bounded (ModelDiscovery.TIMEOUT): a local upstream that is down delays the start that much at most.
            Catalog catalog = Catalog.of(config.models(), ModelDiscovery.discover(config.providers().values(), upstream));
            Map<String, String> disabled = new LinkedHashMap<>();
            for (ProviderConfig pc : config.providers().values()) {
                if (!pc.enabled()) disabled.put(pc.id(), pc.disabledReason() != null ? pc.disabledReason() : "it is disabled");
            }
            Router router = new Router(catalog, running, disabled, config.groups(), config.router(), config.voice().policies(),
                    Clock.SYSTEM, RANDOM);
            Dispatcher dispatcher = new Dispatcher(router, baseline(catalog, config.router()), Clock.SYSTEM, RANDOM, ledger);
            ToolBox toolBox = Tools.build(config, dispatcher.services(), keys, upstream, budget);
            if (!extraTools.isEmpty()) {
                List<GatewayTool> all = new java.util.ArrayList<>(toolBox.all());
                all.addAll(extraTools);
                toolBox = new ToolBox(all);
            }
            // Before the port opens, so that the first requests see the tools; bounded (McpDiscovery.STARTUP_WAIT).
            mcp = McpDiscovery.start(config.tools().mcpServers(), toolBox, upstream, Main.VERSION, budget);
            Approvals approvals = new Approvals(config.dataDir(), Clock.SYSTEM);
            AgentLoop agent = new AgentLoop(dispatcher, toolBox, keys, approvals, config.tools().agent(), Clock.SYSTEM);
            // Indexed now (a GET must find them); queued ones run once the server is up.
            tasks = Tasks.open(config.dataDir(), agent, keys, config.tools().agent(), upstream, budget, Clock.SYSTEM);
            server = Server.bind(config.server(), budget);
            VoiceTokens tokens = new VoiceTokens(config.voice().tokenTtl(), Clock.SYSTEM);
            if (config.voice().port() != 0) {
                voice = VoiceService.start(config.voice(), config.server().host(), config.server().port(), config.server().limits(),
                        config.voice().sslContext(), keys, tokens, dispatcher.services(), budget, Clock.SYSTEM);
            }
            VoiceService listening = voice;
            Api.register(server.router(), config, keys, dispatcher, catalog, running, ledger, tokens,
                    listening == null ? () -> -1 : listening::port, agent, tasks);
            FrontDoor.register(server.router(), Main.VERSION, config, catalog, running); // GET /: the status page
            server.router().cors(config.ops().cors());
            tracer = tollgate.telemetry.Tracer.start(config.ops().telemetry(), upstream, Main.VERSION, Clock.SYSTEM);
            server.router().trace(tracer);
            server.start();
            tasks.start();
            ServerLimits limits = config.server().limits();
            Log.info("listening", "url", "http://" + hostForUrl(server.host()) + ":" + server.port(),
                    "providers", List.copyOf(running.keySet()), "models", usableModels(config, running), "keys", keys.size(),
                    "max_heap_bytes", Runtime.getRuntime().maxMemory(), "memory_budget_bytes", budget.limit(),
                    "max_connections", limits.maxConnections());
            Gateway gateway = new Gateway(config, server, upstream, watchdog, ledger, keys, voice, mcp, tasks);
            gateway.tracer = tracer;
            return gateway;
        } catch (IOException | RuntimeException e) {
            // Leave nothing bound or running behind a failed start.
            if (tasks != null) tasks.stop();
            if (server != null) server.stop(Duration.ZERO);
            if (voice != null) voice.close(Duration.ZERO);
            if (mcp != null) mcp.close();
            if (tracer != null) tracer.close(Duration.ZERO);
            if (keys != null) keys.close();
            if (ledger != null) ledger.close();
            watchdog.close();
            upstream.close();
            throw e;
        }
    }

    /**
     * The memory budget, checked against the heap at start-up: a budget the heap cannot hold
     * beside the connections' worst case would turn the 503s it exists for back into
     * OutOfMemoryErrors under a flood.
     */
    static MemoryBudget budget(ServerLimits limits) {
        long budget = limits.memoryBudget();
        long heap = Runtime.getRuntime().maxMemory();
        if (budget > heap * MAX_BUDGET_SHARE) {
            throw new IllegalArgumentException("server.memory_budget_bytes: " + budget + " is more than "
                    + (int) (MAX_BUDGET_SHARE * 100) + " % of the JVM's maximum heap (" + heap
                    + " bytes); lower it, or raise -Xmx in conf/jvm.options");
        }
        long worst = budget + limits.connectionsWorstCase();
        if (worst > heap * MAX_BUDGET_SHARE) {
            Log.warn("heap_tight", "reason", "server.max_connections connections at their worst plus the memory budget "
                    + "need more than " + (int) (MAX_BUDGET_SHARE * 100) + " % of the heap: a flood of half-sent requests "
                    + "could exhaust it; lower server.max_connections or raise -Xmx",
                    "needed_bytes", worst, "max_heap_bytes", heap);
        }
        return new MemoryBudget(budget);
    }

    /**
     * The model savings are measured against: {@code router.baseline_model}, else the priced model
     * with the best general quality (what premium would pick), else none.
     */
    static Model baseline(Catalog catalog, RouterConfig router) {
        if (router.baselineModel() != null) return catalog.get(router.baselineModel());
        Model best = null;
        for (Model m : catalog.models()) {
            if (!m.pricing().known()) continue;
            if (best == null || m.quality().of(Task.GENERAL) > best.quality().of(Task.GENERAL)) best = m;
        }
        return best;
    }

    public int port() { return server.port(); }

    /** The realtime voice listener's port, or -1 when it is off ({@code voice.port} 0). */
    public int voicePort() { return voice == null ? -1 : voice.port(); }

    /** The MCP servers' discovery: their status, and a rediscovery on reload. */
    public McpDiscovery mcp() { return mcp; }

    /** Graceful stop within the configured drain time. */
    public void stop() { stop(config.server().drain()); }

    public void stop(Duration drain) {
        long t0 = System.nanoTime();
        Log.info("draining", "active_streams", server.activeStreams(), "drain_ms", drain.toMillis());
        // Sessions first: each is sent 1001 (going away) and recorded before the ledger closes.
        if (voice != null) voice.close(drain);
        // Tasks before the server: their event followers would hold its drain; a run cut here
        // stays running on disk and goes on at the next start.
        tasks.stop();
        server.stop(drain);
        mcp.close(); // after the last request's tool calls; before the shared client closes
        if (tracer != null) tracer.close(TRACE_FLUSH); // the last requests' spans, before the shared client closes
        accounts.close();
        ledger.close(); // after the last request: every record it took is durable
        watchdog.close();
        upstream.close();
        Log.info("stopped", "took_ms", (System.nanoTime() - t0) / 1_000_000);
        Log.flush(1000);
    }

    /** Models whose provider is enabled: what clients can use (a disabled provider's are listed in its own log line). */
    static long usableModels(GatewayConfig config, Map<String, Provider> running) {
        return config.models().stream().filter(m -> running.containsKey(m.provider())).count();
    }

    private static String hostForUrl(String host) {
        return host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    }
}
