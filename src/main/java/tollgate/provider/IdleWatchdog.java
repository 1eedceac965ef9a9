package tollgate.provider;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * Enforces {@code ProviderConfig.idleTimeout}: the longest silence allowed between bytes of an
 * upstream body or stream ({@code HttpRequest.timeout} only covers the wait for headers).
 *
 * <p>One shared virtual thread wakes every {@link #TICK} and checks all registered
 * {@link Watch watches}; there is no thread or timer task per request. A reader calls
 * {@link Watch#touch()} on every read progress (or reads through {@link Watch#wrap}); a watch
 * that saw no progress for its idle time fires once: it runs its action (the provider closes
 * the upstream {@code InputStream}, which makes the blocked read fail) and remembers that it
 * fired, so the provider reports {@code PROVIDER_TIMEOUT} rather than a broken stream.
 *
 * <p>Precision: progress is noticed at tick granularity, so a watch fires between its idle
 * time and idle time + 2 ticks after the last byte. That is fine for timeouts configured in
 * seconds, and keeps {@code touch()} to one volatile write (no clock read per read call).
 */
public final class IdleWatchdog implements AutoCloseable {

    /**
     * How often watches are checked. 100 ms: a timeout fires at most ~0.2 s late, far below
     * the seconds that idle timeouts are configured in, while 10 wake-ups a second of one
     * virtual thread walking a set of volatile flags cost nothing measurable even with
     * thousands of open streams.
     */
    public static final Duration TICK = Duration.ofMillis(100);

    private final Set<Watch> watches = ConcurrentHashMap.newKeySet();
    private final LongSupplier nanoClock;
    private final long tickNanos;
    private final Thread ticker;
    private volatile boolean closed;

    /** Starts the shared ticking thread with the default {@link #TICK}. */
    public IdleWatchdog() {
        this(TICK, System::nanoTime, true);
    }

    /** For tests: a custom tick and clock; without {@code start}, call {@link #check()} by hand. */
    IdleWatchdog(Duration tick, LongSupplier nanoClock, boolean start) {
        this.tickNanos = tick.toNanos();
        this.nanoClock = nanoClock;
        this.ticker = start
                ? Thread.ofVirtual().name("tollgate-idle-watchdog").start(this::run)
                : null;
    }

    /**
     * Registers a watch that runs {@code onIdle} once if nothing is read for {@code idle}.
     * The caller must {@link Watch#close()} it when done (try-with-resources). A null or
     * non-positive {@code idle} gives a watch that never fires.
     */
    public Watch watch(Duration idle, Runnable onIdle) {
        Objects.requireNonNull(onIdle, "onIdle");
        Watch w = new Watch(idle == null || !idle.isPositive() ? 0 : idle.toNanos(), onIdle,
                nanoClock.getAsLong());
        if (w.idleNanos > 0 && !closed) watches.add(w);
        return w;
    }

    /** Stops the ticking thread; watches registered afterwards never fire. */
    @Override
    public void close() {
        closed = true;
        watches.clear();
        if (ticker != null) {
            ticker.interrupt();
            try {
                ticker.join(TimeUnit.NANOSECONDS.toMillis(tickNanos) * 10 + 1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Number of registered watches (for tests and metrics). */
    int size() {
        return watches.size();
    }

    private void run() {
        while (!closed) {
            try {
                TimeUnit.NANOSECONDS.sleep(tickNanos);
            } catch (InterruptedException e) {
                if (closed) return;
            }
            check();
        }
    }

    /** One round: fires the watches idle for too long. */
    void check() {
        long now = nanoClock.getAsLong();
        for (Watch w : watches) {
            if (w.progressed) {
                w.progressed = false;
                w.lastProgress = now;
            } else if (now - w.lastProgress >= w.idleNanos && watches.remove(w)) {
                w.fire(); // remove() decides a race with Watch.close(): only one of them wins
            }
        }
    }

    /** One watched body; see {@link IdleWatchdog}. */
    public final class Watch implements AutoCloseable {
        private final long idleNanos;
        private final Runnable onIdle;
        private final AtomicBoolean fired = new AtomicBoolean();
        private volatile boolean progressed;
        private long lastProgress; // only the ticker reads and writes it after construction

        private Watch(long idleNanos, Runnable onIdle, long now) {
            this.idleNanos = idleNanos;
            this.onIdle = onIdle;
            this.lastProgress = now;
        }

        /** Records read progress; cheap enough to call on every read. */
        public void touch() {
            progressed = true;
        }

        /** True once the watch has fired (its action has run or is running). */
        public boolean fired() {
            return fired.get();
        }

        /** The idle time this watch enforces. */
        public Duration idle() {
            return Duration.ofNanos(idleNanos);
        }

        /** {@code in}, touching this watch on every read that returns. */
        public InputStream wrap(InputStream in) {
            return new FilterInputStream(in) {
                @Override
                public int read() throws IOException {
                    int b = super.read();
                    touch();
                    return b;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int n = in.read(b, off, len);
                    touch();
                    return n;
                }
            };
        }

        /** Unregisters; the action does not run after this unless the watchdog had already claimed it. */
        @Override
        public void close() {
            watches.remove(this);
        }

        private void fire() {
            if (!fired.compareAndSet(false, true)) return;
            try {
                onIdle.run();
            } catch (RuntimeException e) {
                // The action only closes a stream; a failure there leaves nothing to do.
            }
        }
    }
}
