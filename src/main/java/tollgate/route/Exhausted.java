package tollgate.route;

import java.util.List;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;

/**
 * The error when no candidate answered. One candidate that failed is answered with its own error
 * (its status, message and headers, as if there were no router). Otherwise the error lists every
 * candidate and why it did not answer, and is a 429 with the smallest {@code retry-after} when
 * every one was rate limited, else a 503 (with the shortest breaker wait as {@code retry-after}
 * when every one had its circuit open) — never the "no deployments available" that hides a
 * rate limit.
 */
final class Exhausted {
    private Exhausted() { throw new AssertionError(); }

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
        if (tried.isEmpty()) {
            return new GatewayException(ErrorKind.PROVIDER_UNAVAILABLE, "No deployment is available for this request"
                    + (plan.reason().isEmpty() ? "." : " (" + plan.reason() + ")."), "model");
        }
        boolean allRateLimited = true, allOpen = true;
        long minWait = Long.MAX_VALUE;
        StringBuilder b = new StringBuilder("No deployment could serve the request: ");
        for (int i = 0; i < tried.size(); i++) {
            Tried t = tried.get(i);
            boolean limited = t.outcome().equals(Tried.COOLING);
            boolean open = t.outcome().equals(Tried.CIRCUIT_OPEN);
            allRateLimited &= limited;
            allOpen &= open;
            if ((limited || open) && t.retryAfterNanos() > 0) minWait = Math.min(minWait, t.retryAfterNanos());
            if (i < MAX_LISTED) {
                b.append(i == 0 ? "" : "; ").append(t.deployment()).append(": ").append(describe(t));
            }
        }
        if (tried.size() > MAX_LISTED) b.append("; and ").append(tried.size() - MAX_LISTED).append(" more");
        b.append('.');
        GatewayException e = new GatewayException(allRateLimited ? ErrorKind.PROVIDER_RATE_LIMITED : ErrorKind.PROVIDER_UNAVAILABLE,
                b.toString(), "model");
        if ((allRateLimited || allOpen) && minWait != Long.MAX_VALUE) {
            e.withHeaders("retry-after", Long.toString(Math.max(1, (minWait + 999_999_999L) / 1_000_000_000L)));
        }
        return e;
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
