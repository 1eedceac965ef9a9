package tollgate.account;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import tollgate.json.Json;

/**
 * The managed keys of a data directory: {@code <data_dir>/keys.json}, shared by a running
 * gateway (admin API) and the {@code tollgate keys} command, which may run at the same time.
 *
 * <p>Every change is a read-modify-write under an exclusive lock on {@code keys.lock}
 * ({@link FileChannel#lock()}: a POSIX lock, so it also excludes the other process), written to a
 * temporary file, fsynced, renamed over the old file and the directory fsynced: a reader sees the
 * old or the new file, never half of one, and a crash keeps one of them. The file holds digests
 * only and is made owner-readable ({@code rw-------}) all the same.
 */
public final class KeyStore {
    public static final String FILE = "keys.json";
    static final String LOCK_FILE = "keys.lock";
    /** Largest keys file read, in bytes (about 400 bytes a key: a million keys). */
    public static final long MAX_FILE_BYTES = 512L * 1024 * 1024;

    /** A change and what it returns. */
    public record Change<T>(List<KeyRecord> keys, T result) {}

    private final Path dir;
    private final Path file;
    /**
     * Within this process, one per directory: a POSIX lock does not exclude the process's own
     * threads, and a second lock on the same file from this JVM would throw instead of waiting.
     */
    private static final java.util.concurrent.ConcurrentMap<Path, ReentrantLock> LOCAL = new java.util.concurrent.ConcurrentHashMap<>();
    private final ReentrantLock local;

    public KeyStore(Path dataDir) {
        this.dir = dataDir;
        this.file = dataDir.resolve(FILE);
        this.local = LOCAL.computeIfAbsent(dataDir.toAbsolutePath().normalize(), d -> new ReentrantLock());
    }

    public Path file() { return file; }

    /** The keys, in file order; none when there is no file yet. */
    public List<KeyRecord> read() throws IOException {
        byte[] bytes;
        try {
            if (Files.size(file) > MAX_FILE_BYTES) throw new IOException(file + ": larger than " + MAX_FILE_BYTES + " bytes");
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return List.of();
        }
        try {
            Map<String, Object> top = Json.asObject(Json.parse(bytes));
            if (top == null || !(top.get("keys") instanceof List<?> list)) throw new IllegalArgumentException("no \"keys\" array");
            List<KeyRecord> keys = new ArrayList<>(list.size());
            for (Object o : list) keys.add(KeyRecord.fromJson(o));
            return keys;
        } catch (RuntimeException e) {
            throw new IOException(file + ": not a keys file: " + e.getMessage(), e);
        }
    }

    /** Modification time and size of the file, to notice a change made by another process; null when absent. */
    public Object stamp() {
        try {
            FileTime t = Files.getLastModifiedTime(file);
            return List.of(t, Files.size(file), Files.getAttribute(file, "unix:ino"));
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            try {
                return List.of(Files.getLastModifiedTime(file), Files.size(file));
            } catch (IOException gone) {
                return null;
            }
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Applies {@code change} to the current keys under the lock and writes the result durably.
     * The function may throw (nothing is written then).
     */
    public <T> T update(Function<List<KeyRecord>, Change<T>> change) throws IOException {
        Files.createDirectories(dir);
        local.lock();
        try (FileChannel lockChannel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = lockChannel.lock()) {
            Change<T> c = change.apply(new ArrayList<>(read()));
            write(c.keys());
            return c.result();
        } finally {
            local.unlock();
        }
    }

    private void write(List<KeyRecord> keys) throws IOException {
        List<Object> list = new ArrayList<>(keys.size());
        for (KeyRecord k : keys) list.add(k.toJson());
        Map<String, Object> top = new LinkedHashMap<>();
        top.put("version", 1);
        top.put("keys", list);
        // Digests only, but still nobody else's business: 0600.
        DurableFiles.replace(file, Json.toBytes(top), true);
    }
}
