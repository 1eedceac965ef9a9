package tollgate.state;

import java.util.function.Consumer;
import tollgate.config.StateConfig;
import tollgate.log.Log;

/**
 * Where the state that several replicas of the gateway must agree on lives (issue 14): in Redis
 * ({@code state.redis_url}) or, without it, nowhere but this process. The parts that share state
 * (rate limits and credits in {@code account}, breakers in {@code route}, approvals in
 * {@code agent}, task ownership in {@code task}) ask {@link #redis()} and keep their local
 * state as well: when Redis cannot be reached they go on with it ({@link #degraded()}), and set
 * Redis right again when it is back ({@link #onHealth}).
 *
 * <p>Every key the gateway writes is {@link #key}{@code (…)}: the configured prefix, so that
 * several gateways or other programs can share one Redis.
 */
public final class SharedState implements AutoCloseable {
    private final Redis redis;
    private final String replicaId;
    private final String prefix;
    private final String url;

    private SharedState(Redis redis, String replicaId, String prefix, String url) {
        this.redis = redis;
        this.replicaId = replicaId;
        this.prefix = prefix;
        this.url = url;
    }

    /** State of this process only. */
    public static SharedState local() {
        return new SharedState(null, "local", StateConfig.DEFAULT_KEY_PREFIX, null);
    }

    /** State over an open client (tests; {@link #open} for the configured one). */
    public static SharedState over(Redis redis, String replicaId, String prefix) {
        SharedState s = new SharedState(redis, replicaId, prefix, "redis");
        s.logHealth();
        return s;
    }

    /**
     * The configured state: local without {@code state.redis_url}; otherwise a client of that
     * server. It does not wait for Redis: a gateway whose Redis is down starts, serves on local
     * state and says so, and shares once Redis is reachable.
     */
    public static SharedState open(StateConfig config) {
        if (!config.shared()) return local();
        SharedState s = new SharedState(RedisClient.open(config), config.replicaId(), config.keyPrefix(), config.safeUrl());
        s.logHealth();
        return s;
    }

    private void logHealth() {
        redis.onHealth(up -> {
            if (up) Log.info("state_shared", "redis", url, "replica", replicaId);
            else Log.warn("state_degraded", "redis", url, "replica", replicaId, "error", String.valueOf(redis.lastFailure()),
                    "meaning", "Redis cannot be used: limits, credits and breakers are this replica's own until it is back");
        });
    }

    /** Whether state is shared in Redis (it may be unreachable for now: {@link #degraded}). */
    public boolean shared() { return redis != null; }

    /** The client, or null when state is local. */
    public Redis redis() { return redis; }

    /** Shared, but Redis is unreachable now: each replica goes on with its own state. */
    public boolean degraded() { return redis != null && !redis.up(); }

    /** This replica's name in shared state ({@code state.replica_id}); {@code local} when local. */
    public String replicaId() { return replicaId; }

    /** A key under the configured prefix: {@code prefix + part}. */
    public String key(String part) { return prefix + part; }

    /** The server's URL without its password, or null when local. */
    public String url() { return url; }

    /** As {@link Redis#onHealth}; nothing happens when state is local. */
    public void onHealth(Consumer<Boolean> listener) {
        if (redis != null) redis.onHealth(listener);
    }

    @Override
    public void close() {
        if (redis != null) redis.close();
    }
}
