package tollgate.account;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * How the gateway writes a file that must survive a crash whole or not at all (the keys file,
 * the ledger's snapshot, a task's state): a temporary file beside it, fsync, an atomic rename over
 * it, fsync of the directory (POSIX: the rename is durable only then). A crash at any point leaves
 * either the old file or the new one, never a torn one; a temporary file left behind is never read
 * as the real one (its name differs).
 */
public final class DurableFiles {
    private DurableFiles() { throw new AssertionError(); }

    /** Suffix of the temporary file a replacement is written to before its rename. */
    public static final String TMP_SUFFIX = ".tmp";

    /**
     * Replaces {@code file} with {@code bytes}, atomically and durably.
     *
     * @param ownerOnly whether the file is made readable by its owner only (0600): it holds
     *                  conversations or key digests
     */
    public static void replace(Path file, byte[] bytes, boolean ownerOnly) throws IOException {
        replace(file, bytes, ownerOnly, null);
    }

    /**
     * As {@link #replace(Path, byte[], boolean)}, the file's modification time set to
     * {@code modified} (unless null) before the fsync, so that it is as durable as the content: a
     * directory listing then tells something about each file without reading it (an approval's
     * expiry).
     */
    public static void replace(Path file, byte[] bytes, boolean ownerOnly, FileTime modified) throws IOException {
        replace(file, bytes, bytes.length, ownerOnly, modified);
    }

    /** As {@link #replace(Path, byte[], boolean, FileTime)}, with the first {@code length} bytes of {@code bytes} (a buffer's content). */
    public static void replace(Path file, byte[] bytes, int length, boolean ownerOnly, FileTime modified) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        // A unique temporary name: two writers of different files in one directory never share one.
        Path tmp = Files.createTempFile(dir, file.getFileName().toString() + ".", TMP_SUFFIX);
        try {
            if (ownerOnly) ownerOnly(tmp);
            try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer b = ByteBuffer.wrap(bytes, 0, length);
                while (b.hasRemaining()) c.write(b);
                if (modified != null) Files.setLastModifiedTime(tmp, modified);
                c.force(true); // data and metadata (the size, the time)
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        syncDirectory(dir);
    }

    /** Makes a rename or a new file in {@code dir} durable (POSIX: fsync the directory). */
    public static void syncDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    /**
     * The whole of {@code file}, refused rather than read when it is larger than {@code maxBytes}
     * (a file grown by accident or by hand must not take the heap).
     */
    public static byte[] read(Path file, long maxBytes) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
            if (bytes.length > maxBytes) throw new IOException(file + ": larger than " + maxBytes + " bytes");
            return bytes;
        }
    }

    /** 0600 where the file system has POSIX permissions; elsewhere nothing. */
    public static void ownerOnly(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException notPosix) {
            // Not a POSIX file system: the data directory's own permissions are all there is.
        }
    }
}
