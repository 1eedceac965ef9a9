package tollgate.route;

import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

import tollgate.call.Clock;

/**
 * A circuit breaker for one upstream deployment: stops sending calls to it while most recent calls
 * fail, then lets a single probe through after a cooldown to see whether it recovered.
 *
 * <p>The pattern is Nygard's ("Release It!", 2nd ed., 2018, ch. 5 "Stability Patterns", section
 * "Circuit Breaker"; also Fowler, "CircuitBreaker", martinfowler.com, 2014). The failure-rate rule over a sliding time window,
 * with a minimum number of calls before it may trip, follows Resilience4j's
 * {@code CircuitBreakerConfig} ({@code slidingWindowType=TIME_BASED},
 * {@code minimumNumberOfCalls}, {@code failureRateThreshold}, {@code waitDurationInOpenState}),
 * here with one half-open probe; the window is a ring of time buckets like Hystrix's
 * {@code HystrixRollingNumber}.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li><b>CLOSED</b>: {@link #allow()} is {@code true}. {@link #recordSuccess()} and
 *       {@link #recordFailure()} count into a sliding window of {@link #BUCKETS} buckets, each
 *       {@code windowNanos / BUCKETS} wide; the window holds the current bucket and the
 *       {@code BUCKETS - 1} before it, so it spans between {@code 0.9} and {@code 1.0} times
 *       {@code windowNanos} of history. Buckets that time has moved past are reset lazily, when
 *       they are next written or summed. After each record, if the window holds at least
 *       {@code minRequests} calls and {@code failures / calls >= failureRatio}, the breaker goes
 *       <b>OPEN</b>: opened now, window cleared.</li>
 *   <li><b>OPEN</b>: {@link #allow()} is {@code false} until {@code cooldownNanos} have passed since
 *       it opened; then the first caller moves it to <b>HALF_OPEN</b> and is admitted as the one
 *       probe. Records that arrive while OPEN (calls admitted before it opened) are ignored.
 *       {@link #state()} keeps reporting OPEN after the cooldown until someone calls
 *       {@link #allow()}: the transition happens on demand, not by a timer.</li>
 *   <li><b>HALF_OPEN</b>: {@link #allow()} is {@code false} while the probe is in flight. A success
 *       closes the breaker (window cleared); a failure re-opens it with a fresh cooldown.
 *       {@link #release()} (the probe ended without a verdict: client left, caller's own fault)
 *       frees the probe slot so the next {@link #allow()} may probe; in any other state it does
 *       nothing.</li>
 * </ul>
 * The breaker does not tell calls apart: a verdict or release that arrives in HALF_OPEN is taken
 * as the probe's, even if it came from a call admitted before the breaker opened. Callers should
 * therefore report exactly once per admitted call (success, failure or release).
 *
 * <p>Shared across replicas (issue 14, {@link SharedBreakers}): a breaker told to
 * {@link #share} reports its own opening (with its cooldown) and its closing after a good probe
 * to that sink, which publishes them off the request path; {@link #openRemotely} opens a CLOSED
 * breaker because another replica's opened, until that one's cooldown ends (then it probes as
 * after its own opening). Without {@link #share} nothing of this happens.
 *
 * <p>Thread-safe. State changes and window updates happen under one {@link ReentrantLock};
 * {@link #allow()} in CLOSED reads a volatile field and takes no lock. Nothing is allocated per
 * call.
 */
public final class CircuitBreaker {

    /** States of the breaker. */
    public enum State { CLOSED, OPEN, HALF_OPEN }

    /**
     * Where a shared breaker reports its own changes (issue 14). Called on the thread that
     * recorded the verdict, after the breaker's lock is released: it must not block (no I/O).
     */
    public interface Sink {
        /** This breaker opened on its own verdicts; it stays OPEN for {@code cooldownNanos}. */
        void opened(long cooldownNanos);

        /** This breaker closed after a good probe. */
        void closed();
    }

    /** Number of time buckets in the sliding window. */
    public static final int BUCKETS = 10;
    /** Default length of the sliding window, in milliseconds. */
    public static final long DEFAULT_WINDOW_MS = 30_000;
    /** Default minimum number of calls in the window before the breaker may open. */
    public static final int DEFAULT_MIN_REQUESTS = 5;
    /** Default failure ratio (failures / calls, 0..1) at or above which the breaker opens. */
    public static final double DEFAULT_FAILURE_RATIO = 0.5;
    /** Default time the breaker stays OPEN before admitting a probe, in milliseconds. */
    public static final long DEFAULT_COOLDOWN_MS = 30_000;

