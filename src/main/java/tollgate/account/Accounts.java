package tollgate.account;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchService;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import tollgate.call.Clock;
import tollgate.config.KeyConfig;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.log.Log;
import tollgate.state.SharedState;

/**
 * Every client key the gateway accepts: the config's (read-only, unlimited) and the managed
 * ones of {@code <data_dir>/keys.json}, with their live accounts. The keys file is watched: a
 * change made by {@code tollgate keys} in another process, or by the admin API, takes effect at
 * once (an inotify event, with a once-a-second check of the file's stamp behind it), and a key's
 * balance, buckets and open streams survive the change.
 *
 * <p>A presented key is found by its SHA-256 in a hash map. Unlike comparing the key itself, this
 * leaks nothing useful through timing: the map compares digests of what the caller sent, and
 * steering a digest towards a stored one would need SHA-256 preimages.
 */
public final class Accounts implements AutoCloseable {
    /** How often the keys file's stamp is checked besides the change events, in milliseconds. */
    static final long WATCH_POLL_MS = 1000;

    /** Every account, looked up by digest and by id; replaced whole on a reload. */
    private record Index(Map<String, Account> byDigest, Map<String, Account> byId) {}

    private final KeyStore store;
    private final KeyAdmin admin;
    /** The config's keys; replaced by {@link #reconfigure} (guarded by reloading for writes). */
    private volatile List<KeyConfig> configured;
    private final Map<String, Long> spentAtStart;
    private final long creditsPerUsd;
    private final Clock clock;
    private final ReentrantLock reloading = new ReentrantLock();
    private volatile Index index = new Index(Map.of(), Map.of());
    /**
     * Accounts of managed keys that left the keys file (a hand edit in progress): kept, so that a
     * key that comes back has the spend it had, not the spend of start-up. Guarded by reloading.
     */
    private final Map<String, Account> retired = new HashMap<>();
    private volatile Object stamp;
    private volatile Thread watcher;
    private volatile WatchService watch;
    /** Limits and balances shared with other replicas (issue 14), or null: local state only. */
    private volatile SharedLimits shared;
    /** Checks every {@link SharedLimits#WATCH_INTERVAL_MS} that Redis still holds this replica's totals, or null. */
    private volatile Thread stateWatch;
    private volatile boolean closed;

    private Accounts(List<KeyConfig> configured, KeyStore store, long creditsPerUsd, Map<String, Long> spent, Clock clock) {
        this.configured = List.copyOf(configured);
        this.store = store;
        this.admin = new KeyAdmin(store, clock);
        this.creditsPerUsd = creditsPerUsd;
        this.spentAtStart = Map.copyOf(spent);
        this.clock = clock;
    }

    /**
     * The accounts of the config's keys and of {@code store}'s.
     *
     * @param spent credits charged per key id so far (from the ledger)
     */
    public static Accounts open(List<KeyConfig> configured, KeyStore store, long creditsPerUsd, Map<String, Long> spent,
                                Clock clock) throws IOException {
        Accounts a = new Accounts(configured, store, creditsPerUsd, spent, clock);
        a.reload();
        return a;
    }

    /**
     * Serves {@code configured} as the config's keys from now on (a config reload, issue 13): a
     * key that stays (same name and digest) keeps its account (spend, buckets, open streams), a
     * new one is accepted at once, a removed one is refused from the next request on. A request
     * already authenticated finishes with the account it has.
     */
    public void reconfigure(List<KeyConfig> configured) throws IOException {
        reloading.lock();
        List<KeyConfig> before = this.configured;
        try {
            this.configured = List.copyOf(configured);
            reload();
        } catch (IOException | RuntimeException e) {
            this.configured = before; // the keys file cannot be read: the keys stay as they were
            throw e;
        } finally {
            reloading.unlock();
        }
    }

