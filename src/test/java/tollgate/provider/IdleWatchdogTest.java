package tollgate.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class IdleWatchdogTest {

    private final AtomicLong now = new AtomicLong();
    private final IdleWatchdog dog = new IdleWatchdog(Duration.ofMillis(100), now::get, false);

    private void advanceMillis(long ms) {
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
    }

    @Test
    void watch_firesOnceWhenIdleLongerThanItsTime() {
        AtomicInteger runs = new AtomicInteger();
        IdleWatchdog.Watch w = dog.watch(Duration.ofSeconds(1), runs::incrementAndGet);
        advanceMillis(999);
        dog.check();
        assertFalse(w.fired());
        advanceMillis(1);
        dog.check();
        assertTrue(w.fired());
        advanceMillis(5000);
        dog.check();
        assertEquals(1, runs.get());
        assertEquals(0, dog.size());
    }

    @Test
    void touch_postponesFiring() {
        AtomicInteger runs = new AtomicInteger();
        IdleWatchdog.Watch w = dog.watch(Duration.ofSeconds(1), runs::incrementAndGet);
        for (int i = 0; i < 10; i++) {
            advanceMillis(800);
            w.touch();
            dog.check();
        }
        assertFalse(w.fired());
        advanceMillis(1000);
        dog.check();
        assertTrue(w.fired());
    }

    @Test
    void close_unregistersSoItNeverFires() {
        IdleWatchdog.Watch w = dog.watch(Duration.ofMillis(10), () -> { throw new AssertionError("fired"); });
        w.close();
        advanceMillis(1000);
        dog.check();
        assertFalse(w.fired());
    }

    @Test
    void watch_withoutIdleTimeNeverFires() {
        IdleWatchdog.Watch w = dog.watch(null, () -> { throw new AssertionError("fired"); });
        advanceMillis(1_000_000);
        dog.check();
        assertFalse(w.fired());
        assertEquals(0, dog.size());
    }

    @Test
    void wrap_touchesOnEveryRead() throws IOException {
        IdleWatchdog.Watch w = dog.watch(Duration.ofSeconds(1), () -> { });
        InputStream in = w.wrap(new java.io.ByteArrayInputStream(new byte[10]));
        for (int i = 0; i < 5; i++) {
            advanceMillis(900);
            assertEquals(2, in.read(new byte[2]));
            dog.check();
        }
        assertFalse(w.fired());
    }

    @Test
    void realTicker_closesABlockedStream() throws Exception {
        PipedOutputStream out = new PipedOutputStream();
        try (IdleWatchdog real = new IdleWatchdog(); PipedInputStream in = new PipedInputStream(out)) {
            IdleWatchdog.Watch w = real.watch(Duration.ofMillis(200), () -> {
                try {
                    out.close();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            out.write(1);
            InputStream watched = w.wrap(in);
            assertEquals(1, watched.read());
            // Blocks until the watchdog closes the writer end; then the read sees the end.
            assertEquals(-1, watched.read());
            assertTrue(w.fired());
        }
    }

    @Test
    void close_stopsTheTicker() {
        IdleWatchdog real = new IdleWatchdog();
        real.close();
        IdleWatchdog.Watch w = real.watch(Duration.ofMillis(1), () -> { });
        assertEquals(0, real.size());
        assertFalse(w.fired());
    }
}
