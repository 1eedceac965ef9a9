package tollgate.account;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The usage journal: round trips under concurrency and across preallocated extents, recovery from
 * a crash at every byte and from a journal left open (its zero tail, a torn record in it), and
 * refusal to drop anything but a torn tail. A journal left open is simulated by copying its
 * file while it is open: the copy holds what a {@code kill -9} would leave (the page cache). Not
 * covered: a failing write or fsync (no reliable way to make a local disk fail under a
 * test; the failure path is reviewed, not tested).
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
                // The torn record's bytes up to its last non-zero one (a length field's leading
                // zero bytes alone are not counted: they read as the zero tail).
                assertEquals(length < Journal.HEADER_BYTES ? 0 : nonZeroEnd(bytes, goodEnd, length) - goodEnd, j.cutBytes(), at);
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
    void zeroFilledTail_isCut_butNotCountedAsCut() throws IOException {
        Path file = dir.resolve("usage.journal");
        write(file, FIVE);
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length + 4096));
        try (Journal j = Journal.open(file, p -> { })) {
            assertEquals(5, j.recoveredRecords());
            assertEquals(0, j.cutBytes()); // nothing was lost
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
        // 32 threads x 8 records of 64 KiB (16 MiB: the file extended while others wait, records
        // spanning two extents): each written whole under the write lock, none torn or interleaved.
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
        // The first extended the file, so it waited for one fsync (the allocation's); the other
        // four were not fsynced...
        assertEquals(1, j.commits());
        // ...but all in the file (the page cache), which a kill -9 keeps: framed, then the preallocated zeros.
        byte[] open = Files.readAllBytes(file);
        assertEquals(Journal.HEADER_BYTES + Journal.PREALLOC_BYTES, open.length);
        byte[] framed = framed(FIVE);
        assertArrayEquals(framed, Arrays.copyOf(open, framed.length));
        assertEquals(framed.length, nonZeroEnd(open, 0, open.length));
        j.close();
        assertEquals(2, j.commits()); // close made them durable
        assertArrayEquals(framed, Files.readAllBytes(file)); // and cut the zeros
        assertRecords(FIVE, readAll(file), "after close");
    }

    @Test
    void recordsSpanningRegions_roundTrip_whileOpenAndAfterClose() throws IOException {
        // Extent k ends at HEADER_BYTES + k * PREALLOC_BYTES (the first extent starts where the
        // records end, here after the header). At the first boundary a record's header is split,
        // at the second its payload, at the third a record ends exactly on it, so the next one
        // starts an extent.
        Path file = dir.resolve("usage.journal");
        Path crash = dir.resolve("crash.journal");
        List<byte[]> expected = new ArrayList<>();
        long[] at = {Journal.HEADER_BYTES};
        try (Journal j = Journal.open(file, p -> { })) {
            long boundary = Journal.HEADER_BYTES + Journal.PREALLOC_BYTES;
            fillTo(j, expected, at, boundary - 5);
            append(j, expected, at, bytes(100, 'h'), true); // header: 5 bytes before, 3 after
            boundary += Journal.PREALLOC_BYTES;
            fillTo(j, expected, at, boundary - Journal.RECORD_HEADER_BYTES - 40);
            append(j, expected, at, bytes(100, 'p'), false); // payload: 40 bytes before, 60 after
            boundary += Journal.PREALLOC_BYTES;
            fillTo(j, expected, at, boundary - Journal.RECORD_HEADER_BYTES - 100);
            append(j, expected, at, bytes(100, 'e'), true); // ends on the boundary
            assertEquals(boundary, at[0]);
            append(j, expected, at, bytes(100, 's'), false); // starts the fourth extent
            append(j, expected, at, bytes(Journal.MAX_RECORD_BYTES, 'm'), true);
            assertEquals(expected.size(), j.records());
            assertEquals(at[0] - Journal.HEADER_BYTES, j.bytes());
            assertEquals(Journal.HEADER_BYTES + 4L * Journal.PREALLOC_BYTES, Files.size(file));
            Files.write(crash, Files.readAllBytes(file)); // what a kill -9 now would leave
        }
        assertEquals(at[0], Files.size(file)); // close cut the zeros: exactly header and records
        assertRecords(expected, readAll(file), "after close");
        List<byte[]> replayed = new ArrayList<>();
        try (Journal j = Journal.open(crash, replayed::add)) {
            assertEquals(expected.size(), j.recoveredRecords());
            assertEquals(0, j.cutBytes());
        }
        assertRecords(expected, replayed, "left open");
        assertEquals(at[0], Files.size(crash));
    }

    @Test
    void journalLeftOpen_recoversEveryRecord_cutsItsZeroTail_andCountsNothing() throws IOException {
        Path file = dir.resolve("usage.journal");
        Path crash = dir.resolve("crash.journal");
        long[] ends = recordEnds(FIVE);
        try (Journal j = Journal.open(file, p -> { })) {
            for (int i = 0; i < FIVE.size(); i++) j.append(FIVE.get(i), i % 2 == 0);
            Files.write(crash, Files.readAllBytes(file)); // a kill -9 now
        }
        byte[] left = Files.readAllBytes(crash);
        assertEquals(Journal.HEADER_BYTES + Journal.PREALLOC_BYTES, left.length);
        assertEquals(ends[5], nonZeroEnd(left, 0, left.length));
        byte[] extra = "after the crash".getBytes(StandardCharsets.UTF_8);
        List<byte[]> replayed = new ArrayList<>();
        try (Journal j = Journal.open(crash, replayed::add)) {
            assertEquals(5, j.recoveredRecords());
            assertEquals(0, j.cutBytes());
            assertEquals(ends[5], Files.size(crash)); // cut (and fsynced) before anything is appended
            j.append(extra, false);
        }
        assertRecords(FIVE, replayed, "left open");
        List<byte[]> expected = new ArrayList<>(FIVE);
        expected.add(extra);
        assertRecords(expected, readAll(crash), "appended after recovery");
    }

    @Test
    void tornRecordInTheZeroTail_isCut_countingItsWrittenBytes() throws IOException {
        // A crash while a record was being written leaves part of it, and not necessarily a
        // prefix (its pages may reach the disk in any order).
        Path file = dir.resolve("usage.journal");
        byte[] left;
        try (Journal j = Journal.open(file, p -> { })) {
            for (byte[] r : FIVE) j.append(r, false);
            left = Files.readAllBytes(file);
        }
        int end = (int) recordEnds(FIVE)[5];
        byte[] torn = frame(bytes(300, 't'));
        int[][] written = { // [from, to) of the torn record's bytes that reached the file
            {0, 100}, {0, Journal.RECORD_HEADER_BYTES}, {0, 3}, {0, torn.length - 1},
            {32, torn.length}, {Journal.RECORD_HEADER_BYTES, 200}, {64, 96},
        };
        for (int[] w : written) {
            String at = "bytes " + w[0] + " to " + w[1] + " of the torn record";
            Path crash = dir.resolve("crash-" + w[0] + "-" + w[1] + ".journal");
            byte[] image = left.clone();
            System.arraycopy(torn, w[0], image, end + w[0], w[1] - w[0]);
            Files.write(crash, image);
            List<byte[]> replayed = new ArrayList<>();
            try (Journal j = Journal.open(crash, replayed::add)) {
                assertRecords(FIVE, replayed, at);
                assertEquals(w[1], j.cutBytes(), at); // from the record's start to its last non-zero byte
            }
            assertEquals(end, Files.size(crash), at);
        }
    }

    @Test
    void damageBeforeTheZeroTail_refusesToStart_andLeavesTheFile() throws IOException {
        Path file = dir.resolve("usage.journal");
        byte[] left;
        try (Journal j = Journal.open(file, p -> { })) {
            for (byte[] r : FIVE) j.append(r, false);
            left = Files.readAllBytes(file);
        }
        long[] ends = recordEnds(FIVE);
        // A record zeroed in the middle (records follow it), and more non-zero bytes after the
        // records than one record could hold (not a torn record).
        byte[] hole = left.clone();
        Arrays.fill(hole, (int) ends[2], (int) ends[3], (byte) 0);
        byte[] garbage = left.clone();
        Arrays.fill(garbage, (int) ends[5], (int) ends[5] + Journal.RECORD_HEADER_BYTES + Journal.MAX_RECORD_BYTES + 1, (byte) 'g');
        for (var c : List.of(Map.entry(ends[2], hole), Map.entry(ends[5], garbage))) {
            Path crash = dir.resolve("crash.journal");
            Files.write(crash, c.getValue());
            IOException e = assertThrows(IOException.class, () -> Journal.open(crash, p -> { }));
            assertTrue(e.getMessage().contains("corrupt record at offset " + c.getKey() + " "), e.getMessage());
            assertArrayEquals(c.getValue(), Files.readAllBytes(crash));
        }
    }

    @Test
    void readOnlyReplay_ofAnOpenJournal_stopsAtItsZeroTail_orATornRecord_andWritesNothing() throws IOException {
        Path file = dir.resolve("usage.journal");
        try (Journal j = Journal.open(file, p -> { })) {
            for (byte[] r : FIVE) j.append(r, false);
            byte[] before = Files.readAllBytes(file);
            List<byte[]> replayed = new ArrayList<>();
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                JournalRecovery.Result r = JournalRecovery.read(ch, file, replayed::add);
                assertEquals(recordEnds(FIVE)[5], r.end());
                assertEquals(0, r.cutBytes());
            }
            assertRecords(FIVE, replayed, "read while open");
            assertArrayEquals(before, Files.readAllBytes(file));

            // A record being written (its last bytes not yet there): not replayed, no refusal.
            Path copy = dir.resolve("copy.journal");
            byte[] image = before.clone();
            byte[] torn = frame(bytes(300, 't'));
            System.arraycopy(torn, 20, image, (int) recordEnds(FIVE)[5] + 20, 200);
            Files.write(copy, image);
            replayed.clear();
            try (FileChannel ch = FileChannel.open(copy, StandardOpenOption.READ)) {
                assertEquals(recordEnds(FIVE)[5], JournalRecovery.read(ch, copy, replayed::add).end());
            }
            assertRecords(FIVE, replayed, "read with a record being written");
            assertArrayEquals(image, Files.readAllBytes(copy));
            j.append(FIVE.get(0), true); // the journal is unaffected
        }
        assertEquals(6, readAll(file).size());
    }

    @Test
    void fileIsPreallocatedWithZeros_extendedWhenARecordWouldPassItsEnd_andTruncatedByClose() throws IOException {
        Path file = dir.resolve("usage.journal");
        List<byte[]> expected = new ArrayList<>();
        long[] at = {Journal.HEADER_BYTES};
        Journal j = Journal.open(file, p -> { });
        assertEquals(Journal.HEADER_BYTES, Files.size(file)); // preallocated lazily
        append(j, expected, at, bytes(100, 'a'), false);
        assertEquals(Journal.HEADER_BYTES + Journal.PREALLOC_BYTES, Files.size(file));
        assertEquals(1, j.commits()); // the extension was fsynced, though the append was unsynced
        fillTo(j, expected, at, Journal.HEADER_BYTES + Journal.PREALLOC_BYTES - 10);
        long commits = j.commits();
        append(j, expected, at, bytes(100, 'b'), false); // passes the end: extended once more
        assertEquals(Journal.HEADER_BYTES + 2L * Journal.PREALLOC_BYTES, Files.size(file));
        assertEquals(commits + 1, j.commits());
        byte[] open = Files.readAllBytes(file);
        assertEquals(at[0], nonZeroEnd(open, 0, open.length));
        j.close();
        assertEquals(at[0], Files.size(file));
        assertRecords(expected, readAll(file), "after close");
    }

    @Test
    void oneFsync_coversEverythingWrittenBeforeIt() throws IOException {
        Path file = dir.resolve("usage.journal");
        Journal j = Journal.open(file, p -> { });
        for (int i = 0; i < 4; i++) j.append(FIVE.get(i), false);
        assertEquals(1, j.commits()); // the first extended the file: it waited for an fsync
        j.append(FIVE.get(4), true);
        assertEquals(5, j.records());
        assertEquals(2, j.commits()); // one fsync for the three unsynced records and this one
        j.append(FIVE.get(0), true); // a lone synced record: fsynced by its own call
        assertEquals(3, j.commits());
        j.close();
        assertEquals(3, j.commits()); // nothing left for close to fsync
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

    /** Appends records of MAX_RECORD_BYTES (the last one shorter) until the records end at {@code target}. */
    private static void fillTo(Journal j, List<byte[]> expected, long[] at, long target) {
        while (at[0] < target) {
            long gap = target - at[0];
            long whole = Journal.RECORD_HEADER_BYTES + Journal.MAX_RECORD_BYTES;
            int length;
            if (gap <= whole) length = (int) gap - Journal.RECORD_HEADER_BYTES; // the last one
            else if (gap - whole > Journal.RECORD_HEADER_BYTES) length = Journal.MAX_RECORD_BYTES;
            else length = Journal.MAX_RECORD_BYTES - 100; // leave room for a last one of at least a byte
            assertTrue(length > 0, "gap " + gap);
            append(j, expected, at, bytes(length, (char) ('a' + expected.size() % 26)), false);
        }
        assertEquals(target, at[0]);
    }

    private static void append(Journal j, List<byte[]> expected, long[] at, byte[] payload, boolean sync) {
        j.append(payload, sync);
        expected.add(payload);
        at[0] += Journal.RECORD_HEADER_BYTES + payload.length;
    }

    /** The records as the file holds them, framed, after the header. */
    private static byte[] framed(List<byte[]> records) {
        byte[] out = Arrays.copyOf(JournalRecovery.header(), (int) recordEnds(records)[records.size()]);
        ByteBuffer b = ByteBuffer.wrap(out).position(Journal.HEADER_BYTES);
        for (byte[] r : records) b.putInt(r.length).putInt((int) crc(r)).put(r);
        return out;
    }

    /** One record, framed: [length][CRC-32C][payload]. */
    private static byte[] frame(byte[] payload) {
        return ByteBuffer.allocate(Journal.RECORD_HEADER_BYTES + payload.length).putInt(payload.length).putInt((int) crc(payload)).put(payload).array();
    }

    /** The end of the last non-zero byte of {@code bytes} in [from, to), or {@code from}. */
    private static long nonZeroEnd(byte[] bytes, long from, long to) {
        for (long i = to - 1; i >= from; i--) if (bytes[(int) i] != 0) return i + 1;
        return from;
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
