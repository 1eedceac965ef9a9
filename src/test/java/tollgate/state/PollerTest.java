package tollgate.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The loop the shared breakers and the shared tasks poll Redis with: failures never stop it; wake and close. */
class PollerTest {
    /** Long enough that a round trip within a test's wait can only come from {@link Poller#wake}. */
    static final long LONG_INTERVAL_MS = 600_000;

    @Test
    void redisUnreachable_andOtherFailures_doNotStopThePolling() throws Exception {
        AtomicInteger rounds = new AtomicInteger();
        CountDownLatch third = new CountDownLatch(1);
        try (Poller p = new Poller("test-poller", 1, "test_poller_failed", () -> {
            int n = rounds.incrementAndGet();
            if (n == 1) throw new RedisException(RedisException.Kind.UNAVAILABLE, "Redis is unreachable");
            if (n == 2) throw new IllegalStateException("a reply of the wrong type");
            third.countDown();
        })) {
            p.start();
            assertTrue(third.await(10, TimeUnit.SECONDS), "a third round trip after two failures: " + rounds.get());
        }
    }

    @Test
    void wake_makesTheNextRoundTripNow_andClose_stopsIt() throws Exception {
        AtomicInteger rounds = new AtomicInteger();
        CountDownLatch[] seen = {new CountDownLatch(1), new CountDownLatch(2)};
        Poller p = new Poller("test-poller", LONG_INTERVAL_MS, "test_poller_failed", () -> {
            rounds.incrementAndGet();
            for (CountDownLatch l : seen) l.countDown();
        });
        p.start();
        assertTrue(seen[0].await(10, TimeUnit.SECONDS), "the first round trip at start");
        p.wake();
        assertTrue(seen[1].await(10, TimeUnit.SECONDS), "a second one on wake, not " + LONG_INTERVAL_MS + " ms later");
        p.close();
        int after = rounds.get();
        p.wake();
        assertEquals(after, rounds.get(), "no round trip once closed");
    }

    @Test
    void close_beforeStart_returns() {
        new Poller("test-poller", LONG_INTERVAL_MS, "test_poller_failed", () -> { }).close();
    }
}
