package tollgate.http;

/**
 * Told of every HTTP call once it has ended (issue 13: metrics). Contract: {@link #ended} runs on
 * the call's own thread, after the response was sent and before the access line is written, for
 * every call, matched or not; it must be quick, never block and never throw (it is on every
 * request's path), and may read the call ({@link HttpCall#route}, {@link HttpCall#responseStatus},
 * {@link HttpCall#logField}, ...) but not answer it.
 */
@FunctionalInterface
public interface CallObserver {
    /**
     * @param startNanos {@link System#nanoTime()} when the router received the call
     * @param endNanos   {@link System#nanoTime()} when it ended
     */
    void ended(HttpCall call, long startNanos, long endNanos);

    /** Observes nothing. */
    CallObserver NONE = (call, start, end) -> { };
}
