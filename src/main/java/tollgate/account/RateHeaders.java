package tollgate.account;

import java.util.List;

/**
 * OpenAI's rate-limit headers ({@code x-ratelimit-limit-requests}, {@code -remaining-requests},
 * {@code -reset-requests}, and the same for tokens): the reset is a duration in OpenAI's style,
 * {@code 120ms}, {@code 1.5s}, {@code 6m0s}.
 */
final class RateHeaders {
    private RateHeaders() { throw new AssertionError(); }

    static void add(List<String> into, String what, TokenBucket b, long now) {
        add(into, what, b.limit(), b.remaining(now), b.resetNanos(now));
    }

    /** The headers of a bucket of {@code limit} units with {@code remaining} left, full again in {@code resetNanos}. */
    static void add(List<String> into, String what, long limit, long remaining, long resetNanos) {
        into.add("x-ratelimit-limit-" + what);
        into.add(Long.toString(limit));
        into.add("x-ratelimit-remaining-" + what);
        into.add(Long.toString(Math.max(0, remaining)));
        into.add("x-ratelimit-reset-" + what);
        into.add(duration(resetNanos));
    }

    /** {@code 0s}, {@code 120ms} below a second, {@code 1.5s} below a minute, {@code 6m0s} from there. */
    static String duration(long nanos) {
        if (nanos <= 0) return "0s";
        long ms = (nanos + 999_999) / 1_000_000;
        if (ms < 1000) return ms + "ms";
        if (ms < 60_000) return seconds(ms) + "s";
        return (ms / 60_000) + "m" + seconds(ms % 60_000) + "s";
    }

    private static String seconds(long ms) {
        long s = ms / 1000, frac = ms % 1000;
        if (frac == 0) return Long.toString(s);
        String f = String.format("%03d", frac);
        while (f.endsWith("0")) f = f.substring(0, f.length() - 1);
        return s + "." + f;
    }
}
