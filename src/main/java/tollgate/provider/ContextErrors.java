package tollgate.provider;

import tollgate.error.GatewayException;

/**
 * An upstream's context-window error, retold in the gateway's one wording
 * ({@link GatewayException#contextTooLong}, seed 002), so that a client sees the same error
 * whether the gateway's estimate or the upstream caught it.
 */
final class ContextErrors {
    private ContextErrors() { throw new AssertionError(); }

    /** Most numbers read from an upstream message. */
    private static final int MAX_NUMBERS = 8;

    /**
     * @param upstreamMessage the upstream's error message, or null
     * @return the error with the model's configured window (else the smallest number the
     *         upstream named) and the largest count the upstream named above it (else the
     *         gateway's own estimate)
     */
    static GatewayException tooLong(ChatCall call, String upstreamMessage, int upstreamStatus) {
        long[] numbers = numbers(upstreamMessage);
        long window = call.model().contextLength();
        if (window <= 0) {
            for (long n : numbers) if (n > 0 && (window <= 0 || n < window)) window = n;
        }
        long tokens = 0;
        for (long n : numbers) if (n > window && n > tokens) tokens = n;
        if (tokens == 0) tokens = call.promptTokens();
        GatewayException e = GatewayException.contextTooLong(window, tokens);
        return new GatewayException(e.kind(), e.getMessage(), e.param(), upstreamStatus, null);
    }

    /**
     * The whole numbers in {@code text} ("208310 tokens > 200000 maximum"; digits grouped with
     * commas count as one number), at most {@link #MAX_NUMBERS}; none for null.
     */
    static long[] numbers(String text) {
        if (text == null) return new long[0];
        long[] found = new long[MAX_NUMBERS];
        int count = 0;
        int i = 0;
        int n = text.length();
        while (i < n && count < MAX_NUMBERS) {
            if (!isDigit(text.charAt(i))) {
                i++;
                continue;
            }
            long value = 0;
            boolean overflow = false;
            while (i < n) {
                char c = text.charAt(i);
                if (isDigit(c)) {
                    if (value > (Long.MAX_VALUE - 9) / 10) overflow = true;
                    else value = value * 10 + (c - '0');
                    i++;
                } else if (c == ',' && isGroup(text, i + 1)) {
                    i++;
                } else {
                    break;
                }
            }
            if (!overflow) found[count++] = value;
        }
        return java.util.Arrays.copyOf(found, count);
    }

    /** Three digits starting at {@code i}, not followed by a fourth: a thousands group. */
    private static boolean isGroup(String s, int i) {
        if (i + 3 > s.length()) return false;
        for (int k = i; k < i + 3; k++) if (!isDigit(s.charAt(k))) return false;
        return i + 3 == s.length() || !isDigit(s.charAt(i + 3));
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
