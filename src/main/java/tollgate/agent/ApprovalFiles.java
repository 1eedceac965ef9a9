package tollgate.agent;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tollgate.account.DurableFiles;
import tollgate.json.Json;
import tollgate.json.JsonNumber;
import tollgate.log.Log;

/**
 * The files of {@code <data_dir>/approvals/} (owner-only: they hold conversations), one approval
 * per name:
 * <pre>
 *   &lt;id&gt;.json           waiting: {version, approval_id, execution_id, key_id, task_id, created_ms,
 *                      expires_at_ms, calls, execution}
 *   &lt;id&gt;.claimed        used: the file the winning claim moved there (rename(2): of two claims
 *                      one finds no &lt;id&gt;.json), then rewritten as a tombstone: the same members
 *                      with claimed_ms, without calls and execution (the conversation is not kept
 *                      once it has been handed on)
 *   &lt;id&gt;.json.*.tmp     a write in progress, or left by a crash ({@link DurableFiles}); also
 *   &lt;id&gt;.claimed.*.tmp
 * </pre>
 * A file's modification time is when its grace period starts: the expiry for a waiting approval,
 * the claim for a claimed one. It is written with the content (before the fsync), so that a sweep
 * reads the directory listing and the times only, never a file.
 */
final class ApprovalFiles {
    private ApprovalFiles() { throw new AssertionError(); }

    static final String DIR = "approvals";
    static final String WAITING = ".json";
    static final String CLAIMED = ".claimed";
    /** The format of the files; a file of another version is refused (a 500), never half-read. */
    static final int VERSION = 1;
    /** Length of a UUID's canonical form (RFC 9562 §4: 8-4-4-4-12 hex digits). */
    private static final int ID_CHARS = 36;

    /** What a file says about its approval, without the conversation. {@code claimedMs}: 0 while waiting. */
    record Meta(String approvalId, String executionId, String keyId, String taskId, long createdMs, long expiresAtMs,
                long claimedMs) {}

    /**
     * Whether {@code s} is an approval id: a UUID in canonical lower-case form, as
     * {@link java.util.UUID#toString} writes them. Only such a string ever becomes part of a
     * path, so no id can name a file outside the directory.
     */
    static boolean isId(String s) {
        if (s == null || s.length() != ID_CHARS) return false;
        for (int i = 0; i < ID_CHARS; i++) {
            char c = s.charAt(i);
            boolean ok = i == 8 || i == 13 || i == 18 || i == 23 ? c == '-' : (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
            if (!ok) return false;
        }
        return true;
    }

    static Path waiting(Path dir, String id) { return dir.resolve(id + WAITING); }
    static Path claimed(Path dir, String id) { return dir.resolve(id + CLAIMED); }

    /** Creates the directory ({@code rwx------}), or makes an existing one owner-only. */
    static void prepare(Path dir) throws IOException {
        Files.createDirectories(dir.toAbsolutePath().getParent());
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (FileAlreadyExistsException exists) {
            if (!Files.isDirectory(dir)) throw new IOException(dir + ": not a directory");
            try {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            } catch (UnsupportedOperationException notPosix) {
                // nothing more to do
            }
        } catch (UnsupportedOperationException notPosix) {
            Files.createDirectories(dir);
        }
    }

    /** A waiting approval's file content. */
    static byte[] waitingBytes(Meta m, List<Map<String, Object>> calls, Map<String, Object> execution) {
        Map<String, Object> json = head(m);
        json.put("calls", calls);
        json.put("execution", execution);
        return Json.toBytes(json);
    }

    /** A claimed approval's tombstone. */
    static byte[] tombstoneBytes(Meta m) {
        Map<String, Object> json = head(m);
        json.put("claimed_ms", m.claimedMs());
        return Json.toBytes(json);
    }

    private static Map<String, Object> head(Meta m) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("version", VERSION);
        json.put("approval_id", m.approvalId());
        json.put("execution_id", m.executionId());
        json.put("key_id", m.keyId());
        json.put("task_id", m.taskId());
        json.put("created_ms", m.createdMs());
        json.put("expires_at_ms", m.expiresAtMs());
        return json;
    }

    /**
     * The file's JSON object, read whole up to {@code maxBytes}.
     *
     * @throws NoSuchFileException when there is no such file
     * @throws IOException unreadable, too large or not an approval of this version (the message names the file)
     */
    static Map<String, Object> read(Path file, long maxBytes) throws IOException {
        return parse(DurableFiles.read(file, maxBytes), file.toString());
    }

