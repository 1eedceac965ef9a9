package tollgate.account;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * Start-up half of {@link Journal}: checks (or writes) the file header, replays every valid
 * record, and decides what a damaged end is.
 *
 * <p>What a crash leaves: {@link Journal} preallocates its file, {@link Journal#PREALLOC_BYTES}
 * of written zeros at a time, and writes records over those zeros, so a journal that was not
 * closed (the process was killed, the machine lost power) ends in zeros after its last record;
 * and a crash while a record was being written may leave some of that record's bytes, not
 * necessarily a prefix (the kernel may write back its pages in any order), so the record's
 * header may still be zero while part of its payload is there. Older files, and file systems
 * that expose a crash-extended file as zeros, end in a record cut short, or in zeros, the same
 * way.
 *
 * <p>The rule (issue 9: "a torn tail is cut, nothing else is lost"): the file is read record by
 * record from the header. The first record that is not whole and valid (a partial 8-byte record
 * header, a length of 0 or over {@link Journal#MAX_RECORD_BYTES}, a length running past the end
 * of the file, or a CRC mismatch) ends the scan, and what lies from its start to the end of the
 * file decides:
 * <ul>
 *   <li>only zero bytes: the zero tail of a journal that was not closed: cut, and not counted
 *       as cut bytes (nothing was lost);
 *   <li>non-zero bytes all within the first {@code RECORD_HEADER_BYTES + MAX_RECORD_BYTES}
 *       (one record's worth), zeros after them, and no valid record (length in range, CRC
 *       matching) starting among them: a torn record (or a damaged last one, which cannot be
 *       told apart): cut; the cut bytes reported are those from its start to its last non-zero
 *       byte;
 *   <li>otherwise durable records may follow it, and dropping them would lose committed data:
 *       start-up is refused with an {@link IOException} naming the file and the offset, and the
 *       file is left as it was for an operator to look at.
 * </ul>
 * The search for a valid record among the non-zero bytes is needed because the CRC covers the
 * payload only (the format of issue 9): a length field damaged into a value past the end of the
 * file, or zeroed, would otherwise pass for a torn record and silently drop the records after
 * it. Its one false alarm, torn bytes that themselves hold a framed record, errs towards
 * refusing (an operator decides) rather than dropping. Start-up reads the zero tail once more,
 * backwards, to find the last non-zero byte: a few milliseconds (a fresh JVM opened a journal
 * of 5,000 records left open in ~40 ms, the same closed in ~35).
 */
final class JournalRecovery {
    /** Bytes read from the file at a time while replaying. */
    private static final int READ_BUFFER_BYTES = 1 << 20;
    /** Zeros to compare the file's bytes with, a block at a time. */
    private static final byte[] ZERO_BLOCK = new byte[8192];
    /** The header: magic {@code TGJ1}, then reserved bytes that this version writes as zero. */
    private static final byte[] HEADER = {'T', 'G', 'J', '1', 0, 0, 0, 0};

    /** What recovery found: where good data ends, how many records were replayed, bytes cut. */
    record Result(long end, long records, long cutBytes) {}

    private JournalRecovery() { throw new AssertionError(); }

    /** The header every journal file starts with (a copy). */
    static byte[] header() { return HEADER.clone(); }

    /**
     * Brings the file open on {@code ch} to a good state: writes the header into an empty file
     * (or one holding a prefix of the header: a creation torn by a crash), otherwise replays
     * its records into {@code replay} and cuts whatever follows them, a zero tail or a torn
     * record (truncated, fsynced). Returns where the next record goes (the new end of the file).
     * Throws if the header is wrong or a record before the tail is damaged.
     */
    static Result recover(FileChannel ch, Path file, Consumer<byte[]> replay) throws IOException {
        long size = ch.size();
        byte[] head = readAt(ch, 0, (int) Math.min(size, Journal.HEADER_BYTES));
        if (size < Journal.HEADER_BYTES) {
            if (!Arrays.equals(head, 0, head.length, HEADER, 0, head.length)) {
                throw new IOException(file + ": not a Tollgate journal (" + size + " bytes, no TGJ1 header)");
            }
            writeHeader(ch, file);
            return new Result(Journal.HEADER_BYTES, 0, 0);
        }
        if (!Arrays.equals(head, 0, 4, HEADER, 0, 4)) {
            throw new IOException(file + ": not a Tollgate journal (the file does not start with TGJ1)");
        }
        if (!Arrays.equals(head, 4, 8, HEADER, 4, 8)) {
            throw new IOException(file + ": journal header has non-zero reserved bytes: written by a newer Tollgate?");
        }
        return scan(ch, file, size, replay, true);
    }

    /**
     * Replays the records of a journal that another process may hold open for appending (the
     * {@code tollgate keys} command reading a running gateway's ledger): nothing is written. The
     * replay ends at the zero tail, or at a record not whole yet: one being written at that
     * moment may show any part of its bytes (reads of the file are not atomic against the
     * writer's write), so the first record that is not whole and valid ends it if it reads as
     * whole and valid when read again (it was being appended), or passes for a torn record by
     * the rule above; damage otherwise refuses, as at start-up. As the writer writes one record
     * at a time, in order, a record still being written after the bytes behind it were read
     * means that none had been written after it: the rule sees only its bytes. A file that
     * shrinks while being read (a journal closed meanwhile, its zero tail truncated) ends it too.
     */
    static Result read(FileChannel ch, Path file, Consumer<byte[]> replay) throws IOException {
        long size = ch.size();
        if (size < Journal.HEADER_BYTES) return new Result(size, 0, 0);
        byte[] head = readAt(ch, 0, Journal.HEADER_BYTES);
        if (!Arrays.equals(head, HEADER)) throw new IOException(file + ": not a Tollgate journal of this version");
        return scan(ch, file, size, replay, false);
    }

    private static Result scan(FileChannel ch, Path file, long size, Consumer<byte[]> replay, boolean cutTail) throws IOException {
        // Not closed: closing a stream from Channels.newInputStream would close the channel.
        InputStream in = new BufferedInputStream(Channels.newInputStream(ch.position(Journal.HEADER_BYTES)), READ_BUFFER_BYTES);
        CRC32C crc = new CRC32C();
        long offset = Journal.HEADER_BYTES;
        long records = 0;
        byte[] recordHeader = new byte[Journal.RECORD_HEADER_BYTES];
        try {
            while (offset < size) {
                String bad; // why the record at offset is not whole and valid
                if (size - offset < Journal.RECORD_HEADER_BYTES) {
                    bad = "a partial record header";
                } else {
                    readFully(in, recordHeader, file, offset);
                    ByteBuffer h = ByteBuffer.wrap(recordHeader);
                    int length = h.getInt();
                    int expected = h.getInt();
                    long end = offset + Journal.RECORD_HEADER_BYTES + length;
                    if (length <= 0 || length > Journal.MAX_RECORD_BYTES) {
                        bad = "impossible length " + Integer.toUnsignedString(length);
                    } else if (end > size) {
                        bad = "length " + length + " runs past the end of the file";
                    } else {
                        byte[] payload = new byte[length];
                        readFully(in, payload, file, offset);
                        crc.reset();
                        crc.update(payload);
                        if ((int) crc.getValue() == expected) {
                            replay.accept(payload);
                            records++;
                            offset = end;
                            continue;
                        }
                        bad = "CRC mismatch";
                    }
                }
                return cutTail ? cutAfterRecords(ch, file, offset, size, records, bad) : endOfReplay(ch, file, offset, size, records, bad);
            }
        } catch (Shrank e) {
            if (cutTail) throw e; // the file is locked: nobody else truncates it
            return new Result(offset, records, 0); // closed (its zero tail cut) while being read
        }
        return new Result(offset, records, 0);
    }

    /**
     * Start-up: the record at {@code offset}, the first not whole and valid ({@code bad} says
     * why), and everything after it are cut if they are a zero tail or one torn record; else refused.
     */
    private static Result cutAfterRecords(FileChannel ch, Path file, long offset, long size, long records, String bad) throws IOException {
        long nonZeroEnd = checkTorn(ch, file, offset, size, bad);
        ch.truncate(offset);
        ch.force(true); // the size is metadata: a full fsync
        return new Result(offset, records, nonZeroEnd - offset);
    }

    /** Read-only replay of a file that may be being appended to: see {@link #read}. */
    private static Result endOfReplay(FileChannel ch, Path file, long offset, long size, long records, String bad) throws IOException {
        // First where its non-zero bytes end, then the record again: in this order, a record still
        // not whole on the second look was not whole during the first, so nothing followed it then.
        long nonZeroEnd = nonZeroEnd(ch, offset, size);
        if (nonZeroEnd > offset && !wholeRecordAt(ch, offset, size)) checkTorn(ch, file, offset, nonZeroEnd, bad);
        return new Result(offset, records, 0);
    }

    /**
     * Checks that [offset, size) is a zero tail or one torn record (see the class comment), and
     * returns where its non-zero bytes end ({@code offset} for a zero tail); throws otherwise.
     */
    private static long checkTorn(FileChannel ch, Path file, long offset, long size, String bad) throws IOException {
        long nonZeroEnd = nonZeroEnd(ch, offset, size);
        if (nonZeroEnd == offset) return offset;
        long span = nonZeroEnd - offset;
        if (span > Journal.RECORD_HEADER_BYTES + Journal.MAX_RECORD_BYTES) {
            throw refuse(file, offset, bad + ", and non-zero bytes follow it up to offset " + nonZeroEnd + ", more than a record");
        }
        long next = validRecordWithin(ch, offset + 1, nonZeroEnd, size);
        if (next >= 0) throw refuse(file, offset, bad + ", but a valid record starts at offset " + next);
        return nonZeroEnd;
    }

    private static IOException refuse(Path file, long offset, String why) {
        return new IOException(file + ": corrupt record at offset " + offset + " (" + why
                + "), not at the end: refusing to drop later records");
    }

    /** A new (or torn-at-creation) file: the header, fsynced, and the directory entry fsynced. */
    private static void writeHeader(FileChannel ch, Path file) throws IOException {
        ch.truncate(0);
        ByteBuffer b = ByteBuffer.wrap(HEADER);
        while (b.hasRemaining()) ch.write(b, b.position());
        ch.force(true);
        syncDirectory(file.toAbsolutePath().getParent());
    }

    /**
     * Makes a new directory entry durable: without it a crash can lose the whole file even
     * though its data was fsynced. Windows cannot open a directory; there NTFS's journal is
     * what makes the entry durable.
     */
    private static void syncDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            if (!System.getProperty("os.name", "").startsWith("Windows")) throw e;
        }
    }

    /**
     * The offset of the first valid record (length 1 to the maximum, within the file, CRC
     * matching) starting in [from, to), or -1. The range is at most a record long.
     */
    private static long validRecordWithin(FileChannel ch, long from, long to, long size) throws IOException {
        byte[] rest = readAt(ch, from, (int) (Math.min(size, to + Journal.RECORD_HEADER_BYTES + Journal.MAX_RECORD_BYTES) - from));
        ByteBuffer b = ByteBuffer.wrap(rest);
        CRC32C crc = new CRC32C();
        for (int p = 0; p < to - from && p + Journal.RECORD_HEADER_BYTES < rest.length; p++) {
            int length = b.getInt(p);
            if (length <= 0 || length > Journal.MAX_RECORD_BYTES || length > rest.length - p - Journal.RECORD_HEADER_BYTES) continue;
            crc.reset();
            crc.update(rest, p + Journal.RECORD_HEADER_BYTES, length);
            if ((int) crc.getValue() == b.getInt(p + 4)) return from + p;
        }
        return -1;
    }

    /** Whether a whole, valid record starts at {@code offset} (read afresh from the file). */
    private static boolean wholeRecordAt(FileChannel ch, long offset, long size) throws IOException {
        if (size - offset < Journal.RECORD_HEADER_BYTES) return false;
        ByteBuffer h = ByteBuffer.wrap(readAt(ch, offset, Journal.RECORD_HEADER_BYTES));
        int length = h.getInt();
        if (length <= 0 || length > Journal.MAX_RECORD_BYTES || offset + Journal.RECORD_HEADER_BYTES + length > size) return false;
        CRC32C crc = new CRC32C();
        crc.update(readAt(ch, offset + Journal.RECORD_HEADER_BYTES, length));
        return (int) crc.getValue() == h.getInt();
    }

    /**
     * The end of the last non-zero byte in [from, size): {@code from} if they are all zero. Read
     * backwards from the end a buffer at a time, so a zero tail costs one pass over it.
     */
    private static long nonZeroEnd(FileChannel ch, long from, long size) throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) Math.min(READ_BUFFER_BYTES, Math.max(0, size - from)));
        byte[] a = b.array();
        for (long hi = size; hi > from; ) {
            long lo = Math.max(from, hi - a.length);
            int n = (int) (hi - lo);
            b.clear().limit(n);
            while (b.hasRemaining()) {
                if (ch.read(b, lo + b.position()) < 0) throw new Shrank("journal shrank while being read, at offset " + (lo + b.position()));
            }
            for (int top = n; top > 0; ) { // blocks of ZERO_BLOCK from the top: a zero one is one vectorised compare
                int bottom = Math.max(0, top - ZERO_BLOCK.length);
                if (Arrays.mismatch(a, bottom, top, ZERO_BLOCK, 0, top - bottom) >= 0) {
                    for (int i = top - 1; ; i--) if (a[i] != 0) return lo + i + 1;
                }
                top = bottom;
            }
            hi = lo;
        }
        return from;
    }

    private static byte[] readAt(FileChannel ch, long pos, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b, pos + b.position()) < 0) throw new Shrank("journal shrank while being read, at offset " + (pos + b.position()));
        }
        return b.array();
    }

    private static void readFully(InputStream in, byte[] into, Path file, long offset) throws IOException {
        if (in.readNBytes(into, 0, into.length) != into.length) {
            throw new Shrank(file + ": journal shrank while being read, at offset " + offset);
        }
    }

    /** The file ended before the size read at the start of the scan. */
    private static final class Shrank extends IOException {
        Shrank(String message) {
            super(message);
        }
    }
}
