package tollgate.route;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import tollgate.catalog.Model;
import tollgate.config.ModelConfig;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.provider.Provider;

/**
 * The router's plans for calls that are not chat (issue 10): fill-in-the-middle, text
 * completions, speech-to-text and text-to-speech; realtime sessions (issue 11), image
 * generation (issue 12) and embeddings (issue 14). A client names the model as for chat (a catalog
 * id, {@code <provider>/<upstream>}, {@code group:<name>}) or none, and every candidate must have
 * the call's capability; neo-mode's policies rank chat models only, so they are refused here.
 *
 * <p>With no model, the first catalog model with the capability is used (one whose provider needs
 * the network first, the offline echo provider last): Deepgram's API makes {@code model} optional,
 * and so does seed 000's {@code /deepgram/stt}.
 */
final class ServicePlans {
    /** What error messages call each capability. */
    private static final Map<String, String> DESCRIPTIONS = Map.of("fim", "fill-in-the-middle", "completions",
            "text completion", "stt", "speech-to-text", "tts", "text-to-speech", "realtime", "realtime voice", "images",
            "image generation", "embeddings", "embeddings");

    private final Router router;
    private final Map<String, Deployment> defaults = new ConcurrentHashMap<>();
    private final Map<String, Deployment> adHoc = new ConcurrentHashMap<>();

    ServicePlans(Router router) {
        this.router = router;
        for (String capability : DESCRIPTIONS.keySet()) {
            Deployment online = null, offline = null;
            for (Deployment d : router.serviceDeployments().values()) {
                if (!serves(d, capability)) continue;
                if (!d.offline() && online == null) online = d;
                if (d.offline() && offline == null) offline = d;
            }
            Deployment chosen = online != null ? online : offline;
            if (chosen != null) defaults.put(capability, chosen);
        }
    }

    /** Whether {@code d} can take a call needing {@code capability}; any chat model can take a text completion (wrapped). */
    static boolean serves(Deployment d, String capability) {
        if (d.model().has(capability)) return true;
        return "completions".equals(capability) && d.chat() != null;
    }

    /**
     * Whether provider {@code p} says it serves {@code capability} ({@link Provider#capabilities}):
     * what an ad-hoc {@code <provider>/<upstream>} route is checked against, since it has no
     * catalog entry to say. Any chat provider serves a text completion (wrapped as chat).
     */
    static boolean offers(Provider p, String capability) {
        return p.capabilities().contains(capability) || "completions".equals(capability) && p.capabilities().contains("chat");
    }

    /** The capabilities that make {@code m} what it is, for messages: "speech-to-text/text-to-speech". */
    static String describe(Model m) {
        List<String> names = new ArrayList<>();
        for (String c : ModelConfig.NON_CHAT_CAPABILITIES.stream().sorted().toList()) if (m.has(c)) names.add(DESCRIPTIONS.get(c));
        return String.join("/", names);
    }

    Plan plan(String model, String capability) {
        String what = DESCRIPTIONS.getOrDefault(capability, capability);
        if (model == null || model.isEmpty()) {
            Deployment d = defaults.get(capability);
            if (d == null) {
                throw new GatewayException(ErrorKind.CALLER_INVALID_REQUEST, "No model on this gateway serves " + what
                        + ": configure one with \"capabilities\": [\"" + capability + "\"].", "model");
            }
            return new Plan(null, null, null, List.of(d), List.of(), "the gateway's default " + what + " model", false);
        }
        if (Router.isNeoMode(model) && "realtime".equals(capability)) return voicePolicy(model);
        if (Router.isNeoMode(model)) {
            throw GatewayException.invalid("model", "neo-mode chooses among chat models; name a " + what + " model"
                    + (defaults.containsKey(capability) ? " such as '" + defaults.get(capability).model().id() + "'" : "") + ".");
        }
        if (model.startsWith("group:")) return group(model, capability, what);
        Deployment d = router.serviceDeployments().get(model);
        if (d != null) {
            if (!serves(d, capability)) throw unsupported(model, capability, what);
            return new Plan(null, null, null, List.of(d), List.of(), "the requested model", false);
        }
        int slash = model.indexOf('/');
        if (slash > 0 && slash < model.length() - 1) {
            String providerId = model.substring(0, slash);
            Provider p = router.running().get(providerId);
            if (p != null) {
                if (!offers(p, capability)) {
                    throw GatewayException.invalid("model", "Provider '" + providerId + "' (" + p.kind() + ") does not serve " + what + ".");
                }
                return new Plan(null, null, null, List.of(adHoc(providerId, model.substring(slash + 1), capability, p)),
                        List.of(), "the requested model", false);
            }
            if (router.disabledReasons().containsKey(providerId)) throw disabled(model, providerId);
        }
        if (router.catalogProvider(model) != null) throw disabled(model, router.catalogProvider(model));
        throw new GatewayException(ErrorKind.CALLER_INVALID_REQUEST, "The model '" + Router.clip(model)
                + "' does not exist on this gateway. GET /v1/models lists the models it serves.", "model");
    }

