package tollgate.account;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The per-minute bucket on a clock the test moves (nanoseconds): takes, refusals, refills, corrections. */
class TokenBucketTest {
    static final long SECOND = 1_000_000_000L;
    static final long T0 = 5_000 * SECOND; // any monotonic origin, also a large one

    @Test
    void aNewBucketIsFull_andEmptiesAfterItsLimit() {
        TokenBucket b = new TokenBucket(3, T0);
        assertEquals(3, b.remaining(T0));
        assertEquals(0, b.resetNanos(T0));
        assertEquals(0, b.take(1, T0));
        assertEquals(0, b.take(1, T0));
        assertEquals(0, b.take(1, T0));
        assertEquals(0, b.remaining(T0));
        assertEquals(60 * SECOND, b.resetNanos(T0), "full again a window later");
        assertEquals(20 * SECOND, b.take(1, T0), "the next unit refills in 60 s / 3");
    }

    @Test
    void itRefillsContinuously() {
        TokenBucket b = new TokenBucket(60, T0);
        assertEquals(0, b.take(60, T0));
        assertEquals(SECOND, b.take(1, T0));
        assertEquals(1, b.remaining(T0 + SECOND));
        assertEquals(0, b.take(1, T0 + SECOND));
        assertEquals(30, b.remaining(T0 + 31 * SECOND));
        assertEquals(60, b.remaining(T0 + 120 * SECOND), "never more than the limit");
    }

    @Test
    void aRefusedTakeTakesNothing() {
        TokenBucket b = new TokenBucket(10, T0);
        assertEquals(0, b.take(8, T0));
        long wait = b.take(5, T0);
        assertEquals(18 * SECOND, wait, "3 units short at 6 s each");
        assertEquals(2, b.remaining(T0));
        assertEquals(0, b.take(2, T0));
    }

    @Test
    void adjustments_chargeBeyondEmpty_andGiveBackUpToFull() {
        TokenBucket b = new TokenBucket(100, T0);
        assertEquals(0, b.take(10, T0));
        b.adjust(+50, T0); // the request used 60, not 10
        assertEquals(40, b.remaining(T0));
        b.adjust(+100, T0); // more than is left: the bucket goes below empty
        assertEquals(0, b.remaining(T0));
        // 10 + 50 + 100 units against a limit of 100: 60 units (36 s) below empty.
        assertEquals(600_000_000L, b.take(1, T0 + 36 * SECOND), "at empty again, one unit is 0.6 s away");
        assertEquals(0, b.take(1, T0 + 36 * SECOND + 600_000_000L));
        TokenBucket c = new TokenBucket(100, T0);
        assertEquals(0, c.take(30, T0));
        c.adjust(-20, T0);
        assertEquals(90, c.remaining(T0));
        c.adjust(-1000, T0);
        assertEquals(100, c.remaining(T0), "given back, never beyond full");
        c.adjust(-5, T0);
        assertEquals(100, c.remaining(T0));
    }

    @Test
    void concurrentTakes_neverExceedTheLimit() throws Exception {
        TokenBucket b = new TokenBucket(1000, T0);
        java.util.concurrent.atomic.AtomicInteger taken = new java.util.concurrent.atomic.AtomicInteger();
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 64; i++) {
                pool.submit(() -> {
                    for (int j = 0; j < 100; j++) if (b.take(1, T0) == 0) taken.incrementAndGet();
                });
            }
        }
        assertEquals(1000, taken.get());
    }

    @Test
    void aLimitBelowOneIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new TokenBucket(0, T0));
    }

    @Test
    void resetDurations_inOpenAiStyle() {
        assertEquals("0s", RateHeaders.duration(0));
        assertEquals("1ms", RateHeaders.duration(1));
        assertEquals("120ms", RateHeaders.duration(120_000_000L));
        assertEquals("1s", RateHeaders.duration(SECOND));
        assertEquals("1.5s", RateHeaders.duration(1_500_000_000L));
        assertEquals("17.28s", RateHeaders.duration(17_280_000_000L));
        assertEquals("1m0s", RateHeaders.duration(60 * SECOND));
        assertEquals("6m0.5s", RateHeaders.duration(360 * SECOND + SECOND / 2));
    }
}
