package tollgate.route;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.random.RandomGenerator;
import tollgate.call.Clock;
import tollgate.catalog.Catalog;
import tollgate.catalog.Model;
import tollgate.config.GroupConfig;
import tollgate.config.RouterConfig;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.provider.ChatProvider;
import tollgate.provider.Provider;

/**
 * Turns the model a client asked for into a {@link Plan}: the deployments to try, in order.
 * What a client may send as {@code model}:
 * <ol>
 *   <li>a catalog id ({@code gpt-4o-mini}, {@code echo});</li>
 *   <li>{@code <provider>/<upstream model>} ({@code openai/gpt-4.1}; seed 002), any model of an
 *       enabled provider without listing it; window and pricing unknown;</li>
 *   <li>{@code group:<uuid>} or {@code group:<name>} (seed 003): a configured group, ordered by its
 *       strategy ({@link GroupOrder});</li>
 *   <li>{@code neo-mode} (= balanced), {@code neo-mode/frugal|balanced|premium}, or {@code neo-mode}
 *       with a {@code policy} field (seed 000): the catalog ranked for the request's task
 *       ({@link NeoModePlans}, {@link PolicyRanking}).</li>
 * </ol>
 * A {@code models: [...]} list (OpenRouter's convention) appends its entries, in order, as
 * fallbacks. Built once at start-up; a direct model is one hash probe, neo-mode one pass over the
 * catalog.
 */
public final class Router {
    /** The model name that asks for policy routing. */
    public static final String NEO_MODE = "neo-mode";
    /** The default policy (seed 000: "Balanced Mode (Default)"). */
    public static final String DEFAULT_POLICY = "balanced";
    /** Longest model name quoted back in an error, in chars: a client's 30 MB name is not echoed. */
    static final int MAX_QUOTED_MODEL_CHARS = 256;
    /** Ad-hoc {@code <provider>/<model>} deployments remembered (with their health); more are made fresh. */
    static final int MAX_AD_HOC = 1024;
    /** Deployments passed over (breaker open, cooling) listed in an explanation. */
    static final int MAX_SKIPPED_LISTED = 8;
    private static final String GROUP_PREFIX = "group:";

    private final Map<String, Deployment> byModelId = new LinkedHashMap<>();
    private final Map<String, Deployment> byDeploymentId = new LinkedHashMap<>();
    private final Map<String, Deployment> adHoc = new ConcurrentHashMap<>();
    /** Every catalog model whose provider runs, chat or not: what {@link #planService} resolves. */
    private final Map<String, Deployment> services = new LinkedHashMap<>();
    /** Realtime voice policies: name → catalog model ids in order of preference (issue 11). */
    private final Map<String, List<String>> voicePolicies;
    /** Plans for calls that are not chat, over {@link #services}; made last in the constructor. */
    private final ServicePlans servicePlans;
    /** What an unknown model's error suggests: the chat models served. */
    private final ModelSuggestions suggestions;
    private final Map<String, Group> groups = new HashMap<>();
    private final List<Group> groupOrder = new ArrayList<>();
    private final List<Deployment> policyPool = new ArrayList<>();
    /** Every catalog model's provider, enabled or not, so that a disabled one can be named. */
    private final Map<String, String> catalogProviders = new HashMap<>();
    private final Map<String, Provider> running;
    private final Map<String, String> disabledReasons;
    private final RouterConfig config;
    /** The previous generation's deployments whose health carries over, by id (empty at start-up). */
    private final Map<String, Deployment> carried;
    private final Clock clock;
    private final RandomGenerator random;
    /** Shares the breakers of deployments made after construction (ad-hoc routes); null when not shared (issue 14). */
    private volatile SharedBreakers sharing;

    /** A configured group, its members resolved. */
    record Group(String id, String name, String strategy, List<GroupOrder.Member> members, List<Tried> disabled) {}

    /**
     * @param catalog         configured models
     * @param running         the running providers, by id
     * @param disabledReasons why each configured but disabled provider is off, by id
     * @param groups          configured groups
     * @param voicePolicies   realtime voice policies ({@code voice.policies}): name → catalog models in order
     */
    public Router(Catalog catalog, Map<String, Provider> running, Map<String, String> disabledReasons,
                  List<GroupConfig> groups, RouterConfig config, Map<String, List<String>> voicePolicies, Clock clock,
                  RandomGenerator random) {
        this(catalog, running, disabledReasons, groups, config, voicePolicies, clock, random, Map.of());
    }

