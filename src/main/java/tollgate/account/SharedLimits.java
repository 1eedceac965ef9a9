package tollgate.account;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import tollgate.call.Clock;
import tollgate.log.Log;
import tollgate.state.Redis;
import tollgate.state.RedisException;
import tollgate.state.SharedState;
import tollgate.state.Script;

/**
 * A key's rate limits and balance shared by every replica through Redis (issue 14, "Several
 * replicas"), one {@code EVALSHA} per check ({@link SharedScripts}). Only made when
 * {@code state.redis_url} is set; without it nothing here runs.
 *
 * <p>Contract: every method answers within the client's timeout and never throws; a Redis that
 * cannot be reached (or answers an error) makes it return null ("use this replica's local
 * state") and counts a {@linkplain #fallbacks() fallback}. While the client is down, Redis is
 * tried at most once per {@link #PROBE_INTERVAL_NANOS} (the other requests fall back at once),
 * so that an unreachable server costs requests nothing more than a counter.
 *
 * <p>Keys, all of one key id in one hash slot ({@code {…}}): {@code rl:{id}:rpm} and
 * {@code rl:{id}:tpm} (a bucket's theoretical arrival time, expiring when full again),
 * {@code cr:{id}:spent} (per replica: what its journal charged the key; no expiry, it is the
 * balance), {@code cr:{id}:holds} and {@code cr:{id}:holdexp} (requests in flight, expiring);
 * {@code cr:replica:{replica id}} this replica's marker (set before its totals: its absence means
 * Redis lost them, see {@link #restore}).
 */
public final class SharedLimits {
    /** How often a request may try a Redis that is down (the others use local state at once), in nanoseconds. */
    static final long PROBE_INTERVAL_NANOS = 1_000_000_000L;
    /**
     * Lifetime of a credit hold in Redis, in milliseconds: a replica that dies with requests in
     * flight frees their holds after this. Longer than any request (an agent loop's stream
     * included); a request longer still is charged all the same, its hold no longer counted.
     */
    static final long HOLD_TTL_MS = 30 * 60_000L;
    /**
     * How often each replica checks that Redis still holds what it set, in milliseconds: a Redis
     * that restarts empty behind a proxy, is flushed, evicts or fails over to a lagging replica
     * loses every replica's totals without any connection failing (no health change tells).
     */
    static final long WATCH_INTERVAL_MS = 5_000;
    /** Lifetime of a replica's marker, in milliseconds: renewed every check, it lapses a day after the replica is gone. */
    static final long MARKER_TTL_MS = 24 * 3_600_000L;
    /** Most holds kept to be dropped in Redis after their settlement could not reach it (beyond: they lapse after {@link #HOLD_TTL_MS}). */
    static final int MAX_UNDROPPED = 10_000;

    /** What the admission script answered; a remaining of -1 for a bucket the key lacks. */
    record Admission(int status, long waitNanos, long rpmRemaining, long rpmResetNanos, long tpmRemaining,
                     long tpmResetNanos) {
        boolean taken() { return status == 0; }
    }

    /** What the reserve script answered. */
    record Reserve(boolean held, long balance, long heldByAll) {}

    private final SharedState state;
    private final Redis redis;
    private final Clock clock;
    /** Least time between two {@code state_script_failed} lines, in nanoseconds (10 s). */
    static final long SCRIPT_LOG_INTERVAL_NANOS = 10_000_000_000L;
    /** When the next {@code state_script_failed} line may be written (clock nanos). */
    private final AtomicLong nextScriptLog = new AtomicLong();
    private final LongAdder unloggedScriptFailures = new LongAdder();
    private final LongAdder scriptFailureLines = new LongAdder();
    private final LongAdder fallbacks = new LongAdder();
    private final AtomicLong nextProbe = new AtomicLong();
    /** Hold ids: this replica, its start, a sequence (unique across restarts of the replica). */
    private final String holdPrefix;
    private final AtomicLong holds = new AtomicLong();
    private final String marker;
    private final String markerTtl = Long.toString(MARKER_TTL_MS);
    /** This process (the marker's value): another process under the same replica id puts its own there. */
    private final String instance;
    /** Another running process was seen to use this replica's id (said once: {@code state_replica_id_shared}). */
    private final java.util.concurrent.atomic.AtomicBoolean clash = new java.util.concurrent.atomic.AtomicBoolean();
    /**
     * A settlement or reconciliation did not reach Redis since the last {@link #watch}: a total
     * there may be behind this replica's journal (the others could overspend the key) until set.
     */
    private final java.util.concurrent.atomic.AtomicBoolean behind = new java.util.concurrent.atomic.AtomicBoolean();
    /** Holds whose settlement did not reach Redis, {key id, hold id}: dropped by {@link #watch}, not left to lapse. */
    private final java.util.concurrent.ConcurrentLinkedQueue<String[]> undropped = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final java.util.concurrent.atomic.AtomicInteger undroppedCount = new java.util.concurrent.atomic.AtomicInteger();

