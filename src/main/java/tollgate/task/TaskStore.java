package tollgate.task;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import tollgate.account.DurableFiles;
import tollgate.call.Clock;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.json.Json;
import tollgate.log.Log;

/**
 * The tasks of a data directory: {@code <data_dir>/tasks/<task_id>/task.json} (the task and its
 * agent execution, the checkpoint, in one file replaced atomically: temp file, fsync, rename,
 * directory fsync, so a crash leaves the previous state or the new one, never a mix) and
 * {@code events.jsonl} ({@link TaskEvents}), indexed in memory ({@link TaskEntry}) for listing,
 * the per-key cap and the sweeps. Files are the owner's only (0700 directories, 0600 files):
 * they hold conversations.
 */
final class TaskStore {
    static final String DIR = "tasks";
    static final String FILE = "task.json";
    /** The format of {@link #FILE}; a file of another version is not loaded. */
    static final int VERSION = 1;
    /** Largest task file read, in bytes (a conversation with its tool results). */
    static final long MAX_FILE_BYTES = 64L * 1024 * 1024;
    /**
     * Tasks a key keeps, ended ones included, per unfinished task it may have
     * ({@code agent.max_tasks_per_key}): creating one past that deletes the key's oldest ended
     * tasks before their retention, so that a key that creates and cancels tasks in a loop fills
     * no more than its share of the disk.
     */
    static final int KEPT_PER_UNFINISHED = 10;
    /** A task id: anything else is unknown without touching the file system (no path tricks). */
    static final Pattern ID = Pattern.compile("task_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    /** A task with its execution state as JSON ({@code Execution.toJson}). */
    record Stored(Task task, Map<String, Object> execution) {}

    /** A task file that would be larger than a read takes: not written (the previous one stays). */
    static final class TooLarge extends IOException {
        final long bytes;
        final long max;

        TooLarge(long bytes, long max) {
            super("a task file of " + bytes + " bytes is larger than " + max);
            this.bytes = bytes;
            this.max = max;
        }
    }

    private final Path dir;
    private final int maxPerKey;
    private final long maxFileBytes;
    private final Map<String, TaskEntry> entries = new ConcurrentHashMap<>();
    /** Held while a task is counted against its key's cap and added. */
    private final ReentrantLock creating = new ReentrantLock();
    /** Mirrors every write for other replicas (issue 14); null when state is local. */
    volatile SharedTasks shared;

    TaskStore(Path dataDir, int maxPerKey) {
        this(dataDir, maxPerKey, MAX_FILE_BYTES);
    }

    /** @param maxFileBytes largest task file written or read ({@link #MAX_FILE_BYTES}; smaller in tests) */
    TaskStore(Path dataDir, int maxPerKey, long maxFileBytes) {
        this.dir = dataDir.resolve(DIR);
        this.maxPerKey = maxPerKey;
        this.maxFileBytes = maxFileBytes;
    }

    /**
     * Loads the index at start-up. A task found queued or running is made queued (a running one
     * died with the process: its step in flight runs again from the last checkpoint).
     *
     * @return the tasks to run, oldest first
     */
    List<TaskEntry> open(Clock clock) throws IOException {
        Files.createDirectories(dir);
        ownerOnlyDir(dir);
        List<TaskEntry> queued = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(dir)) {
            for (Path d : dirs) {
                String id = d.getFileName().toString();
                if (!ID.matcher(id).matches() || !Files.isDirectory(d)) continue;
                try {
                    TaskEntry e = load(id, d);
                    if (e == null) continue;
                    entries.put(id, e);
                    if (e.status == TaskStatus.QUEUED || e.status == TaskStatus.RUNNING) queued.add(e);
                } catch (IOException | RuntimeException ex) {
                    // One bad task must not stop the gateway: it is left on disk, unlisted, and said.
                    Log.error("task_unreadable", "dir", d.toString(), "error", String.valueOf(ex.getMessage()));
                }
            }
        }
        queued.sort(Comparator.comparingLong((TaskEntry e) -> e.createdMs).thenComparing(e -> e.id));
        for (TaskEntry e : queued) {
            if (e.status != TaskStatus.RUNNING) continue;
            e.lock.lock();
            try {
                Stored s = read(e);
                write(e, s.task().with(TaskStatus.QUEUED), s.execution());
                event(e, "status", status(TaskStatus.QUEUED, "restart"), false);
            } finally {
                e.lock.unlock();
            }
        }
        return queued;
    }

