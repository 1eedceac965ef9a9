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
 * <p>The rule (issue 9: "a torn tail is cut, nothing else is lost"): the file is read record by
 * record from the header. The first record that is not whole and valid ends the scan, and
 * <ul>
 *   <li>if the file ends inside it (a partial 8-byte record header, or fewer payload bytes than
 *       its length says), it is a torn tail: cut; unless a valid record (length in range, CRC
 *       matching) starts somewhere in the bytes after its header, which means its length field
 *       is damaged and records follow it: refused, as below;
 *   <li>if its CRC does not match or its length is impossible (0, or over
 *       {@link Journal#MAX_RECORD_BYTES}), it is a torn tail only if nothing but zero bytes
 *       follow it (it is the last record, or the file was extended by a crash before its data
 *       reached the disk, which some file systems expose as zeros); then it is cut;
 *   <li>otherwise durable records may follow it, and dropping them would lose committed data:
 *       start-up is refused with an {@link IOException} naming the file and the offset, and the
 *       file is left as it was for an operator to look at.
 * </ul>
 * The search for a valid record after an incomplete one is needed because the CRC covers the
 * payload only (the format of issue 9): a length field damaged into a value past the end of
 * the file would otherwise pass for a torn tail and silently drop the records after it. It
 * scans under {@link Journal#MAX_RECORD_BYTES} bytes, since the damaged length is at most that.
 * Its one false alarm, a torn payload that itself holds a framed record, errs towards refusing
 * (an operator decides) rather than dropping.
 */
final class JournalRecovery {
    /** Bytes read from the file at a time while replaying. */
    private static final int READ_BUFFER_BYTES = 1 << 20;
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
     * its records into {@code replay} and cuts a torn tail (fsynced). Returns where the next
     * record goes. Throws if the header is wrong or a record before the tail is damaged.
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
     * {@code tollgate keys} command reading a running gateway's ledger): nothing is written, and
     * a tail that does not yet read as a whole record (one being appended) ends the replay.
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
        while (offset < size) {
            if (size - offset < Journal.RECORD_HEADER_BYTES) return tail(ch, offset, size, records, cutTail);
            readFully(in, recordHeader, file, offset);
            ByteBuffer h = ByteBuffer.wrap(recordHeader);
            int length = h.getInt();
            int expected = h.getInt();
            if (length <= 0 || length > Journal.MAX_RECORD_BYTES) {
                if (zerosFrom(ch, offset + Journal.RECORD_HEADER_BYTES, size)) return tail(ch, offset, size, records, cutTail);
                throw refuse(file, offset, "impossible length " + Integer.toUnsignedString(length));
            }
            long end = offset + Journal.RECORD_HEADER_BYTES + length;
            if (end > size) {
                long next = validRecordWithin(ch, offset + Journal.RECORD_HEADER_BYTES, size);
                if (next < 0) return tail(ch, offset, size, records, cutTail);
                throw refuse(file, offset, "length " + length + " runs past the end of the file, but a valid record starts at offset " + next);
            }
            byte[] payload = new byte[length];
            readFully(in, payload, file, offset);
            crc.reset();
            crc.update(payload);
            if ((int) crc.getValue() != expected) {
                if (zerosFrom(ch, end, size)) return tail(ch, offset, size, records, cutTail);
                throw refuse(file, offset, "CRC mismatch");
            }
            replay.accept(payload);
            records++;
            offset = end;
        }
        return new Result(offset, records, 0);
    }

    /** Where the valid records end: the rest is cut when {@code cutTail}, else left alone (a read-only replay). */
    private static Result tail(FileChannel ch, long offset, long size, long records, boolean cutTail) throws IOException {
        return cutTail ? cut(ch, offset, size, records) : new Result(offset, records, 0);
    }

    /** Truncates the torn tail [offset, size) away, durably (the size is metadata: a full fsync). */
    private static Result cut(FileChannel ch, long offset, long size, long records) throws IOException {
        ch.truncate(offset);
        ch.force(true);
        return new Result(offset, records, size - offset);
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
     * matching) starting in [from, size), or -1. The range is under MAX_RECORD_BYTES long.
     */
    private static long validRecordWithin(FileChannel ch, long from, long size) throws IOException {
        byte[] rest = readAt(ch, from, (int) (size - from));
        ByteBuffer b = ByteBuffer.wrap(rest);
        CRC32C crc = new CRC32C();
        for (int p = 0; p + Journal.RECORD_HEADER_BYTES < rest.length; p++) {
            int length = b.getInt(p);
            if (length <= 0 || length > rest.length - p - Journal.RECORD_HEADER_BYTES) continue;
            crc.reset();
            crc.update(rest, p + Journal.RECORD_HEADER_BYTES, length);
            if ((int) crc.getValue() == b.getInt(p + 4)) return from + p;
        }
        return -1;
    }

    /** True if every byte in [from, size) is zero (or the range is empty). */
    private static boolean zerosFrom(FileChannel ch, long from, long size) throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) Math.min(READ_BUFFER_BYTES, Math.max(0, size - from)));
        long pos = from;
        while (pos < size) {
            b.clear();
            int n = ch.read(b, pos);
            if (n < 0) break;
            for (int i = 0; i < n; i++) {
                if (b.get(i) != 0) return false;
            }
            pos += n;
        }
        return true;
    }

    private static byte[] readAt(FileChannel ch, long pos, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b, pos + b.position()) < 0) throw new IOException("journal shrank while being read");
        }
        return b.array();
    }

    private static void readFully(InputStream in, byte[] into, Path file, long offset) throws IOException {
        if (in.readNBytes(into, 0, into.length) != into.length) {
            throw new IOException(file + ": journal shrank while being read, at offset " + offset);
        }
    }
}
