package tollgate.tool.mcp;

import static tollgate.tool.mcp.McpTestSupport.TOKEN;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import tollgate.provider.Upstream;

/** A {@link FakeMcpServer} that checks the bearer {@link McpTestSupport#TOKEN}, and the shared client, per test. */
abstract class McpServerTestBase {
    static final Duration T = Duration.ofSeconds(10);
    Upstream upstream;
    FakeMcpServer mcp;

    @BeforeEach
    void startServer() throws Exception {
        upstream = new Upstream(Duration.ofSeconds(2));
        mcp = FakeMcpServer.start().token(TOKEN);
    }

    @AfterEach
    void stopServer() {
        mcp.close();
        upstream.close();
    }
}
