package tollgate.account;

import java.io.FileDescriptor;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.zip.CRC32C;
import tollgate.log.Log;

/**
 * The usage ledger: an append-only, crash-safe log of records, one per finished request
 * (issue 9). {@link #append(byte[], boolean) append(payload, true)} returns once its record is
 * durable (written and fsynced), so a request that was billed is never forgotten by a crash;
 * {@code append(payload, false)}, for streams (their bytes are already out), returns once the
 * record is written to the kernel: it survives {@code kill -9}, and power loss once the next
 * fsync (anyone's, or {@link #close}) has run.
 *
 * <p>File format: an 8-byte header, {@code TGJ1} and four reserved zero bytes (so that a later
 * version is recognisable), then records {@code [u32 length][u32 CRC-32C of the payload]
 * [payload]}, big-endian, 1 to {@link #MAX_RECORD_BYTES} payload bytes each; while open, zeros
 * follow the records (see below). On {@link #open} the records are replayed in order and the
 * zero tail and a torn record (one cut short by a crash) are cut;
 * damage anywhere else refuses the start rather than drop later records
 * ({@link JournalRecovery} has the exact rule).
 *
 * <p>Commit path: leader/follower group commit on the appenders' own threads. An appender
 * frames its record in one array, then, under a write lock, writes it at the end of the records
 * with one {@code write(2)} (the file pointer stays there: no seek per record) and notes where
 * it ends. A synced appender then waits until the durable offset reaches its record's end,
 * leading an fsync itself when none is running ({@link GroupCommit}, outside the write lock, so
 * records keep being written meanwhile). This replaced a writer thread that wrote
 * and fsynced batches handed to it: a lone non-streamed answer paid ~+850 µs for its record,
 * while an fsync of a ~300-byte append on this disk costs ~200-300 µs (measured with
 * {@code dd bs=300 oflag=dsync}); the two thread hand-offs per record cost the rest.
 *
 * <p>Preallocation: the file is grown ahead of the records, {@link #PREALLOC_BYTES} of real
 * zeros at a time, and records are written over those zeros. The appender whose record needed
 * the extension waits for the next group commit (even an unsynced one), which makes the new size
 * durable once. An fsync then flushes data only: the file's size and extents do not change per
 * record, so it needs no file-system journal commit. Measured on this disk with 300-byte
 * records: append (size grows) + fsync ~220-320 µs and ~85 µs of CPU per fsync; overwrite of
 * preallocated blocks + fsync ~155 µs and ~50 µs of CPU. The zeros are written 4 KiB per
 * {@code write(2)}: one big write makes the page cache use large folios, and every later fsync
 * then wrote the whole folio back. An fsync of its own under the write lock, right after the
 * zeros, held every writer up and cost ~30% of the 256-appender throughput; hence the group
 * commit instead. With JournalCost (200-byte records), before/after: 1 synced appender p50
 * ~320-390 -> ~170-250 µs, 16 appenders ~15-22k -> ~25-35k records/s, 256 appenders
 * ~140-170k -> ~180-210k records/s; 1 unsynced appender p50 unchanged (~1.9 µs), its
 * throughput ~400k -> ~250k records/s (an fsync per extension). A journal left open (a crash)
 * thus ends in zeros, which {@link JournalRecovery} cuts without counting them as lost;
 * {@link #close} truncates them.
 *
 * <p>The I/O goes through {@link RandomAccessFile}, not the {@link FileChannel}: appenders are
 * request threads, and a {@link FileChannel} closes itself for good when a thread doing I/O on it
 * is (or gets) interrupted, which would fail the journal over one cancelled request. Its fsync
 * ({@link FileDescriptor#sync()}) is {@code fsync}, not {@code fdatasync}; with the file
 * preallocated an fsync has no metadata to flush but the times, so both cost about the same.
 *
 * <p>If a write or fsync fails, durability can no longer be promised: every appender waiting
 * on it gets an {@link UncheckedIOException}, the journal is failed, and later appends throw at
 * once. It is never retried, because after a failed fsync the kernel may have dropped the dirty
 * pages, and a retry that "succeeds" would hide the loss.
 *
 * <p>Thread-safe; waits use {@link ReentrantLock} and {@link Condition} (not
 * {@code synchronized}) so that virtual threads unmount while they wait. The waits are
 * uninterruptible: a record once written is in the file whether or not its appender still
 * waits, so an interrupt cannot honestly undo it; the interrupt status is kept. The file is
 * locked ({@link FileChannel#tryLock()}) so that a second gateway on the same data directory
 * fails to start instead of interleaving records; a second open in the same process is refused
 * before the file is touched, because closing another channel on a locked file drops the
 * process's POSIX lock on it.
 */
