package tollgate.gateway;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import tollgate.state.RedisServer;

/**
 * Two gateways, A and B, each with its own data directory, sharing one real redis-server
 * ({@code state.redis_url}) and one fake upstream that answers a chat completion: several
 * replicas as an operator runs them. Skipped where there is no redis-server ({@link RedisServer}).
 */
abstract class TwoReplicasTestBase {
    @TempDir Path dirA;
    @TempDir Path dirB;
    RedisServer redis;
    FakeUpstream upstream;
    GatewayHarness gwA, gwB;

    /** The configuration of a replica whose data directory is {@code dir}, without its {@code state} (added here). */
    abstract GatewayHarness.Builder replica(Path dir) throws Exception;

    @BeforeEach
    void startReplicas() throws Exception {
        redis = RedisServer.start();
        upstream = new FakeUpstream().respondWith(FakeUpstream.json(200, ChatPassThroughTest.UPSTREAM_COMPLETION));
        gwA = shared(dirA);
        gwB = shared(dirB);
    }

    private GatewayHarness shared(Path dir) throws Exception {
        return replica(dir).top("state", "{\"redis_url\": \"" + redis.url() + "\"}").start();
    }

    @AfterEach
    void stopReplicas() {
        if (gwA != null) gwA.close();
        if (gwB != null) gwB.close();
        if (upstream != null) upstream.close();
        if (redis != null) redis.close();
    }
}
