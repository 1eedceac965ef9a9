package tollgate.api;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tollgate.account.Charge;
import tollgate.conversation.PromptEstimate;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.http.HttpCall;
import tollgate.http.RequestIds;
import tollgate.http.SseWriter;
import tollgate.provider.CompletionExchange;
import tollgate.provider.CompletionProvider;
import tollgate.provider.CompletionProvider.Call;
import tollgate.provider.CompletionProvider.Result;
import tollgate.provider.CompletionProvider.Shape;
import tollgate.provider.Usage;
import tollgate.route.Caller;
import tollgate.route.Deployment;
import tollgate.route.Meter;
import tollgate.route.Served;
import tollgate.route.ServiceDispatcher;
import tollgate.route.ServiceRequest;

/**
 * One FIM or completions request through the {@link ServiceDispatcher}, for {@link FimEndpoint}
 * and {@link CompletionsEndpoint}: per attempt, the deployment's own completions
 * ({@link CompletionProvider}) or, for legacy completions on a chat model, the chat wrapped
 * ({@link CompletionsViaChat}); then the answer with the model the client named and the
 * extension object ({@code tollgate}: {@code execution_id}, {@code request_id}, {@code route},
 * {@code cost}, {@code credits_charged}, {@code balance}).
 *
 * <p>A stream commits to the client at its first chunk (which carries the ids and the route).
 * The chunk that carries the usage is held back until the call is recorded and charged, and then
 * sent with the cost, the credits and the balance in its extension object, before
 * {@code [DONE]}: that way the client sees the end only after the ledger has the call. Legacy
 * completions send the usage chunk only when {@code stream_options.include_usage} asks for it
 * (the gateway always asks the upstream); Mistral's FIM always has usage on its last chunk.
 */
final class CompletionRun {

    /**
     * One validated request.
     *
     * @param endpoint     {@code fim} or {@code completions} (the ledger's name)
     * @param shape        the answer's shape
     * @param model        the model asked for, or null for the default
     * @param body         the body for the provider (validated, {@code max_tokens} set)
     * @param promptTokens the gateway's estimate of the prompt
     * @param completion   the most completion tokens the call may produce (all choices)
     * @param providerKey  the client's own provider key, or null
     */
    record Ask(String endpoint, Shape shape, String model, Map<String, Object> body, boolean stream, boolean includeUsage,
               long promptTokens, long completion, String metadataRequestId, String providerKey) {
        @Override
        public String toString() { return "Ask[" + endpoint + ", model=" + model + ", ownKey=" + (providerKey != null) + "]"; }
    }

    private final ServiceDispatcher services;
    private final String extensionField;

    CompletionRun(ServiceDispatcher services, String extensionField) {
        this.services = services;
        this.extensionField = extensionField;
    }

    void run(HttpCall call, Charge charge, Ask ask) throws IOException {
        call.log("model", ask.model());
        call.log("stream", ask.stream());
        if (ask.providerKey() != null) call.log("own_key", true); // that one was sent, never which
        Map<String, Object> ext = new LinkedHashMap<>();
        ext.put("execution_id", RequestIds.newUuid());
        ext.put("request_id", ask.metadataRequestId() != null ? ask.metadataRequestId() : call.requestId());
        Caller caller = new Caller(call.keyName(), call.requestId(), (String) ext.get("execution_id"), call.cancellation(),
                call.memory(), charge);
        Meter worst = Meter.tokens(ask.promptTokens(), ask.completion());
        ServiceRequest request = new ServiceRequest(ask.endpoint(), ask.model(), ask.endpoint(), ask.stream(),
                CompletionFields.plus(ask.promptTokens(), ask.completion()), m -> worst, ask.metadataRequestId(), ask.providerKey() != null);
        OwnKeyGate gate = new OwnKeyGate(ask.providerKey());
        if (!ask.stream()) {
            Served<Result> done = services.dispatch(caller, request, (d, progress) -> {
                Call c = prepare(gate, ask, d, caller);
                Result r = complete(d, c);
                progress.meter(meter(ask, r.usage(), r.answer()));
                return r;
            });
            log(call, done);
            Map<String, Object> answer = done.value().answer();
            answer.put("model", clientModel(ask, done.chosen()));
            // Mistral's SDK requires usage on a FIM answer: an upstream that reported none gets what was metered.
            if (ask.shape() == Shape.FIM && answer.get("usage") == null) answer.put("usage", usage(done.meter()));
            answer.put(extensionField, finish(ext, done));
            call.setResponseHeader(Extension.ROUTE_HEADER, done.chosen().id());
            call.respondJson(200, answer);
            return;
        }
        SseWriter sse = call.openSse();
        CompletionRelay relay = new CompletionRelay(sse, ask, extensionField, ext);
        Served<Void> done = services.dispatch(caller, request, (d, progress) -> {
            Call c = prepare(gate, ask, d, caller);
            relay.attempt(d, progress, clientModel(ask, d));
            Usage usage = stream(d, c, relay);
            if (usage.known()) progress.meter(Meter.tokens(usage.promptTokens(), usage.completionTokens()));
            return null;
        });
        log(call, done);
        relay.finish(finish(new LinkedHashMap<>(), done));
        call.log("chunks", sse.events());
        sse.done();
    }

