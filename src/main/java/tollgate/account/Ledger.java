package tollgate.account;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import tollgate.log.Log;

/**
 * The usage ledger: every finished request appended to a crash-safe {@link Journal} in the data
 * directory before the client is told it finished, and totals per key, day (UTC) and model kept
 * in memory, rebuilt from the journal at start-up.
 *
 * <p>A request is recorded once: {@link #record} is called once per dispatched request, and the
 * record is durable when it returns; a crash before that loses a request the client never saw
 * complete, a crash after it leaves exactly one record.
 */
public final class Ledger implements Recorder, AutoCloseable {
    /** The journal's place in the data directory. */
    public static final String JOURNAL = "ledger/usage.journal";

    /** One row of totals. */
    public record Key(String key, LocalDate day, String model) {}

    /**
     * Totals of one key, day and model.
     *
     * @param cost    USD; requests of unknown cost add nothing
     * @param savings USD against the baseline model
     */
    public record Totals(long requests, long errors, long promptTokens, long completionTokens, BigDecimal cost,
                         BigDecimal savings) {
        static final Totals ZERO = new Totals(0, 0, 0, 0, BigDecimal.ZERO, BigDecimal.ZERO);

        Totals plus(UsageRecord r) {
            return new Totals(requests + 1, errors + (r.status() >= 400 ? 1 : 0), promptTokens + r.promptTokens(),
                    completionTokens + r.completionTokens(), r.cost() == null ? cost : cost.add(r.cost()),
                    r.savings() == null ? savings : savings.add(r.savings()));
        }

        /** The sum of two rows. */
        public Totals plus(Totals t) {
            return new Totals(requests + t.requests, errors + t.errors, promptTokens + t.promptTokens,
                    completionTokens + t.completionTokens, cost.add(t.cost), savings.add(t.savings));
        }
    }

    private final Journal journal;
    private final Map<Key, Totals> totals = new ConcurrentHashMap<>();

    private Ledger(Journal journal) {
        this.journal = journal;
    }

    /** Opens (or creates) the ledger of {@code dataDir}, replaying its journal into the totals. */
    public static Ledger open(Path dataDir) throws IOException {
        Map<Key, Totals> replayed = new ConcurrentHashMap<>();
        long[] unreadable = new long[1];
        Journal journal = Journal.open(dataDir.resolve(JOURNAL), payload -> {
            try {
                add(replayed, UsageRecord.fromJson(payload));
            } catch (RuntimeException e) {
                unreadable[0]++; // framing and CRC were right: a record of another version; kept in the file
            }
        });
        Ledger ledger = new Ledger(journal);
        ledger.totals.putAll(replayed);
        if (unreadable[0] > 0) Log.warn("ledger_unreadable_records", "count", unreadable[0]);
        Log.info("ledger_open", "file", dataDir.resolve(JOURNAL).toString(), "records", journal.recoveredRecords(),
                "cut_bytes", journal.cutBytes());
        return ledger;
    }

    @Override
    public void record(UsageRecord r) {
        journal.append(r.toJson()); // durable from here on
        add(totals, r);
    }

    private static void add(Map<Key, Totals> into, UsageRecord r) {
        LocalDate day = Instant.ofEpochMilli(r.endedMs()).atZone(ZoneOffset.UTC).toLocalDate();
        into.merge(new Key(r.key(), day, r.model()), Totals.ZERO.plus(r), Totals::plus);
    }

    /**
     * Totals by day and model, oldest day first.
     *
     * @param key   a key's name, or null for every key
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

    /** Records in the journal (recovered and appended since). */
    public long records() { return journal.recoveredRecords() + journal.records(); }

    @Override
    public void close() {
        journal.close();
    }
}
