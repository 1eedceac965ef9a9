package tollgate.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import tollgate.call.ManualClock;
import tollgate.state.RedisServer;
import tollgate.state.SharedState;

/** Breakers shared by two replicas over one real redis-server (issue 14): an opening seen by the other, a good probe's close, Redis gone. */
class SharedBreakersTest {
    static final String ID = "openai/gpt-x";
    static final long COOLDOWN_NANOS = Duration.ofSeconds(30).toNanos();

    /** Opens at the first failure: one call minimum, any failure ratio. */
    static CircuitBreaker breaker(ManualClock clock) {
        return new CircuitBreaker(clock, Duration.ofSeconds(30).toNanos(), 1, 1.0, COOLDOWN_NANOS);
    }

    /** Polls (10 ms) until {@code condition} holds, for at most 10 s (many poll intervals): no assertion on timing. */
    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("not within 10 s: " + what);
            Thread.sleep(10);
        }
    }

    @Test
    void anOpeningOnOneReplica_isSeenOpenOnTheOther_untilItsCooldownEnds_andAGoodProbeDeletesTheKey() throws Exception {
        try (RedisServer r = RedisServer.start();
             SharedState stateA = SharedState.open(r.stateConfig("replica-a"));
             SharedState stateB = SharedState.open(r.stateConfig("replica-b"));
             SharedBreakers a = SharedBreakers.start(stateA);
             SharedBreakers b = SharedBreakers.start(stateB)) {
            ManualClock clockA = new ManualClock(), clockB = new ManualClock();
            CircuitBreaker onA = breaker(clockA), onB = breaker(clockB);
            a.attach(ID, onA);
            b.attach(ID, onB);
            String key = "tollgate:cb:{" + ID + "}";
            assertEquals(a.key(ID), key);

            onA.recordFailure();
            assertEquals(CircuitBreaker.State.OPEN, onA.state());
            await("B's breaker opens", () -> onB.state() == CircuitBreaker.State.OPEN);
            assertFalse(onB.allow(), "B sends no call there while A's cooldown runs");
            long left = onB.retryAfterNanos();
            assertTrue(left > 0 && left <= COOLDOWN_NANOS, "B's cooldown ends when A's does: " + left);
            assertEquals("replica-a", r.command("GET", key));

            // A's cooldown ends: it probes, the probe succeeds, the key goes.
            clockA.advanceNanos(COOLDOWN_NANOS);
            assertTrue(onA.allow(), "A's probe");
            onA.recordSuccess();
            assertEquals(CircuitBreaker.State.CLOSED, onA.state());
            await("the key is deleted", () -> Long.valueOf(0).equals(r.command("EXISTS", key)));

            // B, opened remotely, probes on its own once that cooldown is over, as after its own opening.
            clockB.advanceNanos(left);
            assertTrue(onB.allow(), "B's probe");
            onB.recordSuccess();
            assertEquals(CircuitBreaker.State.CLOSED, onB.state());
        }
    }

    @Test
    void redisGone_eachReplicaKeepsItsOwnBreakers_withoutErrors() throws Exception {
        try (RedisServer r = RedisServer.start();
             SharedState stateA = SharedState.open(r.stateConfig("replica-a"));
             SharedState stateB = SharedState.open(r.stateConfig("replica-b"));
             SharedBreakers a = SharedBreakers.start(stateA);
             SharedBreakers b = SharedBreakers.start(stateB)) {
            ManualClock clock = new ManualClock();
            CircuitBreaker onA = breaker(clock), onB = breaker(clock);
            a.attach(ID, onA);
            b.attach(ID, onB);
            r.kill();
            onA.recordFailure(); // no Redis call on this path: nothing to fail
            assertEquals(CircuitBreaker.State.OPEN, onA.state());
            await("A notices Redis is gone", () -> stateA.degraded());
            assertTrue(onB.allow(), "B has only its own breaker now");
            assertEquals(CircuitBreaker.State.CLOSED, onB.state());

            // Back: A's next opening is shared again.
            r.restart();
            clock.advanceNanos(COOLDOWN_NANOS);
            assertTrue(onA.allow());
            onA.recordFailure(); // the probe fails: open again, published
            await("B sees the opening once Redis is back", () -> onB.state() == CircuitBreaker.State.OPEN);
        }
    }

    @Test
    void localState_sharesNothing() {
        SharedBreakers local = SharedBreakers.start(SharedState.local());
        CircuitBreaker cb = breaker(new ManualClock());
        local.attach(ID, cb);
        assertFalse(local.shared());
        cb.recordFailure();
        assertEquals(CircuitBreaker.State.OPEN, cb.state());
        local.close();
    }
}
