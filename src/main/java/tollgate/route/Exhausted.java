package tollgate.route;

import java.util.List;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;

/**
 * The error when no candidate answered. One candidate that failed is answered with its own error
 * (its status, message and headers, as if there were no router); so is a request that no
 * candidate could take (capabilities, window: the caller's 400). Otherwise the error lists every
 * candidate and why it did not answer, and is a 429 with the smallest {@code retry-after} when
 * every one was rate limited, else a 503 (with the shortest breaker wait as {@code retry-after}
 * when every one had its circuit open) — never the "no deployments available" that hides a
 * rate limit.
 */
final class Exhausted {
    private Exhausted() { throw new AssertionError(); }

    private static final String PREFIX = "No deployment could serve the request: ";
    /** Most candidates described in one message; the rest are counted. */
    static final int MAX_LISTED = 8;
    /** Longest description of one candidate's failure, in chars. */
    static final int MAX_DETAIL_CHARS = 200;

    static GatewayException error(Plan plan, List<Tried> tried, GatewayException last) {
        boolean one = tried.stream().map(Tried::deployment).distinct().count() == 1;
        if (one && last != null && tried.get(tried.size() - 1).detail() != null
                && tried.get(tried.size() - 1).detail().equals(last.getMessage())) {
            return last;
        }
        if (last != null && callerAtFault(tried, last)) return last; // every candidate refused the request itself
        if (tried.isEmpty()) {
            return new GatewayException(ErrorKind.PROVIDER_UNAVAILABLE, "No deployment is available for this request"
                    + (plan.reason().isEmpty() ? "." : " (" + plan.reason() + ")."), "model");
        }
        boolean allRateLimited = true, allOpen = true;
        long minWait = Long.MAX_VALUE;
        int listed = 0;
        StringBuilder b = new StringBuilder(PREFIX);
        for (int i = 0; i < tried.size(); i++) {
            Tried t = tried.get(i);
            boolean limited = t.outcome().equals(Tried.COOLING);
            boolean open = t.outcome().equals(Tried.CIRCUIT_OPEN);
            allRateLimited &= limited;
            allOpen &= open;
            if ((limited || open) && t.retryAfterNanos() > 0) minWait = Math.min(minWait, t.retryAfterNanos());
            // A deployment retried in a row is described once, by its last attempt.
            boolean retriedNext = i + 1 < tried.size() && tried.get(i + 1).deployment().equals(t.deployment());
            if (retriedNext) continue;
            if (listed++ < MAX_LISTED) {
                b.append(b.length() == PREFIX.length() ? "" : "; ").append(t.deployment()).append(": ").append(describe(t));
            }
        }
        if (listed > MAX_LISTED) b.append("; and ").append(listed - MAX_LISTED).append(" more");
        if (b.charAt(b.length() - 1) != '.') b.append('.'); // an upstream's message may end with its own
        GatewayException e = new GatewayException(allRateLimited ? ErrorKind.PROVIDER_RATE_LIMITED : ErrorKind.PROVIDER_UNAVAILABLE,
                b.toString(), "model");
        if ((allRateLimited || allOpen) && minWait != Long.MAX_VALUE) {
            e.withHeaders("retry-after", Long.toString(Math.max(1, (minWait + 999_999_999L) / 1_000_000_000L)));
        }
        return e;
    }

    /**
     * Whether no candidate got as far as a call because the request does not fit any of them
     * (capabilities, context window): that is the caller's to fix, so it gets the last such 400,
     * not a 503 that invites a retry.
     */
    private static boolean callerAtFault(List<Tried> tried, GatewayException last) {
        var failure = last.kind().failure(); // the kind's: a provider's refusal is a 400 marked noRetry()
        if (failure != tollgate.error.FailureClass.CALLER_FAULT && failure != tollgate.error.FailureClass.CONTEXT_TOO_LONG) return false;
        for (Tried t : tried) {
            if (!t.outcome().equals(Tried.UNSUPPORTED) && !t.outcome().equals(tollgate.error.FailureClass.CONTEXT_TOO_LONG.outcome())) return false;
        }
        return true;
    }

    private static String describe(Tried t) {
        String what = switch (t.outcome()) {
            case Tried.COOLING -> "rate limited";
            case Tried.CIRCUIT_OPEN -> "circuit open";
            case Tried.DISABLED -> "provider not enabled";
            case Tried.SCHEMA_INVALID -> "answer did not match the schema";
            default -> t.outcome().replace('_', ' ');
        };
        if (t.retryAfterNanos() > 0) what += " (retry after " + Math.max(1, (t.retryAfterNanos() + 999_999_999L) / 1_000_000_000L) + " s)";
        if (t.detail() != null && !t.outcome().equals(Tried.COOLING) && !t.outcome().equals(Tried.CIRCUIT_OPEN)) {
            String d = t.detail();
            what += " — " + (d.length() > MAX_DETAIL_CHARS ? d.substring(0, MAX_DETAIL_CHARS) + "…" : d);
        }
        return what;
    }
}
