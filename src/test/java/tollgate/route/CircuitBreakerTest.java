package tollgate.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import tollgate.call.ManualClock;
import tollgate.route.CircuitBreaker.State;

class CircuitBreakerTest {

    private static final long SECOND = 1_000_000_000L;
    private static final long WINDOW = 10 * SECOND;
    private static final long COOLDOWN = 30 * SECOND;

    private final ManualClock clock = new ManualClock();

    private CircuitBreaker breaker() {
        return new CircuitBreaker(clock, WINDOW, 5, 0.5, COOLDOWN);
    }

    private CircuitBreaker opened() {
        CircuitBreaker b = breaker();
        for (int i = 0; i < 5; i++) b.recordFailure();
        assertEquals(State.OPEN, b.state());
        return b;
    }

    /** Failures until it opens (at most 100). */
    private static void tripOpen(CircuitBreaker b) {
        for (int i = 0; i < 100 && b.state() != State.OPEN; i++) b.recordFailure();
        assertEquals(State.OPEN, b.state());
    }

    private static void times(int n, Runnable r) {
        for (int i = 0; i < n; i++) r.run();
    }

    @Test
    void closedAllowsAndCounts() {
        CircuitBreaker b = breaker();
        assertEquals(State.CLOSED, b.state());
        assertTrue(b.allow());
        b.recordSuccess();
        b.recordFailure();
        assertEquals(2, b.requests());
        assertEquals(1, b.failures());
        assertEquals(0, b.retryAfterNanos());
        assertEquals(0, b.openedAtMillis());
    }

    @Test
    void opensAtExactlyTheRatio() {
        CircuitBreaker b = breaker();
        times(5, b::recordSuccess);
        times(4, b::recordFailure);
        assertEquals(State.CLOSED, b.state(), "4/9 is below 0.5");
        assertEquals(9, b.requests());
        assertEquals(4, b.failures());

        b.recordFailure(); // 5/10 == 0.5
        assertEquals(State.OPEN, b.state());
        assertFalse(b.allow());
        assertEquals(clock.millis(), b.openedAtMillis());
        assertEquals(0, b.requests(), "window cleared on opening");
        assertEquals(0, b.failures());
    }

    @Test
    void successThatReachesMinRequestsCanOpen() {
        CircuitBreaker b = breaker();
        times(3, b::recordFailure);
        b.recordSuccess();
        assertEquals(State.CLOSED, b.state(), "only 4 requests");
        b.recordSuccess(); // 3/5 = 0.6 with 5 requests
        assertEquals(State.OPEN, b.state());
    }

    @Test
    void doesNotOpenBelowMinRequests() {
        CircuitBreaker b = breaker();
        times(4, b::recordFailure);
        assertEquals(State.CLOSED, b.state(), "100% failures but only 4 requests");
        assertTrue(b.allow());
        b.recordFailure();
        assertEquals(State.OPEN, b.state());
    }

    @Test
    void oldFailuresStayWithinTheWindow() {
        CircuitBreaker b = breaker();
        times(4, b::recordFailure);
        clock.advanceNanos(WINDOW - WINDOW / CircuitBreaker.BUCKETS); // 9 s: first bucket still live
        assertEquals(4, b.failures());
        b.recordFailure();
        assertEquals(State.OPEN, b.state());
    }

    @Test
    void oldFailuresSlideOutOfTheWindow() {
        CircuitBreaker b = breaker();
        times(4, b::recordFailure);
        clock.advanceNanos(WINDOW); // 10 s: the first bucket has left the window
        assertEquals(0, b.failures());
        assertEquals(0, b.requests());
        b.recordFailure();
        assertEquals(State.CLOSED, b.state(), "1 failure in the window, not 5");
        assertEquals(1, b.failures());
        times(3, b::recordFailure);
        assertEquals(State.CLOSED, b.state());
        b.recordFailure();
        assertEquals(State.OPEN, b.state());
    }

    @Test
    void partialSlideDropsOnlyTheOldestBuckets() {
        CircuitBreaker b = new CircuitBreaker(clock, WINDOW, 100, 0.5, COOLDOWN); // never opens here
        b.recordSuccess();                  // bucket 0
        times(2, b::recordFailure);
        clock.advanceNanos(5 * SECOND);
        times(2, b::recordFailure);         // bucket 5
        clock.advanceNanos(5 * SECOND);     // bucket 10: bucket 0 gone, bucket 5 live
        assertEquals(2, b.failures());
        b.recordSuccess();                  // slot of bucket 0 reused: must not inherit its counts
        assertEquals(3, b.requests());
        assertEquals(2, b.failures());
        assertEquals(State.CLOSED, b.state());
    }

