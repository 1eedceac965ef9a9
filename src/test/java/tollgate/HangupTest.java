package tollgate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** SIGHUPs that arrive while a reload runs are coalesced into one more reload (no thread per signal left waiting). */
class HangupTest {
    @Test
    void aBurstOfSignalsDuringAReloadGivesOneMoreReload_theOtherHandlersReturnAtOnce() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger reloads = new AtomicInteger();
        Runnable handler = Hangup.coalesced(() -> {
            if (reloads.incrementAndGet() == 1) {
                entered.countDown();
                try {
                    release.await(); // the first reload is slow (discovery, MCP servers)
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        Thread first = Thread.ofPlatform().start(handler);
        try {
            burst(handler, entered, release, reloads, first);
        } finally {
            release.countDown(); // never leave the threads parked, even when an assertion failed
        }
    }

    private static void burst(Runnable handler, CountDownLatch entered, CountDownLatch release, AtomicInteger reloads, Thread first)
            throws InterruptedException {
        entered.await();
        Thread second = Thread.ofPlatform().start(handler);
        awaitParked(second); // waiting for the first reload to end
        List<Thread> burst = new ArrayList<>();
        for (int i = 0; i < 5; i++) burst.add(Thread.ofPlatform().start(handler));
        for (Thread t : burst) awaitParked(t);
        for (Thread t : burst) assertEquals(Thread.State.TERMINATED, t.getState(), "a handler was left waiting for the reload");
        release.countDown();
        first.join();
        second.join();
        for (Thread t : burst) t.join();
        assertEquals(2, reloads.get(), "the running reload, then one for every signal that came during it");
        handler.run(); // later signals reload again
        assertEquals(3, reloads.get());
    }

    /** Waits until {@code t} has ended or is parked (no timing: it gets there or the test hangs). */
    private static void awaitParked(Thread t) throws InterruptedException {
        while (t.getState() != Thread.State.TERMINATED && t.getState() != Thread.State.WAITING) Thread.sleep(1);
    }
}
