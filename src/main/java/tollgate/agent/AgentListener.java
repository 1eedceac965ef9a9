package tollgate.agent;

import java.util.List;
import java.util.Map;

/**
 * What an agent loop's caller hears while it runs: a task checkpoints and publishes events, a
 * stream shows progress. Called on the loop's thread, in order; a listener that throws ends the
 * run with that exception.
 */
public interface AgentListener {
    AgentListener NONE = new AgentListener() { };

    /**
     * A step completed: a model call or a tool call ({@code step} as the extension object lists
     * it). {@code execution} is consistent at this point: persisted, it resumes after this step.
     */
    default void step(Execution execution, Map<String, Object> step) { }

    /** A tool call is about to run (for progress events). */
    default void toolStarted(Execution execution, String tool, String callId) { }

    /**
     * A model call was admitted (or refused) against the key's per-minute limits: OpenAI's
     * {@code x-ratelimit-*} headers as they stand now, as name/value pairs (a chat surface sets
     * them on its response while it can). Not called for a key without such limits.
     */
    default void rateLimits(List<String> headers) { }
}
