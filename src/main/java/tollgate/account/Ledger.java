package tollgate.account;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import tollgate.log.Log;

/**
 * The usage ledger: every finished request appended to a crash-safe {@link Journal} in the data
 * directory before the client is told it finished, and totals per key, day (UTC) and model kept
 * in memory, rebuilt from the journal at start-up.
 *
 * <p>A request is recorded once: {@link #record} is called once per dispatched request, and the
 * record is written when it returns (fsynced too for a non-streamed answer, {@link #needsSync});
 * a crash before that loses a request the client never saw complete, a crash after it leaves
 * exactly one record.
 */
public final class Ledger implements Recorder, AutoCloseable {

    /** One row of totals. */
    public record Key(String key, LocalDate day, String model) {}

    /**
     * Totals of one key, day and model.
     *
     * @param cost    USD; requests of unknown cost add nothing
     * @param savings USD against the baseline model
     */
    public record Totals(long requests, long errors, long promptTokens, long completionTokens, BigDecimal cost,
                         BigDecimal savings, long credits) {
        static final Totals ZERO = new Totals(0, 0, 0, 0, BigDecimal.ZERO, BigDecimal.ZERO, 0);

        Totals plus(UsageRecord r) {
            return new Totals(requests + 1, errors + (r.status() >= 400 ? 1 : 0), promptTokens + r.promptTokens(),
                    completionTokens + r.completionTokens(), r.cost() == null ? cost : cost.add(r.cost()),
                    r.savings() == null ? savings : savings.add(r.savings()), credits + r.credits());
        }

        /** The sum of two rows. */
        public Totals plus(Totals t) {
            return new Totals(requests + t.requests, errors + t.errors, promptTokens + t.promptTokens,
                    completionTokens + t.completionTokens, cost.add(t.cost), savings.add(t.savings), credits + t.credits);
        }
    }

    static final long MILLIS_PER_DAY = 86_400_000L;

    /** Records in a segment before the totals are snapshotted and a new segment begins: what a start replays at most. */
    static final long SNAPSHOT_EVERY_RECORDS = 10_000;

    private final Path dir;
    private final Map<Key, Totals> totals;
    /** Distinct models with a row, per key and day (the Key's model is null). */
    private final Map<Key, AtomicInteger> models;
    /**
     * Recording takes the read side (many at once); a snapshot takes the write side, so that the
     * totals it copies hold exactly the records of the segments it closes.
     */
    private final ReentrantReadWriteLock segmentLock = new ReentrantReadWriteLock();
    private final AtomicBoolean snapshotting = new AtomicBoolean();
    private Journal journal; // guarded by segmentLock
    private long segment;    // guarded by segmentLock
    /** Records the current segment held when it was opened (replayed), guarded by segmentLock. */
    private long segmentBase;
    private final long replayed;
    /** Records appended since open to segments closed since, guarded by segmentLock. */
    private long appendedToClosed;

    private final long snapshotEvery;
    /** Told how long each fsync takes (metrics); passed on to each segment's journal. */
    private volatile LongConsumer fsyncNanos = n -> { };

    private Ledger(Path dir, Journal journal, long segment, long replayed, long snapshotEvery, Map<Key, Totals> totals,
                   Map<Key, AtomicInteger> models) {
        this.totals = totals;
        this.models = models;
        this.snapshotEvery = snapshotEvery;
        this.dir = dir;
        this.journal = journal;
        this.segment = segment;
        this.segmentBase = journal.recoveredRecords();
        this.replayed = replayed;
    }

    /**
     * Opens (or creates) the ledger of {@code dataDir}: the snapshot's totals, plus a replay of
     * the segments after it; the last of them stays open for appending.
     */
    public static Ledger open(Path dataDir) throws IOException {
        return open(dataDir, SNAPSHOT_EVERY_RECORDS);
    }