    private TaskEntry load(String id, Path d) throws IOException {
        try (DirectoryStream<Path> stale = Files.newDirectoryStream(d, "*" + DurableFiles.TMP_SUFFIX)) {
            for (Path f : stale) Files.deleteIfExists(f); // a replacement a crash interrupted: never read
        }
        if (!Files.exists(d.resolve(FILE))) {
            // Created up to its first event, not to its file: it was never answered 202.
            Log.warn("task_incomplete_removed", "dir", d.toString());
            deleteTree(d);
            return null;
        }
        Stored s = readFile(d, maxFileBytes);
        if (!s.task().id().equals(id)) throw new IOException(d + ": holds task " + s.task().id());
        TaskEntry e = new TaskEntry(id, s.task().keyId(), s.task().createdMs(), s.task().status());
        e.endedMs = s.task().endedMs();
        e.approvalExpiresMs = s.task().approvalExpiresMs();
        if (!e.status.ended()) e.live = s.task();
        long[] tail = TaskEvents.recover(d);
        e.lastEventId = tail[0];
        e.eventBytes = tail[1];
        e.progressTruncated = e.eventBytes >= TaskEvents.MAX_PROGRESS_BYTES;
        return e;
    }

    /**
     * Adds a new task, durably: its directory, its {@code queued} event, its file. Counted against
     * its key's unfinished tasks first; the key's oldest ended tasks are deleted when it keeps
     * {@link #KEPT_PER_UNFINISHED} times {@code maxPerKey} tasks.
     *
     * @throws GatewayException 429 when the key has {@code maxPerKey} unfinished tasks, 500 when it cannot be written
     */
    TaskEntry create(Task task, Map<String, Object> execution) {
        TaskEntry e = new TaskEntry(task.id(), task.keyId(), task.createdMs(), task.status());
        List<TaskEntry> dropped = new ArrayList<>();
        creating.lock();
        try {
            int open = 0;
            List<TaskEntry> ended = new ArrayList<>();
            for (TaskEntry o : entries.values()) {
                if (!o.keyId.equals(task.keyId())) continue;
                if (o.status.ended()) ended.add(o);
                else open++;
            }
            if (open >= maxPerKey) {
                throw new GatewayException(ErrorKind.POLICY_RATE_LIMITED, "This API key has " + open
                        + " tasks that have not ended, the most it may have (agent.max_tasks_per_key); wait for one to end or cancel one.");
            }
            long over = (long) open + ended.size() + 1 - (long) maxPerKey * KEPT_PER_UNFINISHED;
            if (over > 0) {
                ended.sort(Comparator.comparingLong((TaskEntry o) -> o.endedMs).thenComparing(o -> o.id));
                for (TaskEntry o : ended.subList(0, (int) Math.min(over, ended.size()))) {
                    if (entries.remove(o.id, o)) dropped.add(o);
                }
            }
            entries.put(task.id(), e);
        } finally {
            creating.unlock();
        }
        for (TaskEntry o : dropped) {
            try {
                deleteTree(dir(o));
                Log.info("task_deleted", "task_id", o.id, "reason", "kept_per_key");
            } catch (IOException ex) {
                Log.error("task_delete_failed", "task_id", o.id, "error", String.valueOf(ex.getMessage()));
            }
        }
        e.lock.lock();
        try {
            Path d = dir(e);
            Files.createDirectories(d);
            ownerOnlyDir(d);
            event(e, "status", status(TaskStatus.QUEUED, null), false);
            write(e, task, execution);
            return e;
        } catch (IOException | RuntimeException ex) {
            entries.remove(task.id());
            try {
                deleteTree(dir(e));
            } catch (IOException ignored) {
                // a leftover without task.json is removed at the next start
            }
            if (ex instanceof GatewayException g) throw g;
            if (ex instanceof TooLarge big) {
                throw new GatewayException(ErrorKind.CALLER_BODY_TOO_LARGE, "The task would be " + big.bytes
                        + " bytes, more than a task may keep (" + big.max + "); send a shorter conversation.", "messages");
            }
            Log.error("task_write_failed", "task_id", task.id(), "error", String.valueOf(ex.getMessage()));
            throw new GatewayException(ErrorKind.GATEWAY_INTERNAL, "The task could not be stored; it was not created.");
        } finally {
            e.lock.unlock();
        }
    }

