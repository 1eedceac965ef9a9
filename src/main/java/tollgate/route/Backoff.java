package tollgate.route;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Retry delays: exponential backoff with "full jitter", and the server's own Retry-After hints.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>{@link #delayNanos(int)}: for retry number {@code attempt} (1 = the first retry), a delay
 *       drawn uniformly from {@code [0, min(cap, base * 2^(attempt-1))]}, both ends included
 *       (Brooker, "Exponential Backoff And Jitter", AWS Architecture Blog, 2015: {@code sleep =
 *       random_between(0, min(cap, base * 2 ** attempt))}, here counted so the first retry uses
 *       {@code base}). The exponent saturates at the cap, so no attempt number overflows.</li>
 *   <li>{@link #retryAfterNanos(String, String, long)}: how long the server asked us to wait,
 *       from RFC 9110 §10.2.3 {@code Retry-After} or OpenAI's {@code retry-after-ms}.</li>
 * </ul>
 *
 * <p>Immutable; safe for concurrent use when the {@link RandomGenerator} is ({@link java.util.Random}
 * is; {@link java.util.SplittableRandom} and the {@code java.util.random} LXM generators are not).
 * {@link #delayNanos(int)} allocates nothing.
 */
public final class Backoff {

    /** Longest server-requested wait that is believed, in seconds (one day); longer is treated as absent. */
    public static final long MAX_RETRY_AFTER_SECONDS = 86_400;

    private static final long NANOS_PER_MILLI = 1_000_000L;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final long MAX_RETRY_AFTER_MILLIS = MAX_RETRY_AFTER_SECONDS * 1_000L;
    /** Longest header value looked at; anything longer is not a valid delay or date. */
    private static final int MAX_HEADER_CHARS = 64;

    private final long baseNanos;
    private final long capNanos;
    private final RandomGenerator random;

    /**
     * @param baseNanos delay ceiling for the first retry, nanoseconds, at least 0
     * @param capNanos  largest delay ceiling, nanoseconds, at least {@code baseNanos}
     * @param random    source of the jitter
     */
    public Backoff(long baseNanos, long capNanos, RandomGenerator random) {
        if (baseNanos < 0) throw new IllegalArgumentException("baseNanos must be >= 0: " + baseNanos);
        if (capNanos < baseNanos) {
            throw new IllegalArgumentException("capNanos (" + capNanos + ") must be >= baseNanos (" + baseNanos + ")");
        }
        this.baseNanos = baseNanos;
        this.capNanos = capNanos;
        this.random = Objects.requireNonNull(random, "random");
    }

    /** The upper bound of the delay for {@code attempt}: {@code min(cap, base * 2^(attempt-1))}. */
    public long ceilingNanos(int attempt) {
        if (attempt < 1) throw new IllegalArgumentException("attempt must be >= 1: " + attempt);
        int shift = attempt - 1;
        if (baseNanos == 0) return 0;
        // base << shift <= cap  <=>  base <= cap >> shift (for shift < 63); otherwise it is capped.
        if (shift >= Long.SIZE - 1 || baseNanos > (capNanos >> shift)) return capNanos;
        return baseNanos << shift;
    }

    /** A delay for retry number {@code attempt} (1 = first retry), uniform in [0, ceiling]. */
    public long delayNanos(int attempt) {
        long ceiling = ceilingNanos(attempt);
        if (ceiling == 0) return 0;
        if (ceiling == Long.MAX_VALUE) return random.nextLong() & Long.MAX_VALUE;
        return random.nextLong(ceiling + 1);
    }

    /**
     * How long the server asked us to wait, in nanoseconds, or -1 if it did not say (usably).
     *
     * <p>{@code retryAfterMsHeader} (OpenAI's {@code retry-after-ms}: milliseconds, possibly
     * fractional, e.g. {@code "1500"} or {@code "12.5"}) wins when valid. Otherwise
     * {@code retryAfterHeader} (RFC 9110 §10.2.3: {@code delay-seconds = 1*DIGIT} or an
     * {@code HTTP-date}, read with {@link DateTimeFormatter#RFC_1123_DATE_TIME}; a date in the past
     * gives 0). Values that are missing, malformed, negative or longer than
     * {@link #MAX_RETRY_AFTER_SECONDS} are not valid; an invalid {@code retry-after-ms} falls back
     * to {@code Retry-After}. Never throws.
     *
     * @param retryAfterHeader   value of {@code Retry-After}, or null
     * @param retryAfterMsHeader value of {@code retry-after-ms}, or null
     * @param nowMillis          wall-clock epoch milliseconds that HTTP-dates are measured from
     */
    public static long retryAfterNanos(String retryAfterHeader, String retryAfterMsHeader, long nowMillis) {
        long ms = parseMillis(retryAfterMsHeader);
        if (ms >= 0) return ms;
        return parseRetryAfter(retryAfterHeader, nowMillis);
    }

    /** {@code 1*DIGIT ["." *DIGIT]} milliseconds to nanoseconds, or -1. */
    private static long parseMillis(String header) {
        if (header == null) return -1;
        String s = header.strip();
        if (s.isEmpty() || s.length() > MAX_HEADER_CHARS) return -1;
        boolean dot = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '.') {
                if (dot || i == 0) return -1;
                dot = true;
            } else if (c < '0' || c > '9') {
                return -1;
            }
        }
        double millis;
        try {
            millis = Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return -1;
        }
        if (!(millis >= 0) || millis > MAX_RETRY_AFTER_MILLIS) return -1;
        return Math.round(millis * NANOS_PER_MILLI);
    }

    /** RFC 9110 Retry-After (delay-seconds or HTTP-date) to nanoseconds, or -1. */
    private static long parseRetryAfter(String header, long nowMillis) {
        if (header == null) return -1;
        String s = header.strip();
        if (s.isEmpty() || s.length() > MAX_HEADER_CHARS) return -1;
        if (allDigits(s)) {
            long seconds = 0;
            for (int i = 0; i < s.length(); i++) {
                seconds = seconds * 10 + (s.charAt(i) - '0');
                if (seconds > MAX_RETRY_AFTER_SECONDS) return -1;
            }
            return seconds * NANOS_PER_SECOND;
        }
        long at;
        try {
            at = ZonedDateTime.parse(s, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
        } catch (RuntimeException e) { // DateTimeParseException, ArithmeticException
            return -1;
        }
        long delta;
        try {
            delta = Math.subtractExact(at, nowMillis);
        } catch (ArithmeticException e) {
            return -1;
        }
        if (delta <= 0) return 0;
        if (delta > MAX_RETRY_AFTER_MILLIS) return -1;
        return delta * NANOS_PER_MILLI;
    }

    private static boolean allDigits(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') return false;
        }
        return true;
    }
}
