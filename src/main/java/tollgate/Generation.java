package tollgate;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;
import tollgate.account.Accounts;
import tollgate.account.Ledger;
import tollgate.agent.AgentLoop;
import tollgate.agent.Approvals;
import tollgate.api.Api;
import tollgate.api.FrontDoor;
import tollgate.api.MetricsEndpoints;
import tollgate.api.ReloadEndpoint;
import tollgate.call.Clock;
import tollgate.catalog.Catalog;
import tollgate.config.GatewayConfig;
import tollgate.config.ProviderConfig;
import tollgate.http.Router;
import tollgate.memory.MemoryBudget;
import tollgate.metrics.Metrics;
import tollgate.provider.ModelDiscovery;
import tollgate.provider.IdleWatchdog;
import tollgate.provider.Provider;
import tollgate.provider.Providers;
import tollgate.provider.Secrets;
import tollgate.provider.Upstream;
import tollgate.route.Deployment;
import tollgate.route.Dispatcher;
import tollgate.state.SharedState;
import tollgate.task.Tasks;
import tollgate.tool.GatewayTool;
import tollgate.tool.ToolBox;
import tollgate.tool.Tools;
import tollgate.voice.VoiceTokens;

/**
 * The parts of a running gateway made from its config (issue 13's hot reload): catalog,
 * providers, router, dispatcher, tool box and agent loop, and the endpoints over them. A
 * generation is never changed: a reload builds a whole new one with {@link #build}, the one
 * function start-up also calls, and the gateway then serves it. A request holds the objects of
 * the generation it started on (through the endpoint it found), so requests and streams in
 * flight finish on the config they started with, and the old generation goes when they end
 * (nothing in it holds a thread, a socket or a file).
 *
 * @param config     the config it was built from, as served (see {@link Reload#effective})
 * @param catalog    the configured models
 * @param running    the enabled providers, by id
 * @param dispatcher the router and dispatcher over them
 * @param toolBox    gateway tools: the configured ones, the embedding program's, and the MCP servers'
 * @param agent      the agent loop over the dispatcher and tool box
 */
record Generation(GatewayConfig config, Catalog catalog, Map<String, Provider> running, Dispatcher dispatcher, ToolBox toolBox,
                  AgentLoop agent) {

    /**
     * What lives as long as the process and every generation is built over.
     *
     * @param extraTools gateway tools of the program embedding the gateway (tests), in every generation
     * @param state      state shared with other replicas (issue 14), or local state
     * @param breakers   the breakers shared with other replicas over {@code state} (issue 14)
     */
    record Lifetime(Upstream upstream, IdleWatchdog watchdog, Accounts keys, Ledger ledger, MemoryBudget budget,
                    Approvals approvals, Metrics metrics, List<? extends GatewayTool> extraTools, SharedState state,
                    tollgate.route.SharedBreakers breakers) {}

    /**
     * Builds a generation from {@code config}; fails (a {@code ConfigException}, or an
     * {@code IllegalArgumentException} naming the setting) before anything is served.
     *
     * @param previous the generation served now, or null at start-up: the health of its
     *                 deployments that stay the same carries over
     * @param mcpTools the tool box whose MCP servers' tools the new box shares (a reload that
     *                 keeps {@code mcp_servers}), or null for a box of its own
     */
    static Generation build(GatewayConfig config, Lifetime life, Generation previous, ToolBox mcpTools) {
        Secrets secrets = Secrets.of(config.providers().values());
        Map<String, Provider> running = new LinkedHashMap<>();
        Map<String, String> disabled = new LinkedHashMap<>();
        for (ProviderConfig pc : config.providers().values()) {
            if (pc.enabled()) running.put(pc.id(), Providers.create(pc, life.upstream(), life.watchdog(), secrets));
            else disabled.put(pc.id(), pc.disabledReason() != null ? pc.disabledReason() : "it is disabled");
        }
        // Bounded (ModelDiscovery.TIMEOUT): a local upstream that is down delays the start, or the reload, that much at most.
        Catalog catalog = Catalog.of(config.models(), ModelDiscovery.discover(config.providers().values(), life.upstream()));
        tollgate.route.Router router = new tollgate.route.Router(catalog, running, disabled, config.groups(), config.router(),
                config.voice().policies(), Clock.SYSTEM, Gateway.RANDOM, carried(previous, config));
        Dispatcher dispatcher = new Dispatcher(router, Baseline.of(catalog, config.router()), Clock.SYSTEM, Gateway.RANDOM,
                life.metrics().recording(life.ledger()), life.metrics());
        List<GatewayTool> tools = new ArrayList<>(Tools.build(config, dispatcher.services(), life.keys(), life.upstream(),
                life.budget()).all());
        tools.addAll(life.extraTools());
        ToolBox box = mcpTools != null ? mcpTools.withConfigured(tools) : new ToolBox(tools);
        AgentLoop agent = new AgentLoop(dispatcher, box, life.keys(), life.approvals(), config.tools().agent(), Clock.SYSTEM);
        return new Generation(config, catalog, running, dispatcher, box, agent);
    }

    /**
     * The previous generation's deployments, by model id, whose health (breaker, latency,
     * cool-down) goes on: those whose provider's config is unchanged, when the breaker settings
     * are too (a breaker with other thresholds starts afresh).
     */
    private static Map<String, Deployment> carried(Generation previous, GatewayConfig config) {
        if (previous == null || !previous.config().router().breaker().equals(config.router().breaker())) return Map.of();
        Map<String, Deployment> carried = new HashMap<>();
        for (Deployment d : previous.dispatcher().router().deployments()) {
            String provider = d.model().provider();
            ProviderConfig before = previous.config().providers().get(provider);
            if (before != null && before.equals(config.providers().get(provider))) carried.putIfAbsent(d.model().id(), d);
        }
        return carried;
    }

    /**
     * Registers this generation's endpoints on {@code routes} (a staging router, served once
     * the whole table is there).
     *
     * @param voicePort the voice listener's port, ≤ 0 when it is off
     * @param reloader  what {@code POST /admin/reload} runs
     */
    void register(Router routes, Lifetime life, VoiceTokens tokens, IntSupplier voicePort, Tasks tasks,
                  ReloadEndpoint.Reloader reloader) {
        MetricsEndpoints.register(routes, config, life.metrics());
        Api.register(routes, config, life.keys(), dispatcher, catalog, running, life.ledger(), tokens, voicePort, agent, tasks, life.state());
        FrontDoor.register(routes, Main.VERSION, config, catalog, running); // GET /: the status page
        ReloadEndpoint.register(routes, config.accounts(), reloader);
    }
}
