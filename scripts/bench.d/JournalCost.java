import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import tollgate.account.Journal;

/**
 * Throughput of the usage journal with group commit (issue 9: at least TARGET_RECORDS_PER_S
 * records/s), on the real disk: for each number of appending virtual threads in THREADS, every
 * thread appends RECORD_BYTES-byte records for SECONDS into a fresh journal in a temporary
 * directory under the given directory (default target/, which is on the data directory's disk
 * in a checkout), each append returning only once durable. Prints one JSON line per thread
 * count (records/s, fsyncs/s, records per fsync, p50/p99 append latency in µs), then a summary
 * line. Not a test: the figures depend on the disk (a laptop SSD, a cloud volume and tmpfs
 * differ by orders of magnitude in fsync cost).
 *
 *   java -cp target/tollgate.jar scripts/bench.d/JournalCost.java [dir]
 */
public final class JournalCost {
    static final int[] THREADS = {1, 16, 64, 256};
    static final int RECORD_BYTES = 200;
    static final long SECONDS = 5;
    static final long TARGET_RECORDS_PER_S = 50_000;

    public static void main(String[] args) throws Exception {
        Path base = Path.of(args.length > 0 ? args[0] : "target");
        Files.createDirectories(base);
        Path dir = Files.createTempDirectory(base, "journal-cost");
        double best = 0;
        int bestThreads = 0;
        try {
            for (int n : THREADS) {
                double perSecond = run(dir.resolve("n" + n + ".journal"), n);
                if (perSecond > best) {
                    best = perSecond;
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
                "{\"summary\":\"journal\",\"dir\":\"%s\",\"best_records_per_s\":%.0f,\"at_threads\":%d,\"target_records_per_s\":%d,\"meets_target\":%b}",
                dir.toAbsolutePath().getParent(), best, bestThreads, TARGET_RECORDS_PER_S, best >= TARGET_RECORDS_PER_S));
    }

    /** One round: n threads appending for SECONDS; prints its line and returns records/s. */
    static double run(Path file, int n) throws IOException, InterruptedException {
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
                        journal.append(record);
                        long t1 = System.nanoTime();
                        if (k == mine.length) mine = Arrays.copyOf(mine, k * 2);
                        mine[k++] = t1 - t0;
                        t0 = t1;
                    }
                    latencies[id] = Arrays.copyOf(mine, k);
                });
            }
            long t0 = System.nanoTime();
            deadline[0] = t0 + SECONDS * 1_000_000_000L;
            start.countDown();
            for (Thread t : threads) t.join();
            double elapsed = (System.nanoTime() - t0) / 1e9;
            long records = journal.records();
            long commits = journal.commits();
            long[] all = Arrays.stream(latencies).flatMapToLong(Arrays::stream).sorted().toArray();
            System.out.println(String.format(Locale.ROOT,
                    "{\"threads\":%d,\"record_bytes\":%d,\"seconds\":%.2f,\"records\":%d,\"records_per_s\":%.0f,\"commits_per_s\":%.0f,"
                            + "\"records_per_commit\":%.1f,\"p50_us\":%d,\"p99_us\":%d}",
                    n, RECORD_BYTES, elapsed, records, records / elapsed, commits / elapsed,
                    commits == 0 ? 0.0 : (double) records / commits, pct(all, 50), pct(all, 99)));
            return records / elapsed;
        }
    }

    static long pct(long[] sortedNanos, int p) {
        if (sortedNanos.length == 0) return 0;
        int i = (int) Math.min(sortedNanos.length - 1, (long) sortedNanos.length * p / 100);
        return sortedNanos[i] / 1000;
    }
}