    /** The provider call for this attempt, after the checks that depend on its deployment. */
    private static Call prepare(OwnKeyGate gate, Ask ask, Deployment d, Caller caller) {
        gate.check(d);
        PromptEstimate.check(d.model(), ask.promptTokens());
        return new Call(ask.shape(), ask.body(), d.model(), ask.stream(), caller.requestId(), caller.cancellation(), caller.memory(),
                ask.providerKey());
    }

    /** The deployment's own completions when it serves the call, else (legacy completions) its chat. */
    private static CompletionProvider.Completions served(Deployment d, Shape shape) {
        if (d.provider() instanceof CompletionProvider cp && cp.completions() != null && cp.completions().serves(shape)
                && (shape == Shape.FIM || d.model().has("completions"))) {
            return cp.completions();
        }
        if (shape == Shape.COMPLETIONS && d.chat() != null) return null;
        throw new GatewayException(ErrorKind.CALLER_INVALID_REQUEST, "Provider '" + d.provider().id() + "' (kind '"
                + d.provider().kind() + "') does not serve " + (shape == Shape.FIM ? "fill-in-the-middle" : "text completions")
                + ", so model '" + d.model().id() + "' cannot be used here.", "model").noRetry();
    }

    private static Result complete(Deployment d, Call c) {
        CompletionProvider.Completions own = served(d, c.shape());
        return own != null ? own.complete(c) : CompletionsViaChat.complete(d.chat(), c);
    }

    private static Usage stream(Deployment d, Call c, CompletionProvider.Sink sink) {
        CompletionProvider.Completions own = served(d, c.shape());
        return own != null ? own.stream(c, sink) : CompletionsViaChat.stream(d.chat(), c, sink);
    }

    /** The usage reported, or the gateway's estimate when there is none: the prompt and the text's characters. */
    private static Meter meter(Ask ask, Usage usage, Map<String, Object> answer) {
        if (usage.known()) return Meter.tokens(usage.promptTokens(), usage.completionTokens());
        long chars = 0;
        if (answer.get("choices") instanceof List<?> choices) {
            for (Object c : choices) {
                if (!(c instanceof Map<?, ?> m)) continue;
                Object text = m.get("text") != null ? m.get("text") : m.get("message") instanceof Map<?, ?> msg ? msg.get("content") : null;
                if (text instanceof String s) chars += s.length();
            }
        }
        return Meter.tokens(ask.promptTokens(), CompletionRelay.tokensOf(chars));
    }

    private static Map<String, Object> usage(Meter m) {
        Map<String, Object> u = new LinkedHashMap<>();
        u.put("prompt_tokens", m.promptTokens());
        u.put("completion_tokens", m.completionTokens());
        u.put("total_tokens", m.promptTokens() + m.completionTokens());
        return u;
    }

    /** The model the client named, or (when it named none) the id of the model that answered. */
    static String clientModel(Ask ask, Deployment d) {
        return ask.model() != null ? ask.model() : d.model().id();
    }

    /** {@code ext} with the route and the charge. */
    private static Map<String, Object> finish(Map<String, Object> ext, Served<?> done) {
        if (done.route() != null) ext.put("route", done.route());
        if (done.cost() != null) ext.put("cost", Extension.usd(done.cost()));
        ext.put("credits_charged", done.credits());
        if (done.balance() != null) ext.put("balance", done.balance());
        return ext;
    }

    private static void log(HttpCall call, Served<?> done) {
        call.log("provider", done.chosen().model().provider());
        call.log("deployment", done.chosen().id());
        if (done.route() != null && done.route().get("tried") instanceof List<?> tried) call.log("tried", tried.size());
        call.log("prompt_tokens", done.meter().promptTokens());
        call.log("completion_tokens", done.meter().completionTokens());
        if (done.cost() != null) call.log("cost", Extension.usd(done.cost()));
        if (done.credits() != 0) call.log("credits", done.credits());
    }

    /**
     * Keeps a client's own key to one provider: the provider of the first deployment tried. A
     * group or fallback may span providers, and a key for one must never be sent to another.
     * An offline provider (echo) has no key to replace: a request with one is refused.
     */
    private static final class OwnKeyGate {
        private final String key;
        private String provider;

        OwnKeyGate(String key) { this.key = key; }

        void check(Deployment d) {
            if (key == null) return;
            if (d.offline()) {
                throw GatewayException.invalid(CompletionExchange.PROVIDER_KEY_HEADER, "Model '" + d.model().id() + "' is served by the offline "
                        + "provider '" + d.provider().id() + "', which takes no provider key: send the request without "
                        + CompletionExchange.PROVIDER_KEY_HEADER + ".");
            }
            if (provider == null) provider = d.provider().id();
            if (!provider.equals(d.provider().id())) {
                throw new GatewayException(ErrorKind.PROVIDER_NOT_CONFIGURED, "Not tried: the key in " + CompletionExchange.PROVIDER_KEY_HEADER
                        + " is for provider '" + provider + "' only.", null).noRetry();
            }
        }
    }
}
