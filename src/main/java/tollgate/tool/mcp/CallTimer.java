package tollgate.tool.mcp;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import tollgate.call.Cancellation;

/**
 * Ends one MCP operation (a tool call, a discovery, with whatever re-initialization it needs) at
 * its deadline or when its caller's {@link Cancellation} fires: a virtual thread of its own waits
 * for either, then cancels the pending response future and closes the body being read, which
 * makes the blocked caller fail at once; the caller then asks {@link #failure} what happened.
 *
 * <p>Why a thread that polls the cancellation rather than {@link Cancellation#onCancel}: that
 * holds a single action, and the agent loop's parallel tool calls share one cancellation, so a
 * registration here would replace another call's. {@link #POLL} bounds how late a cancellation
 * is noticed. The deadline is {@link System#nanoTime()}, as {@code ToolInvocation}'s is.
 */
final class CallTimer implements AutoCloseable {
    /** How often the watcher looks at the cancellation; also how late a cancel may be noticed. */
    static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    enum State { RUNNING, TIMED_OUT, CANCELLED, CLOSED }

    private final long startNanos;
    private final long deadlineNanos;
    private final Cancellation cancellation;
    private final ReentrantLock lock = new ReentrantLock();
    private final Thread watcher;
    private State state = State.RUNNING;
    private Future<?> future;
    private InputStream body;

    private CallTimer(long deadlineNanos, Cancellation cancellation) {
        this.startNanos = System.nanoTime();
        this.deadlineNanos = deadlineNanos;
        this.cancellation = cancellation;
        this.watcher = Thread.ofVirtual().name("tollgate-mcp-timer").unstarted(this::watch);
    }

    /**
     * Starts watching.
     *
     * @param deadlineNanos {@link System#nanoTime()} by which the operation must end
     * @param cancellation  the caller's, or null
     */
    static CallTimer start(long deadlineNanos, Cancellation cancellation) {
        CallTimer t = new CallTimer(deadlineNanos, cancellation);
        t.watcher.start();
        return t;
    }

    long remainingNanos() { return deadlineNanos - System.nanoTime(); }

    /** Milliseconds the operation was given (for messages). */
    long budgetMillis() { return Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - startNanos)); }

    /** The response now awaited: cancelled when the timer fires (at once if it has). */
    void guard(Future<?> pending) {
        if (!set(pending, null)) pending.cancel(true);
    }

    /** The body now read: closed when the timer fires (at once if it has). */
    void guard(InputStream stream) {
        if (!set(null, stream)) closeQuietly(stream);
    }

    /**
     * What the operation came to if the timer fired (or is due), else null: the caller maps an
     * aborted read or a cancelled future to this rather than to a broken connection.
     */
    McpException failure(String server) {
        State s;
        lock.lock();
        try {
            s = state;
        } finally {
            lock.unlock();
        }
        if (s == State.RUNNING && cancellation != null && cancellation.isCancelled()) s = State.CANCELLED;
        if (s == State.RUNNING && remainingNanos() <= 0) s = State.TIMED_OUT;
        return switch (s) {
            case TIMED_OUT -> timeout(server);
            case CANCELLED -> new McpException(McpException.Kind.CANCELLED, "the call to the MCP server '" + server + "' was cancelled");
            default -> null;
        };
    }

    McpException timeout(String server) {
        return new McpException(McpException.Kind.TIMEOUT, "the MCP server '" + server + "' did not answer within " + budgetMillis() + " ms");
    }

    /** Stops the watcher; nothing is aborted after this. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (state == State.RUNNING) state = State.CLOSED;
            future = null;
            body = null;
        } finally {
            lock.unlock();
        }
        LockSupport.unpark(watcher);
    }

    private boolean set(Future<?> f, InputStream in) {
        lock.lock();
        try {
            if (state == State.TIMED_OUT || state == State.CANCELLED) return false;
            if (f != null) future = f;
            if (in != null) body = in;
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void watch() {
        while (true) {
            State fire;
            lock.lock();
            try {
                if (state != State.RUNNING) return;
            } finally {
                lock.unlock();
            }
            long left = remainingNanos();
            if (cancellation != null && cancellation.isCancelled()) {
                fire = State.CANCELLED;
            } else if (left <= 0) {
                fire = State.TIMED_OUT;
            } else {
                LockSupport.parkNanos(Math.min(left, POLL_NANOS));
                continue;
            }
            Future<?> f;
            InputStream in;
            lock.lock();
            try {
                if (state != State.RUNNING) return;
                state = fire;
                f = future;
                in = body;
            } finally {
                lock.unlock();
            }
            if (f != null) f.cancel(true);
            if (in != null) closeQuietly(in);
            return;
        }
    }

    static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException e) {
            // aborting: nothing to report
        }
    }
}
