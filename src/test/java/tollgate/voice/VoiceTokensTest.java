package tollgate.voice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tollgate.call.ManualClock;
import tollgate.error.ErrorBody;
import tollgate.error.GatewayException;

/** Single-use session tokens: their shape, one redeem each (also under concurrency), expiry, and the cap. */
class VoiceTokensTest {
    static final Pattern TOKEN = Pattern.compile("tg_rt_[A-Za-z0-9_-]{32}");

    final ManualClock clock = new ManualClock(); // 2026-01-01T00:00:00Z
    final VoiceTokens tokens = new VoiceTokens(Duration.ofSeconds(60), clock);

    static String errorJson(GatewayException e) {
        return new String(ErrorBody.render(e), java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void mint_givesA32CharBase64urlSecret_expiringAfterTheTtl() {
        VoiceTokens.Minted m = tokens.mint("key_1", "balanced", "alloy");
        assertTrue(TOKEN.matcher(m.value()).matches(), m.value());
        assertEquals(VoiceTokens.TOKEN_CHARS, m.value().length());
        assertEquals(1_767_225_600L + 60, m.expiresAtEpochSeconds());
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) assertTrue(seen.add(tokens.mint("k", "balanced", "alloy").value()));
        assertEquals(1001, tokens.outstanding());
    }

    @Test
    void redeem_givesTheGrantOnce() {
        VoiceTokens.Minted m = tokens.mint("key_1", "premium", "coral");
        assertEquals(new VoiceTokens.Grant("key_1", "premium", "coral"), tokens.redeem(m.value()));
        assertEquals(0, tokens.outstanding());
        GatewayException again = assertThrows(GatewayException.class, () -> tokens.redeem(m.value()));
        assertEquals("{\"error\":{\"message\":\"Invalid or already used session token.\",\"type\":\"authentication_error\","
                + "\"param\":null,\"code\":401}}", errorJson(again));
    }

    @Test
    void peek_readsTheGrantWithoutUsingItUp_untilItExpires() {
        VoiceTokens.Minted m = tokens.mint("key_1", "premium", "coral");
        VoiceTokens.Grant g = new VoiceTokens.Grant("key_1", "premium", "coral");
        assertEquals(g, tokens.peek(m.value()));
        assertEquals(g, tokens.peek(m.value()));
        assertEquals(g, tokens.redeem(m.value()));
        assertThrows(GatewayException.class, () -> tokens.peek(m.value()), "used up");
        VoiceTokens.Minted late = tokens.mint("key_1", "premium", "coral");
        clock.advanceMillis(61_000);
        GatewayException e = assertThrows(GatewayException.class, () -> tokens.peek(late.value()));
        assertTrue(e.getMessage().startsWith("Session token expired at "), e.getMessage());
    }

    @Test
    void unknownOrMalformedTokens_areRefusedAlike() {
        String real = tokens.mint("key_1", "premium", "coral").value();
        String forged = real.substring(0, real.length() - 1) + (real.endsWith("A") ? "B" : "A");
        for (String bad : new String[] {forged, "tg_rt_", "", "sk-test-0123456789abcdef", real + "x", "xx" + real.substring(2),
                "tg_rt_ééééééééééééééééééééééééééééééé"}) {
            GatewayException e = assertThrows(GatewayException.class, () -> tokens.redeem(bad), bad);
            assertEquals(401, e.httpStatus());
            assertEquals("Invalid or already used session token.", e.getMessage());
        }
        assertThrows(GatewayException.class, () -> tokens.redeem(null));
        assertEquals(new VoiceTokens.Grant("key_1", "premium", "coral"), tokens.redeem(real)); // the real one is still good
    }

    @Test
    void anExpiredToken_isRefusedNamingTheTime_andUsedUp() {
        clock.advanceMillis(500); // 00:00:00.500: the expiry rounds down to a whole second
        VoiceTokens.Minted m = tokens.mint("key_1", "frugal", "ash");
        assertEquals(1_767_225_660L, m.expiresAtEpochSeconds());
        clock.advanceMillis(59_499); // 00:00:59.999: still good
        VoiceTokens.Minted n = tokens.mint("key_1", "frugal", "ash");
        assertEquals(new VoiceTokens.Grant("key_1", "frugal", "ash"), tokens.redeem(m.value()));
        clock.advanceMillis(60_001);
        GatewayException e = assertThrows(GatewayException.class, () -> tokens.redeem(n.value()));
        assertEquals("{\"error\":{\"message\":\"Session token expired at 2026-01-01T00:01:59Z; ask POST /voice/realtime for a "
                + "new one.\",\"type\":\"authentication_error\",\"param\":null,\"code\":401}}", errorJson(e));
        assertEquals("Invalid or already used session token.",
                assertThrows(GatewayException.class, () -> tokens.redeem(n.value())).getMessage());
        assertEquals(0, tokens.outstanding());
    }

    @Test
    void atTheCap_expiredTokensArePurged_elseBusy() {
        VoiceTokens small = new VoiceTokens(Duration.ofSeconds(60), clock, 3);
        List<VoiceTokens.Minted> first = new ArrayList<>();
        for (int i = 0; i < 3; i++) first.add(small.mint("k", "balanced", "alloy"));
        GatewayException busy = assertThrows(GatewayException.class, () -> small.mint("k", "balanced", "alloy"));
        assertEquals("{\"error\":{\"message\":\"Too many realtime session tokens are waiting to be used (at most 3); try again "
                + "shortly.\",\"type\":\"service_unavailable\",\"param\":null,\"code\":503}}", errorJson(busy));
        assertEquals(List.of("retry-after", "1"), List.of(busy.headers()));
        small.redeem(first.get(0).value()); // a redeemed token frees its place
        VoiceTokens.Minted later = small.mint("k", "balanced", "alloy");
        clock.advanceMillis(30_000);
        assertThrows(GatewayException.class, () -> small.mint("k", "balanced", "alloy"));
        clock.advanceMillis(30_000); // the first three's second is over; `later` (minted at the same ms) too
        VoiceTokens.Minted fresh = small.mint("k2", "premium", "verse");
        assertEquals(1, small.outstanding());
        assertThrows(GatewayException.class, () -> small.redeem(later.value())); // purged
        assertEquals(new VoiceTokens.Grant("k2", "premium", "verse"), small.redeem(fresh.value()));
    }

    @Test
    void concurrentRedeems_ofOneToken_exactlyOneWins() throws Exception {
        int threads = 16;
        for (int round = 0; round < 10; round++) {
            String value = tokens.mint("key_1", "balanced", "alloy").value();
            CountDownLatch start = new CountDownLatch(1);
            AtomicInteger won = new AtomicInteger(), refused = new AtomicInteger();
            List<Thread> all = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                all.add(Thread.ofPlatform().start(() -> {
                    try {
                        start.await();
                        tokens.redeem(value);
                        won.incrementAndGet();
                    } catch (GatewayException e) {
                        if (e.getMessage().equals("Invalid or already used session token.")) refused.incrementAndGet();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }
            start.countDown();
            for (Thread t : all) t.join();
            assertEquals(1, won.get(), "round " + round);
            assertEquals(threads - 1, refused.get(), "round " + round);
        }
        assertEquals(0, tokens.outstanding());
    }

    @Test
    void concurrentMints_neverPassTheCap() throws Exception {
        VoiceTokens small = new VoiceTokens(Duration.ofSeconds(60), clock, 100);
        AtomicInteger minted = new AtomicInteger(), busy = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> all = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            all.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                    for (int j = 0; j < 20; j++) {
                        try {
                            small.mint("k", "balanced", "alloy");
                            minted.incrementAndGet();
                        } catch (GatewayException e) {
                            busy.incrementAndGet();
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        start.countDown();
        for (Thread t : all) t.join();
        assertEquals(100, minted.get());
        assertEquals(220, busy.get());
        assertEquals(100, small.outstanding());
        assertNotEquals(0, busy.get());
    }
}
