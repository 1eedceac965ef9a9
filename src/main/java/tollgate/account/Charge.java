package tollgate.account;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import tollgate.call.Clock;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;

/**
 * What one request holds of its key's account, from admission to settlement (issue 9): the
 * rate-limit units it took, the credits held for its worst case, a stream slot. Used by the one
 * thread that serves the request; {@link #close} gives back whatever was not settled, so a
 * request that fails anywhere leaves the account as it found it.
 *
 * <p>Order of checks at admission, each an error in the OpenAI shape: the model rules (403,
 * naming the model and the rule), requests per minute, tokens per minute, concurrent streams
 * (429 with {@code retry-after}). Credits are held per attempt ({@link #cover}), since a routed
 * request's price is known only once a deployment is picked.
 */
public final class Charge implements AutoCloseable {
    /** A request without an account (tests, benchmarks): everything allowed, nothing charged. */
    public static Charge none() { return new Charge(null, 0, Clock.SYSTEM); }

    private final Account account;
    private final long creditsPerUsd;
    private final Clock clock;
    private Account.Terms terms;
    private long tokensTaken;
    private long held;
    private boolean stream;
    /** The stream this request's chunks go to holds a slot of its own ({@link #streamHeld}): admission takes none. */
    private boolean streamHeld;
    private boolean settled;
    private long charged;
    private Consumer<List<String>> limits = pairs -> { };
    /** Limits and balances shared with other replicas (issue 14), or null when state is local. */
    private final SharedLimits shared;
    /** The shared buckets' answer when they admitted or refused this request; null: the local buckets did. */
    private SharedLimits.Admission admission;
    /** This request's credit hold in Redis (maybe: its reserve's reply may have been lost), or null (none asked for). */
    private String sharedHold;
    /** What every replica charged the key, as the settlement in Redis saw it; -1: not known (local). */
    private long sharedSpent = -1;

    Charge(Account account, long creditsPerUsd, Clock clock) {
        this(account, creditsPerUsd, clock, null);
    }

    Charge(Account account, long creditsPerUsd, Clock clock, SharedLimits shared) {
        this.account = account;
        this.creditsPerUsd = creditsPerUsd;
        this.clock = clock;
        this.terms = account == null ? null : account.terms();
        this.shared = shared;
    }

    /** The account, or null. */
    public Account account() { return account; }

    /**
     * Admits the request: {@code models} (what the client named: the model and its fallbacks)
     * against the key's rules, one request and {@code tokens} (the estimate: prompt plus the
     * completion allowed) against its per-minute limits, and a stream slot.
     */
    public void admit(List<String> models, boolean stream, long tokens) {
        if (account == null) return;
        try {
            check(models, stream, tokens);
        } finally {
            if (account.limited()) limits.accept(rateHeaders()); // refused or not: the state after this request
        }
    }

    /**
     * Where the rate-limit headers go once the request is admitted or refused (a surface that
     * answers over HTTP sets them on its response).
     */
    public void onLimits(Consumer<List<String>> sink) {
        this.limits = sink;
    }

    private void check(List<String> models, boolean stream, long tokens) {
        Account.Terms t = terms;
        for (String m : models) {
            String rule = t.rules().refusal(m);
            if (rule != null) {
                throw new GatewayException(ErrorKind.POLICY_FORBIDDEN, "Model '" + clip(m) + "' is not allowed for this key (rule: "
                        + rule + ").", "model");
            }
        }
        long now = clock.nanos();
        if (t.tpm() != null && tokens > t.tpm().limit()) {
            throw new GatewayException(ErrorKind.POLICY_RATE_LIMITED, "Request too large: about " + tokens
                    + " tokens (prompt and max_tokens) against the key's limit of " + t.tpm().limit()
                    + " tokens per minute; lower max_tokens or shorten the prompt.", "max_tokens").noRetry();
        }
        if (shared != null && (t.rpm() != null || t.tpm() != null)) {
            SharedLimits.Admission a = shared.admit(account.id(), limit(t.rpm()), limit(t.tpm()), tokens);
            if (a != null) { // else Redis is unreachable: this replica's own buckets decide (degraded)
                admission = a;
                if (a.status() == 1) throw limited("requests", t.rpm().limit() + " requests per minute", a.waitNanos());
                if (a.status() != 0) throw limited("tokens", t.tpm().limit() + " tokens per minute", a.waitNanos());
                if (t.tpm() != null) tokensTaken = tokens;
                openStreamSlot(stream, now);
                return;
            }
        }
        if (t.rpm() != null) {
            long wait = t.rpm().take(1, now);
            if (wait > 0) throw limited("requests", t.rpm().limit() + " requests per minute", wait);
        }
        if (t.tpm() != null) {
            long wait = t.tpm().take(tokens, now);
            if (wait > 0) {
                if (t.rpm() != null) t.rpm().adjust(-1, now);
                throw limited("tokens", t.tpm().limit() + " tokens per minute", wait);
            }
            tokensTaken = tokens;
        }
        openStreamSlot(stream, now);
    }

