package tollgate.route;

import tollgate.error.FailureClass;

/**
 * What the dispatchers tell the metrics about upstream calls (issue 13): retries, failovers and
 * failures by class. Contract: called on the request's thread, in the order of the calls; an
 * implementation must be quick, never block and never throw; it is keyed by {@link Deployment#id()}
 * rather than by the object, since a reloaded router builds new deployments of the same ids.
 */
public interface DispatchEvents {
    /**
     * A request calls {@code d} after having called {@code previous}: a retry when they are the
     * same deployment, a failover otherwise. Not called for a request's first call.
     */
    void called(Deployment d, Deployment previous);

    /** An upstream call to {@code d} failed with {@code failure}. */
    void failed(Deployment d, FailureClass failure);

    /** Tells nothing. */
    DispatchEvents NONE = new DispatchEvents() {
        @Override public void called(Deployment d, Deployment previous) { }

        @Override public void failed(Deployment d, FailureClass failure) { }
    };
}
