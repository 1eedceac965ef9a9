package tollgate.route;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import tollgate.call.Cancellation;
import tollgate.call.ManualClock;
import tollgate.catalog.Catalog;
import tollgate.config.GroupConfig;
import tollgate.config.ModelConfig;
import tollgate.config.RouterConfig;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.json.Json;
import tollgate.memory.MemoryBudget;
import tollgate.provider.Provider;
import tollgate.provider.Usage;

/** Catalogs, requests, errors and sinks for the routing tests. */
final class RouteFixtures {
    private RouteFixtures() { throw new AssertionError(); }

    static final long MS = 1_000_000L;
    static final long S = 1_000_000_000L;
    static final Set<String> ALL = caps("tools", "vision", "json", "stream");
    static final Set<String> TEXT = caps("tools", "json", "stream");

    static Set<String> caps(String... names) { return new LinkedHashSet<>(List.of(names)); }

    // ------------------------------------------------------------------ models

    /** A catalog model in the making: id, provider, upstream (= id unless said), prices, window, caps, quality. */
    static final class Spec {
        final String id;
        final String provider;
        String upstream;
        String prompt, completion, audioMinute, character;
        long contextLength = 128_000;
        Set<String> capabilities = TEXT;
        final Map<String, Integer> quality = new LinkedHashMap<>();

        Spec(String id, String provider) {
            this.id = id;
            this.provider = provider;
            this.upstream = id;
        }

        Spec upstream(String u) { upstream = u; return this; }

        Spec price(String p, String c) { prompt = p; completion = c; return this; }

        /** USD per minute of audio and per character (speech models). */
        Spec speechPrice(String perMinute, String perCharacter) { audioMinute = perMinute; character = perCharacter; return this; }

        Spec ctx(long tokens) { contextLength = tokens; return this; }

        Spec caps(String... names) { capabilities = RouteFixtures.caps(names); return this; }

        /** general, writing, code-generation, reasoning, vision. */
        Spec quality(int general, int writing, int code, int reasoning, int vision) {
            quality.put("general", general);
            quality.put("writing", writing);
            quality.put("code-generation", code);
            quality.put("reasoning", reasoning);
            quality.put("vision", vision);
            return this;
        }

        /** The same score for every task. */
        Spec quality(int all) { return quality(all, all, all, all, all); }

        ModelConfig config() {
            return new ModelConfig(id, provider, upstream, id, contextLength, prompt, completion, capabilities, 0, 0,
                    Map.copyOf(quality), audioMinute, character);
        }
    }

    static Spec model(String id, String provider) { return new Spec(id, provider); }

    // ------------------------------------------------------------------ router config

    static RouterConfig config(int retries) {
        RouterConfig d = RouterConfig.defaults();
        return new RouterConfig(retries, d.backoff(), d.maxBackoff(), d.maxRetryAfter(), null, d.minQuality(),
                d.defaultOutputTokens(), d.breaker());
    }

    static RouterConfig config(int retries, long backoffMs, long maxBackoffMs, long maxRetryAfterMs) {
        RouterConfig d = RouterConfig.defaults();
        return new RouterConfig(retries, Duration.ofMillis(backoffMs), Duration.ofMillis(maxBackoffMs),
                Duration.ofMillis(maxRetryAfterMs), null, d.minQuality(), d.defaultOutputTokens(), d.breaker());
    }

    static RouterConfig withFloors(RouterConfig c, int frugal, int balanced, int premium) {
        return new RouterConfig(c.retries(), c.backoff(), c.maxBackoff(), c.maxRetryAfter(), c.baselineModel(),
                Map.of("frugal", frugal, "balanced", balanced, "premium", premium), c.defaultOutputTokens(), c.breaker());
    }

    static RouterConfig withBreaker(RouterConfig c, long windowMs, int minRequests, double ratio, long cooldownMs) {
        return new RouterConfig(c.retries(), c.backoff(), c.maxBackoff(), c.maxRetryAfter(), c.baselineModel(),
                c.minQuality(), c.defaultOutputTokens(),
                new RouterConfig.Breaker(Duration.ofMillis(windowMs), minRequests, ratio, Duration.ofMillis(cooldownMs)));
    }

    /** Jitter at its ceiling: every backoff draw is the largest allowed, so waits are exact. */
    static final class MaxJitter implements RandomGenerator {
        @Override public long nextLong() { return Long.MAX_VALUE; }
        @Override public long nextLong(long bound) { return bound - 1; }
    }