    private static final long NANOS_PER_MILLI = 1_000_000L;
    /** Bucket epoch meaning "never written / cleared". */
    private static final long EMPTY = Long.MIN_VALUE;

    private final Clock clock;
    private final long windowNanos;
    private final long bucketNanos;
    private final int minRequests;
    private final double failureRatio;
    private final long cooldownNanos;
    /** Monotonic time at construction: bucket epochs count from here, so they are never negative. */
    private final long originNanos;

    private final ReentrantLock lock = new ReentrantLock();
    // Guarded by lock: epoch (bucket number since origin) each slot currently holds, and its counts.
    private final long[] bucketEpoch = new long[BUCKETS];
    private final int[] bucketSuccesses = new int[BUCKETS];
    private final int[] bucketFailures = new int[BUCKETS];
    // Written under lock; volatile so allow() in CLOSED needs no lock.
    private volatile State state = State.CLOSED;
    // Guarded by lock.
    private long openedAtNanos;
    private long openedAtMillis;
    private boolean probeInFlight;
    /** Null until {@link #share}: then told of this breaker's own openings and closings. */
    private volatile Sink sink;

    /**
     * @param clock         time source
     * @param windowNanos   length of the sliding window in nanoseconds, at least {@link #BUCKETS}
     * @param minRequests   calls the window must hold before the breaker may open, at least 1
     * @param failureRatio  failures / calls at or above which it opens, in (0, 1]
     * @param cooldownNanos time it stays OPEN before a probe is admitted, nanoseconds, at least 0
     */
    public CircuitBreaker(Clock clock, long windowNanos, int minRequests, double failureRatio,
                          long cooldownNanos) {
        this.clock = Objects.requireNonNull(clock, "clock");
        if (windowNanos < BUCKETS) {
            throw new IllegalArgumentException("windowNanos must be at least " + BUCKETS + ": " + windowNanos);
        }
        if (minRequests < 1) throw new IllegalArgumentException("minRequests must be at least 1: " + minRequests);
        if (!(failureRatio > 0.0 && failureRatio <= 1.0)) {
            throw new IllegalArgumentException("failureRatio must be in (0, 1]: " + failureRatio);
        }
        if (cooldownNanos < 0) throw new IllegalArgumentException("cooldownNanos must be >= 0: " + cooldownNanos);
        this.windowNanos = windowNanos;
        this.bucketNanos = windowNanos / BUCKETS;
        this.minRequests = minRequests;
        this.failureRatio = failureRatio;
        this.cooldownNanos = cooldownNanos;
        this.originNanos = clock.nanos();
        clearWindow();
    }

    /** A breaker with a 30 s window, 5 calls minimum, failure ratio 0.5 and a 30 s cooldown. */
    public static CircuitBreaker withDefaults(Clock clock) {
        return new CircuitBreaker(clock, DEFAULT_WINDOW_MS * NANOS_PER_MILLI, DEFAULT_MIN_REQUESTS,
                DEFAULT_FAILURE_RATIO, DEFAULT_COOLDOWN_MS * NANOS_PER_MILLI);
    }

    /**
     * Whether a call may go to this upstream now. In OPEN after the cooldown, or in HALF_OPEN with
     * no probe in flight, the first caller becomes the probe and gets {@code true}; everyone else
     * gets {@code false} until the probe reports.
     */
    public boolean allow() {
        if (state == State.CLOSED) return true;
        lock.lock();
        try {
            switch (state) {
                case CLOSED:
                    return true;
                case OPEN:
                    if (clock.nanos() - openedAtNanos < cooldownNanos) return false;
                    state = State.HALF_OPEN;
                    probeInFlight = true;
                    return true;
                case HALF_OPEN:
                default:
                    if (probeInFlight) return false;
                    probeInFlight = true;
                    return true;
            }
        } finally {
            lock.unlock();
        }
    }

    /** An admitted call succeeded. */
    public void recordSuccess() {
        record(false);
    }

    /** An admitted call failed in a way that counts against the upstream. */
    public void recordFailure() {
        record(true);
    }

    /**
     * An admitted call ended without a verdict on the upstream. In HALF_OPEN frees the probe slot;
     * otherwise does nothing.
     */
    public void release() {
        lock.lock();
        try {
            if (state == State.HALF_OPEN) probeInFlight = false;
        } finally {
            lock.unlock();
        }
    }

    /** The current state. OPEN is reported until an {@link #allow()} after the cooldown moves it on. */
    public State state() {
        return state;
    }

    /** Nanoseconds of cooldown left while OPEN (0 once it has passed); 0 in other states. */
    public long retryAfterNanos() {
        lock.lock();
        try {
            if (state != State.OPEN) return 0;
            long left = cooldownNanos - (clock.nanos() - openedAtNanos);
            return Math.max(0, left);
        } finally {
            lock.unlock();
        }
    }

