package tollgate.route;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import tollgate.state.Poller;
import tollgate.state.Redis;
import tollgate.state.RedisException;
import tollgate.state.SharedState;

/**
 * Circuit breakers shared by the replicas of a gateway (issue 14, "a breaker opened by one is
 * seen by the other"), in Redis ({@code state.redis_url}); without it this does nothing.
 *
 * <p>The request path makes no Redis call: a breaker that opens on its own verdicts only notes
 * it here ({@link CircuitBreaker.Sink}); one virtual thread, every {@link #POLL_INTERVAL_MS},
 * sends in one pipelined round trip the noted changes and a {@code PTTL} of every known
 * deployment's key, then opens ({@link CircuitBreaker#openRemotely}) the local breakers whose
 * deployment another replica has open. Keys, one per deployment, in a hash slot of its own:
 * <pre>
 *   &lt;prefix&gt;cb:{&lt;provider&gt;/&lt;upstream model&gt;}   the opening replica's id, PX = its cooldown
 * </pre>
 * {@code PTTL} (time left, measured by the server) rather than an opening time in the value, so
 * that replicas with skewed clocks agree on when the cooldown ends; the key vanishes by itself
 * then, and a good probe deletes it sooner. When Redis is unreachable each replica has its own
 * breakers only (SharedState logs {@code state_degraded}); noted changes are then dropped: an
 * opening is transient, and the next one is published again.
 */
public final class SharedBreakers implements AutoCloseable {
    /** How often the breaker keys are read (and noted changes sent), in milliseconds. */
    public static final long POLL_INTERVAL_MS = 300;
    /** Most deployments whose breakers are shared (the catalog's, the groups', the ad-hoc ones kept): bounds each pipeline. */
    static final int MAX_SHARED = 10_000;
    /** Noted change meaning "closed: delete the key". */
    private static final long CLOSED = -1;

    private final SharedState state;
    private final Redis redis;
    /** Breakers by deployment id: the latest generation's (a carried one is the same object). */
    private final Map<String, CircuitBreaker> breakers = new ConcurrentHashMap<>();
    /** Changes noted since the last poll, by deployment id: cooldown milliseconds, or {@link #CLOSED}. */
    private final Map<String, Long> pending = new ConcurrentHashMap<>();
    /**
     * Number of the last change noted, and by deployment id the number of its own last one: a
     * poll ignores what it read of a deployment that changed after it was sent (a probe that
     * succeeded while the key was read must not be undone by that read).
     */
    private final java.util.concurrent.atomic.AtomicLong noted = new java.util.concurrent.atomic.AtomicLong();
    private final Map<String, Long> notedAt = new ConcurrentHashMap<>();
    /** Null when state is local. */
    private final Poller poller;

    private SharedBreakers(SharedState state) {
        this.state = state;
        this.redis = state.redis();
        this.poller = redis == null ? null : new Poller("tollgate-shared-breakers", POLL_INTERVAL_MS, "shared_breakers_failed", this::poll);
    }

    /** Shares breakers in {@code state}'s Redis, polling from now on; does nothing when state is local. */
    public static SharedBreakers start(SharedState state) {
        SharedBreakers b = new SharedBreakers(state);
        if (b.poller != null) b.poller.start();
        return b;
    }

    /** Whether breakers are shared at all. */
    public boolean shared() { return redis != null; }

    /** Shares the breakers of {@code router}'s deployments, and of those it makes later (ad-hoc routes). */
    public void share(Router router) {
        if (redis == null) return;
        for (Deployment d : router.deployments()) attach(d);
        router.sharing(this);
    }

    /** Shares {@code d}'s breaker (again: a carried one is the same object). */
    void attach(Deployment d) { attach(d.id(), d.breaker()); }

    /** Shares {@code breaker} as the breaker of the deployment {@code id}. */
    void attach(String id, CircuitBreaker breaker) {
        if (redis == null) return;
        if (breakers.size() >= MAX_SHARED && !breakers.containsKey(id)) return;
        breakers.put(id, breaker);
        breaker.share(new CircuitBreaker.Sink() {
            @Override public void opened(long cooldownNanos) {
                note(id, Math.max(1, TimeUnit.NANOSECONDS.toMillis(cooldownNanos)));
            }

            @Override public void closed() { note(id, CLOSED); }
        });
    }

    private void note(String id, long change) {
        notedAt.put(id, noted.incrementAndGet());
        pending.put(id, change);
        if (poller != null) poller.wake(); // published now rather than at the next tick
    }

    /** The key of a deployment's breaker. */
    String key(String deploymentId) { return state.key("cb:{" + deploymentId + "}"); }

    /**
     * One round trip: the noted changes, then the time left of every known deployment's key. Redis
     * unreachable: local breakers only until it is back (SharedState says so); the changes taken are dropped.
     */
    void poll() throws RedisException {
        long asOf = noted.get();
        List<String[]> commands = new ArrayList<>();
        for (String id : List.copyOf(pending.keySet())) {
            Long change = pending.remove(id);
            if (change == null) continue;
            commands.add(change == CLOSED ? new String[] {"DEL", key(id)}
                    : new String[] {"SET", key(id), state.replicaId(), "PX", Long.toString(change)});
        }
        int sent = commands.size();
        List<Map.Entry<String, CircuitBreaker>> known = List.copyOf(breakers.entrySet());
        for (Map.Entry<String, CircuitBreaker> e : known) commands.add(new String[] {"PTTL", key(e.getKey())});
        if (commands.isEmpty()) return;
        List<Object> replies = redis.pipeline(commands);
        for (int i = 0; i < known.size(); i++) {
            // -2: no key; -1: no expiry (not ours: ignored); else milliseconds left.
            if (replies.get(sent + i) instanceof Long left && left > 0
                    && notedAt.getOrDefault(known.get(i).getKey(), 0L) <= asOf) {
                known.get(i).getValue().openRemotely(TimeUnit.MILLISECONDS.toNanos(left));
            }
        }
    }

    /** Stops polling. */
    @Override
    public void close() {
        if (poller != null) poller.close();
    }
}