    /** As {@link #open(Path)}, snapshotting every {@code snapshotEvery} records (tests). */
    static Ledger open(Path dataDir, long snapshotEvery) throws IOException {
        Path dir = dataDir.resolve(LedgerFiles.DIR);
        Files.createDirectories(dir);
        LedgerFiles.Snapshot snapshot = LedgerFiles.readSnapshot(dir);
        Map<Key, Totals> replayedTotals = new ConcurrentHashMap<>(snapshot.totals());
        Map<Key, AtomicInteger> models = new ConcurrentHashMap<>();
        for (Key k : replayedTotals.keySet()) models.computeIfAbsent(new Key(k.key(), k.day(), null), x -> new AtomicInteger()).incrementAndGet();
        long[] unreadable = new long[1];
        Consumer<byte[]> replay = payload -> {
            try {
                add(replayedTotals, models, UsageRecord.fromJson(payload));
            } catch (RuntimeException e) {
                unreadable[0]++; // framing and CRC were right: a record of another version; kept in the file
            }
        };
        List<Long> after = new ArrayList<>();
        for (long n : LedgerFiles.segments(dir)) if (n > snapshot.through()) after.add(n);
        long replayed = 0, cut = 0;
        for (int i = 0; i < after.size() - 1; i++) { // closed segments: replay only
            try (Journal j = Journal.open(LedgerFiles.segment(dir, after.get(i)), replay)) {
                replayed += j.recoveredRecords();
                cut += j.cutBytes();
            }
        }
        long current = after.isEmpty() ? snapshot.through() + 1 : after.get(after.size() - 1);
        Journal journal = Journal.open(LedgerFiles.segment(dir, current), replay);
        replayed += journal.recoveredRecords();
        cut += journal.cutBytes();
        Ledger ledger = new Ledger(dir, journal, current, replayed, snapshotEvery, replayedTotals, models);
        if (unreadable[0] > 0) Log.warn("ledger_unreadable_records", "count", unreadable[0]);
        Log.info("ledger_open", "dir", dir.toString(), "snapshot_through", snapshot.through(), "segment", current,
                "records", replayed, "cut_bytes", cut);
        return ledger;
    }

    /** Sets who is told how long each fsync of the journal takes, in nanoseconds (issue 13: metrics). */
    public void onFsync(LongConsumer nanos) {
        segmentLock.writeLock().lock();
        try {
            fsyncNanos = nanos;
            journal.onFsync(nanos);
        } finally {
            segmentLock.writeLock().unlock();
        }
    }

    @Override
    public void record(UsageRecord r) {
        boolean full;
        segmentLock.readLock().lock();
        try {
            journal.append(r.toJson(), needsSync(r));
            add(totals, models, r);
            full = segmentBase + journal.records() >= snapshotEvery;
        } finally {
            segmentLock.readLock().unlock();
        }
        if (full && snapshotting.compareAndSet(false, true)) {
            try {
                snapshot(true);
            } catch (IOException e) {
                Log.error("ledger_snapshot_failed", "error", e.toString()); // the journal still has every record
            } finally {
                snapshotting.set(false);
            }
        }
    }

    /**
     * Whether {@code r}'s request waits for an fsync: a non-streamed answer, or anything charged,
     * is sent only once its record survives a power cut. A stream's bytes are already out, and a
     * refusal (a 429 in a flood) charged nothing: their records are written (they survive the
     * process) and made durable by the next fsync, without each waiting for one.
     */
    static boolean needsSync(UsageRecord r) {
        return !r.stream() && (r.status() < 400 || r.credits() > 0);
    }

    /**
     * Closes the current segment, snapshots the totals through it, and (when {@code next})
     * starts the next segment. The request that triggers it pays for one snapshot write.
     */
    private void snapshot(boolean next) throws IOException {
        Journal closing;
        long through;
        Map<Key, Totals> copy;
        segmentLock.writeLock().lock();
        try {
            closing = journal;
            through = segment;
            copy = new LinkedHashMap<>(totals);
            if (next) {
                journal = Journal.open(LedgerFiles.segment(dir, segment + 1), payload -> { });
                journal.onFsync(fsyncNanos);
                segment++;
                segmentBase = 0;
                appendedToClosed += closing.records();
            }
        } finally {
            segmentLock.writeLock().unlock();
        }
        closing.close();
        LedgerFiles.writeSnapshot(dir, new LedgerFiles.Snapshot(through, copy));
    }

