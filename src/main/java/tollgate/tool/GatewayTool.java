package tollgate.tool;

import java.util.Map;

/**
 * A tool the gateway runs itself when a model calls it (issue 12): configured ({@code tools}:
 * http, web_search, image_generation, python) or discovered on an MCP server
 * ({@code <server>.<tool>}). A request opts in with {@code {"type": "gateway", "name": ...}}
 * in its {@code tools}; the model sees an ordinary function.
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #run} is called from many threads at once and blocks its caller (a virtual
 *       thread) until the tool has answered, failed, or run out of time;</li>
 *   <li>it never throws for a failure of the tool (bad arguments, an unreachable endpoint, a
 *       timeout, an error result): it returns a {@link ToolOutput} whose outcome says so and
 *       whose content tells the model what went wrong, without secrets (keys, tokens, the
 *       gateway's own configuration);</li>
 *   <li>it returns by its own timeout or by {@link ToolInvocation#deadlineNanos()} (the loop's
 *       deadline), whichever comes first, and soon after {@link ToolInvocation#cancellation()}
 *       fires (the loop waits a few seconds past the deadline, then goes on without it);</li>
 *   <li>the content it returns is at most the tool's {@code max_output_bytes} of UTF-8, cut at a
 *       character boundary and marked as cut;</li>
 *   <li>it never reads more of an upstream answer than that cap (plus framing) into memory.</li>
 * </ul>
 */
public interface GatewayTool {

    /** The gateway name: a configured tool's name, or {@code <server>.<tool>} for an MCP server's tool. */
    String name();

    /** What the model is told the tool does. */
    String description();

    /** The arguments' JSON schema (an object schema), as the model is given it. */
    Map<String, Object> parameters();

    /** Whether each call waits for a human's approval ({@code POST /v1/chat/resume}) before it runs. */
    boolean requiresApproval();

    /** Whether the client key named {@code keyName} may use this tool. */
    boolean allows(String keyName);

    /** Runs one call. See the interface's contract. */
    ToolOutput run(ToolInvocation call);
}
