package tollgate.route;

/**
 * What one attempt of a {@link ServiceAttempt} tells the dispatcher as it goes: whether its
 * answer has started reaching the client, and what it used so far. Used by the request's thread.
 */
public final class Progress {
    private boolean committed;
    private Meter meter = Meter.NONE;

    Progress() { }

    /** The first byte of the answer is about to reach the client: no retry or failover after this. Idempotent. */
    public void commit() { committed = true; }

    public boolean committed() { return committed; }

    /** What the call used so far (replaces what was reported before). */
    public void meter(Meter used) { this.meter = java.util.Objects.requireNonNull(used, "used"); }

    public Meter meter() { return meter; }
}