    /** Re-reads the keys file; accounts of keys that stay keep their state. */
    public void reload() throws IOException {
        reloading.lock();
        try {
            Object seen = store.stamp();
            List<KeyRecord> managed = store.read();
            Index old = index;
            Map<String, Account> byDigest = new HashMap<>();
            Map<String, Account> byId = new LinkedHashMap<>();
            long now = clock.nanos();
            for (KeyConfig c : configured) {
                Account a = old.byId().get(c.name());
                // Same name, another secret (a reload): another key, so a fresh account.
                if (a == null || a.managed() || !a.key().sha256().equals(HexFormat.of().formatHex(c.sha256()))) {
                    a = new Account(configKey(c), false, spentAtStart.getOrDefault(c.name(), 0L), now);
                }
                byDigest.put(HexFormat.of().formatHex(c.sha256()), a);
                byId.putIfAbsent(a.id(), a);
            }
            for (Account a : old.byId().values()) if (a.managed()) retired.put(a.id(), a);
            for (KeyRecord k : managed) {
                Account a = retired.remove(k.id());
                if (a != null) a.redefine(k, now);
                else a = new Account(k, true, spentAtStart.getOrDefault(k.id(), 0L), now);
                byDigest.putIfAbsent(k.sha256(), a);
                byId.put(k.id(), a);
            }
            index = new Index(byDigest, byId);
            stamp = seen;
        } finally {
            reloading.unlock();
        }
    }

    private static KeyRecord configKey(KeyConfig c) {
        return new KeyRecord(c.name(), c.name(), HexFormat.of().formatHex(c.sha256()), null, 0, 0, false, null, List.of(), List.of(),
                0, 0, 0, Map.of());
    }

    /**
     * The account of the key in a {@code Bearer} Authorization header, or a {@code Token} one (what
     * Deepgram's API and SDKs send: {@code Authorization: Token <key>}); otherwise a 401.
     */
    public Account authenticate(String authorization) {
        if (authorization == null) {
            throw unauthenticated("Missing API key: send it as \"Authorization: Bearer <key>\".");
        }
        int scheme = authorization.regionMatches(true, 0, "Bearer ", 0, 7) ? 7
                : authorization.regionMatches(true, 0, "Token ", 0, 6) ? 6 : -1;
        if (scheme < 0 || authorization.length() <= scheme || authorization.length() > ApiKeys.MAX_KEY_CHARS) {
            throw unauthenticated("Malformed Authorization header: expected \"Bearer <key>\".");
        }
        return authenticateKey(authorization.substring(scheme).trim());
    }

    /** The account of a bare key; otherwise a 401. */
    public Account authenticateKey(String key) {
        Account a = index.byDigest().get(HexFormat.of().formatHex(ApiKeys.digest(key)));
        if (a == null) throw unauthenticated("Invalid API key.");
        return usable(a);
    }

    /**
     * {@code a}, when its key is still usable now: not revoked, not expired; otherwise a 401 (a
     * realtime session token outlives nothing of its key: issue 11).
     */
    public Account usable(Account a) {
        KeyRecord k = a.key();
        if (k.disabled()) throw unauthenticated("This API key has been revoked.");
        if (k.expiresMs() > 0 && clock.millis() >= k.expiresMs()) {
            throw unauthenticated("This API key expired at " + Instant.ofEpochMilli(k.expiresMs()) + ".");
        }
        return a;
    }

    /** A request's hold on {@code account}. */
    public Charge charge(Account account) {
        return new Charge(Objects.requireNonNull(account, "account"), creditsPerUsd, clock, shared);
    }