    @Test
    void cooldownThenSingleProbe() {
        CircuitBreaker b = opened();
        assertFalse(b.allow());
        clock.advanceNanos(COOLDOWN - 1);
        assertFalse(b.allow());
        assertEquals(State.OPEN, b.state());
        clock.advanceNanos(1);
        assertEquals(State.OPEN, b.state(), "reports OPEN until someone asks");
        assertTrue(b.allow(), "first caller after cooldown is the probe");
        assertEquals(State.HALF_OPEN, b.state());
        assertFalse(b.allow(), "second caller while the probe is in flight");
        assertFalse(b.allow());
    }

    @Test
    void concurrentCallersAfterCooldownGetExactlyOneProbe() throws Exception {
        for (int round = 0; round < 20; round++) {
            CircuitBreaker b = opened();
            clock.advanceNanos(COOLDOWN);
            int threads = 16;
            CountDownLatch start = new CountDownLatch(1);
            AtomicInteger admitted = new AtomicInteger();
            List<Thread> all = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                all.add(Thread.ofPlatform().start(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    if (b.allow()) admitted.incrementAndGet();
                }));
            }
            start.countDown();
            for (Thread t : all) t.join();
            assertEquals(1, admitted.get(), "round " + round);
            assertEquals(State.HALF_OPEN, b.state());
        }
    }

    @Test
    void probeSuccessCloses() {
        CircuitBreaker b = opened();
        clock.advanceNanos(COOLDOWN);
        assertTrue(b.allow());
        b.recordSuccess();
        assertEquals(State.CLOSED, b.state());
        assertEquals(0, b.requests(), "window cleared on closing");
        assertTrue(b.allow());
        assertTrue(b.allow());
        assertEquals(0, b.retryAfterNanos());
        // Fresh window: it takes minRequests again to re-open.
        times(4, b::recordFailure);
        assertEquals(State.CLOSED, b.state());
    }

    @Test
    void probeFailureReopensWithFreshCooldown() {
        CircuitBreaker b = opened();
        long firstOpened = b.openedAtMillis();
        clock.advanceNanos(COOLDOWN);
        assertTrue(b.allow());
        clock.advanceNanos(5 * SECOND); // the probe takes a while
        b.recordFailure();
        assertEquals(State.OPEN, b.state());
        assertEquals(COOLDOWN, b.retryAfterNanos(), "cooldown counts from the probe's failure");
        assertEquals(firstOpened + 35_000, b.openedAtMillis());
        assertFalse(b.allow());
        clock.advanceNanos(COOLDOWN - 1);
        assertFalse(b.allow());
        clock.advanceNanos(1);
        assertTrue(b.allow());
        assertFalse(b.allow());
    }

    @Test
    void releaseFreesTheProbe() {
        CircuitBreaker b = opened();
        clock.advanceNanos(COOLDOWN);
        assertTrue(b.allow());
        assertFalse(b.allow());
        b.release();
        assertEquals(State.HALF_OPEN, b.state());
        assertTrue(b.allow(), "slot freed: a new probe");
        assertFalse(b.allow());
        b.recordSuccess();
        assertEquals(State.CLOSED, b.state());
    }

    @Test
    void releaseIsANoOpOutsideHalfOpen() {
        CircuitBreaker b = breaker();
        b.release();
        assertEquals(State.CLOSED, b.state());
        assertTrue(b.allow());

        CircuitBreaker open = opened();
        open.release();
        assertEquals(State.OPEN, open.state());
        assertFalse(open.allow());
        assertEquals(COOLDOWN, open.retryAfterNanos());
    }

    @Test
    void verdictsWhileOpenAreIgnored() {
        CircuitBreaker b = opened();
        b.recordSuccess();
        b.recordSuccess();
        assertEquals(State.OPEN, b.state());
        clock.advanceNanos(10 * SECOND);
        times(5, b::recordFailure);
        assertEquals(20 * SECOND, b.retryAfterNanos(), "late failures do not restart the cooldown");
        assertEquals(0, b.requests(), "nor are they counted");
        assertEquals(0, b.failures());
    }

    @Test
    void retryAfterCountsDown() {
        CircuitBreaker b = breaker();
        assertEquals(0, b.retryAfterNanos());
        times(5, b::recordFailure);
        assertEquals(COOLDOWN, b.retryAfterNanos());
        clock.advanceNanos(10 * SECOND);
        assertEquals(20 * SECOND, b.retryAfterNanos());
        clock.advanceMillis(19_999);
        assertEquals(1_000_000L, b.retryAfterNanos());
        clock.advanceNanos(5 * SECOND);
        assertEquals(0, b.retryAfterNanos(), "never negative");
        assertTrue(b.allow());
        assertEquals(0, b.retryAfterNanos(), "0 in HALF_OPEN");
    }

    @Test
    void defaults() {
        CircuitBreaker b = CircuitBreaker.withDefaults(clock);
        assertEquals(CircuitBreaker.DEFAULT_WINDOW_MS * 1_000_000L, b.windowNanos());
        times(CircuitBreaker.DEFAULT_MIN_REQUESTS - 1, b::recordFailure);
        assertEquals(State.CLOSED, b.state());
        b.recordFailure();
        assertEquals(State.OPEN, b.state());
        assertEquals(CircuitBreaker.DEFAULT_COOLDOWN_MS * 1_000_000L, b.retryAfterNanos());
    }

    @Test
    void rejectsBadParameters() {
        assertThrows(IllegalArgumentException.class, () -> new CircuitBreaker(clock, 9, 5, 0.5, COOLDOWN));
        assertThrows(IllegalArgumentException.class, () -> new CircuitBreaker(clock, WINDOW, 0, 0.5, COOLDOWN));
        assertThrows(IllegalArgumentException.class, () -> new CircuitBreaker(clock, WINDOW, 5, 0.0, COOLDOWN));
        assertThrows(IllegalArgumentException.class, () -> new CircuitBreaker(clock, WINDOW, 5, 1.5, COOLDOWN));
        assertThrows(IllegalArgumentException.class, () -> new CircuitBreaker(clock, WINDOW, 5, Double.NaN, COOLDOWN));
        assertThrows(IllegalArgumentException.class, () -> new CircuitBreaker(clock, WINDOW, 5, 0.5, -1));
        assertThrows(NullPointerException.class, () -> new CircuitBreaker(null, WINDOW, 5, 0.5, COOLDOWN));
    }

    // ------------------------------------------------------------------ shared across replicas (issue 14)

    @Test
    void share_toldOfItsOwnOpeningWithTheCooldown_andOfTheCloseAfterAGoodProbe_notOfOtherChanges() {
        CircuitBreaker b = breaker();
        List<String> told = new ArrayList<>();
        b.share(new CircuitBreaker.Sink() {
            @Override public void opened(long cooldownNanos) { told.add("opened " + cooldownNanos); }
            @Override public void closed() { told.add("closed"); }
        });
        times(5, b::recordSuccess);
        assertEquals(List.of(), told, "successes in CLOSED change nothing");
        tripOpen(b);
        assertEquals(List.of("opened " + COOLDOWN), told);
        clock.advanceNanos(COOLDOWN);
        assertTrue(b.allow());
        b.recordFailure(); // the probe fails: open again
        assertEquals(List.of("opened " + COOLDOWN, "opened " + COOLDOWN), told);
        clock.advanceNanos(COOLDOWN);
        assertTrue(b.allow());
        b.recordSuccess();
        assertEquals(List.of("opened " + COOLDOWN, "opened " + COOLDOWN, "closed"), told);

        b.openRemotely(5 * SECOND);
        assertEquals(State.OPEN, b.state());
        assertEquals(3, told.size(), "another replica's opening is not reported back");
    }

    @Test
    void openRemotely_opensAClosedBreakerUntilTheOtherReplicasCooldownEnds_thenItProbes() {
        CircuitBreaker b = breaker();
        b.openRemotely(5 * SECOND);
        assertEquals(State.OPEN, b.state());
        assertFalse(b.allow());
        assertEquals(5 * SECOND, b.retryAfterNanos());
        assertEquals(0, b.requests(), "window cleared as on its own opening");
        clock.advanceNanos(5 * SECOND - 1);
        assertFalse(b.allow());
        clock.advanceNanos(1);
        assertTrue(b.allow(), "the probe, as after its own opening");
        assertEquals(State.HALF_OPEN, b.state());
        b.openRemotely(5 * SECOND);
        assertEquals(State.HALF_OPEN, b.state(), "a probe in flight is left alone");
        b.recordSuccess();
        assertEquals(State.CLOSED, b.state());

        b.openRemotely(0);
        assertEquals(State.CLOSED, b.state(), "nothing left of the other's cooldown: nothing to do");
        tripOpen(b);
        long own = b.retryAfterNanos();
        b.openRemotely(COOLDOWN * 10);
        assertEquals(own, b.retryAfterNanos(), "an open breaker keeps its own cooldown");
    }
}
