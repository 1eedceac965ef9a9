package tollgate.task;

/**
 * Where a task stands ({@code status} on the wire).
 *
 * <pre>
 *                    ┌─────────── resume (POST /v1/chat/resume) ───────────┐
 *                    ▼                                                      │
 *   create ──▶ QUEUED ──slot──▶ RUNNING ──Paused──▶ WAITING_APPROVAL ──────┘
 *                ▲                 │  │                  │
 *                └── restart ──────┘  │                  └── approval expired ──▶ FAILED
 *                                     ├── Answered ──▶ SUCCEEDED
 *                                     └── error ─────▶ FAILED
 *   QUEUED, RUNNING, WAITING_APPROVAL ── POST .../cancel ──▶ CANCELLED
 * </pre>
 *
 * SUCCEEDED, FAILED and CANCELLED are final: nothing moves a task out of them.
 */
public enum TaskStatus {
    QUEUED("queued"),
    RUNNING("running"),
    WAITING_APPROVAL("waiting_approval"),
    SUCCEEDED("succeeded"),
    FAILED("failed"),
    CANCELLED("cancelled");

    private final String wire;

    TaskStatus(String wire) { this.wire = wire; }

    /** As the API shows it. */
    public String wire() { return wire; }

    /** Whether the task has ended (for good). */
    public boolean ended() { return this == SUCCEEDED || this == FAILED || this == CANCELLED; }

    /** The status of a wire name; {@link IllegalArgumentException} for another. */
    public static TaskStatus of(String wire) {
        for (TaskStatus s : values()) if (s.wire.equals(wire)) return s;
        throw new IllegalArgumentException("unknown task status '" + wire + "'");
    }
}
