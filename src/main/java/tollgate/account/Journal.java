package tollgate.account;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import tollgate.log.Log;

/**
 * The usage ledger: an append-only, crash-safe log of records, one per finished request
 * (issue 9). {@link #append} returns only once its record is on disk (written and fsynced), so
 * a request that was billed is never forgotten by a crash.
 *
 * <p>File format: an 8-byte header, {@code TGJ1} and four reserved zero bytes (so that a later
 * version is recognisable), then records {@code [u32 length][u32 CRC-32C of the payload]
 * [payload]}, big-endian, 1 to {@link #MAX_RECORD_BYTES} payload bytes each. On {@link #open}
 * the records are replayed in order and a torn tail (a record cut short by a crash) is cut;
 * damage anywhere else refuses the start rather than drop later records
 * ({@link JournalRecovery} has the exact rule).
 *
 * <p>Group commit: an fsync costs milliseconds, so one per record would cap the gateway at a
 * few hundred requests a second. Appenders copy their framed record into the pending batch
 * under a lock and wait; one writer thread takes the whole batch, writes it with one
 * {@code write}, forces it with one {@code fsync}, and wakes exactly that batch's appenders.
 * Records arriving meanwhile form the next batch, so under load one fsync carries many records,
 * and when idle a lone record is committed at once: nothing waits on a timer, and the wait is
 * bounded by one fsync (plus the one in progress). The pending batch holds at most
 * {@link #MAX_PENDING_BYTES}; an appender that would overflow it waits (backpressure), so the
 * journal's memory is bounded whatever the load: two batch buffers, each at most that size.
 *
 * <p>If a write or fsync fails, durability can no longer be promised: every appender waiting
 * on it gets an {@link UncheckedIOException}, the journal is failed, and later appends throw at
 * once. It is never retried, because after a failed fsync the kernel may have dropped the dirty
 * pages, and a retry that "succeeds" would hide the loss.
 *
 * <p>Thread-safe; waits use {@link ReentrantLock} and {@link Condition} (not
 * {@code synchronized}) so that virtual threads unmount while they wait. The waits are
 * uninterruptible: a record once in a batch is written whether or not its appender still waits,
 * so an interrupt cannot honestly undo it; the interrupt status is kept. The file is locked
 * ({@link FileChannel#tryLock()}) so that a second gateway on the same data directory fails to
 * start instead of interleaving records; a second open in the same process is refused before
 * the file is touched, because closing another channel on a locked file drops the process's
 * POSIX lock on it.
 */
public final class Journal implements AutoCloseable {
    /** Largest payload of one record, in bytes (a usage record is a few hundred). */
    public static final int MAX_RECORD_BYTES = 64 * 1024;
    /** Most bytes (framed records) waiting in the pending batch before appenders wait. */
    public static final int MAX_PENDING_BYTES = 8 * 1024 * 1024;
    /** Bytes of the file header: {@code TGJ1} and four reserved zero bytes. */
    public static final int HEADER_BYTES = 8;
    /** Bytes in front of every payload: its length and its CRC-32C, each a big-endian u32. */
    public static final int RECORD_HEADER_BYTES = 8;
    /** Starting size of each batch buffer, in bytes; they double as needed up to the cap. */
    private static final int INITIAL_BATCH_BYTES = 128 * 1024;
    /** Name of the writer thread (a platform thread: it spends its life in fsync). */
    public static final String WRITER_THREAD_NAME = "tollgate-journal";

    /** Journal files open in this process (parent's real path + name). */
    private static final Set<Path> OPEN_FILES = ConcurrentHashMap.newKeySet();

    private final Path file;
    private final Path key;
    private final FileChannel channel;
    private final FileLock fileLock;
    private final long recoveredRecords;
    private final long cutBytes;
    private final Thread writer;

