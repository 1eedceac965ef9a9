import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import tollgate.account.Journal;

/**
 * Cost and throughput of the usage journal's commit path (issue 9: at least
 * TARGET_RECORDS_PER_S records/s), on the real disk, into fresh journals in a temporary
 * directory under the given directory (default target/, on the data directory's disk in a
 * checkout). RECORD_BYTES-byte records; rounds, each SECONDS long unless said otherwise:
 * <ul>
 *   <li>{@code unsynced}, 1 thread (UNSYNCED_SECONDS): {@code append(record, false)}, what a
 *       stream's record costs (written to the kernel, not fsynced);
 *   <li>{@code sync}, for each count in THREADS: {@code append(record, true)}, each returning
 *       once durable. One thread is what a lone non-streamed request waits for its record (one
 *       fsync); more show group commit (records per fsync).
 * </ul>
 * A short unsynced warm-up runs first, so that the JIT's work is not counted. Prints one JSON
 * line per round (records/s, fsyncs/s, records per fsync, p50/p99 append latency in µs), then a
 * summary line. Not a test: the figures depend on the disk (a laptop SSD, a cloud volume and
 * tmpfs differ by orders of magnitude in fsync cost).
 *
 *   java -cp target/tollgate.jar scripts/bench.d/JournalCost.java [dir]
 */
public final class JournalCost {
    static final int[] THREADS = {1, 16, 256};
    static final int RECORD_BYTES = 200;
    static final double SECONDS = 5;
    /** Short: unsynced appends go at memory speed, and every byte is fsynced by close. */
    static final double UNSYNCED_SECONDS = 2;
    static final double WARMUP_SECONDS = 1;
    static final long TARGET_RECORDS_PER_S = 50_000;

    /** What one round measured. */
    record Round(double perSecond, double p50, double p99) {}

    public static void main(String[] args) throws Exception {
        Path base = Path.of(args.length > 0 ? args[0] : "target");
        Files.createDirectories(base);
        Path dir = Files.createTempDirectory(base, "journal-cost");
        double best = 0;
        int bestThreads = 0;
        Round sync1 = null;
        Round unsynced1;
        try {
            run(dir.resolve("warmup.journal"), 1, false, WARMUP_SECONDS, false);
            unsynced1 = run(dir.resolve("unsynced.journal"), 1, false, UNSYNCED_SECONDS, true);
            for (int n : THREADS) {
                Round r = run(dir.resolve("sync" + n + ".journal"), n, true, SECONDS, true);
                if (n == 1) sync1 = r;
                if (r.perSecond() > best) {
                    best = r.perSecond();
                    bestThreads = n;
                }
            }
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : (Iterable<Path>) files::iterator) Files.delete(f);
            }
            Files.delete(dir);
        }
        System.out.println(String.format(Locale.ROOT,
                "{\"summary\":\"journal\",\"dir\":\"%s\",\"sync_1_p50_us\":%.1f,\"sync_1_p99_us\":%.1f,\"unsynced_1_p50_us\":%.1f,"
                        + "\"unsynced_1_p99_us\":%.1f,\"best_records_per_s\":%.0f,\"at_threads\":%d,\"target_records_per_s\":%d,\"meets_target\":%b}",
                dir.toAbsolutePath().getParent(), sync1 == null ? 0.0 : sync1.p50(), sync1 == null ? 0.0 : sync1.p99(),
                unsynced1.p50(), unsynced1.p99(), best, bestThreads, TARGET_RECORDS_PER_S, best >= TARGET_RECORDS_PER_S));
    }

    /** One round: n virtual threads appending for {@code seconds}; prints its line if asked. */
    static Round run(Path file, int n, boolean sync, double seconds, boolean print) throws IOException, InterruptedException {
        // Each thread's append latencies in ns, grown as needed; read after the threads end.
        long[][] latencies = new long[n][];
        try (Journal journal = Journal.open(file, p -> { })) {
            CountDownLatch start = new CountDownLatch(1);
            long[] deadline = new long[1];
            Thread[] threads = new Thread[n];
            for (int t = 0; t < n; t++) {
                int id = t;
                threads[t] = Thread.ofVirtual().start(() -> {
                    byte[] record = new byte[RECORD_BYTES];
                    Arrays.fill(record, (byte) ('a' + id % 26));
                    long[] mine = new long[4096];
                    int k = 0;
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    long end = deadline[0];
                    for (long t0 = System.nanoTime(); t0 < end; ) {
                        journal.append(record, sync);
                        long t1 = System.nanoTime();
                        if (k == mine.length) mine = Arrays.copyOf(mine, k * 2);
                        mine[k++] = t1 - t0;
                        t0 = t1;
                    }
                    latencies[id] = Arrays.copyOf(mine, k);
                });
            }
            long t0 = System.nanoTime();
            deadline[0] = t0 + (long) (seconds * 1e9);
            start.countDown();
            for (Thread t : threads) t.join();
            double elapsed = (System.nanoTime() - t0) / 1e9;
            long records = journal.records();
            long commits = journal.commits();
            long[] all = Arrays.stream(latencies).flatMapToLong(Arrays::stream).sorted().toArray();
            Round r = new Round(records / elapsed, pct(all, 50), pct(all, 99));
            if (print) {
                System.out.println(String.format(Locale.ROOT,
                        "{\"mode\":\"%s\",\"threads\":%d,\"record_bytes\":%d,\"seconds\":%.2f,\"records\":%d,\"records_per_s\":%.0f,"
                                + "\"commits_per_s\":%.0f,\"records_per_commit\":%.1f,\"p50_us\":%.1f,\"p99_us\":%.1f}",
                        sync ? "sync" : "unsynced", n, RECORD_BYTES, elapsed, records, r.perSecond(), commits / elapsed,
                        commits == 0 ? 0.0 : (double) records / commits, r.p50(), r.p99()));
            }
            return r;
        }
    }

    /** The p-th percentile of sorted nanoseconds, in µs. */
    static double pct(long[] sortedNanos, int p) {
        if (sortedNanos.length == 0) return 0;
        int i = (int) Math.min(sortedNanos.length - 1, (long) sortedNanos.length * p / 100);
        return sortedNanos[i] / 1000.0;
    }
}