    /** Failures in the current window (0 while OPEN or HALF_OPEN: the window is cleared on opening). */
    public int failures() {
        lock.lock();
        try {
            long current = epoch(clock.nanos());
            int sum = 0;
            for (int i = 0; i < BUCKETS; i++) {
                if (live(bucketEpoch[i], current)) sum += bucketFailures[i];
            }
            return sum;
        } finally {
            lock.unlock();
        }
    }

    /** Calls (successes plus failures) in the current window. */
    public int requests() {
        lock.lock();
        try {
            long current = epoch(clock.nanos());
            int sum = 0;
            for (int i = 0; i < BUCKETS; i++) {
                if (live(bucketEpoch[i], current)) sum += bucketSuccesses[i] + bucketFailures[i];
            }
            return sum;
        } finally {
            lock.unlock();
        }
    }

    /** Wall-clock epoch milliseconds when the breaker last opened, 0 if it never did. */
    public long openedAtMillis() {
        lock.lock();
        try {
            return openedAtMillis;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Sends this breaker's own openings and closings to {@code sink} from now on (issue 14's
     * shared breakers); null stops it.
     */
    public void share(Sink sink) {
        this.sink = sink;
    }

    /**
     * Another replica's breaker for the same deployment is open for {@code leftNanos} more: a
     * CLOSED breaker opens until then (its window cleared, as on its own opening), so that this
     * replica stops sending calls there too; it probes when that time is up, as after its own
     * opening. An OPEN or HALF_OPEN breaker is left as it is (it has its own cooldown or probe).
     * Not reported to the {@link #share sink}: the opening is not this replica's.
     */
    public void openRemotely(long leftNanos) {
        if (leftNanos <= 0 || state != State.CLOSED) return;
        lock.lock();
        try {
            if (state != State.CLOSED) return;
            long now = clock.nanos();
            open(now);
            // The cooldown ends when the other replica's does (its key's time to live).
            openedAtNanos = now - cooldownNanos + leftNanos;
        } finally {
            lock.unlock();
        }
    }

    /** The window length in nanoseconds this breaker was built with. */
    public long windowNanos() {
        return windowNanos;
    }

    // ------------------------------------------------------------------------------- internals

    private void record(boolean failure) {
        State before;
        State after;
        lock.lock();
        try {
            before = state;
            recordLocked(failure);
            after = state;
        } finally {
            lock.unlock();
        }
        Sink s = sink;
        if (s == null || before == after) return;
        if (after == State.OPEN) s.opened(cooldownNanos);
        else if (after == State.CLOSED) s.closed();
    }

    /** Caller holds the lock. */
    private void recordLocked(boolean failure) {
        long now = clock.nanos();
        switch (state) {
            case OPEN:
                return; // a call admitted before opening; its verdict is stale
            case HALF_OPEN:
                if (failure) {
                    open(now);
                } else {
                    state = State.CLOSED;
                    probeInFlight = false;
                    clearWindow();
                }
                return;
            case CLOSED:
            default:
                break;
        }
        long current = epoch(now);
        int slot = (int) (current % BUCKETS);
        if (bucketEpoch[slot] != current) {
            bucketEpoch[slot] = current;
            bucketSuccesses[slot] = 0;
            bucketFailures[slot] = 0;
        }
        if (failure) bucketFailures[slot]++;
        else bucketSuccesses[slot]++;

        int failures = 0;
        int total = 0;
        for (int i = 0; i < BUCKETS; i++) {
            if (live(bucketEpoch[i], current)) {
                failures += bucketFailures[i];
                total += bucketSuccesses[i] + bucketFailures[i];
            }
        }
        if (total >= minRequests && (double) failures / total >= failureRatio) open(now);
    }

    /** Caller holds the lock. */
    private void open(long now) {
        state = State.OPEN;
        openedAtNanos = now;
        openedAtMillis = clock.millis();
        probeInFlight = false;
        clearWindow();
    }

    /** Caller holds the lock (or is the constructor). */
    private void clearWindow() {
        for (int i = 0; i < BUCKETS; i++) {
            bucketEpoch[i] = EMPTY;
            bucketSuccesses[i] = 0;
            bucketFailures[i] = 0;
        }
    }

    private long epoch(long now) {
        return Math.max(0, now - originNanos) / bucketNanos;
    }

    private static boolean live(long bucket, long current) {
        return bucket != EMPTY && bucket > current - BUCKETS && bucket <= current;
    }
}