    SharedLimits(SharedState state, Clock clock) {
        this.state = state;
        this.redis = state.redis();
        this.clock = clock;
        this.nextScriptLog.set(clock.nanos());
        this.holdPrefix = state.replicaId() + ":" + Long.toString(clock.millis(), 36) + ":";
        this.instance = holdPrefix + Long.toString(new java.security.SecureRandom().nextLong() >>> 1, 36);
        this.nextProbe.set(clock.nanos());
        this.marker = state.key("cr:replica:{" + state.replicaId() + "}");
    }

    /** Requests (or settlements) that used local state since start, because Redis could not be used. */
    public long fallbacks() { return fallbacks.sum(); }

    /** Whether Redis is unreachable now (the requests use local state). */
    public boolean degraded() { return state.degraded(); }

    String newHoldId() { return holdPrefix + holds.incrementAndGet(); }

    /** Takes 1 request and {@code tokens} of the key's buckets, or says when it could; null: use local state. */
    Admission admit(String keyId, long rpm, long tpm, long tokens) {
        Object r = run(SharedScripts.ADMIT, List.of(rateKey(keyId, "rpm"), rateKey(keyId, "tpm")),
                List.of(Long.toString(rpm), Long.toString(tpm), Long.toString(tokens)));
        if (!(r instanceof List<?> l) || l.size() < 6) return fellBack(r);
        try {
            long status = num(l.get(0));
            if (status < 0 || status > 2) return fellBack(r);
            return new Admission((int) status, num(l.get(1)) * 1000, num(l.get(2)), num(l.get(3)) * 1000,
                    num(l.get(4)), num(l.get(5)) * 1000);
        } catch (NumberFormatException e) {
            return fellBack(r);
        }
    }

    /** Corrects earlier takes by {@code requests} and {@code tokens} (negative: given back). False: not done. */
    boolean adjust(String keyId, long rpm, long requests, long tpm, long tokens) {
        List<String> keys = new ArrayList<>(2);
        List<String> args = new ArrayList<>(4);
        if (rpm > 0 && requests != 0) {
            keys.add(rateKey(keyId, "rpm"));
            args.add(Long.toString(rpm));
            args.add(Long.toString(requests));
        }
        if (tpm > 0 && tokens != 0) {
            keys.add(rateKey(keyId, "tpm"));
            args.add(Long.toString(tpm));
            args.add(Long.toString(tokens));
        }
        if (keys.isEmpty()) return true;
        return run(SharedScripts.ADJUST, keys, args) != null || fellBack(null) != null;
    }

    /** Holds {@code more} credits of the key's balance under {@code holdId}; null: use local state. */
    Reserve reserve(String keyId, long granted, long more, String holdId) {
        Object r = run(SharedScripts.RESERVE, creditKeys(keyId),
                List.of(Long.toString(granted), Long.toString(more), holdId, Long.toString(HOLD_TTL_MS)));
        if (!(r instanceof List<?> l) || l.size() < 3) return fellBack(r);
        try {
            return new Reserve(num(l.get(0)) == 1, num(l.get(1)), num(l.get(2)));
        } catch (NumberFormatException e) {
            return fellBack(r);
        }
    }

