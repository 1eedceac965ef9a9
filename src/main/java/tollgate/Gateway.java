package tollgate;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import tollgate.account.ApiKeys;
import tollgate.account.Accounts;
import tollgate.account.KeyStore;
import tollgate.account.Ledger;
import tollgate.config.ConfigException;
import tollgate.config.KeyConfig;
import tollgate.config.GatewayConfig;
import tollgate.config.ServerLimits;
import tollgate.http.Router;
import tollgate.http.Server;
import tollgate.log.Log;
import tollgate.metrics.Metrics;
import tollgate.metrics.MetricsListener;
import tollgate.memory.MemoryBudget;
import tollgate.provider.IdleWatchdog;
import tollgate.provider.Upstream;
import tollgate.route.SharedBreakers;
import tollgate.state.SharedState;
import tollgate.task.Tasks;
import tollgate.agent.Approvals;
import tollgate.tool.GatewayTool;
import tollgate.tool.mcp.McpDiscovery;
import tollgate.voice.VoiceService;
import tollgate.voice.VoiceTokens;
import tollgate.call.Clock;
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

    private final Server server;
    /** Durable agent tasks: stopped before the server drains (their followers end, their runs stop). */
    private final Tasks tasks;
    /** The realtime voice listener, or null when {@code voice.port} is 0. */
    private final VoiceService voice;
    /** Keeps the MCP servers' tools in the tool box; replaced by a reload that changes {@code mcp_servers}. */
    private volatile McpDiscovery mcp;
    /** Request spans to an OTLP collector, or null when {@code telemetry} is off; set once at start. */
    private tollgate.telemetry.Tracer tracer;
    /** The open {@code metrics.listen} listener, or null. */
    private final MetricsListener metricsListener;
    /**
     * What every generation is built over, and lives as long as the gateway: the upstream
     * client, watchdog, keys, ledger and metrics (each generation's router is attached to them
     * when it is served).
     */
    private final Generation.Lifetime life;
    private final VoiceTokens tokens;
    /** Re-reads the config file as at start-up (same file, environment, overrides), or null: nothing to reload from. */
    private final Supplier<GatewayConfig> source;
    /**
     * The config generation served now (issue 13), replaced whole by {@link #reload}; the
     * lifetime parts that use config-made ones (tasks: the agent loop; voice sessions: the
     * dispatcher) read it when they start something.
     */
    private final AtomicReference<Generation> current;
    /** One reload at a time (SIGHUP and {@code POST /admin/reload} may cross). */
    private final ReentrantLock reloading = new ReentrantLock();
    /**
     * Set by {@link #stop} under {@link #reloading}: a reload that comes after it (a SIGHUP during
     * the shutdown, a program calling it late) changes nothing, so that it starts no MCP sessions
     * and touches no keys after the stop closed them; a reload under way finishes first.
     */
    private boolean stopped;

    private Gateway(Server server, VoiceService voice, McpDiscovery mcp, Tasks tasks, Generation.Lifetime life, VoiceTokens tokens,
                    Supplier<GatewayConfig> source, AtomicReference<Generation> current, MetricsListener metricsListener) {
        this.current = current;
        this.metricsListener = metricsListener;
        this.voice = voice;
        this.mcp = mcp;
        this.tasks = tasks;
        this.server = server;
        this.life = life;
        this.tokens = tokens;
        this.source = source;
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
        return start(config, extraTools, null);
    }

    /**
     * As {@link #start(GatewayConfig, List)}, reloadable ({@link #reload}) from {@code source}.
     *
     * @param source reads the config again as {@code config} was read (the same file, environment
     *               and command-line overrides), throwing a {@code ConfigException} when it is bad;
     *               null: the config cannot be reloaded
     */
    public static Gateway start(GatewayConfig config, List<? extends GatewayTool> extraTools, Supplier<GatewayConfig> source)
            throws IOException {
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
        MetricsListener metricsListener = null;
        Metrics metrics = new Metrics(Clock.SYSTEM, Main.VERSION);
        SharedState state = null;
        SharedBreakers breakers = null;
        try {
            state = SharedState.open(config.ops().state());
            breakers = SharedBreakers.start(state);
            ledger = Ledger.open(config.dataDir());
            ledger.onFsync(metrics.fsyncs());
            keys = Accounts.open(configured, store, config.accounts().creditsPerUsd(), ledger.spentByKey(), Clock.SYSTEM);
            keys.watch();
            Accounts accounts = keys;
            metrics.keyNames(id -> {
                tollgate.account.Account a = accounts.get(id);
                return a == null ? id : a.name();
            });
            Approvals approvals = new Approvals(config.dataDir(), Clock.SYSTEM, state);
            Generation.Lifetime life = new Generation.Lifetime(upstream, watchdog, keys, ledger, budget, approvals, metrics,
                    List.copyOf(extraTools), state, breakers);
            Generation first = Generation.build(config, life, null, null);
            // Before the port opens, so that the first requests see the tools; bounded (McpDiscovery.STARTUP_WAIT).
            mcp = McpDiscovery.start(config.tools().mcpServers(), first.toolBox(), upstream, Main.VERSION, budget);
            AtomicReference<Generation> current = new AtomicReference<>(first);
            // Indexed now (a GET must find them); queued ones run once the server is up.
            tasks = Tasks.open(config.dataDir(), () -> current.get().agent(), keys, config.tools().agent(), upstream, budget, Clock.SYSTEM,
                    state);
            server = Server.bind(config.server(), config.ops().tls().sslContext(), budget);
            VoiceTokens tokens = new VoiceTokens(config.voice().tokenTtl(), Clock.SYSTEM);
            if (config.voice().port() != 0) {
                voice = VoiceService.start(config.voice(), config.server().host(), config.server().port(), config.server().limits(),
                        config.voice().sslContext(), keys, tokens, () -> current.get().dispatcher().services(), budget, Clock.SYSTEM);
            }
            VoiceService listening = voice;
            server.router().observe(metrics);
            metrics.gauges(server::inFlight, server::activeStreams, listening == null ? null : listening::sessions);
            if (config.ops().metrics().enabled() && config.ops().metrics().listens()) {
                metricsListener = MetricsListener.start(config.ops().metrics().listenHost(), config.ops().metrics().listenPort(), metrics);
            }
            Gateway g = new Gateway(server, voice, mcp, tasks, life, tokens, source, current, metricsListener);
            g.serve(first);
            tracer = tollgate.telemetry.Tracer.start(config.ops().telemetry(), upstream, Main.VERSION, Clock.SYSTEM);
            server.router().trace(tracer);
            g.tracer = tracer;
            server.start();
            tasks.start();
            ServerLimits limits = config.server().limits();
            Log.info("listening", "url", server.scheme() + "://" + hostForUrl(server.host()) + ":" + server.port(),
                    "providers", List.copyOf(first.running().keySet()), "models", usableModels(first),
                    "keys", keys.size(),
                    "max_heap_bytes", Runtime.getRuntime().maxMemory(), "memory_budget_bytes", budget.limit(),
                    "max_connections", limits.maxConnections());
            return g;
        } catch (IOException | RuntimeException e) {
            // Leave nothing bound or running behind a failed start.
            if (metricsListener != null) metricsListener.close();
            if (tasks != null) tasks.stop();
            if (server != null) server.stop(Duration.ZERO);
            if (voice != null) voice.close(Duration.ZERO);
            if (mcp != null) mcp.close();
            if (tracer != null) tracer.close(Duration.ZERO);
            if (keys != null) keys.close();
            if (ledger != null) ledger.close();
            if (breakers != null) breakers.close();
            if (state != null) state.close();
            watchdog.close();
            upstream.close();
            throw e;
        }
    }

    /**
     * Registers {@code g}'s endpoints on a staging table and serves it, whole, from the next
     * request on; the metrics name its models and deployments, its CORS is served with its routes.
     */
    private void serve(Generation g) {
        Router staging = server.router().staging();
        VoiceService listening = voice;
        g.register(staging, life, tokens, listening == null ? () -> -1 : listening::port, tasks, this::reload);
        staging.cors(g.config().ops().cors());
        life.metrics().attach(g.catalog(), g.dispatcher().router());
        life.breakers().share(g.dispatcher().router()); // issue 14: once served, not when a reload fails; no-op when local
        server.router().install(staging);
    }

    /**
     * Reads the config again and serves it (issue 13; {@code SIGHUP} and {@code POST /admin/reload}).
     * The new config is read, checked and built into a whole {@link Generation} first: if any of
     * that fails, nothing changes (logged as {@code config_reload_failed}). Then, in this order,
     * the config's keys, the tasks' and voice sessions' view, the MCP servers, the listener's
     * certificate and the routing table are switched to it; requests and streams already running
     * finish on the generation they started on. Settings that need a restart keep their value
     * and are named ({@link Reload#restartNeeded}, logged as {@code restart_needed}).
     *
     * @return what changed, for {@code POST /admin/reload}'s answer
     * @throws ConfigException the file is bad or cannot be built from (the message names the
     *                         setting), or the gateway has no file to read again
     */
    public Map<String, Object> reload() {
        if (source == null) throw new ConfigException("this gateway was started without a config file to read again");
        reloading.lock();
        try {
            if (stopped) {
                Log.error("config_reload_failed", "error", "the gateway is stopping", "changed", "nothing");
                throw new ConfigException("the gateway is stopping: the config was not reloaded");
            }
            Generation old = current.get();
            List<String> restart;
            Generation next;
            List<KeyConfig> keys;
            boolean mcpChanged;
            SSLContext tls = null;
            try {
                GatewayConfig read = source.get();
                restart = Reload.restartNeeded(old.config(), read);
                GatewayConfig effective = Reload.effective(old.config(), read);
                mcpChanged = !old.config().tools().mcpServers().equals(effective.tools().mcpServers());
                next = Generation.build(effective, life, old, mcpChanged ? null : old.toolBox());
                keys = ApiKeys.load(effective.keys(), effective.dataDir(), !new KeyStore(effective.dataDir()).read().isEmpty());
                // The file may hold a renewed certificate: loaded again, and checked before anything changes.
                if (effective.ops().tls().enabled() && server.scheme().equals("https")) tls = effective.ops().tls().sslContext();
            } catch (ConfigException | IllegalArgumentException | IOException e) {
                Log.error("config_reload_failed", "error", e.getMessage(), "changed", "nothing");
                throw e instanceof ConfigException c ? c : new ConfigException(e.getMessage(), e);
            }
            try {
                life.keys().reconfigure(keys);
            } catch (IOException e) {
                Log.error("config_reload_failed", "error", "keys file: " + e.getMessage(), "changed", "nothing");
                throw new ConfigException("keys file: " + e.getMessage(), e);
            }
            next.agent().handoff(tasks);
            current.set(next);
            McpDiscovery replaced = null;
            if (mcpChanged) {
                // Waits for the new servers as start-up does (bounded); the old servers' sessions
                // end after the switch, so a tool call of a request still running on the old
                // generation may fail with them (its server left the config).
                replaced = mcp;
                mcp = McpDiscovery.start(next.config().tools().mcpServers(), next.toolBox(), life.upstream(), Main.VERSION, life.budget());
            } else {
                mcp.rediscover(); // in the background; a server that fails keeps its tools
            }
            if (tls != null) server.replaceTls(tls);
            serve(next);
            if (replaced != null) replaced.close();
            Map<String, Object> changed = new LinkedHashMap<>();
            changed.put("reloaded", true);
            changed.put("models", usableModels(next));
            changed.put("providers", List.copyOf(next.running().keySet()));
            changed.put("keys", life.keys().size());
            changed.put("tls_reloaded", tls != null);
            changed.put("restart_needed", restart);
            Log.info("config_reloaded", "models", usableModels(next), "providers", List.copyOf(next.running().keySet()),
                    "keys", life.keys().size(), "tls_reloaded", tls != null);
            if (!restart.isEmpty()) {
                Log.warn("restart_needed", "fields", restart, "reason", "these settings keep their old value until the gateway restarts");
            }
            return changed;
        } finally {
            reloading.unlock();
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

    public int port() { return server.port(); }

    /** {@code https} when {@code server.tls} is set, else {@code http}. */
    public String scheme() { return server.scheme(); }

    /** The realtime voice listener's port, or -1 when it is off ({@code voice.port} 0). */
    public int voicePort() { return voice == null ? -1 : voice.port(); }

    /** The metrics (issue 13). */
    public Metrics metrics() { return life.metrics(); }

    /** The {@code metrics.listen} listener's port, or -1 when there is none. */
    public int metricsPort() { return metricsListener == null ? -1 : metricsListener.port(); }

    /** The MCP servers' discovery: their status, and a rediscovery on reload. */
    public McpDiscovery mcp() { return mcp; }

    /** Graceful stop within the configured drain time. */
    public void stop() { stop(current.get().config().server().drain()); }

    public void stop(Duration drain) {
        long t0 = System.nanoTime();
        reloading.lock(); // waits for a reload under way (bounded: discovery's waits); none starts after
        try {
            stopped = true;
        } finally {
            reloading.unlock();
        }
        Log.info("draining", "active_streams", server.activeStreams(), "drain_ms", drain.toMillis());
        // Sessions first: each is sent 1001 (going away) and recorded before the ledger closes.
        if (voice != null) voice.close(drain);
        // Tasks before the server: their event followers would hold its drain; a run cut here
        // stays running on disk and goes on at the next start.
        tasks.stop();
        server.stop(drain);
        if (metricsListener != null) metricsListener.close();
        mcp.close(); // after the last request's tool calls; before the shared client closes
        if (tracer != null) tracer.close(TRACE_FLUSH); // the last requests' spans, before the shared client closes
        life.keys().close();
        life.ledger().close(); // after the last request: every record it took is durable
        life.breakers().close();
        life.state().close();
        life.watchdog().close();
        life.upstream().close();
        Log.info("stopped", "took_ms", (System.nanoTime() - t0) / 1_000_000);
        Log.flush(1000);
    }

    /**
     * Models whose provider is enabled, discovered ones included: what clients can use, as
     * {@code GET /} counts them (a disabled provider's are listed in its own log line).
     */
    static long usableModels(Generation g) {
        return g.catalog().models().stream().filter(m -> g.running().containsKey(m.provider())).count();
    }

    private static String hostForUrl(String host) {
        return host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    }
}
