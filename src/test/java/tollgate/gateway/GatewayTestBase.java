package tollgate.gateway;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The usual fixture of a black-box test: a fake upstream and a gateway in front of it on a
 * random port, both fresh for every test and closed after it. Override {@link #newUpstream}
 * or {@link #startGateway} to script the upstream or configure the gateway differently.
 */
abstract class GatewayTestBase {
    @TempDir Path dataDir;
    FakeUpstream upstream;
    GatewayHarness gw;

    FakeUpstream newUpstream() throws Exception {
        return new FakeUpstream();
    }

    GatewayHarness startGateway(FakeUpstream upstream) throws Exception {
        return GatewayHarness.start(upstream, dataDir);
    }

    @BeforeEach
    void start() throws Exception {
        upstream = newUpstream();
        gw = startGateway(upstream);
    }

    @AfterEach
    void stop() {
        gw.close();
        upstream.close();
    }
}