    /**
     * Most distinct models with a row of their own per key and day; the records of any more are
     * added up under {@link #OTHER_MODELS}. The model is what the client asked for, so without a
     * cap a key sending a new model name each request would grow the totals (and the snapshot)
     * by a row per request. The journal keeps every record's own model.
     */
    static final int MAX_MODELS_PER_KEY_AND_DAY = 256;
    /** The row of a key's day that stands for the models over the cap. */
    public static final String OTHER_MODELS = "(other models)";

    private static void add(Map<Key, Totals> into, Map<Key, AtomicInteger> models, UsageRecord r) {
        LocalDate day = LocalDate.ofEpochDay(Math.floorDiv(r.endedMs(), MILLIS_PER_DAY)); // the UTC day
        Key k = new Key(r.key(), day, r.model());
        if (!into.containsKey(k)) {
            AtomicInteger n = models.computeIfAbsent(new Key(r.key(), day, null), x -> new AtomicInteger());
            // Concurrent first records of new models may pass the cap by a few: it bounds, it does not count exactly.
            if (n.get() >= MAX_MODELS_PER_KEY_AND_DAY) k = new Key(r.key(), day, OTHER_MODELS);
            else n.incrementAndGet();
        }
        into.merge(k, Totals.ZERO.plus(r), Totals::plus);
    }

    /**
     * Totals by day and model, oldest day first.
     *
     * @param key   a key's id (a config key's id is its name), or null for every key
     * @param from  first day included, or null
     * @param to    last day included, or null
     * @param model only this model (as asked), or null
     */
    public List<Map.Entry<Key, Totals>> usage(String key, LocalDate from, LocalDate to, String model) {
        List<Map.Entry<Key, Totals>> rows = new ArrayList<>();
        for (Map.Entry<Key, Totals> e : totals.entrySet()) {
            Key k = e.getKey();
            if (key != null && !key.equals(k.key())) continue;
            if (from != null && k.day().isBefore(from)) continue;
            if (to != null && k.day().isAfter(to)) continue;
            if (model != null && !model.equals(k.model())) continue;
            rows.add(Map.entry(k, e.getValue()));
        }
        rows.sort(Comparator.comparing((Map.Entry<Key, Totals> e) -> e.getKey().day())
                .thenComparing(e -> e.getKey().model()).thenComparing(e -> String.valueOf(e.getKey().key())));
        return rows;
    }

    /** Credits charged per key id, over the whole ledger (balances start from this). */
    public Map<String, Long> spentByKey() {
        Map<String, Long> spent = new java.util.HashMap<>();
        for (Map.Entry<Key, Totals> e : totals.entrySet()) {
            if (e.getKey().key() != null && e.getValue().credits() != 0) spent.merge(e.getKey().key(), e.getValue().credits(), Long::sum);
        }
        return spent;
    }

    /** As {@link #spentByKey()}, read from the files of a ledger that may be open in another process. */
    public static Map<String, Long> spentByKey(Path dataDir) throws IOException {
        return LedgerFiles.spentByKey(dataDir);
    }

    /** Records replayed at open plus those appended since. */
    public long records() {
        segmentLock.readLock().lock();
        try {
            return replayed + appendedToClosed + journal.records();
        } finally {
            segmentLock.readLock().unlock();
        }
    }

    /** Every record the ledger's files hold, oldest first (the ledger of {@code dataDir} must be closed). */
    public static void readAll(Path dataDir, Consumer<byte[]> each) throws IOException {
        LedgerFiles.readAll(dataDir, each);
    }

    /** Closes the journal and snapshots the totals, so that the next start replays nothing. Idempotent. */
    @Override
    public void close() {
        try {
            snapshot(false);
        } catch (IOException e) {
            Log.error("ledger_snapshot_failed", "error", e.toString()); // the next start replays the journal instead
        }
    }
}
