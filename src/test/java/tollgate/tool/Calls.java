package tollgate.tool;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import tollgate.call.Cancellation;
import tollgate.config.ConfigLoader;
import tollgate.config.GatewayConfig;
import tollgate.config.ToolConfig;
import tollgate.json.Json;

/** Test helpers: tool configs from JSON as an operator writes them, and invocations. */
final class Calls {
    private Calls() { }

    /** The gateway config of {@code {"tools": [<tools>]}}. */
    static GatewayConfig config(String tools) {
        return ConfigLoader.parse(("{\"tools\": [" + tools + "]}").getBytes(StandardCharsets.UTF_8), Path.of("/tmp"), Map.of(),
                ConfigLoader.Overrides.NONE);
    }

    /** The one tool of {@code {"tools": [<tool>]}}. */
    static ToolConfig tool(String tool) {
        return config(tool).tools().tools().get(0);
    }

    /** A call with {@code arguments} (a JSON object) and a deadline {@code within} from now. */
    static ToolInvocation call(String arguments, Duration within, Cancellation cancellation) {
        return new ToolInvocation("call_1", Json.asObject(Json.parse(arguments)), "alice", null, "req-42", "exec-1", cancellation,
                System.nanoTime() + within.toNanos());
    }

    static ToolInvocation call(String arguments) {
        return call(arguments, Duration.ofSeconds(30), new Cancellation());
    }
}