    private void openStreamSlot(boolean stream, long now) {
        if (stream && !streamHeld) {
            if (!account.openStream()) {
                give(now);
                throw tooManyStreams();
            }
            this.stream = true;
        }
    }

    private GatewayException tooManyStreams() {
        return new GatewayException(ErrorKind.POLICY_RATE_LIMITED, "Too many concurrent streams for this key (at most "
                + terms.key().maxStreams() + "); wait for one to end.").withHeaders("retry-after", "1");
    }

    /**
     * Takes one of the key's stream slots for the whole request, without admitting anything else:
     * an agent loop's stream, open across its model calls and its tool runs (each call, charged on
     * its own, is {@link #streamHeld told} the slot is taken). Given back at {@link #close}.
     *
     * @throws GatewayException 429 when the key has {@code max_streams} streams open
     */
    public void holdStream() {
        if (account == null || stream) return;
        if (!account.openStream()) throw tooManyStreams();
        stream = true;
    }

    /** The stream this request's chunks go to already holds a slot ({@link #holdStream}): {@link #admit} takes none. */
    public void streamHeld() {
        streamHeld = true;
    }

    private static long limit(TokenBucket b) {
        return b == null ? 0 : b.limit();
    }

    /** Gives back the units an admission that failed later took. */
    private void give(long now) {
        if (admission != null) {
            shared.adjust(account.id(), limit(terms.rpm()), -1, limit(terms.tpm()), -tokensTaken);
            tokensTaken = 0;
            return;
        }
        if (terms.rpm() != null) terms.rpm().adjust(-1, now);
        if (terms.tpm() != null) terms.tpm().adjust(-tokensTaken, now);
        tokensTaken = 0;
    }

    private GatewayException limited(String what, String limit, long waitNanos) {
        long seconds = Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
        return new GatewayException(ErrorKind.POLICY_RATE_LIMITED, "Rate limit reached for this key: " + limit
                + ". Try again in " + RateHeaders.duration(waitNanos) + ".", null)
                .withHeaders("retry-after", Long.toString(seconds));
    }

    /**
     * Whether a policy or a group may route this key's request to {@code model}: not denied (the
     * allow list is for what the client names, checked at {@link #admit}).
     */
    public boolean mayRouteTo(String model) {
        return account == null || !terms.rules().denies(model);
    }

    /** Credits for {@code usd}, rounded up (a request that cost anything costs at least one); 0 when unknown. */
    public long credits(BigDecimal usd) {
        if (usd == null || usd.signum() <= 0) return 0;
        return usd.multiply(BigDecimal.valueOf(creditsPerUsd)).setScale(0, RoundingMode.CEILING).longValueExact();
    }