    /** The task {@code id} of the key {@code keyId}, or null (unknown, malformed, or another key's: the same). */
    TaskEntry entry(String id, String keyId) {
        if (id == null || !ID.matcher(id).matches()) return null;
        TaskEntry e = entries.get(id);
        return e == null || (keyId != null && !e.keyId.equals(keyId)) ? null : e;
    }

    /** Every task, in no order. */
    List<TaskEntry> all() { return new ArrayList<>(entries.values()); }

    /** The key's tasks, newest first. */
    List<TaskEntry> byKey(String keyId) {
        List<TaskEntry> mine = new ArrayList<>();
        for (TaskEntry e : entries.values()) if (e.keyId.equals(keyId)) mine.add(e);
        mine.sort(Comparator.comparingLong((TaskEntry e) -> e.createdMs).reversed().thenComparing(e -> e.id, Comparator.reverseOrder()));
        return mine;
    }

    Path dir(TaskEntry e) { return dir.resolve(e.id); }

    /** The size of the task's file, in bytes (0 when it is gone). */
    long fileBytes(TaskEntry e) {
        try {
            return Files.size(dir(e).resolve(FILE));
        } catch (IOException gone) {
            return 0;
        }
    }

    /** The task as last written. */
    Stored read(TaskEntry e) throws IOException { return readFile(dir(e), maxFileBytes); }

    private static Stored readFile(Path d, long maxFileBytes) throws IOException {
        Path file = d.resolve(FILE);
        Map<String, Object> m;
        try {
            m = Json.asObject(Json.parse(DurableFiles.read(file, maxFileBytes)));
        } catch (NoSuchFileException gone) {
            throw gone;
        } catch (RuntimeException ex) {
            throw new IOException(file + ": not a task: " + ex.getMessage(), ex);
        }
        if (m == null || !(m.get("version") instanceof tollgate.json.JsonNumber v) || !"1".equals(v.text())) {
            throw new IOException(file + ": not a task file of version " + VERSION);
        }
        try {
            Map<String, Object> execution = Json.asObject(m.get("execution"));
            if (execution == null) throw new IllegalArgumentException("no execution");
            return new Stored(Task.fromJson(m.get("task")), execution);
        } catch (IllegalArgumentException ex) {
            throw new IOException(file + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * Replaces the task's file; the caller holds {@code e.lock}.
     *
     * @throws TooLarge when the file would be larger than a read takes (a task that could never be
     *                  read again): nothing is written
     */
    void write(TaskEntry e, Task task, Map<String, Object> execution) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", VERSION);
        m.put("task", task.toJson());
        m.put("execution", execution);
        byte[] bytes = Json.toBytes(m);
        if (bytes.length > maxFileBytes) throw new TooLarge(bytes.length, maxFileBytes);
        DurableFiles.replace(dir(e).resolve(FILE), bytes, true);
        e.live = task.status().ended() ? null : task;
        e.approvalExpiresMs = task.approvalExpiresMs();
        e.endedMs = task.endedMs();
        e.status = task.status();
        e.changed.signalAll();
        SharedTasks s = shared;
        if (s != null) s.mirror(task, execution);
    }

    /** Appends an event ({@link TaskEvents#append}); the caller holds {@code e.lock}. */
    void event(TaskEntry e, String type, Map<String, Object> data, boolean progress) throws IOException {
        TaskEvents.append(e, dir(e), type, data, progress);
    }

    /** A {@code status} event's data: the status, and why when it is not plain. */
    static Map<String, Object> status(TaskStatus status, String reason) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", status.wire());
        if (reason != null) m.put("reason", reason);
        return m;
    }

    /** Forgets a task and deletes its files. */
    void delete(TaskEntry e) throws IOException {
        entries.remove(e.id, e);
        deleteTree(dir(e));
    }

    /** Wakes every follower and tells it to end: the gateway is stopping. */
    void close() {
        for (TaskEntry e : entries.values()) {
            e.closing = true;
            e.signal();
        }
    }

    private static void deleteTree(Path d) throws IOException {
        if (!Files.exists(d)) return;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(d)) {
            for (Path f : files) Files.deleteIfExists(f);
        }
        Files.deleteIfExists(d);
    }

    private static void ownerOnlyDir(Path d) throws IOException {
        try {
            Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException notPosix) {
            // the data directory's own permissions are all there is
        }
    }
}