    private GatewayException unsupported(String model, String capability, String what) {
        List<String> able = new ArrayList<>();
        for (Deployment d : router.serviceDeployments().values()) {
            if (d.model().has(capability) && able.size() < Router.MAX_SKIPPED_LISTED) able.add(d.model().id());
        }
        return GatewayException.invalid("model", "The model '" + Router.clip(model) + "' does not support " + what
                + (able.isEmpty() ? "; no model on this gateway does." : "; models that do: " + String.join(", ", able) + "."));
    }

    private GatewayException disabled(String model, String providerId) {
        String why = router.disabledReasons().getOrDefault(providerId, "it is disabled");
        return new GatewayException(ErrorKind.PROVIDER_NOT_CONFIGURED, "The model '" + Router.clip(model) + "' is served by provider '"
                + providerId + "', which is not enabled: " + why + ".", "model");
    }

    private Plan group(String model, String capability, String what) {
        String handle = model.substring("group:".length());
        Router.Group g = router.group(handle);
        if (g == null) {
            throw new GatewayException(ErrorKind.CALLER_INVALID_REQUEST, "The group '" + Router.clip(handle)
                    + "' does not exist on this gateway. GET /v1/models lists the groups it serves.", "model");
        }
        List<Deployment> order = new ArrayList<>();
        List<Tried> skipped = new ArrayList<>(g.disabled());
        boolean any = false;
        for (GroupOrder.Member m : g.members()) {
            Deployment d = m.deployment();
            if (!serves(d, capability)) {
                skipped.add(new Tried(d.id(), Tried.UNSUPPORTED, 0, -1, "does not support " + what));
                continue;
            }
            any = true;
            Tried unhealthy = Router.unhealthyNow(d);
            if (unhealthy == null) order.add(d);
            else skipped.add(unhealthy);
        }
        if (!any) throw GatewayException.invalid("model", "No member of group '" + Router.clip(handle) + "' supports " + what + ".");
        // Members in configured order (priority); the chat strategies rank by token prices and
        // latency estimates that do not describe audio calls.
        return new Plan(null, null, null, List.copyOf(order), List.copyOf(skipped), "group " + (g.name() != null ? g.name() : g.id())
                + ", members that support " + what + " in order", true);
    }

    /**
     * A realtime voice policy's plan ({@code neo-mode/<policy>}, issue 11): its models in
     * configured order, those whose provider is off or whose circuit is open skipped, and the
     * offline echo provider's only when no network model of the policy is enabled (as neo-mode
     * does for chat: echo is a test double, not a cheaper voice).
     */
    private Plan voicePolicy(String model) {
        String policy = model.length() > Router.NEO_MODE.length() ? model.substring(Router.NEO_MODE.length() + 1) : "";
        List<String> models = router.voicePolicies().get(policy);
        if (models == null) {
            throw GatewayException.invalid("model", "Unknown voice policy '" + Router.clip(policy) + "'; use one of: "
                    + String.join(", ", router.voicePolicies().keySet()) + ".");
        }
        List<Deployment> online = new ArrayList<>(), offline = new ArrayList<>();
        List<Tried> skipped = new ArrayList<>();
        for (String id : models) {
            Deployment d = router.serviceDeployments().get(id);
            if (d == null) {
                String provider = router.catalogProvider(id);
                skipped.add(new Tried(provider + "/" + id, Tried.DISABLED, 0, -1, "provider '" + provider + "' is not enabled: "
                        + router.disabledReasons().getOrDefault(provider, "it is disabled")));
                continue;
            }
            Tried unhealthy = Router.unhealthyNow(d);
            if (unhealthy != null) skipped.add(unhealthy);
            else (d.offline() ? offline : online).add(d);
        }
        List<Deployment> order = online.isEmpty() ? offline : online;
        if (models.isEmpty()) {
            throw new GatewayException(ErrorKind.PROVIDER_NOT_CONFIGURED, "Voice policy '" + policy + "' names no realtime model: "
                    + "configure models with \"capabilities\": [\"realtime\"] (and voice.policies)." , "model");
        }
        if (order.isEmpty()) {
            throw new GatewayException(ErrorKind.PROVIDER_NOT_CONFIGURED, "No realtime model of voice policy '" + policy
                    + "' can take a session now: " + String.join("; ", skipped.stream().map(t -> t.deployment() + " (" + t.detail() + ")").toList())
                    + ".", "model");
        }
        return new Plan(null, null, null, List.copyOf(order), List.copyOf(skipped), "voice policy " + policy
                + ", its models in order", true);
    }

    /** A deployment for {@code <provider>/<upstream>} asked for {@code capability}, its health kept per name (bounded). */
    private Deployment adHoc(String providerId, String upstream, String capability, Provider p) {
        String key = capability + ' ' + providerId + '/' + upstream;
        Deployment d = adHoc.get(key);
        if (d != null) return d;
        d = router.newDeployment(Model.adHoc(providerId, upstream, capability), p);
        if (adHoc.size() >= Router.MAX_AD_HOC) return d;
        Deployment raced = adHoc.putIfAbsent(key, d);
        return raced != null ? raced : d;
    }
}