    /**
     * Holds credits for an attempt that may cost up to {@code worstUsd}, on top of nothing: the
     * hold is raised to that amount if it is lower.
     *
     * @throws GatewayException 402 when the balance cannot cover it
     */
    public void cover(BigDecimal worstUsd) {
        if (account == null || settled) return;
        long need = credits(worstUsd);
        if (need <= held) return;
        if (!account.hold(need - held)) throw insufficient(need, account.balance(), account.held());
        // This replica's own hold runs always (it is the fallback, and it never admits what the
        // shared balance would refuse: it counts only this replica's spend); the shared one
        // counts every replica's.
        Long granted = terms.key().credits();
        if (shared != null && granted != null) {
            String id = sharedHold != null ? sharedHold : shared.newHoldId();
            SharedLimits.Reserve r = shared.reserve(account.id(), granted, need - held, id);
            if (r != null && !r.held()) {
                account.settle(need - held, 0); // gives back this replica's hold just taken
                throw insufficient(need, r.balance(), r.heldByAll());
            }
            // Kept also when the reply was lost (a timeout after the server ran it): the hold may be
            // there, and settlement drops it (dropping one never made is harmless) rather than
            // leaving it to lapse after SharedLimits.HOLD_TTL_MS, refusing the key's credits meanwhile.
            sharedHold = id;
        }
        held = need;
    }

    private static GatewayException insufficient(long need, Long balance, long heldNow) {
        return new GatewayException(ErrorKind.POLICY_INSUFFICIENT_CREDITS, "Insufficient credits: this request may cost up to "
                + need + " credits and the key's balance is " + balance + (heldNow > 0 ? " (" + heldNow
                + " held by requests in flight)" : "") + ". Add credits to continue.", null).noRetry();
    }

    /**
     * The request ended: charges {@code credits} (recorded in the ledger by the caller first),
     * corrects the token bucket to {@code tokens} actually used, gives back the rest. Once.
     */
    public void settle(long credits, long tokens) {
        if (settled) return;
        settled = true;
        charged = credits;
        if (account == null) return;
        account.settle(held, credits);
        held = 0;
        // A hold made in Redis is dropped there, and this replica's total (its journal's: the
        // record is written before settling) set; a hold made locally (Redis was unreachable) is
        // settled locally only, and the total set right when Redis is back (reconciliation).
        if (shared != null && (sharedHold != null || (credits > 0 && terms.key().credits() != null))) {
            sharedSpent = shared.settle(account.id(), sharedHold, account.spent(), false);
            sharedHold = null;
        }
        if (terms.tpm() != null && tokensTaken > 0) {
            if (admission != null) shared.adjust(account.id(), 0, 0, terms.tpm().limit(), tokens - tokensTaken);
            else terms.tpm().adjust(tokens - tokensTaken, clock.nanos());
        }
    }

    /** Credits charged by {@link #settle} (0 before). */
    public long charged() { return charged; }

    /**
     * The key's balance now, or null when it has none (unlimited, or no account): across every
     * replica when it was settled in Redis, else this replica's own.
     */
    public Long balance() {
        if (account == null) return null;
        Long granted = terms.key().credits();
        if (granted != null && sharedSpent >= 0) return granted - sharedSpent;
        return account.balance(); // null for an unlimited key (not a conditional expression: it would unbox it)
    }

    /** Releases what was not settled (the hold) and the stream slot. Idempotent. */
    @Override
    public void close() {
        if (account == null) return;
        if (!settled) settle(0, 0);
        if (stream) {
            stream = false;
            account.closeStream();
        }
    }

    /** The x-ratelimit-* headers for this key now (none when it has no per-minute limit), as name/value pairs. */
    public List<String> rateHeaders() {
        if (account == null || (terms.rpm() == null && terms.tpm() == null)) return List.of();
        List<String> h = new ArrayList<>(12);
        SharedLimits.Admission a = admission;
        if (a != null) { // the shared buckets as the script saw them
            if (terms.rpm() != null) RateHeaders.add(h, "requests", terms.rpm().limit(), a.rpmRemaining(), a.rpmResetNanos());
            if (terms.tpm() != null) RateHeaders.add(h, "tokens", terms.tpm().limit(), a.tpmRemaining(), a.tpmResetNanos());
            return h;
        }
        long now = clock.nanos();
        if (terms.rpm() != null) RateHeaders.add(h, "requests", terms.rpm(), now);
        if (terms.tpm() != null) RateHeaders.add(h, "tokens", terms.tpm(), now);
        return h;
    }

    private static String clip(String s) {
        return s.length() <= 128 ? s : s.substring(0, 128) + "…";
    }
}