    // ------------------------------------------------------------------ the world under test

    /** Providers, catalog, groups and config; builds one Router and Dispatcher over them. */
    static final class World {
        final ManualClock clock = new ManualClock();
        final List<ModelConfig> models = new ArrayList<>();
        final Map<String, Provider> running = new LinkedHashMap<>();
        final Map<String, String> disabledReasons = new HashMap<>();
        final List<GroupConfig> groups = new ArrayList<>();
        RouterConfig config = RouterConfig.defaults();
        RandomGenerator routerRandom = new Random(1);
        RandomGenerator dispatchRandom = new Random(2);
        private Router router;
        private Catalog catalog;

        /** A running fake provider with this id (made on first use). */
        FakeChatProvider provider(String id) {
            return (FakeChatProvider) running.computeIfAbsent(id, k -> new FakeChatProvider(k, false, 0, clock));
        }

        /** An offline (echo-like) fake provider. */
        FakeChatProvider offlineProvider(String id) {
            return (FakeChatProvider) running.computeIfAbsent(id, k -> new FakeChatProvider(k, true, 0, clock));
        }

        World disabled(String providerId, String why) {
            disabledReasons.put(providerId, why);
            return this;
        }

        /** Adds the model; its provider is made running unless it was declared disabled. */
        World add(Spec s) {
            models.add(s.config());
            if (!disabledReasons.containsKey(s.provider)) provider(s.provider);
            return this;
        }

        World group(GroupConfig g) {
            groups.add(g);
            return this;
        }

        Catalog catalog() {
            if (catalog == null) catalog = Catalog.of(models);
            return catalog;
        }

        Router router() {
            if (router == null) {
                router = new Router(catalog(), running, disabledReasons, groups, config, Map.of(), clock, routerRandom);
            }
            return router;
        }

        Dispatcher dispatcher() {
            return new Dispatcher(router(), null, clock, dispatchRandom);
        }

        Dispatcher dispatcher(String baselineModelId) {
            return new Dispatcher(router(), catalog().get(baselineModelId), clock, dispatchRandom);
        }

        Deployment deployment(String modelId) {
            Deployment d = router().deploymentOf(modelId);
            if (d == null) throw new AssertionError("no deployment for " + modelId);
            return d;
        }

        Plan plan(ChatRequest r) {
            return router().plan(r, tollgate.conversation.PromptEstimate.tokens(r.body()));
        }
    }

    /** a, b, c on providers pa, pb, pc; windows 8000, 8000, 16000. */
    static World abc() {
        World w = new World();
        w.add(model("a", "pa").price("0.000003", "0.000015").ctx(8_000).quality(90));
        w.add(model("b", "pb").price("0.000001", "0.000002").ctx(8_000).quality(80));
        w.add(model("c", "pc").price("0.000002", "0.000004").ctx(16_000).quality(70));
        return w;
    }

    static FakeChatProvider pa(World w) { return w.provider("pa"); }

    static FakeChatProvider pb(World w) { return w.provider("pb"); }

    static FakeChatProvider pc(World w) { return w.provider("pc"); }

    /** A non-streaming dispatch on the world's dispatcher (no baseline). */
    static Dispatched dispatch(World w, ChatRequest r) {
        return w.dispatcher().dispatch(caller(), r, null);
    }

    // ------------------------------------------------------------------ requests

    static Map<String, Object> parse(String json) {
        return Json.asObject(Json.parse(json));
    }

    /** {"model": model, "messages": [{"role": "user", "content": text}]} */
    static Map<String, Object> userBody(String model, String text) {
        return parse("{\"model\":" + Json.toString(model) + ",\"messages\":[{\"role\":\"user\",\"content\":"
                + Json.toString(text) + "}]}");
    }

    /** A request builder: model, body and the fields the gateway acts on. */
    static final class Req {
        String model;
        Map<String, Object> body;
        boolean stream;
        String taskHint;
        String policy;
        List<String> fallbacks = List.of();

        Req(String model, Map<String, Object> body) {
            this.model = model;
            this.body = body;
        }

        Req hint(String t) { taskHint = t; return this; }

        Req policy(String p) { policy = p; return this; }

        Req fallbacks(String... models) { fallbacks = List.of(models); return this; }

        Req stream() {
            stream = true;
            body.put("stream", Boolean.TRUE);
            return this;
        }

