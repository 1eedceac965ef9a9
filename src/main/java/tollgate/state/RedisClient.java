package tollgate.state;

import java.util.List;
import java.util.function.Consumer;
import tollgate.config.StateConfig;

/**
 * The {@link Redis} client: RESP2/RESP3 over a bounded pool of TCP (or TLS) connections.
 * (Placeholder of the core commit: the redis helper replaces it.)
 */
final class RedisClient implements Redis {
    static Redis open(StateConfig config) {
        return new RedisClient();
    }

    @Override
    public Object call(String... command) throws RedisException {
        throw new RedisException(RedisException.Kind.UNAVAILABLE, "the Redis client is not built yet");
    }

    @Override
    public List<Object> pipeline(List<String[]> commands) throws RedisException {
        throw new RedisException(RedisException.Kind.UNAVAILABLE, "the Redis client is not built yet");
    }

    @Override
    public Object eval(Script script, List<String> keys, List<String> args) throws RedisException {
        throw new RedisException(RedisException.Kind.UNAVAILABLE, "the Redis client is not built yet");
    }

    @Override
    public boolean up() { return false; }

    @Override
    public void onHealth(Consumer<Boolean> listener) { }

    @Override
    public void close() { }
}