public final class Journal implements AutoCloseable {
    /** Largest payload of one record, in bytes (a usage record is a few hundred). */
    public static final int MAX_RECORD_BYTES = 64 * 1024;
    /** Bytes of the file header: {@code TGJ1} and four reserved zero bytes. */
    public static final int HEADER_BYTES = 8;
    /** Bytes in front of every payload: its length and its CRC-32C, each a big-endian u32. */
    public static final int RECORD_HEADER_BYTES = 8;
    /** Bytes of zeros the file is extended by when the next record would pass its end. */
    public static final int PREALLOC_BYTES = 256 * 1024;
    /** Bytes of zeros per {@code write(2)} while preallocating (one page: no large folios). */
    private static final int PREALLOC_WRITE_BYTES = 4096;
    private static final byte[] ZEROS = new byte[PREALLOC_WRITE_BYTES];

    /** Journal files open in this process (parent's real path + name). */
    private static final Set<Path> OPEN_FILES = ConcurrentHashMap.newKeySet();

    private final Path file;
    private final Path key;
    private final RandomAccessFile raf;
    private final FileDescriptor fd;
    private final long recoveredRecords;
    private final long cutBytes;

    /** Serialises writes (records must not interleave) and guards {@link #closed}. */
    private final ReentrantLock writeLock = new ReentrantLock();
    private boolean closed;
    /** End offset of the last record written; set under writeLock, read by fsync leaders. */
    private volatile long written;
    /** End of the file: zeros from {@link #written} up to it. Under writeLock. */
    private long allocated;

    /** Who fsyncs, how far the file is durable, and the first failure. */
    private final GroupCommit commit;

    private volatile long records;
    private volatile long bytes;

    private Journal(Path file, Path key, RandomAccessFile raf, JournalRecovery.Result recovered) throws IOException {
        this.file = file;
        this.key = key;
        this.raf = raf;
        this.fd = raf.getFD();
        this.recoveredRecords = recovered.records();
        this.cutBytes = recovered.cutBytes();
        this.written = recovered.end();
        this.allocated = recovered.end(); // the zero tail was cut: preallocated on the next append
        this.commit = new GroupCommit(recovered.end(), this::sync, () -> written, this::logFailure, this::failed);
    }

    /** Told how long each fsync took, in nanoseconds (metrics, issue 13); nothing by default. */
    private volatile LongConsumer fsyncNanos = n -> { };

    /** Sets who is told how long each fsync of this journal takes. */
    void onFsync(LongConsumer nanos) { this.fsyncNanos = nanos; }

    private void sync() throws IOException {
        long t0 = System.nanoTime();
        fd.sync();
        fsyncNanos.accept(System.nanoTime() - t0);
    }