    /**
     * Drops the hold {@code holdId} (null: none) and sets this replica's total charged to the key
     * to {@code spent} (its journal's; only raised unless {@code force}). False: not done (a
     * reconciliation sets it right once Redis is back; the hold lapses).
     *
     * @return what every replica charged the key now, or -1 when not done
     */
    long settle(String keyId, String holdId, long spent, boolean force) {
        Object r = run(SharedScripts.SETTLE, creditKeys(keyId),
                List.of(holdId == null ? "" : holdId, state.replicaId(), Long.toString(spent), force ? "1" : "0"));
        if (r == null) {
            fellBack(null);
            // Not left to the next outage's reconciliation: a failure that changes no health (a
            // full pool, an error reply) would leave the total behind for good, and the hold
            // counted for HOLD_TTL_MS. The watcher sets both right (idempotent: totals, not sums).
            behind.set(true);
            if (holdId != null && undroppedCount.incrementAndGet() <= MAX_UNDROPPED) undropped.add(new String[] {keyId, holdId});
            else if (holdId != null) undroppedCount.decrementAndGet();
        }
        if (r == null) return -1;
        try {
            return num(r);
        } catch (NumberFormatException e) {
            fellBack(r);
            return -1;
        }
    }

    /**
     * Sets this replica's totals in Redis to its journal's ({@code accounts}' spent, which start
     * from the ledger and grow with each settlement), for every key with a balance: at start-up
     * ({@code force}: the journal is the truth, whatever Redis held) and when Redis is back (only
     * raised: a settlement racing this cannot be undone by it). Idempotent: run twice, it charges
     * nothing twice. Stops at the first failure to reach Redis; an error reply (-LOADING while a
     * restarted Redis reads its data, -READONLY after a failover, -OOM) does not stop the others,
     * but the run counts as failed: the watcher runs it again, rather than believing Redis set.
     *
     * @return keys reconciled, or -1 when Redis could not be reached or refused one of them
     */
    int reconcile(List<Account> accounts, boolean force) {
        boolean refused = false;
        try {
            // Also when no key has a balance: health (readiness, the metric) is known from start-up
            // on. Marked before the totals are set: Redis losing them after this is seen by restore.
            mark(force);
        } catch (RedisException e) {
            if (e.unavailable()) {
                behind.set(true);
                return -1;
            }
            Log.error("state_reconcile_failed", "replica", state.replicaId(), "error", e.getMessage());
            refused = true;
        }
        int n = 0;
        for (Account a : accounts) {
            if (a.key().credits() == null) continue;
            try {
                long spent = a.spent();
                redis.eval(SharedScripts.SETTLE, creditKeys(a.id()), List.of("", state.replicaId(), Long.toString(spent),
                        force ? "1" : "0"));
                // A forced set is the one that lowers: a request settled meanwhile (its journal
                // total, read after ours, set in Redis before ours) was undone by it. Raise it
                // again (only raised): any settlement set before ours charged before this read.
                long now = a.spent();
                if (force && now != spent) {
                    redis.eval(SharedScripts.SETTLE, creditKeys(a.id()), List.of("", state.replicaId(), Long.toString(now), "0"));
                }
                n++;
            } catch (RedisException e) {
                if (e.unavailable()) {
                    behind.set(true);
                    return -1;
                }
                Log.error("state_reconcile_failed", "key_id", a.id(), "error", e.getMessage());
                refused = true;
            }
        }
        if (refused) {
            behind.set(true); // the next watch runs it again
            return -1;
        }
        return n;
    }

    /**
     * Sets this replica's totals again ({@link #reconcile}, only raised) if Redis lost them since
     * the last look: its marker is gone (a restart with no data, a flush, an eviction, a failover).
     * Run every {@link #WATCH_INTERVAL_MS}; between a loss and its repair the balance counts the
     * spend settled since, so it can be overspent by that window's spend at most.
     *
     * @return keys reconciled, 0 when nothing was lost, or -1 when Redis could not be reached
     */
    int restore(List<Account> accounts) {
        try {
            if (!mark(false)) return 0;
        } catch (RedisException e) {
            return -1;
        }
        Log.warn("state_lost", "replica", state.replicaId(), "meaning",
                "Redis no longer held this replica's totals (restarted empty, flushed or evicted): setting them again from its journal");
        return reconcile(accounts, false);
    }

