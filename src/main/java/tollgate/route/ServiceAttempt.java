package tollgate.route;

/**
 * One attempt of a call that is not chat on one deployment, written by the wire surface that
 * knows the call (FIM, speech, ...) and run by {@link ServiceDispatcher}, which may run it again
 * on the same or another deployment after a failure.
 *
 * <p>Contract: the attempt calls {@link Progress#commit()} just before the first byte of the
 * answer goes to the client; from then on a failure ends the request (no retry, no failover).
 * It reports what the call used with {@link Progress#meter(Meter)}, at the end and, for a stream,
 * as it grows. It throws a classified {@link tollgate.error.GatewayException} on failure, or
 * {@link tollgate.error.ClientGoneException} when the client left. It must not end the client's
 * response (close a stream, send {@code [DONE]}): the dispatcher records the call first, and the
 * surface ends the response when {@code dispatch} returns.
 *
 * @param <R> what the attempt produces for the surface (an answer to render, or nothing)
 */
@FunctionalInterface
public interface ServiceAttempt<R> {
    R call(Deployment d, Progress progress);
}