    /**
     * As above, on a config reload (issue 13): {@code carried} are the previous generation's
     * deployments by model id whose health goes on (same provider config, same breaker
     * settings); a model whose provider or upstream model changed starts afresh.
     */
    public Router(Catalog catalog, Map<String, Provider> running, Map<String, String> disabledReasons,
                  List<GroupConfig> groups, RouterConfig config, Map<String, List<String>> voicePolicies, Clock clock,
                  RandomGenerator random, Map<String, Deployment> carried) {
        this.carried = carried;
        this.voicePolicies = Map.copyOf(voicePolicies);
        this.running = running;
        this.disabledReasons = disabledReasons;
        this.config = config;
        this.clock = clock;
        this.random = random;
        for (Model m : catalog.models()) {
            catalogProviders.put(m.id(), m.provider());
            Provider p = running.get(m.provider());
            if (p == null) continue;
            // One per catalog entry, even when two entries name the same upstream model: each
            // keeps its own window, capabilities, pricing and quality.
            Deployment d = deployment(m, p);
            services.put(m.id(), d);
            if (d.chat() != null) {
                byModelId.put(m.id(), d);
                byDeploymentId.putIfAbsent(d.id(), d);
            }
        }
        // A group member named by provider + upstream is the catalog's deployment of that model,
        // speech models too (a chat one first, should both name the same upstream model).
        for (Deployment d : services.values()) byDeploymentId.putIfAbsent(d.id(), d);
        // Among the models a policy may choose (configured ones): a discovered local model being
        // online must not push the offline echo model out of a pool it never joins itself.
        boolean anyOnline = byModelId.entrySet().stream().anyMatch(e -> !e.getValue().offline() && !catalog.discovered(e.getKey()));
        for (Model m : catalog.models()) {
            Deployment d = byModelId.get(m.id());
            if (d != null && (anyOnline != d.offline()) && !policyPool.contains(d) && !catalog.discovered(m.id())) policyPool.add(d);
        }
        for (GroupConfig g : groups) {
            List<GroupOrder.Member> members = new ArrayList<>();
            List<Tried> disabled = new ArrayList<>();
            for (GroupConfig.Member m : g.deployments()) {
                Deployment d = m.model() != null ? services.get(m.model()) : member(m.provider(), m.upstream());
                String id = m.model() != null ? catalog.get(m.model()).provider() + "/" + catalog.get(m.model()).upstream()
                        : m.provider() + "/" + m.upstream();
                if (d == null) disabled.add(new Tried(id, Tried.DISABLED, 0, -1, "its provider is not enabled"));
                else members.add(new GroupOrder.Member(d, m.weight()));
            }
            Group group = new Group(g.id(), g.name(), g.strategy(), List.copyOf(members), List.copyOf(disabled));
            this.groups.put(g.id(), group);
            groupOrder.add(group);
            if (g.name() != null) this.groups.put(g.name(), group);
        }
        this.suggestions = new ModelSuggestions(byModelId.keySet());
        this.servicePlans = new ServicePlans(this); // reads the maps above: last
    }

    private Deployment deployment(Model m, Provider p) {
        if (m.contextLength() == 0 && p instanceof ChatProvider c && c.defaultContextLength() > 0) {
            m = m.withContextLength(c.defaultContextLength());
        }
        Deployment before = carried.get(m.id());
        if (before != null && before.id().equals(m.provider() + "/" + m.upstream())) return before.successor(m, p);
        RouterConfig.Breaker b = config.breaker();
        Deployment d = new Deployment(m, p, new CircuitBreaker(clock, b.window().toNanos(), b.minRequests(), b.failureRatio(),
                b.cooldown().toNanos()), clock);
        SharedBreakers shared = sharing;
        if (shared != null) shared.attach(d);
        return d;
    }

    /** From now on, shares the breakers of the deployments this router makes ({@link SharedBreakers#share}). */
    void sharing(SharedBreakers shared) { this.sharing = shared; }

    /** A group member given as provider + upstream: the catalog's deployment if one matches. */
    private Deployment member(String provider, String upstream) {
        Deployment d = byDeploymentId.get(provider + "/" + upstream);
        if (d != null) return d;
        Provider p = running.get(provider);
        if (p == null) return null;
        d = deployment(Model.adHoc(provider, upstream, 0), p);
        byDeploymentId.put(d.id(), d);
        return d;
    }

    /** Every deployment with health, for {@code GET /providers}: the catalog's, the groups', the ad-hoc ones used. */
    public List<Deployment> deployments() {
        java.util.Set<Deployment> all = new java.util.LinkedHashSet<>(services.values());
        all.addAll(byDeploymentId.values());
        all.addAll(adHoc.values());
        return List.copyOf(all);
    }

    /** A configured group as {@code GET /models} shows it: its enabled members' models. */
    public record GroupInfo(String id, String name, String strategy, List<Model> members) {}

