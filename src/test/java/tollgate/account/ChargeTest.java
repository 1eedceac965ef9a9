package tollgate.account;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import tollgate.call.ManualClock;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;

/** Reservation arithmetic: admission, holds, settlement and release against one account. */
class ChargeTest {
    final ManualClock clock = new ManualClock();

    static KeyRecord key(Long credits, long rpm, long tpm, int maxStreams, List<String> allow, List<String> deny) {
        return new KeyRecord("key_1", "alice", "00", "sk-tollgate-abcdef", 0, 0, false, credits, allow, deny, rpm, tpm, maxStreams,
                Map.of());
    }

    Account account(KeyRecord k, long spent) {
        return new Account(k, true, spent, clock.nanos());
    }

    Charge charge(Account a) {
        return new Charge(a, 1000, clock);
    }

    static BigDecimal usd(String s) { return new BigDecimal(s); }

    @Test
    void creditsAreRoundedUpPerRequest() {
        Charge c = charge(account(key(null, 0, 0, 0, List.of(), List.of()), 0));
        assertEquals(0, c.credits(null));
        assertEquals(0, c.credits(BigDecimal.ZERO));
        assertEquals(1, c.credits(usd("0.0000001")), "anything at all costs a credit");
        assertEquals(1, c.credits(usd("0.001")));
        assertEquals(2, c.credits(usd("0.0010001")));
        assertEquals(3, c.credits(usd("0.00204")), "seed 003: 0.00204 USD at 1000/USD -> 3");
    }

    @Test
    void aHoldIsTakenOnce_andRaisedOnlyByTheDifference() {
        Account a = account(key(10L, 0, 0, 0, List.of(), List.of()), 0);
        Charge c = charge(a);
        c.cover(usd("0.004"));
        assertEquals(4, a.held());
        c.cover(usd("0.003")); // a cheaper candidate: the hold stays
        assertEquals(4, a.held());
        c.cover(usd("0.006")); // a dearer one: raised to 6, not 10
        assertEquals(6, a.held());
        c.settle(5, 0);
        assertEquals(0, a.held());
        assertEquals(5, a.balance());
        assertEquals(5, c.charged());
        c.close();
        assertEquals(5, a.balance(), "close after settle changes nothing");
    }

    @Test
    void aBalanceThatCannotCoverTheWorstCase_is402_andHoldsNothing() {
        Account a = account(key(10L, 0, 0, 0, List.of(), List.of()), 7);
        Charge c = charge(a);
        GatewayException e = assertThrows(GatewayException.class, () -> c.cover(usd("0.004")));
        assertEquals(ErrorKind.POLICY_INSUFFICIENT_CREDITS, e.kind());
        assertEquals(402, e.httpStatus());
        assertEquals("Insufficient credits: this request may cost up to 4 credits and the key's balance is 3. Add credits to continue.",
                e.getMessage());
        assertEquals(0, a.held());
        c.cover(usd("0.003"));
        assertEquals(3, a.held(), "exactly the balance is enough");
    }

    @Test
    void usageBeyondTheEstimateIsStillCharged_theBalanceMayGoNegative() {
        Account a = account(key(5L, 0, 0, 0, List.of(), List.of()), 0);
        Charge c = charge(a);
        c.cover(usd("0.002"));
        c.settle(9, 0);
        assertEquals(-4, a.balance());
        assertThrows(GatewayException.class, () -> charge(a).cover(usd("0.000001")));
    }

    @Test
    void closingWithoutSettling_givesTheHoldBack() {
        Account a = account(key(10L, 0, 0, 0, List.of(), List.of()), 0);
        try (Charge c = charge(a)) {
            c.cover(usd("0.010"));
            assertEquals(10, a.held());
        }
        assertEquals(0, a.held());
        assertEquals(10, a.balance());
    }

    @Test
    void anUnlimitedKeyIsNeverRefused_butItsSpendIsCounted() {
        Account a = account(key(null, 0, 0, 0, List.of(), List.of()), 100);
        Charge c = charge(a);
        c.cover(usd("1000"));
        c.settle(7, 0);
        assertNull(a.balance());
        assertEquals(107, a.spent());
    }

