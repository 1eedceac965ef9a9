package tollgate.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BackoffTest {

    private static final long MS = 1_000_000L;
    private static final long SECOND = 1_000_000_000L;
    /** 2026-01-01T00:00:00Z, a Thursday. */
    private static final long NOW = 1_767_225_600_000L;

    @Test
    void ceilingDoublesUpToTheCap() {
        Backoff b = new Backoff(100 * MS, 10 * SECOND, new Random(1));
        long[] expected = {100 * MS, 200 * MS, 400 * MS, 800 * MS, 1_600 * MS, 3_200 * MS, 6_400 * MS,
            10 * SECOND, 10 * SECOND};
        for (int attempt = 1; attempt <= expected.length; attempt++) {
            assertEquals(expected[attempt - 1], b.ceilingNanos(attempt), "attempt " + attempt);
        }
    }

    @Test
    void drawsAreUniformWithinBounds() {
        Backoff b = new Backoff(100 * MS, 10 * SECOND, new Random(42));
        int draws = 20_000;
        for (int attempt = 1; attempt <= 10; attempt++) {
            long ceiling = b.ceilingNanos(attempt);
            long lo = Long.MAX_VALUE;
            long hi = Long.MIN_VALUE;
            double sum = 0;
            for (int i = 0; i < draws; i++) {
                long d = b.delayNanos(attempt);
                assertTrue(d >= 0 && d <= ceiling, "attempt " + attempt + ": " + d + " outside [0, " + ceiling + "]");
                lo = Math.min(lo, d);
                hi = Math.max(hi, d);
                sum += d;
            }
            // Full jitter: spread over the whole range, not clustered near the ceiling.
            assertTrue(lo < ceiling / 100, "attempt " + attempt + " min " + lo);
            assertTrue(hi > ceiling - ceiling / 100, "attempt " + attempt + " max " + hi);
            double mean = sum / draws;
            assertEquals(ceiling / 2.0, mean, ceiling * 0.02, "attempt " + attempt + " mean");
        }
    }

    @Test
    void capIsRespected() {
        Backoff b = new Backoff(1 * SECOND, 5 * SECOND, new Random(7));
        assertEquals(4 * SECOND, b.ceilingNanos(3));
        assertEquals(5 * SECOND, b.ceilingNanos(4));
        long hi = 0;
        for (int attempt = 4; attempt <= 200; attempt++) {
            for (int i = 0; i < 200; i++) {
                long d = b.delayNanos(attempt);
                assertTrue(d >= 0 && d <= 5 * SECOND, "attempt " + attempt + ": " + d);
                hi = Math.max(hi, d);
            }
        }
        assertTrue(hi > 4 * SECOND, "draws reach up toward the cap: " + hi);
    }

    @Test
    void largeAttemptsDoNotOverflow() {
        Backoff b = new Backoff(1 * SECOND, 86_400 * SECOND, new Random(3));
        for (int attempt : new int[] {31, 32, 33, 62, 63, 64, 65, 1_000, Integer.MAX_VALUE}) {
            assertEquals(86_400 * SECOND, b.ceilingNanos(attempt), "attempt " + attempt);
            long d = b.delayNanos(attempt);
            assertTrue(d >= 0 && d <= 86_400 * SECOND, "attempt " + attempt + ": " + d);
        }

        Backoff unbounded = new Backoff(1, Long.MAX_VALUE, new Random(3));
        assertEquals(1L << 62, unbounded.ceilingNanos(63));
        assertEquals(Long.MAX_VALUE, unbounded.ceilingNanos(64), "2^63 would overflow: capped");
        for (int i = 0; i < 1_000; i++) {
            assertTrue(unbounded.delayNanos(64) >= 0);
            assertTrue(unbounded.delayNanos(Integer.MAX_VALUE) >= 0);
        }
    }

    @Test
    void zeroBaseAndBadArguments() {
        Backoff zero = new Backoff(0, SECOND, new Random(1));
        assertEquals(0, zero.delayNanos(1));
        assertEquals(0, zero.delayNanos(64));
        Backoff b = new Backoff(MS, SECOND, new Random(1));
        assertThrows(IllegalArgumentException.class, () -> b.delayNanos(0));
        assertThrows(IllegalArgumentException.class, () -> b.delayNanos(-1));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(-1, SECOND, new Random(1)));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(2 * SECOND, SECOND, new Random(1)));
        assertThrows(NullPointerException.class, () -> new Backoff(MS, SECOND, null));
    }

    @Test
    void retryAfterSeconds() {
        assertEquals(120 * SECOND, Backoff.retryAfterNanos("120", null, NOW));
        assertEquals(7 * SECOND, Backoff.retryAfterNanos(" 7 ", null, NOW));
        assertEquals(0, Backoff.retryAfterNanos("0", null, NOW));
        assertEquals(86_400 * SECOND, Backoff.retryAfterNanos("86400", null, NOW), "one day is still believed");
        assertEquals(-1, Backoff.retryAfterNanos("86401", null, NOW), "more than a day is absurd");
    }

    @Test
    void retryAfterHttpDate() {
        assertEquals(90 * SECOND, Backoff.retryAfterNanos("Thu, 01 Jan 2026 00:01:30 GMT", null, NOW));
        assertEquals(90 * SECOND - 250 * MS,
                Backoff.retryAfterNanos("Thu, 01 Jan 2026 00:01:30 GMT", null, NOW + 250));
        assertEquals(0, Backoff.retryAfterNanos("Wed, 31 Dec 2025 23:59:00 GMT", null, NOW), "past date");
        assertEquals(0, Backoff.retryAfterNanos("Thu, 01 Jan 2026 00:00:00 GMT", null, NOW), "now");
        assertEquals(-1, Backoff.retryAfterNanos("Sat, 03 Jan 2026 00:00:00 GMT", null, NOW), "two days ahead");
    }

    @Test
    void retryAfterMsTakesPrecedence() {
        assertEquals(1_500 * MS, Backoff.retryAfterNanos("120", "1500", NOW));
        assertEquals(12_500_000L, Backoff.retryAfterNanos(null, "12.5", NOW), "fractional milliseconds");
        assertEquals(250_000L, Backoff.retryAfterNanos("Thu, 01 Jan 2026 00:01:30 GMT", " 0.25 ", NOW));
        assertEquals(0, Backoff.retryAfterNanos("120", "0", NOW));
        assertEquals(3 * SECOND, Backoff.retryAfterNanos("3", "soon", NOW), "invalid ms falls back");
        assertEquals(3 * SECOND, Backoff.retryAfterNanos("3", "-100", NOW), "negative ms falls back");
        assertEquals(3 * SECOND, Backoff.retryAfterNanos("3", "90000000", NOW), "absurd ms falls back");
    }

    @ParameterizedTest
    @CsvSource(nullValues = "NULL", value = {
        "NULL, NULL",
        "'', ''",
        "'   ', NULL",
        "soon, NULL",
        "-5, NULL",
        "1.5, NULL",
        "+5, NULL",
        "5s, NULL",
        "99999999999999999999999999, NULL",
        "'Thu, 32 Jan 2026 00:00:00 GMT', NULL",
        "'Thursday, 01-Jan-26 00:01:30 GMT', NULL",
        "NULL, -1",
        "NULL, NaN",
        "NULL, Infinity",
        "NULL, 1e3",
        "NULL, 0x10",
        "NULL, .5",
        "NULL, 1.2.3",
        "NULL, 86400001",
        "NULL, 999999999999999999999999999999999999999",
    })
    void garbageIsMinusOne(String retryAfter, String retryAfterMs) {
        assertEquals(-1, Backoff.retryAfterNanos(retryAfter, retryAfterMs, NOW));
    }

    @Test
    void garbageNeverThrows() {
        Random r = new Random(11);
        String alphabet = "0123456789 .:-+,GMTJanThuSat\t\u0661e";
        for (int i = 0; i < 20_000; i++) {
            String a = random(r, alphabet);
            String b = random(r, alphabet);
            long v = Backoff.retryAfterNanos(a, b, NOW);
            assertTrue(v >= -1 && v <= 86_400 * SECOND, a + " / " + b + " -> " + v);
        }
        assertEquals(-1, Backoff.retryAfterNanos("Thu, 01 Jan 2026 00:01:30 GMT", null, Long.MIN_VALUE));
    }

    private static String random(Random r, String alphabet) {
        int n = r.nextInt(12);
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
        return sb.toString();
    }
}
