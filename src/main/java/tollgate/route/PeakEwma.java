package tollgate.route;

import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

import tollgate.call.Clock;

/**
 * A latency estimate for one upstream that jumps to spikes at once and forgets them slowly:
 * the peak-sensitive, time-decayed EWMA of Finagle's load balancer
 * ({@code com.twitter.finagle.loadbalancer.PeakEwma}, used by {@code Balancers.p2cPeakEwma}) and
 * Linkerd (Jenson, "Beyond Round Robin: Load Balancing for Latency", Buoyant blog, 2016; Rust
 * port {@code tower::load::PeakEwma}).
 *
 * <h2>Contract</h2>
 * {@link #observe(long)} with a sample {@code s}, at monotonic time {@code t}:
 * <ul>
 *   <li>first sample ever: the estimate becomes {@code s};</li>
 *   <li>{@code s} above the estimate: the estimate becomes {@code s} (the peak);</li>
 *   <li>otherwise, with {@code dt = t - tLast} (the time since the previous observation, at least
 *       0) and {@code w = exp(-dt / decayNanos)}: {@code est = est * w + s * (1 - w)}. So the
 *       longer since the last sample, the more a lower sample counts; back-to-back samples barely
 *       move it.</li>
 * </ul>
 * Negative samples are taken as 0. {@link #estimateNanos()} is the estimate rounded to whole
 * nanoseconds, 0 before the first observation; it does not decay on read (unlike tower's, which
 * also decays toward 0 between samples). The estimate always lies within the range of the samples
 * seen.
 *
 * <p>Thread-safe: updates run under a {@link ReentrantLock}; the estimate is published through a
 * volatile field, so reads take no lock. Nothing is allocated per call.
 */
public final class PeakEwma {

    /** Default decay time constant (Finagle's default for {@code p2cPeakEwma}), in milliseconds. */
    public static final long DEFAULT_DECAY_MS = 10_000;

    private static final long NANOS_PER_MILLI = 1_000_000L;

    private final Clock clock;
    private final double decayNanos;
    private final ReentrantLock lock = new ReentrantLock();
    // Guarded by lock.
    private double estimate;
    private long lastNanos;
    // Written under lock, read without it.
    private volatile long estimateNanos;
    private volatile boolean observed;

    /**
     * @param clock      time source (its monotonic {@link Clock#nanos()})
     * @param decayNanos time constant of the decay, nanoseconds, greater than 0
     */
    public PeakEwma(Clock clock, long decayNanos) {
        this.clock = Objects.requireNonNull(clock, "clock");
        if (decayNanos <= 0) throw new IllegalArgumentException("decayNanos must be > 0: " + decayNanos);
        this.decayNanos = decayNanos;
    }

    /** A tracker with the default decay of {@link #DEFAULT_DECAY_MS}. */
    public static PeakEwma withDefaults(Clock clock) {
        return new PeakEwma(clock, DEFAULT_DECAY_MS * NANOS_PER_MILLI);
    }

    /** Folds in one latency sample, in nanoseconds. */
    public void observe(long latencyNanos) {
        double sample = Math.max(0L, latencyNanos);
        lock.lock();
        try {
            long now = clock.nanos();
            if (!observed || sample > estimate) {
                estimate = sample;
            } else {
                long elapsed = Math.max(0L, now - lastNanos);
                double w = Math.exp(-elapsed / decayNanos);
                estimate = estimate * w + sample * (1.0 - w);
            }
            lastNanos = now;
            estimateNanos = Math.round(estimate);
            observed = true;
        } finally {
            lock.unlock();
        }
    }

    /** The current estimate in nanoseconds; 0 when nothing has been observed. */
    public long estimateNanos() {
        return estimateNanos;
    }

    /** Whether at least one sample has been observed. */
    public boolean observed() {
        return observed;
    }
}