    /**
     * Shares the keys' rate limits and balances with the other replicas on {@code state}'s Redis
     * from now on (nothing when state is local). Call once, at start-up, before serving: it sets
     * this replica's totals in Redis to its journal's (so a restart, or a journal replayed, never
     * counts a charge twice), and again each time Redis comes back after an outage (then logs
     * {@code state_reconciled}).
     */
    public void share(SharedState state) {
        if (!state.shared()) return;
        SharedLimits s = new SharedLimits(state, clock);
        AtomicBoolean forced = new AtomicBoolean();
        reconcile(s, state, forced);
        shared = s;
        // One thread reconciles: every WATCH_INTERVAL_MS (a Redis that lost its data without
        // dropping a connection changes no health), and at once when Redis is back. A flapping
        // Redis so costs one reconciliation at a time, not one thread per health change.
        Thread w = Thread.ofVirtual().name("tollgate-state-watch").unstarted(() -> {
            while (!closed) {
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(SharedLimits.WATCH_INTERVAL_MS));
                if (closed) return;
                try {
                    if (!forced.get()) reconcile(s, state, forced); // Redis unreachable since start-up
                    else s.watch(all());
                } catch (RuntimeException e) {
                    Log.warn("state_watch_failed", "error", String.valueOf(e.getMessage()));
                }
            }
        });
        stateWatch = w;
        // Listeners must not block: the reconciliation runs on the watcher.
        state.onHealth(up -> {
            if (!up) return;
            s.behind();
            java.util.concurrent.locks.LockSupport.unpark(w);
        });
        w.start();
    }

    /** Forced (the journal over whatever Redis holds) until one forced run succeeded: at start-up, or the first time Redis is reachable. */
    private void reconcile(SharedLimits s, SharedState state, AtomicBoolean forced) {
        boolean force = !forced.get();
        int n = s.reconcile(all(), force);
        if (n < 0) return;
        if (force) forced.set(true);
        Log.info("state_reconciled", "replica", state.replicaId(), "keys", n, "forced", force);
    }

    /** Whether limits are shared but Redis is unreachable now: each replica uses its own (readiness says "degraded"). */
    public boolean degraded() {
        SharedLimits s = shared;
        return s != null && s.degraded();
    }

    /** Whether limits and balances are shared with other replicas. */
    public boolean shared() { return shared != null; }

    /** Requests that used this replica's own limits or balance since start because Redis was unreachable. */
    public long stateFallbacks() {
        SharedLimits s = shared;
        return s == null ? 0 : s.fallbacks();
    }

    /** The account with this id, or null. */
    public Account get(String id) { return index.byId().get(id); }

    /** Every account, config keys first, then the keys file's in its order. */
    public List<Account> all() { return new ArrayList<>(index.byId().values()); }

    public int size() { return index.byId().size(); }

    public long creditsPerUsd() { return creditsPerUsd; }

    /** Key changes, written to the keys file (call {@link #reload} after, or let the watcher). */
    public KeyAdmin admin() { return admin; }

    /** Starts watching the keys file for changes made elsewhere. */
    public void watch() throws IOException {
        WatchService ws = FileSystems.getDefault().newWatchService();
        Path dir = store.file().getParent();
        java.nio.file.Files.createDirectories(dir);
        dir.register(ws, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                StandardWatchEventKinds.ENTRY_DELETE);
        watch = ws;
        watcher = Thread.ofPlatform().name("tollgate-keys-watch").daemon(true).start(() -> watchLoop(ws));
    }

    private void watchLoop(WatchService ws) {
        while (true) {
            try {
                var key = ws.poll(WATCH_POLL_MS, TimeUnit.MILLISECONDS);
                if (key != null) {
                    key.pollEvents();
                    key.reset();
                }
                if (!Objects.equals(store.stamp(), stamp)) {
                    reload();
                    Log.info("keys_reloaded", "file", store.file().toString(), "keys", size());
                }
            } catch (ClosedWatchServiceException | InterruptedException e) {
                return;
            } catch (IOException | RuntimeException e) {
                // A half-edited file by hand: keep the keys we have, say why, try again on the next change.
                Log.error("keys_reload_failed", "file", store.file().toString(), "error", e.getMessage());
                stamp = store.stamp();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        Thread sw = stateWatch;
        if (sw != null) java.util.concurrent.locks.LockSupport.unpark(sw);
        WatchService ws = watch;
        if (ws == null) return;
        try {
            ws.close();
        } catch (IOException ignored) {
            // closing a watch service only releases the inotify handle
        }
        Thread t = watcher;
        if (t != null) {
            try {
                t.join(2 * WATCH_POLL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static GatewayException unauthenticated(String message) {
        return new GatewayException(ErrorKind.CALLER_UNAUTHENTICATED, message);
    }
}
