package tollgate.account;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The usage journal: round trips under concurrency, recovery from a crash at every byte, and
 * refusal to drop anything but a torn tail. Not covered: a failing write or fsync (no reliable
 * way to make a local disk fail under a test; the failure path is reviewed, not tested).
 */
class JournalTest {
    /** Five records of different sizes, including a one-byte one and ones crossing 8 bytes. */
    private static final List<byte[]> FIVE = List.of(bytes(1, 'a'), bytes(7, 'b'), bytes(8, 'c'), bytes(50, 'd'), bytes(300, 'e'));

    @TempDir Path dir;

    @Test
    void concurrentAppends_replayInOrderPerThread_andShareFsyncs() throws Exception {
        Path file = dir.resolve("usage.journal");
        int threads = 16;
        int total = 1000;
        long records;
        long commits;
        long bytes;
        long expectedBytes = 0;
        try (Journal j = Journal.open(file, p -> { throw new AssertionError("new journal replayed a record"); })) {
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int thread = t;
                    done.add(pool.submit(() -> {
                        for (int i = thread; i < total; i += threads) j.append(payload(thread, i));
                    }));
                }
                for (Future<?> f : done) f.get();
            }
            records = j.records();
            commits = j.commits();
            bytes = j.bytes();
        }
        for (int i = 0; i < total; i++) expectedBytes += Journal.RECORD_HEADER_BYTES + payload(i % threads, i).length;
        System.out.println("journal group commit: " + records + " records in " + commits + " fsyncs");
        assertEquals(total, records);
        assertTrue(commits >= 1 && commits <= records, "commits " + commits);
        assertEquals(expectedBytes, bytes);
        assertEquals(Journal.HEADER_BYTES + expectedBytes, Files.size(file));

        List<String> replayed = new ArrayList<>();
        try (Journal j = Journal.open(file, p -> replayed.add(new String(p, StandardCharsets.UTF_8)))) {
            assertEquals(total, j.recoveredRecords());
            assertEquals(0, j.cutBytes());
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < total; i++) expected.add(new String(payload(i % threads, i), StandardCharsets.UTF_8));
        List<String> sorted = new ArrayList<>(replayed);
        sorted.sort(null);
        expected.sort(null);
        assertEquals(expected, sorted);
        for (int t = 0; t < threads; t++) {
            int last = -1;
            for (String s : replayed) {
                String[] parts = s.split(":");
                if (Integer.parseInt(parts[0]) != t) continue;
                int seq = Integer.parseInt(parts[1]);
                assertTrue(seq > last, "thread " + t + ": " + seq + " replayed after " + last);
                last = seq;
            }
        }
    }

    @Test
    void newJournal_isJustTheHeader_andDirectoriesAreCreated() throws IOException {
        Path file = dir.resolve("a/b/usage.journal");
        try (Journal j = Journal.open(file, p -> { })) {
            assertEquals(0, j.recoveredRecords());
            assertEquals(0, j.records());
            assertEquals(0, j.commits());
        }
        assertArrayEquals(JournalRecovery.header(), Files.readAllBytes(file));
        assertArrayEquals(new byte[] {'T', 'G', 'J', '1', 0, 0, 0, 0}, JournalRecovery.header());
    }

    @Test
    void recordsAreFramedAsDocumented() throws IOException {
        Path file = dir.resolve("usage.journal");
        byte[] payload = "hello".getBytes(StandardCharsets.UTF_8);
        try (Journal j = Journal.open(file, p -> { })) {
            j.append(payload);
        }
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
        assertEquals(Journal.HEADER_BYTES + Journal.RECORD_HEADER_BYTES + payload.length, b.remaining());
        b.position(Journal.HEADER_BYTES);
        assertEquals(payload.length, b.getInt());
        assertEquals((int) crc(payload), b.getInt());
        byte[] rest = new byte[payload.length];
        b.get(rest);
        assertArrayEquals(payload, rest);
    }

    @Test
    void everyTruncationPoint_keepsTheCompleteRecords_cutsTheRest_andAcceptsNewOnes() throws IOException {
        Path full = dir.resolve("full.journal");
        write(full, FIVE);
        byte[] bytes = Files.readAllBytes(full);
        long[] ends = recordEnds(FIVE);
        assertEquals(ends[ends.length - 1], bytes.length);
        byte[] extra = "after recovery".getBytes(StandardCharsets.UTF_8);
        for (int length = 0; length <= bytes.length; length++) {
            Path file = dir.resolve("cut-" + length + ".journal");
            Files.write(file, Arrays.copyOf(bytes, length));
            int complete = 0;
            while (complete < FIVE.size() && ends[complete + 1] <= length) complete++;
            long goodEnd = ends[complete];
            String at = "truncated to " + length;
            List<byte[]> replayed = new ArrayList<>();
            try (Journal j = Journal.open(file, replayed::add)) {
                assertRecords(FIVE.subList(0, complete), replayed, at);
                assertEquals(complete, j.recoveredRecords(), at);
                assertEquals(length < Journal.HEADER_BYTES ? 0 : length - goodEnd, j.cutBytes(), at);
                assertEquals(goodEnd, Files.size(file), at);
                j.append(extra);
            }
            List<byte[]> expected = new ArrayList<>(FIVE.subList(0, complete));
            expected.add(extra);
            assertRecords(expected, readAll(file), at + ", then appended");
        }
    }

    @Test
    void largestRecord_roundTrips_andItsTornTailIsCut() throws IOException {
        Path file = dir.resolve("usage.journal");
        byte[] big = bytes(Journal.MAX_RECORD_BYTES, 'x');
        write(file, List.of(FIVE.get(0), big));
        long firstEnd = Journal.HEADER_BYTES + Journal.RECORD_HEADER_BYTES + 1;
        assertRecords(List.of(FIVE.get(0), big), readAll(file), "whole");
        for (long cut : new long[] {1, 100, Journal.MAX_RECORD_BYTES, Journal.MAX_RECORD_BYTES + Journal.RECORD_HEADER_BYTES - 1}) {
            Path copy = dir.resolve("cut" + cut);
            byte[] all = Files.readAllBytes(file);
            Files.write(copy, Arrays.copyOf(all, (int) (all.length - cut)));
            assertRecords(List.of(FIVE.get(0)), readAll(copy), "cut " + cut);
            assertEquals(firstEnd, Files.size(copy));
        }
    }

    @Test
    void corruptLastRecord_isCut_earlierRecordsKept() throws IOException {
        Path file = dir.resolve("usage.journal");
        write(file, FIVE);
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 1] ^= 0x01; // the last payload's last byte
        Files.write(file, bytes);
        try (Journal j = Journal.open(file, p -> { })) {
            assertEquals(4, j.recoveredRecords());
            assertEquals(Journal.RECORD_HEADER_BYTES + FIVE.get(4).length, j.cutBytes());
        }
        assertRecords(FIVE.subList(0, 4), readAll(file), "after cut");
        assertEquals(recordEnds(FIVE)[4], Files.size(file));
    }

    @Test
    void zeroFilledTail_isCut() throws IOException {
        Path file = dir.resolve("usage.journal");
        write(file, FIVE);
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length + 4096));
        try (Journal j = Journal.open(file, p -> { })) {
            assertEquals(5, j.recoveredRecords());
            assertEquals(4096, j.cutBytes());
        }
        assertArrayEquals(bytes, Files.readAllBytes(file));
    }

    @Test
    void corruptMiddleRecord_refusesToStart_namingTheOffset_andLeavesTheFile() throws IOException {
        Path file = dir.resolve("usage.journal");
        write(file, FIVE);
        byte[] bytes = Files.readAllBytes(file);
        long offset = recordEnds(FIVE)[3]; // where the fourth record (50 bytes) starts
        bytes[(int) offset + Journal.RECORD_HEADER_BYTES + 10] ^= 0x40;
        Files.write(file, bytes);
        IOException e = assertThrows(IOException.class, () -> Journal.open(file, p -> { }));
        assertTrue(e.getMessage().contains("corrupt record at offset " + offset + " "), e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertArrayEquals(bytes, Files.readAllBytes(file));
    }

    @Test
    void lengthDamagedToRunPastTheEnd_isNotTakenForATornTail() throws IOException {
        // Without a CRC over the length, this looks like a record cut short by a crash; the
        // valid fifth record after it shows it is not.
        Path file = dir.resolve("usage.journal");
        write(file, FIVE);
        byte[] bytes = Files.readAllBytes(file);
        long offset = recordEnds(FIVE)[3];
        ByteBuffer.wrap(bytes).putInt((int) offset, 50 + 0x4000);
        Files.write(file, bytes);
        IOException e = assertThrows(IOException.class, () -> Journal.open(file, p -> { }));
        assertTrue(e.getMessage().contains("corrupt record at offset " + offset + " "), e.getMessage());
        assertTrue(e.getMessage().contains("valid record starts at offset " + recordEnds(FIVE)[4]), e.getMessage());
        assertArrayEquals(bytes, Files.readAllBytes(file));
    }

    @Test
    void impossibleLengthInTheMiddle_refusesToStart() throws IOException {
        Path file = dir.resolve("usage.journal");
        write(file, FIVE);
        byte[] bytes = Files.readAllBytes(file);
        long offset = recordEnds(FIVE)[1];
        ByteBuffer.wrap(bytes).putInt((int) offset, Journal.MAX_RECORD_BYTES + 1);
        Files.write(file, bytes);
        IOException e = assertThrows(IOException.class, () -> Journal.open(file, p -> { }));
        assertTrue(e.getMessage().contains("corrupt record at offset " + offset + " "), e.getMessage());
        assertArrayEquals(bytes, Files.readAllBytes(file));
    }

    @Test
    void badHeader_refusesToStart_namingTheFile() throws IOException {
        for (byte[] content : List.of("not a journal at all".getBytes(StandardCharsets.US_ASCII),
                new byte[] {'T', 'G', 'J', '1', 0, 0, 0, 1}, new byte[] {'T', 'G', 'X'})) {
            Path file = dir.resolve("bad.journal");
            Files.write(file, content);
            IOException e = assertThrows(IOException.class, () -> Journal.open(file, p -> { }), new String(content, StandardCharsets.ISO_8859_1));
            assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
            assertArrayEquals(content, Files.readAllBytes(file));
        }
    }

    @Test
    void largestRecords_concurrently_allArriveWhole() throws Exception {
        // 32 threads x 8 records of 64 KiB: each is one write(2) under the write lock, none torn or interleaved.
        Path file = dir.resolve("usage.journal");
        int threads = 32;
        int each = 8;
        try (Journal j = Journal.open(file, p -> { });
                ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        byte[] p = bytes(Journal.MAX_RECORD_BYTES, 'z');
                        ByteBuffer.wrap(p).putInt(thread).putInt(i);
                        j.append(p, i % 2 == 0);
                    }
                }));
            }
            for (Future<?> f : done) f.get();
            assertEquals(threads * each, j.records());
        }
        Set<String> seen = new HashSet<>();
        for (byte[] p : readAll(file)) {
            ByteBuffer b = ByteBuffer.wrap(p);
            assertTrue(seen.add(b.getInt() + ":" + b.getInt()));
            assertEquals(Journal.MAX_RECORD_BYTES, p.length);
        }
        assertEquals(threads * each, seen.size());
    }

    @Test
    void unsyncedAppends_areInTheFileAtOnce_andReadAfterClose() throws IOException {
        Path file = dir.resolve("usage.journal");
        Journal j = Journal.open(file, p -> { });
        for (byte[] r : FIVE) j.append(r, false);
        assertEquals(5, j.records());
        assertEquals(0, j.commits()); // nothing fsynced yet...
        assertEquals(recordEnds(FIVE)[5], Files.size(file)); // ...but all written: a kill -9 keeps them
        j.close();
        assertEquals(1, j.commits()); // close made them durable
        assertRecords(FIVE, readAll(file), "after close");
    }

    @Test
    void oneFsync_coversEverythingWrittenBeforeIt() throws IOException {
        Path file = dir.resolve("usage.journal");
        Journal j = Journal.open(file, p -> { });
        for (int i = 0; i < 4; i++) j.append(FIVE.get(i), false);
        j.append(FIVE.get(4), true);
        assertEquals(5, j.records());
        assertEquals(1, j.commits());
        j.append(FIVE.get(0), true); // a lone synced record: fsynced by its own call
        assertEquals(2, j.commits());
        j.close();
        assertEquals(2, j.commits()); // nothing left for close to fsync
        List<byte[]> expected = new ArrayList<>(FIVE);
        expected.add(FIVE.get(0));
        assertRecords(expected, readAll(file), "after close");
    }

    @Test
    void manyConcurrentAppenders_mixedSync_everyRecordOnceInPerThreadOrder() throws Exception {
        Path file = dir.resolve("usage.journal");
        int threads = 64;
        int each = 200;
        try (Journal j = Journal.open(file, p -> { })) {
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int thread = t;
                    done.add(pool.submit(() -> {
                        for (int i = 0; i < each; i++) j.append(payload(thread, i), (thread + i) % 3 != 0);
                    }));
                }
                for (Future<?> f : done) f.get();
            }
            assertEquals((long) threads * each, j.records());
        }
        int[] next = new int[threads];
        for (byte[] p : readAll(file)) {
            String[] parts = new String(p, StandardCharsets.UTF_8).split(":");
            int thread = Integer.parseInt(parts[0]);
            assertEquals(next[thread], Integer.parseInt(parts[1]), "thread " + thread + ": record out of order, missing or twice");
            assertArrayEquals(payload(thread, next[thread]), p);
            next[thread]++;
        }
        for (int t = 0; t < threads; t++) assertEquals(each, next[t], "records of thread " + t);
    }

    @Test
    void concurrentSyncedAppenders_shareFsyncs() throws Exception {
        // Behaviour, not timing: while one appender leads an fsync the others write theirs and
        // wait, and the next fsync covers them all. 64 appenders never get one fsync each.
        Path file = dir.resolve("usage.journal");
        int threads = 64;
        int each = 50;
        try (Journal j = Journal.open(file, p -> { })) {
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int thread = t;
                    done.add(pool.submit(() -> {
                        for (int i = 0; i < each; i++) j.append(payload(thread, i), true);
                    }));
                }
                for (Future<?> f : done) f.get();
            }
            System.out.println("journal group commit, 64 appenders: " + j.records() + " records in " + j.commits() + " fsyncs");
            assertEquals((long) threads * each, j.records());
            assertTrue(j.commits() >= 1 && j.commits() < j.records(), "commits " + j.commits() + " of " + j.records() + " records");
        }
        assertEquals(threads * each, readAll(file).size());
    }

    @Test
    void interruptedAppender_keepsItsInterrupt_andTheJournalKeepsWorking() throws IOException {
        // Appenders are request threads; an interrupt must neither fail the journal (as it would
        // by closing a FileChannel used for the I/O) nor be swallowed.
        Path file = dir.resolve("usage.journal");
        Journal j = Journal.open(file, p -> { });
        Thread.currentThread().interrupt();
        try {
            j.append(FIVE.get(0), true);
            j.append(FIVE.get(1), false);
            assertTrue(Thread.currentThread().isInterrupted());
        } finally {
            Thread.interrupted();
        }
        j.append(FIVE.get(2), true);
        Thread.currentThread().interrupt();
        try {
            j.close();
            assertTrue(Thread.currentThread().isInterrupted());
        } finally {
            Thread.interrupted();
        }
        assertRecords(FIVE.subList(0, 3), readAll(file), "after interrupts");
    }

    @Test
    void badAppends_andClose() throws IOException {
        Path file = dir.resolve("usage.journal");
        Journal j = Journal.open(file, p -> { });
        assertThrows(IllegalArgumentException.class, () -> j.append(new byte[Journal.MAX_RECORD_BYTES + 1]));
        assertThrows(IllegalArgumentException.class, () -> j.append(new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> j.append(new byte[0], false));
        j.append(new byte[] {1});
        assertEquals(1, j.records());
        j.close();
        assertThrows(IllegalStateException.class, () -> j.append(new byte[] {2}));
        assertThrows(IllegalStateException.class, () -> j.append(new byte[] {2}, false));
        j.close(); // idempotent
        assertRecords(List.of(new byte[] {1}), readAll(file), "after close");
    }

    @Test
    void secondOpenOfTheSameFile_isRefused() throws IOException {
        Path file = dir.resolve("usage.journal");
        try (Journal j = Journal.open(file, p -> { })) {
            IOException e = assertThrows(IOException.class, () -> Journal.open(file, p -> { }));
            assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
            j.append(new byte[] {7});
        }
        assertEquals(1, readAll(file).size()); // closing made the file openable again
    }

    @Test
    void failedOpen_leavesTheFileOpenableAgain() throws IOException {
        Path file = dir.resolve("usage.journal");
        Files.write(file, "garbage!".getBytes(StandardCharsets.US_ASCII));
        assertThrows(IOException.class, () -> Journal.open(file, p -> { }));
        Files.delete(file);
        try (Journal j = Journal.open(file, p -> { })) {
            j.append(new byte[] {1});
        }
        assertEquals(1, readAll(file).size());
    }

    private static void write(Path file, List<byte[]> records) throws IOException {
        try (Journal j = Journal.open(file, p -> { })) {
            for (byte[] r : records) j.append(r);
        }
    }

    private static List<byte[]> readAll(Path file) throws IOException {
        List<byte[]> out = new ArrayList<>();
        Journal.open(file, out::add).close();
        return out;
    }

    /** Offsets where each record ends: [0] = the header's end, [i] = the end of record i. */
    private static long[] recordEnds(List<byte[]> records) {
        long[] ends = new long[records.size() + 1];
        ends[0] = Journal.HEADER_BYTES;
        for (int i = 0; i < records.size(); i++) ends[i + 1] = ends[i] + Journal.RECORD_HEADER_BYTES + records.get(i).length;
        return ends;
    }

    private static void assertRecords(List<byte[]> expected, List<byte[]> actual, String where) {
        assertEquals(expected.size(), actual.size(), where + ": record count");
        for (int i = 0; i < expected.size(); i++) assertArrayEquals(expected.get(i), actual.get(i), where + ": record " + i);
    }

    private static byte[] payload(int thread, int seq) {
        return (thread + ":" + seq + ":" + "u".repeat(seq % 37)).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(int n, char fill) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) fill);
        return b;
    }

    private static long crc(byte[] b) {
        CRC32C c = new CRC32C();
        c.update(b);
        return c.getValue();
    }
}