    /**
     * The watcher's look, every {@link #WATCH_INTERVAL_MS}: {@link #restore}, then the holds and
     * totals that settlements could not set in Redis since the last look.
     *
     * @return keys reconciled, or -1 when Redis could not be reached
     */
    int watch(List<Account> accounts) {
        int n = restore(accounts);
        if (n < 0) return -1;
        for (String[] h; (h = undropped.peek()) != null; ) {
            List<String> k = creditKeys(h[0]);
            try {
                redis.pipeline(List.of(new String[] {"HDEL", k.get(1), h[1]}, new String[] {"ZREM", k.get(2), h[1]}));
            } catch (RedisException e) {
                return -1;
            }
            if (undropped.remove(h)) undroppedCount.decrementAndGet();
        }
        if (behind.getAndSet(false)) {
            n = reconcile(accounts, false); // sets behind again if it fails
            if (n >= 0) Log.info("state_reconciled", "replica", state.replicaId(), "keys", n, "forced", false);
        }
        return n;
    }

    /** Redis may be behind this replica's journal (it is back after an outage): the next {@link #watch} reconciles. */
    void behind() { behind.set(true); }

    /**
     * Sets this replica's marker to this process (over another's when {@code claim}: at start-up),
     * renewing its lifetime; true when it was missing. A marker of another process means two
     * running gateways share one {@code state.replica_id}: each sets the other's total over its
     * own in Redis, so a key's balance there counts one of them only (it can be overspent).
     */
    private boolean mark(boolean claim) throws RedisException {
        List<Object> r = redis.pipeline(List.of(claim ? new String[] {"SET", marker, instance, "PX", markerTtl}
                        : new String[] {"SET", marker, instance, "NX", "PX", markerTtl},
                new String[] {"PEXPIRE", marker, markerTtl}, new String[] {"GET", marker}));
        if (r.get(0) instanceof RedisException e) throw e;
        if (!instance.equals(r.get(2)) && r.get(2) instanceof String && clash.compareAndSet(false, true)) {
            Log.error("state_replica_id_shared", "replica", state.replicaId(), "meaning", "another running gateway uses this"
                    + " state.replica_id: give each replica its own, or balances across replicas are undercounted");
        }
        return !claim && "OK".equals(r.get(0));
    }

    /** Whether another running process was seen using this replica's id. */
    boolean replicaIdClash() { return clash.get(); }

    /** Runs {@code script}; null when Redis could not be used (not counted here). */
    private Object run(Script script, List<String> keys, List<String> args) {
        if (!redis.up()) {
            long now = clock.nanos(), next = nextProbe.get();
            if (now - next < 0 || !nextProbe.compareAndSet(next, now + PROBE_INTERVAL_NANOS)) return null;
        }
        try {
            return redis.eval(script, keys, args);
        } catch (RedisException e) {
            // An error reply is a bug of ours or a foreign value under our key (or -OOM): say so,
            // and serve on local state all the same (never a 5xx).
            if (!e.unavailable()) scriptFailed(script.name(), e.getMessage());
            return null;
        }
    }

    private <T> T fellBack(Object reply) {
        if (reply != null) scriptFailed(null, "a reply of an unexpected shape");
        fallbacks.increment();
        return null;
    }

    /**
     * Logs {@code state_script_failed} at most once per {@link #SCRIPT_LOG_INTERVAL_NANOS}, with how
     * many went unlogged since: a Redis that answers every request with an error (out of memory,
     * a foreign value under our key) would otherwise write one line per request.
     */
    private void scriptFailed(String script, String error) {
        long now = clock.nanos(), next = nextScriptLog.get();
        if (now - next < 0 || !nextScriptLog.compareAndSet(next, now + SCRIPT_LOG_INTERVAL_NANOS)) {
            unloggedScriptFailures.increment();
            return;
        }
        scriptFailureLines.increment();
        Log.error("state_script_failed", "script", script, "error", error, "unlogged_since_last",
                unloggedScriptFailures.sumThenReset());
    }

    /** {@code state_script_failed} lines written so far (tests). */
    long scriptFailureLines() { return scriptFailureLines.sum(); }

    private String rateKey(String keyId, String bucket) {
        return state.key("rl:{" + keyId + "}:" + bucket);
    }

    private List<String> creditKeys(String keyId) {
        String tag = "cr:{" + keyId + "}:";
        return List.of(state.key(tag + "spent"), state.key(tag + "holds"), state.key(tag + "holdexp"));
    }

    /** A number of a script's reply; NumberFormatException for anything else (a foreign server's reply: not ours to trust). */
    private static long num(Object o) {
        if (o instanceof Long l) return l;
        if (o instanceof Number n) return n.longValue();
        if (o instanceof String s) return Long.parseLong(s);
        throw new NumberFormatException("not a number");
    }
}