        ChatRequest build() {
            return new ChatRequest(model, body, stream, false, null, null, taskHint, policy, fallbacks);
        }
    }

    static Req req(String model) { return new Req(model, userBody(model, "hello there")); }

    static Req req(String model, String text) { return new Req(model, userBody(model, text)); }

    static Req req(String model, Map<String, Object> body) { return new Req(model, body); }

    static Caller caller() {
        return new Caller("test-key", "req-1", new Cancellation(), MemoryBudget.unlimited().open());
    }

    // ------------------------------------------------------------------ answers

    static String completionJson(String text, Usage usage) {
        Map<String, Object> u = new LinkedHashMap<>();
        u.put("prompt_tokens", usage.promptTokens());
        u.put("completion_tokens", usage.completionTokens());
        u.put("total_tokens", usage.totalTokens());
        return "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"upstream\","
                + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":" + Json.toString(text)
                + "},\"finish_reason\":\"stop\"}],\"usage\":" + Json.toString(u) + "}";
    }

    /** The text of a completion's first choice. */
    @SuppressWarnings("unchecked")
    static String text(Map<String, Object> completion) {
        List<Object> choices = (List<Object>) completion.get("choices");
        Map<String, Object> message = (Map<String, Object>) ((Map<String, Object>) choices.get(0)).get("message");
        return (String) message.get("content");
    }

    static String roleChunk(String tag) {
        return "{\"id\":\"" + tag + "\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"}}]}";
    }

    static String contentChunk(String tag, String text) {
        return "{\"id\":\"" + tag + "\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":"
                + Json.toString(text) + "}}]}";
    }

    static String finishChunk(String tag) {
        return "{\"id\":\"" + tag + "\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}";
    }

    // ------------------------------------------------------------------ upstream errors

    static Supplier<GatewayException> unavailable(String message) {
        return () -> new GatewayException(ErrorKind.PROVIDER_UNAVAILABLE, message, null, 503, null);
    }

    static Supplier<GatewayException> serverError(String message) {
        return () -> new GatewayException(ErrorKind.PROVIDER_ERROR, message, null, 500, null);
    }

    static Supplier<GatewayException> rateLimited(String message, String... headers) {
        return () -> new GatewayException(ErrorKind.PROVIDER_RATE_LIMITED, message, null, 429, null).withHeaders(headers);
    }

    static Supplier<GatewayException> contextTooLong(long window, long tokens) {
        return () -> GatewayException.contextTooLong(window, tokens);
    }

    static Supplier<GatewayException> callerFault(String param, String message) {
        return () -> GatewayException.invalid(param, message);
    }

    static Supplier<GatewayException> authFailed(String message) {
        return () -> new GatewayException(ErrorKind.PROVIDER_AUTH_FAILED, message, null, 401, null);
    }

    static Supplier<GatewayException> streamBroken(String message) {
        return () -> new GatewayException(ErrorKind.PROVIDER_STREAM_BROKEN, message, null, 0, null);
    }

    static Supplier<GatewayException> modelNotFound(String message) {
        return () -> new GatewayException(ErrorKind.PROVIDER_ERROR, message, null, 404, null).noRetry();
    }

    // ------------------------------------------------------------------ route explanation

    /** route.tried as "deployment=outcome" strings. */
    @SuppressWarnings("unchecked")
    static List<String> tried(Map<String, Object> route) {
        List<String> out = new ArrayList<>();
        for (Object o : (List<Object>) route.get("tried")) {
            Map<String, Object> t = (Map<String, Object>) o;
            out.add(t.get("deployment") + "=" + t.get("outcome"));
        }
        return out;
    }

    static List<String> ids(List<Deployment> ds) {
        List<String> out = new ArrayList<>();
        for (Deployment d : ds) out.add(d.id());
        return out;
    }

    static List<String> skipped(Plan p) {
        List<String> out = new ArrayList<>();
        for (Tried t : p.skipped()) out.add(t.deployment() + "=" + t.outcome());
        return out;
    }

    // ------------------------------------------------------------------ stream sink

    /** Records begin() calls and the chunks (as JSON text) in order. */
    static final class RecordingSink implements ChatSink {
        final List<Begin> begins = new ArrayList<>();
        final List<String> chunks = new ArrayList<>();

        @Override public void begin(Begin begin) { begins.add(begin); }

        @Override public void chunk(Map<String, Object> chunk) { chunks.add(Json.toString(chunk)); }
    }
}
