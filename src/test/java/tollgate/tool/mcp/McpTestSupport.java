package tollgate.tool.mcp;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import tollgate.call.Cancellation;
import tollgate.config.McpServerConfig;
import tollgate.tool.ToolInvocation;

/** Configs and invocations for the MCP tests. */
final class McpTestSupport {
    static final String TOKEN = "mcp-tok-5ecret-0123456789";

    private McpTestSupport() { }

    static McpServerConfig config(String name, String url, String token) {
        return config(name, url, token, Duration.ofSeconds(10), 64 * 1024, false, Map.of());
    }

    static McpServerConfig config(String name, String url, String token, Duration timeout, int maxOutput, boolean approval,
                                  Map<String, Boolean> perTool) {
        return new McpServerConfig(name, url, token, Map.of("X-Team", "team-secret-header-42"), approval, perTool, List.of("*"),
                timeout, maxOutput);
    }

    static ToolInvocation call(Map<String, Object> args, Duration timeout) {
        return call(args, timeout, new Cancellation());
    }

    static ToolInvocation call(Map<String, Object> args, Duration timeout, Cancellation cancel) {
        return new ToolInvocation("call_1", args, "t", null, "req_1", "exec_1", cancel, System.nanoTime() + timeout.toNanos());
    }

    static CallTimer timer(Duration d) {
        return CallTimer.start(System.nanoTime() + d.toNanos(), null);
    }
}
