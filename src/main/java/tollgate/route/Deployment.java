package tollgate.route;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import tollgate.call.Clock;
import tollgate.catalog.Model;
import tollgate.provider.ChatProvider;
import tollgate.provider.Provider;

/**
 * One place a request can go: a provider and an upstream model, with the health the router
 * keeps for it (circuit breaker, time-to-first-token estimate, calls in flight, rate-limit
 * cool-down). The same upstream model reached as a catalog id, a group member or a fallback is
 * one deployment, so that its health is shared.
 */
public final class Deployment {
    private final String id;
    private final Model model;
    private final Provider provider;
    private final ChatProvider chat;
    private final boolean offline;
    private final CircuitBreaker breaker;
    private final PeakEwma ttft;
    private final AtomicInteger inFlight;
    /** Upstream calls made and those that failed, since start ({@code GET /admin/routing}); adders: no contention per call. */
    private final LongAdder calls;
    private final LongAdder errors;
    /** {@link Clock#nanos()} until which the upstream asked us to wait (its retry-after); 0 = not cooling. */
    private final AtomicLong coolUntil;
    private final Clock clock;
    /** {@link Needs} bits of the model's capabilities, for filtering without set lookups. */
    final int capabilityBits;
    /** USD per prompt and completion token as doubles, for ranking without BigDecimal arithmetic. */
    final double promptUsd;
    final double completionUsd;
    /** Whether both prices are known: an unpriced model is never taken for a cheap one. */
    final boolean priced;

    Deployment(Model model, Provider provider, CircuitBreaker breaker, Clock clock) {
        this(model, provider, breaker, PeakEwma.withDefaults(clock), new AtomicInteger(), new AtomicLong(), new LongAdder(),
                new LongAdder(), clock);
    }

    private Deployment(Model model, Provider provider, CircuitBreaker breaker, PeakEwma ttft, AtomicInteger inFlight,
                       AtomicLong coolUntil, LongAdder calls, LongAdder errors, Clock clock) {
        this.inFlight = inFlight;
        this.calls = calls;
        this.errors = errors;
        this.coolUntil = coolUntil;
        this.id = model.provider() + "/" + model.upstream();
        this.model = model;
        this.provider = provider;
        // A speech or image model is never a chat deployment, whatever its provider can do.
        this.chat = provider instanceof ChatProvider c && !nonChat(model) ? c : null;
        this.offline = provider.offline();
        this.breaker = breaker;
        this.ttft = ttft;
        this.clock = clock;
        this.capabilityBits = Needs.bits(model);
        this.promptUsd = model.pricing().promptPerToken();
        this.completionUsd = model.pricing().completionPerToken();
        this.priced = model.pricing().known();
    }

    /**
     * This deployment's health (breaker, latency estimate, calls in flight, rate-limit cool-down),
     * shared with a new config generation's deployment of the same upstream model (issue 13's
     * reload): the upstream is the one it was, so what was learnt of it holds, calls still
     * running on the old generation go on counting for it, and its counts since start go on.
     */
    Deployment successor(Model model, Provider provider) {
        return new Deployment(model, provider, breaker, ttft, inFlight, coolUntil, calls, errors, clock);
    }

    /** {@code <provider>/<upstream model>}, as route explanations and {@code x-tollgate-route} name it. */
    public String id() { return id; }

    public Model model() { return model; }

    /** The provider: test it for the capability interface a call needs. */
    public Provider provider() { return provider; }

    /** The provider as a chat provider, or null when this deployment does not serve chat. */
    public ChatProvider chat() { return chat; }

    /** Whether {@code model} is a speech or image model ({@code stt}, {@code tts}, {@code realtime}, {@code images}): never chat. */
    static boolean nonChat(Model model) {
        for (String c : tollgate.config.ModelConfig.NON_CHAT_CAPABILITIES) if (model.has(c)) return true;
        return false;
    }

    /** Whether its provider needs no network (the echo provider): a policy's last resort only. */
    public boolean offline() { return offline; }

    public CircuitBreaker breaker() { return breaker; }

    /** Peak-EWMA of time to first token (stream) or to the whole answer (non-stream). */
    public PeakEwma latency() { return ttft; }

    public int inFlight() { return inFlight.get(); }

    void enter() {
        inFlight.incrementAndGet();
        calls.increment();
    }

    /** Upstream calls made to this deployment since start, retries included. */
    public long calls() { return calls.sum(); }

    /** Of {@link #calls()}, those that failed (any failure, the caller's own faults included). */
    public long errors() { return errors.sum(); }

    void leave() { inFlight.decrementAndGet(); }

    /** The upstream said to wait {@code nanos} (a 429's retry-after). */
    void coolFor(long nanos) {
        long until = clock.nanos() + nanos;
        coolUntil.accumulateAndGet(until, Math::max);
    }

    /** Remaining cool-down after a rate limit, 0 when none. Reads the clock only while one was set. */
    public long coolingNanos() {
        long until = coolUntil.get();
        if (until == 0) return 0; // the common case: no clock read, which the policy pass does per model
        long left = until - clock.nanos();
        if (left > 0) return left;
        coolUntil.compareAndSet(until, 0);
        return 0;
    }

    /** For {@code GET /providers}: breaker state and counters, latency, calls in flight. */
    public Map<String, Object> health() {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("deployment", id);
        h.put("model", model.id());
        h.put("breaker", breaker.state().name().toLowerCase(java.util.Locale.ROOT));
        long retry = breaker.retryAfterNanos();
        if (retry > 0) h.put("breaker_retry_after_ms", (retry + 999_999) / 1_000_000);
        h.put("window_requests", breaker.requests());
        h.put("window_failures", breaker.failures());
        long cooling = coolingNanos();
        if (cooling > 0) h.put("rate_limited_for_ms", (cooling + 999_999) / 1_000_000);
        h.put("in_flight", inFlight.get());
        if (ttft.observed()) h.put("latency_ms", ttft.estimateNanos() / 1_000_000.0);
        return h;
    }

    /**
     * Latency a failed attempt counts as, at least, in nanoseconds: a deployment that only fails
     * (quickly, like a refused connection, or at its timeout) must not look fast to
     * {@code least-latency}; the estimate decays back once it answers again.
     */
    static final long FAILURE_LATENCY_PENALTY_NANOS = 1_000_000_000L;

    /** What the breaker and the latency estimate learn from a failed call: only the deployment's own faults count against it. */
    void failed(tollgate.error.FailureClass failure, long tookNanos) {
        errors.increment();
        switch (failure) {
            case UNAVAILABLE, TIMEOUT, BROKEN_STREAM, CREDENTIALS -> {
                breaker.recordFailure();
                ttft.observe(Math.max(tookNanos, FAILURE_LATENCY_PENALTY_NANOS));
            }
            default -> breaker.release();
        }
    }

    @Override public String toString() { return id; }
}
