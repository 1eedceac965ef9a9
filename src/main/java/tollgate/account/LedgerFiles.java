package tollgate.account;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import tollgate.json.Json;
import tollgate.json.JsonNumber;

/**
 * The ledger's files in {@code <data_dir>/ledger/}: journal segments {@code usage-<n>.journal}
 * (n from 1, one open for appending at a time) and {@code snapshot.json}, the totals of every
 * segment up to and including {@code through}. Start-up reads the snapshot and replays only the
 * segments after it, so it costs what was recorded since the last snapshot, not the whole
 * history. Segments are kept (the records are the audit trail); nothing here deletes them.
 *
 * <p>The snapshot is replaced atomically (write a temporary file, fsync, rename over, fsync the
 * directory), and only after the segments it covers are closed: a crash before the rename leaves
 * the previous snapshot, whose later segments are all still there to replay.
 */
final class LedgerFiles {
    private LedgerFiles() { throw new AssertionError(); }

    static final String DIR = "ledger";
    static final String SNAPSHOT = "snapshot.json";
    private static final String PREFIX = "usage-";
    private static final String SUFFIX = ".journal";
    /** Largest snapshot read, in bytes: one row per key, day and model. */
    static final long MAX_SNAPSHOT_BYTES = 256L * 1024 * 1024;

    /** A snapshot: totals through segment {@code through} (0: none). */
    record Snapshot(long through, Map<Ledger.Key, Ledger.Totals> totals) {}

    static Path segment(Path dir, long n) {
        return dir.resolve(PREFIX + n + SUFFIX);
    }

    /** Segment numbers present, ascending. */
    static List<Long> segments(Path dir) throws IOException {
        TreeMap<Long, Path> found = new TreeMap<>();
        if (!Files.isDirectory(dir)) return List.of();
        try (var files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                String name = p.getFileName().toString();
                if (!name.startsWith(PREFIX) || !name.endsWith(SUFFIX)) continue;
                try {
                    found.put(Long.parseLong(name.substring(PREFIX.length(), name.length() - SUFFIX.length())), p);
                } catch (NumberFormatException e) {
                    // not ours
                }
            }
        }
        return new ArrayList<>(found.keySet());
    }

    static Snapshot readSnapshot(Path dir) throws IOException {
        Path file = dir.resolve(SNAPSHOT);
        if (!Files.exists(file)) return new Snapshot(0, Map.of());
        if (Files.size(file) > MAX_SNAPSHOT_BYTES) throw new IOException(file + ": larger than " + MAX_SNAPSHOT_BYTES + " bytes");
        Map<String, Object> m;
        try {
            m = Json.asObject(Json.parse(Files.readAllBytes(file)));
        } catch (RuntimeException e) {
            throw new IOException(file + ": not a ledger snapshot: " + e.getMessage(), e);
        }
        if (m == null || !(m.get("through") instanceof JsonNumber through) || !(m.get("rows") instanceof List<?> rows)) {
            throw new IOException(file + ": not a ledger snapshot");
        }
        Map<Ledger.Key, Ledger.Totals> totals = new LinkedHashMap<>();
        for (Object o : rows) {
            Map<String, Object> r = Json.asObject(o);
            if (r == null) throw new IOException(file + ": a row is not an object");
            totals.put(new Ledger.Key(r.get("key") instanceof String k ? k : null, LocalDate.parse((String) r.get("day")),
                            (String) r.get("model")),
                    new Ledger.Totals(num(r, "requests"), num(r, "errors"), num(r, "prompt_tokens"), num(r, "completion_tokens"),
                            new BigDecimal(((JsonNumber) r.get("cost")).text()), new BigDecimal(((JsonNumber) r.get("savings")).text()),
                            r.get("credits") instanceof JsonNumber c ? c.longValue() : 0));
        }
        return new Snapshot(through.longValue(), totals);
    }

    private static long num(Map<String, Object> r, String k) {
        return ((JsonNumber) r.get(k)).longValue();
    }

    /** Writes {@code snapshot} in place of the current one, atomically and durably. */
    static void writeSnapshot(Path dir, Snapshot snapshot) throws IOException {
        List<Object> rows = new ArrayList<>(snapshot.totals().size());
        for (Map.Entry<Ledger.Key, Ledger.Totals> e : snapshot.totals().entrySet()) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("key", e.getKey().key());
            r.put("day", e.getKey().day().toString());
            r.put("model", e.getKey().model());
            Ledger.Totals t = e.getValue();
            r.put("requests", t.requests());
            r.put("errors", t.errors());
            r.put("prompt_tokens", t.promptTokens());
            r.put("completion_tokens", t.completionTokens());
            r.put("cost", new JsonNumber(t.cost().toPlainString()));
            r.put("savings", new JsonNumber(t.savings().toPlainString()));
            r.put("credits", t.credits());
            rows.add(r);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("version", 1);
        body.put("through", snapshot.through());
        body.put("rows", rows);
        DurableFiles.replace(dir.resolve(SNAPSHOT), Json.toBytes(body), false);
    }

    /**
     * Credits charged per key id, read without writing or locking anything, so that it works on
     * the data directory of a running gateway: the snapshot, plus the records of the segments
     * after it (a record being appended at that moment is not counted yet).
     */
    static Map<String, Long> spentByKey(Path dataDir) throws IOException {
        Path dir = dataDir.resolve(DIR);
        Snapshot snapshot = readSnapshot(dir);
        Map<String, Long> spent = new java.util.HashMap<>();
        snapshot.totals().forEach((k, t) -> {
            if (k.key() != null && t.credits() != 0) spent.merge(k.key(), t.credits(), Long::sum);
        });
        for (long n : segments(dir)) {
            if (n <= snapshot.through()) continue;
            try (FileChannel ch = FileChannel.open(segment(dir, n), StandardOpenOption.READ)) {
                JournalRecovery.read(ch, segment(dir, n), payload -> {
                    try {
                        UsageRecord r = UsageRecord.fromJson(payload);
                        if (r.key() != null && r.credits() != 0) spent.merge(r.key(), r.credits(), Long::sum);
                    } catch (RuntimeException otherVersion) {
                        // counted as the ledger counts it: not at all
                    }
                });
            }
        }
        return spent;
    }

    /** Every record of every segment, in order (audits, tests); the ledger must not be open. */
    static void readAll(Path dataDir, Consumer<byte[]> each) throws IOException {
        Path dir = dataDir.resolve(DIR);
        for (long n : segments(dir)) {
            Journal.open(segment(dir, n), each).close();
        }
    }
}
