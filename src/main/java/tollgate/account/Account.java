package tollgate.account;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One client key while the gateway runs: its definition (replaced when the keys file changes)
 * and its live state: credits held and spent, rate buckets, open streams. Lock-free: every
 * request of a key touches this, so a lock here would be the one place all of them queue.
 * "Is there enough, and hold it" is one compare-and-set on {@link #headroom} (granted minus spent
 * minus held), so concurrent requests cannot both take the last credits.
 */
public final class Account {
    /** The definition and what is derived from it, swapped as one. */
    record Terms(KeyRecord key, ModelRules rules, TokenBucket rpm, TokenBucket tpm) {}

    private final String id;
    private final boolean managed;
    private volatile Terms terms;
    private final AtomicInteger streams = new AtomicInteger();
    private final AtomicLong spent;
    private final AtomicLong held = new AtomicLong();
    /** Granted minus spent minus held, for a key with a balance (unused when unlimited). */
    private final AtomicLong headroom = new AtomicLong();

    Account(KeyRecord key, boolean managed, long spent, long now) {
        this.id = key.id();
        this.managed = managed;
        this.spent = new AtomicLong(spent);
        this.terms = terms(key, null, now);
        if (key.credits() != null) headroom.set(key.credits() - spent);
    }

    /** The new definition; buckets whose limit did not change keep their state. */
    void redefine(KeyRecord key, long now) {
        Long before = terms.key().credits(), after = key.credits();
        terms = terms(key, terms, now);
        if (after == null || after.equals(before)) return;
        // A top-up or a new grant moves the headroom by the difference; a key that had no balance
        // gets one computed from what it spent and holds now.
        if (before != null) headroom.addAndGet(after - before);
        else headroom.set(after - spent.get() - held.get());
    }

    private static Terms terms(KeyRecord k, Terms old, long now) {
        TokenBucket rpm = k.rpm() <= 0 ? null
                : old != null && old.rpm() != null && old.rpm().limit() == k.rpm() ? old.rpm() : new TokenBucket(k.rpm(), now);
        TokenBucket tpm = k.tpm() <= 0 ? null
                : old != null && old.tpm() != null && old.tpm().limit() == k.tpm() ? old.tpm() : new TokenBucket(k.tpm(), now);
        return new Terms(k, new ModelRules(k.allow(), k.deny()), rpm, tpm);
    }

    public String id() { return id; }

    public String name() { return terms.key().name(); }

    /** From the keys file (managed) rather than the config. */
    public boolean managed() { return managed; }

    public KeyRecord key() { return terms.key(); }

    Terms terms() { return terms; }

    /** Whether the key has any per-minute limit (its responses then carry x-ratelimit headers). */
    public boolean limited() {
        Terms t = terms;
        return t.rpm() != null || t.tpm() != null;
    }

    /**
     * Holds {@code credits} more if the balance covers them and what is already held.
     *
     * @return true when held (always, for an unlimited key)
     */
    boolean hold(long credits) {
        if (terms.key().credits() != null) {
            while (true) {
                long h = headroom.get();
                if (h < credits) return false;
                if (headroom.compareAndSet(h, h - credits)) break;
            }
        }
        held.addAndGet(credits);
        return true;
    }

    /** Charges {@code credits} (which may exceed the hold: usage beyond the estimate is still charged) and drops {@code hold}. */
    void settle(long hold, long credits) {
        held.addAndGet(-hold);
        spent.addAndGet(credits);
        if (terms.key().credits() != null) headroom.addAndGet(hold - credits);
    }

    /** Credits granted minus spent, or null for an unlimited key. */
    public Long balance() {
        Long granted = terms.key().credits();
        return granted == null ? null : granted - spent.get();
    }

    /** Credits charged since the ledger began. */
    public long spent() { return spent.get(); }

    /** Credits held by requests in flight. */
    public long held() { return held.get(); }

    /** Takes a stream slot if the key has one free. */
    boolean openStream() {
        int max = terms.key().maxStreams();
        if (max <= 0) {
            streams.incrementAndGet();
            return true;
        }
        while (true) {
            int n = streams.get();
            if (n >= max) return false;
            if (streams.compareAndSet(n, n + 1)) return true;
        }
    }

    void closeStream() { streams.decrementAndGet(); }

    /** Streams open now. */
    public int streams() { return streams.get(); }
}
