package tollgate.provider.echo;

import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import tollgate.error.ClientGoneException;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.provider.RealtimeListener;
import tollgate.provider.RealtimeMessage;

/**
 * The events an offline realtime session ({@link EchoRealtime}) has for the gateway, handed to
 * its {@link RealtimeListener} as {@link tollgate.provider.RealtimeListener} says: one message
 * per {@link #request()}, one call at a time, then exactly one end.
 *
 * <p>Bounded: {@link #add} blocks while {@link #MAX_QUEUED_EVENTS} wait (the backpressure from a
 * slow client to the session's {@code send}). No thread of its own: delivery runs on whichever
 * thread adds, requests or ends, and a listener that requests from inside {@code onMessage} is
 * served by the loop already running on its thread (no recursion, no concurrent calls).
 */
final class EchoOutbox {
    /** Events waiting for demand before {@link #add} blocks. */
    static final int MAX_QUEUED_EVENTS = 32;

    private final RealtimeListener listener;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notFull = lock.newCondition();
    private final ArrayDeque<RealtimeMessage> queue = new ArrayDeque<>();
    private long demand;
    private boolean delivering;
    private boolean ended;
    /** The end still to tell the listener, or null. */
    private Runnable terminal;

    EchoOutbox(RealtimeListener listener) {
        this.listener = listener;
    }

    /** What {@code send} throws once the session has ended. */
    static GatewayException ended() {
        return new GatewayException(ErrorKind.PROVIDER_STREAM_BROKEN, "The echo realtime session has ended");
    }

    boolean isEnded() {
        lock.lock();
        try {
            return ended;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Queues {@code m}, first waiting while {@link #MAX_QUEUED_EVENTS} wait, then delivers what
     * demand allows.
     *
     * @throws GatewayException    the session ended (before or during the wait)
     * @throws ClientGoneException the thread was interrupted
     */
    void add(RealtimeMessage m) {
        lock.lock();
        try {
            while (!ended && queue.size() >= MAX_QUEUED_EVENTS) notFull.await();
            if (ended) throw ended();
            queue.add(m);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClientGoneException(e);
        } finally {
            lock.unlock();
        }
        deliver();
    }

    /** One more message may go to the listener. */
    void request() {
        lock.lock();
        try {
            if (ended) return;
            demand++;
        } finally {
            lock.unlock();
        }
        deliver();
    }

    /** Ends once: queued events dropped, a blocked {@link #add} woken, then {@code tell} (if any) run as the listener's last call. */
    void end(Runnable tell) {
        lock.lock();
        try {
            if (ended) return;
            ended = true;
            queue.clear();
            terminal = tell;
            notFull.signalAll();
        } finally {
            lock.unlock();
        }
        deliver();
    }

    /** Hands queued events to the listener while there is demand, one call at a time, on this thread. */
    private void deliver() {
        while (true) {
            RealtimeMessage m = null;
            Runnable tell = null;
            lock.lock();
            try {
                if (delivering) return; // the delivering thread sees what changed when its call returns
                if (terminal != null) {
                    tell = terminal;
                    terminal = null;
                } else if (!ended && demand > 0 && !queue.isEmpty()) {
                    m = queue.poll();
                    demand--;
                    notFull.signalAll();
                } else {
                    return;
                }
                delivering = true;
            } finally {
                lock.unlock();
            }
            try {
                if (tell != null) tell.run();
                else listener.onMessage(m);
            } finally {
                lock.lock();
                try {
                    delivering = false;
                } finally {
                    lock.unlock();
                }
            }
        }
    }
}
