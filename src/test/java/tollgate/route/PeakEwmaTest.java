package tollgate.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

import tollgate.call.ManualClock;

class PeakEwmaTest {

    private static final long MS = 1_000_000L;
    private static final long DECAY = 10_000 * MS; // 10 s
    /** Tolerance for the expected values, computed independently with a calculator. */
    private static final double TOLERANCE_NANOS = 2;

    private final ManualClock clock = new ManualClock();

    @Test
    void emptyUntilObserved() {
        PeakEwma e = new PeakEwma(clock, DECAY);
        assertFalse(e.observed());
        assertEquals(0, e.estimateNanos());
        e.observe(42 * MS);
        assertTrue(e.observed());
        assertEquals(42 * MS, e.estimateNanos(), "first sample is the estimate");
    }

    @Test
    void jumpsToAPeakAtOnce() {
        PeakEwma e = new PeakEwma(clock, DECAY);
        e.observe(100 * MS);
        clock.advanceMillis(1);
        e.observe(500 * MS);
        assertEquals(500 * MS, e.estimateNanos());
        clock.advanceMillis(60_000);
        e.observe(501 * MS);
        assertEquals(501 * MS, e.estimateNanos(), "a higher sample is taken whatever the elapsed time");
    }

    @Test
    void decaysTowardLowerSamplesByElapsedTime() {
        PeakEwma shortGap = new PeakEwma(clock, DECAY);
        PeakEwma longGap = new PeakEwma(clock, DECAY);
        shortGap.observe(100 * MS);
        longGap.observe(100 * MS);

        clock.advanceMillis(1_000); // w = e^-0.1
        shortGap.observe(10 * MS);
        assertEquals(91_435_367.623, shortGap.estimateNanos(), TOLERANCE_NANOS);

        clock.advanceMillis(9_000); // longGap: 10 s since its last sample, w = e^-1
        longGap.observe(10 * MS);
        assertEquals(43_109_149.705, longGap.estimateNanos(), TOLERANCE_NANOS);

        clock.advanceMillis(5_000); // w = e^-0.5, from the unrounded estimate
        longGap.observe(20 * MS);
        assertEquals(34_016_407.816, longGap.estimateNanos(), TOLERANCE_NANOS);
    }

    @Test
    void backToBackSamplesBarelyMoveIt() {
        PeakEwma e = new PeakEwma(clock, DECAY);
        e.observe(100 * MS);
        e.observe(1 * MS); // no time passed: w = 1
        assertEquals(100 * MS, e.estimateNanos());
    }

    @Test
    void convergesAfterLongSilence() {
        PeakEwma e = new PeakEwma(clock, DECAY);
        e.observe(100 * MS);
        clock.advanceMillis(1_000_000); // 100 decay constants
        e.observe(10 * MS);
        assertEquals(10 * MS, e.estimateNanos());
    }

    @Test
    void decayConstantIsUsed() {
        PeakEwma fast = new PeakEwma(clock, 1_000 * MS);
        fast.observe(100 * MS);
        clock.advanceMillis(1_000); // one decay constant: w = e^-1
        fast.observe(10 * MS);
        assertEquals(43_109_149.705, fast.estimateNanos(), TOLERANCE_NANOS);
    }

    @Test
    void negativeSampleCountsAsZero() {
        PeakEwma e = new PeakEwma(clock, DECAY);
        e.observe(-5);
        assertTrue(e.observed());
        assertEquals(0, e.estimateNanos());
    }

    @Test
    void defaultsAndValidation() {
        assertEquals(10_000, PeakEwma.DEFAULT_DECAY_MS);
        PeakEwma d = PeakEwma.withDefaults(clock);
        d.observe(100 * MS);
        clock.advanceMillis(PeakEwma.DEFAULT_DECAY_MS);
        d.observe(10 * MS);
        assertEquals(43_109_149.705, d.estimateNanos(), TOLERANCE_NANOS);
        assertThrows(IllegalArgumentException.class, () -> new PeakEwma(clock, 0));
        assertThrows(NullPointerException.class, () -> new PeakEwma(null, DECAY));
    }

    @Test
    void concurrentObserveStaysWithinTheSamples() throws Exception {
        long min = 5 * MS;
        long max = 900 * MS;
        PeakEwma e = new PeakEwma(clock, DECAY);
        int threads = 8;
        int perThread = 20_000;
        CountDownLatch start = new CountDownLatch(1);
        AtomicBoolean outOfRange = new AtomicBoolean();
        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            long seed = t;
            all.add(Thread.ofPlatform().start(() -> {
                Random r = new Random(seed);
                try {
                    start.await();
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    return;
                }
                for (int i = 0; i < perThread; i++) {
                    clock.advanceNanos(r.nextInt(1_000_000)); // time moves under the observers
                    e.observe(min + r.nextLong(max - min + 1));
                    long est = e.estimateNanos();
                    if (est < min || est > max) outOfRange.set(true);
                }
            }));
        }
        start.countDown();
        for (Thread t : all) t.join();
        assertFalse(outOfRange.get(), "estimate left [min, max] during the run");
        assertTrue(e.observed());
        long est = e.estimateNanos();
        assertTrue(est >= min && est <= max, "estimate " + est);
    }
}
