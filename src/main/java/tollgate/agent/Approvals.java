package tollgate.agent;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import tollgate.call.Clock;

/**
 * Paused executions waiting for a human (seed 003's {@code approval_id}), kept in
 * {@code <data_dir>/approvals/} so that they survive a restart. An approval works once: of any
 * number of concurrent claims (threads, or gateway processes sharing the directory) exactly one
 * wins.
 *
 * <p>Errors, in the OpenAI shape ({@code GatewayException}): an unknown id, or another key's, 404
 * (the same answer, so that ids cannot be probed across keys); an expired one 410; one already
 * claimed 409.
 */
public final class Approvals {
    private final Path dir;
    private final Clock clock;

    public Approvals(Path dataDir, Clock clock) {
        this.dir = dataDir.resolve("approvals");
        this.clock = clock;
    }

    /**
     * Persists {@code execution} (its {@link Execution#pending()} set by the caller to what
     * waits) durably before returning, with a new approval id that expires after {@code ttl}.
     *
     * @param calls the tool calls waiting, as the client sees them
     * @throws tollgate.error.GatewayException 429 when the key has too many executions waiting,
     *     500 when it cannot be written (the execution is then not paused: nothing is lost silently)
     */
    public Outcome.Approval pause(Execution execution, List<Map<String, Object>> calls, Duration ttl) {
        throw new UnsupportedOperationException("issue 12: approvals " + dir + clock);
    }

    /**
     * Claims the approval {@code approvalId} for the key {@code keyId}: the paused execution, which
     * no other claim will get.
     *
     * @throws tollgate.error.GatewayException 404 unknown or another key's, 410 expired, 409 already used
     */
    public Execution claim(String approvalId, String keyId) {
        throw new UnsupportedOperationException("issue 12: approvals");
    }

    /** Whether {@code approvalId} is waiting (not claimed, not expired) — for a task's status. */
    public boolean waiting(String approvalId) {
        throw new UnsupportedOperationException("issue 12: approvals");
    }
}