    /** Configured groups, in config order. */
    public List<GroupInfo> groups() {
        List<GroupInfo> out = new ArrayList<>();
        for (Group g : groupOrder) {
            List<Model> ms = new ArrayList<>();
            for (GroupOrder.Member m : g.members()) ms.add(m.deployment().model());
            out.add(new GroupInfo(g.id(), g.name(), g.strategy(), List.copyOf(ms)));
        }
        return out;
    }

    /** The models neo-mode chooses from. */
    public List<Model> policyModels() {
        List<Model> out = new ArrayList<>();
        for (Deployment d : policyPool) out.add(d.model());
        return out;
    }

    /** The deployment serving catalog model {@code id} (chat or not), or null when it is not enabled. */
    public Deployment deploymentOf(String modelId) { return services.get(modelId); }

    public static boolean isNeoMode(String model) {
        return model.startsWith(NEO_MODE) && (model.length() == NEO_MODE.length() || model.charAt(NEO_MODE.length()) == '/');
    }

    /**
     * Plans a request.
     *
     * @param request      the validated request
     * @param promptTokens the prompt estimate
     * @throws GatewayException 400 for an unknown model, group or policy, or when no model can
     *                          take the request; 503 for a disabled provider asked for directly
     */
    public Plan plan(ChatRequest request, long promptTokens) {
        String model = request.model();
        Needs needs = null;
        Plan plan;
        if (isNeoMode(model)) {
            needs = Needs.of(request.body(), request.stream(), promptTokens);
            plan = NeoModePlans.plan(request, needs, policyPool, config);
        } else {
            if (request.policy() != null) {
                throw GatewayException.invalid("policy", "'policy' chooses a neo-mode policy; send it with model 'neo-mode', "
                        + "or send model 'neo-mode/" + request.policy() + "'.");
            }
            plan = resolve(model, "model", request, promptTokens, request.fallbacks().isEmpty());
        }
        if (request.fallbacks().isEmpty()) return plan;
        List<Deployment> candidates = new ArrayList<>(plan.candidates());
        List<Tried> skipped = new ArrayList<>(plan.skipped());
        for (int i = 0; i < request.fallbacks().size(); i++) {
            String f = request.fallbacks().get(i);
            if (isNeoMode(f)) throw GatewayException.invalid("models[" + i + "]", "'models' lists models to fall back to; neo-mode cannot be one of them.");
            Plan p = resolve(f, "models[" + i + "]", request, promptTokens, false);
            for (Deployment d : p.candidates()) if (!candidates.contains(d)) candidates.add(d);
            skipped.addAll(p.skipped());
        }
        String reason = plan.reason() + "; then the 'models' fallbacks in order";
        return new Plan(plan.policy(), plan.task(), plan.taskSource(), List.copyOf(candidates), List.copyOf(skipped), reason, true);
    }

    private Plan resolve(String model, String param, ChatRequest request, long promptTokens, boolean alone) {
        if (model.startsWith(GROUP_PREFIX)) return group(model, param, request, promptTokens);
        Deployment d = byModelId.get(model);
        if (d != null) return direct(d, "the requested model");
        Deployment service = services.get(model);
        if (service != null) {
            String what = ServicePlans.describe(service.model());
            throw GatewayException.invalid(param, "The model '" + clip(model) + "' is " + ("aeiou".indexOf(what.charAt(0)) >= 0 ? "an " : "a ") + what
                    + " model; it does not serve chat completions.");
        }
        int slash = model.indexOf('/');
        if (slash > 0 && slash < model.length() - 1) {
            String providerId = model.substring(0, slash);
            if (running.get(providerId) instanceof ChatProvider p) return direct(adHoc(providerId, model.substring(slash + 1), p), "the requested model");
            if (running.containsKey(providerId)) {
                throw GatewayException.invalid(param, "Provider '" + providerId + "' (" + running.get(providerId).kind()
                        + ") does not serve chat completions.");
            }
            if (disabledReasons.containsKey(providerId)) return disabled(model, providerId, param, alone);
        }
        String configuredProvider = catalogProviderOf(model);
        if (configuredProvider != null) return disabled(model, configuredProvider, param, alone);
        throw new GatewayException(ErrorKind.CALLER_INVALID_REQUEST, "The model '" + clip(model)
                + "' does not exist on this gateway." + suggestions.didYouMean(model) + " GET /v1/models lists the models it serves.", param);
    }

    private String catalogProviderOf(String model) { return catalogProviders.get(model); }

    private Plan disabled(String model, String providerId, String param, boolean alone) {
        String why = disabledReasons.getOrDefault(providerId, "it is disabled");
        if (alone) {
            throw new GatewayException(ErrorKind.PROVIDER_NOT_CONFIGURED, "The model '" + clip(model) + "' is served by provider '"
                    + providerId + "', which is not enabled: " + why + ".", param);
        }
        return new Plan(null, null, null, List.of(), List.of(new Tried(clip(model), Tried.DISABLED, 0, -1, why)), "", true);
    }