    /** A file's content as {@link #read} returns it; {@code what} names it in errors (a file, or Redis's copy). */
    static Map<String, Object> parse(byte[] bytes, String what) throws IOException {
        Map<String, Object> m;
        try {
            m = Json.asObject(Json.parse(bytes));
        } catch (RuntimeException e) {
            throw new IOException(what + ": not JSON: " + e.getMessage(), e);
        }
        if (m == null || !(m.get("version") instanceof JsonNumber v) || v.longValue() != VERSION) {
            throw new IOException(what + ": not an approval of version " + VERSION);
        }
        return m;
    }

    /** The meta data of a file {@link #read} returned, checked against the name it was found under. */
    static Meta meta(Path file, String id, Map<String, Object> m) throws IOException {
        if (!id.equals(m.get("approval_id")) || !(m.get("key_id") instanceof String key)
                || !(m.get("execution_id") instanceof String execution)) {
            throw new IOException(file + ": not the approval " + id);
        }
        return new Meta(id, execution, key, m.get("task_id") instanceof String t ? t : null, millis(file, m, "created_ms"),
                millis(file, m, "expires_at_ms"), m.containsKey("claimed_ms") ? millis(file, m, "claimed_ms") : 0);
    }

    private static long millis(Path file, Map<String, Object> m, String name) throws IOException {
        if (m.get(name) instanceof JsonNumber n) {
            try {
                return n.longValue();
            } catch (RuntimeException e) {
                // below
            }
        }
        throw new IOException(file + ": member '" + name + "' is not a time in milliseconds");
    }

    /** Rewrites a claimed file as its tombstone, claimed at {@code nowMs} (the conversation is not kept once handed on). */
    static void tombstone(Path claimed, Meta meta, long nowMs) {
        Meta tombstone = new Meta(meta.approvalId(), meta.executionId(), meta.keyId(), meta.taskId(), meta.createdMs(),
                meta.expiresAtMs(), nowMs);
        try {
            DurableFiles.replace(claimed, tombstoneBytes(tombstone), true, FileTime.fromMillis(nowMs));
        } catch (IOException e) {
            // Still used (the name says so); only the conversation stays on disk until the sweep.
            Log.warn("approval_tombstone_failed", "file", claimed.toString(), "error", e.toString());
        }
    }

    /**
     * Marks the waiting file of {@code id} used, if there is one: the approval was claimed
     * elsewhere (issue 14: on another replica, through Redis), and must not be claimed from this
     * file again. Failures are logged.
     */
    static void retire(Path dir, String id, long maxBytes, long nowMs) {
        Path file = waiting(dir, id);
        Path claimed = claimed(dir, id);
        try {
            Files.move(file, claimed, StandardCopyOption.ATOMIC_MOVE);
            DurableFiles.syncDirectory(dir);
            tombstone(claimed, meta(claimed, id, read(claimed, maxBytes)), nowMs);
        } catch (NoSuchFileException none) {
            // paused on another replica, or retired already
        } catch (IOException | RuntimeException e) {
            Log.warn("approval_retire_failed", "file", file.toString(), "error", e.toString());
        }
    }

    /** Ids of the waiting approvals' files ({@code <id>.json}), in no order. */
    static List<String> waitingIds(Path dir) throws IOException {
        List<String> ids = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + WAITING)) {
            for (Path p : files) {
                String name = p.getFileName().toString();
                String id = name.substring(0, name.length() - WAITING.length());
                if (isId(id)) ids.add(id);
            }
        }
        return ids;
    }

    /**
     * Deletes the files whose grace period ended before {@code nowMs} (modification time +
     * {@code graceMs}): approvals expired or claimed that long ago, and temporary files a crash
     * left. Only names this class writes are touched.
     *
     * @return how many files were deleted
     */
    static int sweep(Path dir, long nowMs, long graceMs) throws IOException {
        int deleted = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path p : files) {
                if (!ours(p.getFileName().toString())) continue;
                try {
                    FileTime t = Files.getLastModifiedTime(p);
                    if (t.toMillis() > nowMs - graceMs) continue;
                    if (Files.deleteIfExists(p)) deleted++;
                } catch (NoSuchFileException gone) {
                    // claimed or swept meanwhile (another thread or process)
                }
            }
        }
        return deleted;
    }

    /** {@code <id>.json}, {@code <id>.claimed}, or a temporary file of either ({@code <id>.json.<random>.tmp}). */
    private static boolean ours(String name) {
        if (name.length() <= ID_CHARS || !isId(name.substring(0, ID_CHARS))) return false;
        String rest = name.substring(ID_CHARS);
        if (rest.equals(WAITING) || rest.equals(CLAIMED)) return true;
        return rest.endsWith(DurableFiles.TMP_SUFFIX) && (rest.startsWith(WAITING + ".") || rest.startsWith(CLAIMED + "."));
    }
}