    /**
     * Opens the journal at {@code file}, creating it and its directory if missing (header
     * fsynced, directory fsynced). An existing file is replayed: each valid record's payload is
     * passed to {@code replay} in order, on the calling thread, before this returns; a torn tail
     * is cut (fsynced) and logged ({@code journal_tail_cut}). A file of 0 to 7 bytes that are a
     * prefix of the header is a creation torn by a crash, and is started afresh.
     *
     * @throws IOException if the file is not a journal (bad header), a record before the tail
     *     is damaged (the message names the byte offset; the file is left untouched), another
     *     journal holds the file, or the disk fails
     */
    public static Journal open(Path file, Consumer<byte[]> replay) throws IOException {
        Objects.requireNonNull(replay, "replay");
        Path absolute = file.toAbsolutePath();
        Files.createDirectories(absolute.getParent());
        Path key = absolute.getParent().toRealPath().resolve(absolute.getFileName());
        if (!OPEN_FILES.add(key)) throw new IOException(file + ": journal is already open in this process");
        RandomAccessFile raf = null;
        try {
            raf = new RandomAccessFile(absolute.toFile(), "rw");
            FileChannel ch = raf.getChannel();
            lock(ch, file); // released by closing the file
            JournalRecovery.Result r = JournalRecovery.recover(ch, file, replay);
            // Records that a killed process wrote unsynced may still be only in the page cache:
            // make them durable before anything is built on them (cheap when nothing is dirty).
            raf.getFD().sync();
            ch.position(r.end()); // shared with raf: appends go here (preallocated on the first one)
            if (r.cutBytes() > 0) Log.warn("journal_tail_cut", "file", file.toString(), "offset", r.end(), "bytes", r.cutBytes());
            return new Journal(file, key, raf, r);
        } catch (IOException | RuntimeException | Error e) {
            try {
                if (raf != null) raf.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            OPEN_FILES.remove(key);
            throw e;
        }
    }

    private static void lock(FileChannel ch, Path file) throws IOException {
        FileLock l;
        try {
            l = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            l = null;
        }
        if (l == null) throw new IOException(file + ": journal is locked by another process");
    }

    /** {@code append(payload, true)}: returns once the record is durable. */
    public void append(byte[] payload) {
        append(payload, true);
    }

    /**
     * Appends one record. With {@code sync} it returns once the record is durable (written and
     * fsynced), typically sharing the fsync with records appended meanwhile; without, once it
     * is written to the file (it survives the process being killed, not a power loss, until the
     * next fsync); except that the append which extends the file (one per
     * {@link #PREALLOC_BYTES}) also waits for an fsync. The payload is copied; the caller may
     * reuse the array afterwards. Records are in the file in the order they were written (per
     * thread: the order of its appends).
     *
     * @throws IllegalArgumentException if the payload is empty (a zero length is what a
     *     zero-filled torn tail reads as) or longer than {@link #MAX_RECORD_BYTES}
     * @throws IllegalStateException if the journal is closed
     * @throws UncheckedIOException if the journal failed: the record may or may not be on disk
     */
    public void append(byte[] payload, boolean sync) {
        int length = payload.length;
        if (length == 0 || length > MAX_RECORD_BYTES) {
            throw new IllegalArgumentException("journal record of " + length + " bytes: must be 1 to " + MAX_RECORD_BYTES);
        }
        // Framed outside the lock, in one array: one write(2) per record, nothing to hand off.
        CRC32C crc = new CRC32C();
        crc.update(payload);
        byte[] framed = new byte[RECORD_HEADER_BYTES + length];
        ByteBuffer.wrap(framed).putInt(length).putInt((int) crc.getValue()).put(payload);
        long end;
        boolean extended = false;
        writeLock.lock();
        try {
            checkUsable();
            try {
                if (written + framed.length > allocated) {
                    preallocate(written + framed.length);
                    extended = true;
                }
                // The file pointer is at `written`: every write leaves it at the end of its
                // record, preallocate() puts it back, and a failed write fails the journal.
                raf.write(framed); // loops over short writes itself
            } catch (IOException e) {
                // Part of the record may be in the file: nothing may follow it (recovery cuts it).
                commit.fail(e);
                throw failed();
            } catch (RuntimeException | Error e) {
                commit.fail(e); // as above: what reached the file is unknown
                throw e;
            }
            end = written + framed.length;
            written = end;
            records++;
            bytes += framed.length;
        } finally {
            writeLock.unlock();
        }
        // The appender that extended the file waits for an fsync whatever `sync` says: that
        // fsync (a group commit like any other) makes the new size durable, so later ones
        // flush data only. Outside writeLock: other records go into the new zeros meanwhile.
        if (sync || extended) commit.awaitDurable(end);
    }

    /**
     * Extends the file with zeros, {@link #PREALLOC_BYTES} at a time, until it reaches
     * {@code needed}, and leaves the file pointer at {@link #written}. Under writeLock. Not
     * fsynced here (that would hold every writer up for the fsync of the zeros and the new
     * size): the appender that called it awaits the next group commit, which makes them
     * durable. A failure fails the journal (by the caller); zeros written in part are a zero
     * tail to recovery.
     */
    private void preallocate(long needed) throws IOException {
        long end = allocated;
        while (end < needed) end += PREALLOC_BYTES;
        raf.seek(allocated);
        for (long pos = allocated; pos < end; pos += PREALLOC_WRITE_BYTES) {
            raf.write(ZEROS, 0, (int) Math.min(PREALLOC_WRITE_BYTES, end - pos));
        }
        allocated = end;
        raf.seek(written);
    }

    private void logFailure(Throwable cause) {
        Log.error("journal_failed", "file", file.toString(), "error", String.valueOf(cause));
    }

    private void checkUsable() {
        if (closed) throw new IllegalStateException(file + ": journal is closed");
        if (commit.failure() != null) throw failed();
    }

    private UncheckedIOException failed() {
        IOException f = commit.failure();
        return new UncheckedIOException(file + ": journal failed, records are not durable: " + f.getMessage(), f);
    }

    /**
     * Stops accepting appends (they throw {@link IllegalStateException}), makes what was written
     * durable (one fsync, unless a leader's already covered it), truncates the preallocated zeros
     * (fsynced again) and closes the file. Idempotent; a second call returns once the first is done. Does not throw: a failure of that last
     * fsync is logged ({@code journal_failed}) like any other.
     */
    @Override
    public void close() {
        // Held throughout: a concurrent close waits for this one, and nothing is written meanwhile.
        writeLock.lock();
        try {
            if (closed) return;
            closed = true;
            try {
                commit.awaitDurable(written);
                if (allocated > written && commit.failure() == null) {
                    // Cut the preallocated zeros: a closed journal ends at its last record.
                    raf.setLength(written);
                    fd.sync();
                    allocated = written;
                }
            } catch (IOException e) {
                commit.fail(e); // the records were durable; the zeros left are a tail that recovery cuts
            } catch (RuntimeException e) {
                // Failed before or by this fsync: fail() logged it; nothing more can be made durable.
            } finally {
                closeFile();
            }
        } finally {
            writeLock.unlock();
        }
    }

    /** Closes the file once no leader is in fsync. Under writeLock, with {@link #closed} set. */
    private void closeFile() {
        // After a failed write a leader may still be in fsync: never close its descriptor
        // under it (the number could be reused by another file).
        commit.awaitIdle();
        try {
            raf.close(); // closes the channel too, which releases the file lock
        } catch (IOException e) {
            Log.warn("journal_close_failed", "file", file.toString(), "error", e.toString());
        } finally {
            OPEN_FILES.remove(key);
        }
    }

    /** The journal's file. */
    public Path file() { return file; }

    /** Records replayed by {@link #open}. */
    public long recoveredRecords() { return recoveredRecords; }

    /** Bytes of torn tail that {@link #open} cut off (0 if the file was intact). */
    public long cutBytes() { return cutBytes; }

    /** Records written since open (synced or not). */
    public long records() { return records; }

    /** Fsyncs done since open (by appenders leading one, or by close): each covers 1 or more records. */
    public long commits() { return commit.commits(); }

    /** Bytes (framed records) written since open. */
    public long bytes() { return bytes; }
}
