package tollgate.account;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Segments and snapshots: start-up replays only what came after the last snapshot, and nothing is lost either way. */
class LedgerTest {
    @TempDir Path data;

    static UsageRecord rec(int i) {
        return new UsageRecord("e" + i, "r" + i, i % 2 == 0 ? "a" : "b", "m", "p/m", 3, 5, new BigDecimal("0.001"),
                new BigDecimal("0.002"), i % 3, 200, false, 1_767_225_600_000L, 1_767_225_600_001L);
    }

    /** Records {@code n} records from 32 threads (group commit keeps this quick). */
    static void recordMany(Ledger ledger, int from, int n) throws Exception {
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < 32; t++) {
                int first = from + t;
                pool.submit(() -> {
                    for (int i = first; i < from + n; i += 32) ledger.record(rec(i));
                    return null;
                });
            }
        }
    }

    static String totals(Ledger l) {
        return l.usage(null, null, null, null).toString();
    }

    @Test
    void snapshots_startNewSegments_andACleanCloseLeavesNothingToReplay() throws Exception {
        String expected;
        try (Ledger l = Ledger.open(data, 100)) {
            recordMany(l, 0, 350);
            expected = totals(l);
        }
        assertTrue(expected.contains("requests=175"), expected);
        // A segment closes once it holds 100 records, plus the batch then in flight (up to 32).
        List<Long> segments = LedgerFiles.segments(data.resolve("ledger"));
        assertTrue(segments.size() >= 3 && segments.size() <= 4, segments.toString());
        for (int i = 0; i < segments.size(); i++) assertEquals(i + 1L, segments.get(i));
        List<UsageRecord> all = new ArrayList<>();
        Ledger.readAll(data, p -> all.add(UsageRecord.fromJson(p)));
        assertEquals(350, all.size(), "every record kept in the segments");
        assertEquals(350, all.stream().map(UsageRecord::executionId).distinct().count());

        try (Ledger again = Ledger.open(data, 100)) {
            assertEquals(expected, totals(again));
            assertEquals(0, again.records(), "the snapshot written at close covers everything");
        }
    }

    @Test
    void aCrashAfterASnapshot_replaysOnlyTheSegmentsAfterIt() throws Exception {
        Path copy = data.resolve("copy");
        String expected;
        try (Ledger l = Ledger.open(data.resolve("live"), 100)) {
            recordMany(l, 0, 130); // one snapshot (through segment 1) and what came after in segment 2
            expected = totals(l);
            // What a kill -9 now would leave: every record durable, no snapshot of segment 2.
            copyTree(data.resolve("live"), copy);
        }
        try (Ledger recovered = Ledger.open(copy, 100)) {
            assertEquals(expected, totals(recovered));
            // The snapshot is taken when segment 1 holds at least 100: the batch then in flight
            // lands there too, so segment 2 holds 0 to 30 of them.
            assertTrue(recovered.records() <= 30, "replayed only after the snapshot: " + recovered.records());
            assertEquals(List.of(1L, 2L), LedgerFiles.segments(copy.resolve("ledger")));
        }
    }

    @Test
    void aSnapshotCutShortByACrash_isIgnored_andTheJournalsStillCount() throws Exception {
        String expected;
        try (Ledger l = Ledger.open(data, 1_000)) {
            recordMany(l, 0, 40);
            expected = totals(l);
        }
        Path dir = data.resolve("ledger");
        Files.delete(dir.resolve(LedgerFiles.SNAPSHOT)); // as if the close's snapshot never got renamed
        Files.writeString(dir.resolve(LedgerFiles.SNAPSHOT + ".tmp"), "{\"through\": 1, \"ro");
        try (Ledger l = Ledger.open(data, 1_000)) {
            assertEquals(expected, totals(l));
            assertEquals(40, l.records());
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var files = Files.walk(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.copy(p, target);
            }
        }
    }

    @org.junit.jupiter.api.Test
    void onlyAnsweredOrChargedNonStreams_waitForAnFsync() {
        java.util.function.BiFunction<Integer, Boolean, UsageRecord> r = (status, stream) -> new UsageRecord("e", "r", "k", "m", null,
                0, 0, null, null, 0, status, stream, 0, 0);
        org.junit.jupiter.api.Assertions.assertTrue(Ledger.needsSync(r.apply(200, false)));
        org.junit.jupiter.api.Assertions.assertFalse(Ledger.needsSync(r.apply(200, true)), "a stream's bytes are already out");
        org.junit.jupiter.api.Assertions.assertFalse(Ledger.needsSync(r.apply(429, false)), "a refusal charged nothing");
        org.junit.jupiter.api.Assertions.assertTrue(Ledger.needsSync(new UsageRecord("e", "r", "k", "m", "p/m", 5, 5, null, null, 3, 502,
                false, 0, 0)), "a failure that was charged");
    }

    @org.junit.jupiter.api.Test
    void modelsAClientMakesUp_areCappedPerKeyAndDay_theRestAddedUpUnderOneRow() throws Exception {
        int over = 10;
        try (Ledger l = Ledger.open(data)) {
            for (int i = 0; i < Ledger.MAX_MODELS_PER_KEY_AND_DAY + over; i++) {
                l.record(new UsageRecord("e" + i, "r" + i, "k", "made-up-" + i, null, 0, 0, null, null, 0, 400, false,
                        1_767_225_600_000L, 1_767_225_600_001L));
            }
            var rows = l.usage("k", null, null, null);
            org.junit.jupiter.api.Assertions.assertEquals(Ledger.MAX_MODELS_PER_KEY_AND_DAY + 1, rows.size());
            var other = l.usage("k", null, null, Ledger.OTHER_MODELS);
            org.junit.jupiter.api.Assertions.assertEquals(over, other.get(0).getValue().requests());
        }
        try (Ledger l = Ledger.open(data)) { // rebuilt from the snapshot: the cap holds, nothing is lost
            l.record(new UsageRecord("x", "x", "k", "one-more", null, 0, 0, null, null, 0, 400, false, 1_767_225_600_000L,
                    1_767_225_600_001L));
            org.junit.jupiter.api.Assertions.assertEquals(over + 1, l.usage("k", null, null, Ledger.OTHER_MODELS).get(0).getValue().requests());
            org.junit.jupiter.api.Assertions.assertEquals(Ledger.MAX_MODELS_PER_KEY_AND_DAY + over + 1,
                    l.usage("k", null, null, null).stream().mapToLong(e -> e.getValue().requests()).sum());
        }
    }
}