    private Deployment adHoc(String providerId, String upstream, ChatProvider p) {
        // Not the catalog's deployment of the same upstream model even when there is one: an
        // ad-hoc route asks for the model as the upstream knows it, without the catalog's window.
        String id = providerId + "/" + upstream;
        Deployment d = adHoc.get(id);
        if (d != null) return d;
        d = deployment(Model.adHoc(providerId, upstream, 0), p);
        if (adHoc.size() >= MAX_AD_HOC) return d; // health is not kept for an unbounded set of names
        Deployment raced = adHoc.putIfAbsent(id, d);
        return raced != null ? raced : d;
    }

    private static Plan direct(Deployment d, String reason) {
        return new Plan(null, null, null, List.of(d), List.of(), reason, false);
    }

    private Plan group(String model, String param, ChatRequest request, long promptTokens) {
        String handle = model.substring(GROUP_PREFIX.length());
        Group g = groups.get(handle);
        if (g == null) g = groups.get(handle.toLowerCase(java.util.Locale.ROOT));
        if (g == null) {
            throw new GatewayException(ErrorKind.CALLER_INVALID_REQUEST, "The group '" + clip(handle)
                    + "' does not exist on this gateway. GET /v1/models lists the groups it serves.", param);
        }
        Needs needs = Needs.of(request.body(), request.stream(), promptTokens);
        List<GroupOrder.Member> healthy = new ArrayList<>(g.members().size());
        List<Tried> skipped = new ArrayList<>(g.disabled());
        for (GroupOrder.Member m : g.members()) {
            if (m.deployment().chat() == null) {
                skipped.add(new Tried(m.deployment().id(), Tried.UNSUPPORTED, 0, -1, "not a chat model"));
                continue;
            }
            Tried unhealthy = unhealthy(m.deployment());
            if (unhealthy == null) healthy.add(m);
            else skipped.add(unhealthy);
        }
        List<Deployment> order = GroupOrder.order(g.strategy(), healthy, needs, config.defaultOutputTokens(), random);
        String reason = "group " + (g.name() != null ? g.name() : g.id()) + ", strategy " + g.strategy();
        return new Plan(null, null, null, order, List.copyOf(skipped), reason, true);
    }

    /** Why {@code d} is passed over right now, or null when it may be tried. */
    private static Tried unhealthy(Deployment d) {
        long cooling = d.coolingNanos();
        if (cooling > 0) return new Tried(d.id(), Tried.COOLING, 0, cooling, "rate limited by the upstream");
        if (d.breaker().state() != CircuitBreaker.State.CLOSED) {
            long wait = d.breaker().retryAfterNanos();
            if (wait > 0 || d.breaker().state() == CircuitBreaker.State.HALF_OPEN) {
                return new Tried(d.id(), Tried.CIRCUIT_OPEN, 0, wait, "circuit open after repeated failures");
            }
        }
        return null;
    }

    /**
     * The model a realtime session under voice policy {@code policy} would use now (the first of
     * its plan), for {@code POST /voice/realtime}.
     *
     * @throws GatewayException 400 for an unknown policy, 503 when none of its models can take a session
     */
    public tollgate.catalog.Model voiceModel(String policy) {
        return planService(NEO_MODE + "/" + policy, "realtime").candidates().get(0).model();
    }

    /** Plans a call that is not chat (FIM, text completions, speech): see {@link ServicePlans}. */
    public Plan planService(String model, String capability) {
        return services().plan(model, capability);
    }

    private ServicePlans services() { return servicePlans; }

    Map<String, Deployment> serviceDeployments() { return services; }

    Map<String, Provider> running() { return running; }

    Map<String, List<String>> voicePolicies() { return voicePolicies; }

    /** Why each configured but disabled provider is off, by id, in config order. */
    public Map<String, String> disabledReasons() { return disabledReasons; }

    String catalogProvider(String model) { return catalogProviders.get(model); }

    /** A configured group by id or name (as sent, then lower-cased), or null. */
    Group group(String handle) {
        Group g = groups.get(handle);
        return g != null ? g : groups.get(handle.toLowerCase(java.util.Locale.ROOT));
    }

    Deployment newDeployment(Model m, Provider p) { return deployment(m, p); }

    static Tried unhealthyNow(Deployment d) { return unhealthy(d); }

    static String clip(String model) {
        return model.length() <= MAX_QUOTED_MODEL_CHARS ? model : model.substring(0, MAX_QUOTED_MODEL_CHARS) + "…";
    }

    RouterConfig config() { return config; }
}