    private final ReentrantLock lock = new ReentrantLock();
    /** The writer waits here for records (or for close). */
    private final Condition workReady = lock.newCondition();
    /** Appenders held back by {@link #MAX_PENDING_BYTES} wait here for the batch to be taken. */
    private final Condition spaceFreed = lock.newCondition();
    // Guarded by lock:
    /** The pending batch: framed records, written by appenders, position = bytes so far. */
    private ByteBuffer filling = ByteBuffer.allocateDirect(INITIAL_BATCH_BYTES);
    /** The other buffer while the writer does not hold it; null while a batch is written. */
    private ByteBuffer spare = ByteBuffer.allocateDirect(INITIAL_BATCH_BYTES);
    private int fillingRecords;
    /** Sequence number of the pending batch; batches are committed in this order. */
    private long fillingSeq = 1;
    /** Appenders of the pending batch wait here; each batch gets its own, to wake only them. */
    private Condition fillingDone = lock.newCondition();
    /** Appenders of the batch being written wait here; null when none is. */
    private Condition writingDone;
    /** Highest batch sequence number that is durable. */
    private long durableSeq;
    private boolean closed;
    private IOException failure;
    // Written by the writer thread only:
    private volatile long records;
    private volatile long commits;
    private volatile long bytes;

    private Journal(Path file, Path key, FileChannel channel, FileLock fileLock, JournalRecovery.Result recovered) {
        this.file = file;
        this.key = key;
        this.channel = channel;
        this.fileLock = fileLock;
        this.recoveredRecords = recovered.records();
        this.cutBytes = recovered.cutBytes();
        this.writer = Thread.ofPlatform().name(WRITER_THREAD_NAME).daemon(true).unstarted(this::runWriter);
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
        FileChannel ch = null;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE);
            FileLock fileLock = lock(ch, file);
            JournalRecovery.Result r = JournalRecovery.recover(ch, file, replay);
            ch.position(r.end());
            if (r.cutBytes() > 0) Log.warn("journal_tail_cut", "file", file.toString(), "offset", r.end(), "bytes", r.cutBytes());
            Journal journal = new Journal(file, key, ch, fileLock, r);
            journal.writer.start();
            return journal;
        } catch (IOException | RuntimeException | Error e) {
            try {
                if (ch != null) ch.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            OPEN_FILES.remove(key);
            throw e;
        }
    }

    private static FileLock lock(FileChannel ch, Path file) throws IOException {
        FileLock l;
        try {
            l = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            l = null;
        }
        if (l == null) throw new IOException(file + ": journal is locked by another process");
        return l;
    }

    /**
     * Appends one record and returns once it is durable (written and fsynced), typically
     * sharing the fsync with the other records of its batch. The payload is copied; the caller
     * may reuse the array afterwards.
     *
     * @throws IllegalArgumentException if the payload is empty (a zero length is what a
     *     zero-filled torn tail reads as) or longer than {@link #MAX_RECORD_BYTES}
     * @throws IllegalStateException if the journal is closed
     * @throws UncheckedIOException if the journal failed: the record may or may not be on disk
     */
    public void append(byte[] payload) {
        int length = payload.length;
        if (length == 0 || length > MAX_RECORD_BYTES) {
            throw new IllegalArgumentException("journal record of " + length + " bytes: must be 1 to " + MAX_RECORD_BYTES);
        }
        CRC32C crc = new CRC32C();
        crc.update(payload);
        int framed = RECORD_HEADER_BYTES + length;
        lock.lock();
        try {
            checkUsable();
            while (filling.position() > 0 && filling.position() + framed > MAX_PENDING_BYTES) {
                spaceFreed.awaitUninterruptibly();
                checkUsable();
            }
            if (filling.remaining() < framed) grow(filling.position() + framed);
            filling.putInt(length).putInt((int) crc.getValue()).put(payload);
            fillingRecords++;
            long mine = fillingSeq;
            Condition done = fillingDone;
            workReady.signal();
            while (durableSeq < mine) {
                if (failure != null) throw failed();
                done.awaitUninterruptibly();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Replaces the pending buffer with a larger one holding the same bytes. Under lock. */
    private void grow(int needed) {
        int capacity = filling.capacity();
        while (capacity < needed) capacity = Math.min(MAX_PENDING_BYTES, capacity * 2);
        ByteBuffer bigger = ByteBuffer.allocateDirect(capacity);
        bigger.put(filling.flip());
        filling = bigger;
    }

    private void checkUsable() {
        if (closed) throw new IllegalStateException(file + ": journal is closed");
        if (failure != null) throw failed();
    }

    private UncheckedIOException failed() {
        return new UncheckedIOException(file + ": journal failed, records are not durable: " + failure.getMessage(), failure);
    }

    /** The writer thread: takes each batch, writes it in one call, fsyncs it, wakes its appenders. */
    private void runWriter() {
        try {
            while (true) {
                ByteBuffer batch;
                long seq;
                int batchRecords;
                Condition done;
                lock.lock();
                try {
                    while (filling.position() == 0 && !closed) workReady.awaitUninterruptibly();
                    if (filling.position() == 0) return; // closed, and everything is committed
                    batch = filling;
                    filling = spare;
                    spare = null;
                    seq = fillingSeq++;
                    batchRecords = fillingRecords;
                    fillingRecords = 0;
                    done = fillingDone;
                    writingDone = done;
                    fillingDone = lock.newCondition();
                    spaceFreed.signalAll();
                } finally {
                    lock.unlock();
                }
                batch.flip();
                int batchBytes = batch.remaining();
                IOException error = null;
                try {
                    while (batch.hasRemaining()) channel.write(batch);
                    // fdatasync: also flushes the new file size, which reading the data needs.
                    channel.force(false);
                } catch (IOException e) {
                    error = e;
                }
                batch.clear();
                lock.lock();
                try {
                    spare = batch;
                    writingDone = null;
                    if (error == null) {
                        durableSeq = seq;
                        records += batchRecords;
                        bytes += batchBytes;
                        commits++;
                        done.signalAll();
                    } else {
                        failure = error;
                        done.signalAll();
                        wakeAllAfterFailure();
                        return;
                    }
                } finally {
                    lock.unlock();
                }
            }
        } catch (RuntimeException | Error e) {
            lock.lock();
            try {
                if (failure == null) {
                    failure = new IOException("journal writer stopped: " + e, e);
                    wakeAllAfterFailure();
                }
            } finally {
                lock.unlock();
            }
            throw e;
        }
    }

    /** Once {@link #failure} is set: wakes everyone who waits on the journal, logs it. Under lock. */
    private void wakeAllAfterFailure() {
        if (writingDone != null) writingDone.signalAll();
        fillingDone.signalAll();
        spaceFreed.signalAll();
        Log.error("journal_failed", "file", file.toString(), "error", String.valueOf(failure));
    }

    /**
     * Stops accepting appends (they throw {@link IllegalStateException}, including those still
     * waiting for room in the batch), commits what is pending, stops the writer thread and
     * closes the file. Idempotent; returns once the writer has stopped.
     */
    @Override
    public void close() {
        boolean first;
        lock.lock();
        try {
            first = !closed;
            closed = true;
            workReady.signal();
            spaceFreed.signalAll();
        } finally {
            lock.unlock();
        }
        boolean interrupted = false;
        while (writer.isAlive()) {
            try {
                writer.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
        if (!first) return;
        try {
            fileLock.release();
            channel.close();
        } catch (IOException e) {
            // Everything appended was already fsynced; a failing close loses nothing.
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

    /** Records made durable since open. */
    public long records() { return records; }

    /** Batches committed since open: one write and one fsync each. */
    public long commits() { return commits; }

    /** Bytes (framed records) made durable since open. */
    public long bytes() { return bytes; }
}
