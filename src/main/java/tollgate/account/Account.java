package tollgate.account;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One client key while the gateway runs: its definition (replaced when the keys file changes)
 * and its live state: credits held and spent, rate buckets, open streams. The credit state is
 * one small critical section under a lock, so that "is there enough" and "hold it" are one step
 * (no check-then-act race between concurrent requests of the key).
 */
public final class Account {
    /** The definition and what is derived from it, swapped as one. */
    record Terms(KeyRecord key, ModelRules rules, TokenBucket rpm, TokenBucket tpm) {}

    private final String id;
    private final boolean managed;
    private volatile Terms terms;
    private final AtomicInteger streams = new AtomicInteger();
    private final ReentrantLock credit = new ReentrantLock();
    // Guarded by credit:
    private long spent;
    private long held;

    Account(KeyRecord key, boolean managed, long spent, long now) {
        this.id = key.id();
        this.managed = managed;
        this.spent = spent;
        this.terms = terms(key, null, now);
    }

    /** The new definition; buckets whose limit did not change keep their state. */
    void redefine(KeyRecord key, long now) {
        terms = terms(key, terms, now);
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
        credit.lock();
        try {
            Long granted = terms.key().credits();
            if (granted != null && granted - spent - held < credits) return false;
            held += credits;
            return true;
        } finally {
            credit.unlock();
        }
    }

    /** Charges {@code credits} (which may exceed the hold: usage beyond the estimate is still charged) and drops {@code hold}. */
    void settle(long hold, long credits) {
        credit.lock();
        try {
            held -= hold;
            spent += credits;
        } finally {
            credit.unlock();
        }
    }

    /** Credits granted minus spent, or null for an unlimited key. */
    public Long balance() {
        Long granted = terms.key().credits();
        if (granted == null) return null;
        credit.lock();
        try {
            return granted - spent;
        } finally {
            credit.unlock();
        }
    }

    /** Credits charged since the ledger began. */
    public long spent() {
        credit.lock();
        try {
            return spent;
        } finally {
            credit.unlock();
        }
    }

    /** Credits held by requests in flight. */
    public long held() {
        credit.lock();
        try {
            return held;
        } finally {
            credit.unlock();
        }
    }

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