    @Test
    void concurrentHolds_letThroughExactlyWhatTheBalanceCovers() throws Exception {
        Account a = account(key(10L, 0, 0, 0, List.of(), List.of()), 0);
        AtomicInteger through = new AtomicInteger(), refused = new AtomicInteger();
        List<Charge> held = java.util.Collections.synchronizedList(new ArrayList<>());
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 100; i++) {
                pool.submit(() -> {
                    Charge c = charge(a);
                    try {
                        c.cover(usd("0.001"));
                        through.incrementAndGet();
                        held.add(c);
                    } catch (GatewayException e) {
                        refused.incrementAndGet();
                    }
                });
            }
        }
        assertEquals(10, through.get());
        assertEquals(90, refused.get());
        for (Charge c : held) c.settle(1, 0);
        assertEquals(0, a.balance());
        assertEquals(0, a.held());
    }

    @Test
    void admission_checksRulesFirst_andNamesTheRule() {
        Account a = account(key(null, 1, 0, 0, List.of("gpt-*"), List.of("gpt-4o")), 0);
        GatewayException e = assertThrows(GatewayException.class, () -> charge(a).admit(List.of("gpt-4o"), false, 10));
        assertEquals(403, e.httpStatus());
        assertEquals("Model 'gpt-4o' is not allowed for this key (rule: deny \"gpt-4o\").", e.getMessage());
        assertEquals("model", e.param());
        e = assertThrows(GatewayException.class, () -> charge(a).admit(List.of("gpt-4o-mini", "claude-3"), false, 10));
        assertEquals("Model 'claude-3' is not allowed for this key (rule: allow \"gpt-*\").", e.getMessage(), "fallbacks too");
        charge(a).admit(List.of("gpt-4o-mini"), false, 10); // refusals took no request from the bucket
    }

    @Test
    void requestsPerMinute_refuseWithRetryAfter_andHeadersTellTheState() {
        Account a = account(key(null, 2, 0, 0, List.of(), List.of()), 0);
        List<List<String>> seen = new ArrayList<>();
        Charge c1 = charge(a);
        c1.onLimits(seen::add);
        c1.admit(List.of("m"), false, 0);
        assertEquals(List.of("x-ratelimit-limit-requests", "2", "x-ratelimit-remaining-requests", "1",
                "x-ratelimit-reset-requests", "30s"), seen.get(0));
        charge(a).admit(List.of("m"), false, 0);
        Charge c3 = charge(a);
        c3.onLimits(seen::add);
        GatewayException e = assertThrows(GatewayException.class, () -> c3.admit(List.of("m"), false, 0));
        assertEquals(429, e.httpStatus());
        assertEquals("Rate limit reached for this key: 2 requests per minute. Try again in 30s.", e.getMessage());
        assertEquals(List.of("retry-after", "30"), List.of(e.headers()));
        assertEquals(List.of("x-ratelimit-limit-requests", "2", "x-ratelimit-remaining-requests", "0",
                "x-ratelimit-reset-requests", "1m0s"), seen.get(1), "headers on the refusal too");
        clock.advanceMillis(30_000);
        charge(a).admit(List.of("m"), false, 0);
    }

    @Test
    void tokensPerMinute_areTakenFromTheEstimate_andCorrectedToTheUsage() {
        Account a = account(key(null, 0, 1000, 0, List.of(), List.of()), 0);
        Charge c = charge(a);
        c.admit(List.of("m"), false, 600);
        assertEquals(400, a.terms().tpm().remaining(clock.nanos()));
        c.settle(0, 100); // used 100 of the 600 taken
        assertEquals(900, a.terms().tpm().remaining(clock.nanos()));
        GatewayException e = assertThrows(GatewayException.class, () -> charge(a).admit(List.of("m"), false, 1001));
        assertEquals("Request too large: about 1001 tokens (prompt and max_tokens) against the key's limit of 1000 tokens per "
                + "minute; lower max_tokens or shorten the prompt.", e.getMessage());
        e = assertThrows(GatewayException.class, () -> charge(a).admit(List.of("m"), false, 950));
        assertEquals(429, e.httpStatus());
        assertTrue(e.getMessage().startsWith("Rate limit reached for this key: 1000 tokens per minute. Try again in "), e.getMessage());
    }

    @Test
    void concurrentStreams_areCapped_andASlotIsFreedOnClose() {
        Account a = account(key(null, 5, 0, 1, List.of(), List.of()), 0);
        Charge first = charge(a);
        first.admit(List.of("m"), true, 0);
        assertEquals(1, a.streams());
        Charge second = charge(a);
        GatewayException e = assertThrows(GatewayException.class, () -> second.admit(List.of("m"), true, 0));
        assertEquals("Too many concurrent streams for this key (at most 1); wait for one to end.", e.getMessage());
        assertEquals(429, e.httpStatus());
        assertEquals(4, a.terms().rpm().remaining(clock.nanos()), "the refused stream's request was given back");
        charge(a).admit(List.of("m"), false, 0); // non-streamed requests are not capped
        first.close();
        assertEquals(0, a.streams());
        Charge third = charge(a);
        third.admit(List.of("m"), true, 0);
        third.close();
        third.close();
        assertEquals(0, a.streams(), "idempotent");
        assertFalse(a.terms().rules().allow().contains("x"));
    }
}
