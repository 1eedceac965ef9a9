package tollgate.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import tollgate.account.DurableFiles;
import tollgate.call.Clock;
import tollgate.json.Json;
import tollgate.json.JsonBuffer;
import tollgate.json.JsonMeter;
import tollgate.json.JsonNumber;
import tollgate.log.Log;
import tollgate.memory.Reservation;

/**
 * The stored responses of {@code POST /responses} with {@code store} (OpenAI's default), kept
 * {@code responses.store_ttl_ms} from their creation so that {@code previous_response_id},
 * {@code GET} and {@code DELETE /responses/{id}} find them; in {@code <data_dir>/responses/}
 * (owner-only, 0700 directories and 0600 files: they hold conversations):
 * <pre>
 *   &lt;account digest&gt;/&lt;resp id&gt;.json   {version, account, created_ms, expires_at_ms, response, input}
 * </pre>
 * One directory per account (the first {@value #DIGEST_BYTES} bytes of the SHA-256 of its id, in
 * hex: an id never becomes a path), so that another key's response is simply not there. A
 * file's {@code input} is the whole conversation the response answered (the previous
 * response's, then this request's input; never the {@code instructions}, which OpenAI does not
 * carry over), so that a continuation reads one file. Written atomically ({@link DurableFiles});
 * its modification time is its expiry, so that a sweep reads the listing and the times only.
 *
 * <p>Bounds: a file over {@link #MAX_FILE_BYTES} is not written (the response is answered with
 * {@code store: false}) and never read; an account keeps at most {@link #MAX_PER_ACCOUNT}
 * responses and {@link #MAX_BYTES_PER_ACCOUNT} bytes of them, its oldest dropped to make room (as
 * a cache would: a client keeps working, and the caps hold, give or take the writes under way at
 * one moment); a file's bytes are serialised in a buffer charged to the request's memory
 * ({@link Reservation}) and given back once written, so that concurrent big writes stay within
 * the gateway's memory budget; an expired file counts as gone
 * at once, is deleted when read or listed, and every file is swept at the start, and on a write
 * at most every {@link #SWEEP_EVERY}.
 *
 * <p>With several replicas on one Redis ({@code state.redis_url}), every file is put in Redis as
 * well ({@link SharedResponses}): a response missing here is read from there, and a deletion on
 * any replica is seen by all; when Redis is unreachable, this replica's files alone answer.
 */
final class ResponseStore {
    static final String DIR = "responses";
    static final String SUFFIX = ".json";
    /**
     * A file deleted while Redis could not be told leaves {@code <resp id>.deleted} (empty, its
     * modification time the response's expiry) so that this replica never reads the response back
     * from Redis's copy; its next read of that id tells Redis again.
     */
    static final String DELETED_SUFFIX = ".deleted";
    static final int VERSION = 1;
    static final int DIGEST_BYTES = 16;
    /** Largest stored response with its conversation, in bytes: a quarter of the default request body cap (32 MiB). */
    static final long MAX_FILE_BYTES = 8L * 1024 * 1024;
    /** Most responses one account keeps. */
    static final int MAX_PER_ACCOUNT = 1000;
    /** Most bytes of stored responses one account keeps, in bytes (without it, 1000 × 8 MiB). */
    static final long MAX_BYTES_PER_ACCOUNT = 256L * 1024 * 1024;
    /** Initial size of the buffer a file is serialised in, in bytes (it grows, charged, as needed). */
    static final int INITIAL_BYTES = 4096;
    /** Longest between two sweeps of every account's directory, while responses are written. */
    static final Duration SWEEP_EVERY = Duration.ofHours(1);

    /** One stored response and the conversation it answered. */
    record Stored(Map<String, Object> response, List<Map<String, Object>> input) {}

    private final Path dir;
    private final Duration ttl;
    private final Clock clock;
    private final int maxPerAccount;
    private final long maxBytesPerAccount;
    private final AtomicLong nextSweepMs = new AtomicLong();
    private SharedResponses shared;

    ResponseStore(Path dataDir, Duration ttl, Clock clock) {
        this(dataDir, ttl, clock, MAX_PER_ACCOUNT, MAX_BYTES_PER_ACCOUNT);
    }

    /** Shares the stored responses over {@code shared} (null: local state, Redis never called); before serving. */
    ResponseStore sharing(SharedResponses shared) {
        this.shared = shared;
        return this;
    }

    /** With other caps per account, in responses and in bytes (tests). */
    ResponseStore(Path dataDir, Duration ttl, Clock clock, int maxPerAccount, long maxBytesPerAccount) {
        this.dir = dataDir.resolve(DIR);
        this.ttl = ttl;
        this.clock = clock;
        this.maxPerAccount = maxPerAccount;
        this.maxBytesPerAccount = maxBytesPerAccount;
    }

    /**
     * Stores {@code response} and the conversation it answered; returns false (and stores
     * nothing) when the file would be over {@link #MAX_FILE_BYTES}.
     *
     * @param memory the request's memory, charged with the serialised file until it is written
     * @throws tollgate.memory.BudgetExceededException when the gateway's memory cannot hold it
     */
    boolean put(String account, String id, Map<String, Object> response, List<Map<String, Object>> input,
                Reservation memory) throws IOException {
        long now = clock.millis();
        long expires = now + ttl.toMillis();
        Map<String, Object> file = new LinkedHashMap<>();
        file.put("version", VERSION);
        file.put("account", account);
        file.put("created_ms", now);
        file.put("expires_at_ms", expires);
        file.put("response", response);
        file.put("input", input);
        JsonBuffer bytes = new JsonBuffer(INITIAL_BYTES, memory);
        try {
            Json.write(file, bytes);
            if (bytes.length() > MAX_FILE_BYTES) return false;
            Path own = accountDir(account);
            prepare(dir);
            prepare(own);
            makeRoom(account, own, now, bytes.length());
            DurableFiles.replace(own.resolve(id + SUFFIX), bytes.array(), bytes.length(), true, FileTime.fromMillis(expires));
            if (shared != null) shared.put(account, id, bytes.array(), bytes.length(), expires - now);
        } finally {
            memory.release(bytes.capacity());
        }
        long next = nextSweepMs.get();
        if (now >= next && nextSweepMs.compareAndSet(next, now + SWEEP_EVERY.toMillis())) sweep();
        return true;
    }

    /**
     * The stored response {@code id} of {@code account}, or null when there is none (never was,
     * expired, deleted, another account's).
     *
     * @param meter charged with the parsed tree (the request's memory)
     */
    Stored get(String account, String id, JsonMeter meter) throws IOException {
        if (!ResponsesOutput.isResponseId(id)) return null;
        Path file = accountDir(account).resolve(id + SUFFIX);
        byte[] bytes;
        boolean local = true;
        try {
            bytes = DurableFiles.read(file, MAX_FILE_BYTES);
            // Deleted on another replica: this copy goes too (one small reply; an unreachable Redis knows nothing).
            if (shared != null && shared.deleted(account, id)) {
                Files.deleteIfExists(file);
                return null;
            }
        } catch (NoSuchFileException e) {
            if (shared != null && deletedHere(account, id)) return null;
            SharedResponses.Entry there = shared == null ? SharedResponses.Entry.UNKNOWN : shared.get(account, id);
            if (there.found() != SharedResponses.Found.BODY) return null;
            bytes = there.body();
            local = false;
        }
        Map<?, ?> m = (Map<?, ?>) Json.parse(bytes, 0, bytes.length, meter);
        if (!(m.get("version") instanceof JsonNumber v) || v.longValue() != VERSION || !account.equals(m.get("account"))) {
            if (!local) return null; // another replica's (newer) format: not one this replica reads
            throw new IOException(file + ": not a stored response of version " + VERSION + " for this account");
        }
        if (((JsonNumber) m.get("expires_at_ms")).longValue() <= clock.millis()) {
            if (local) Files.deleteIfExists(file);
            return null;
        }
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> input = (List<Map<String, Object>>) m.get("input");
        return new Stored(Validation.cast(m.get("response")), input);
    }

    /** Deletes {@code id} of {@code account}; false when there was none (or it had expired). */
    boolean delete(String account, String id) throws IOException {
        if (!ResponsesOutput.isResponseId(id)) return false;
        Path file = accountDir(account).resolve(id + SUFFIX);
        // Redis first: once the file is gone here, no read on this replica fetches it back from there.
        SharedResponses.Deleted there = shared == null ? SharedResponses.Deleted.NO : shared.delete(account, id);
        FileTime expires;
        try {
            expires = Files.getLastModifiedTime(file);
        } catch (NoSuchFileException e) {
            return there == SharedResponses.Deleted.YES;
        }
        if (there == SharedResponses.Deleted.UNKNOWN) {
            // Redis keeps its copy for now: the mark, before the file goes, keeps this replica from reading it back.
            Path mark = accountDir(account).resolve(id + DELETED_SUFFIX);
            Files.write(mark, new byte[0]);
            Files.setLastModifiedTime(mark, expires);
        }
        boolean existed = Files.deleteIfExists(file);
        return there == SharedResponses.Deleted.YES || existed && expires.toMillis() > clock.millis();
    }

    /** Whether this replica deleted {@code id} while Redis could not be told; tells Redis again (the mark goes once it has been told). */
    private boolean deletedHere(String account, String id) throws IOException {
        Path mark = accountDir(account).resolve(id + DELETED_SUFFIX);
        if (!Files.exists(mark)) return false;
        if (shared.delete(account, id) != SharedResponses.Deleted.UNKNOWN) Files.deleteIfExists(mark);
        return true;
    }

    /** Deletes every expired file (and temporary files older than the TTL: left by a crash). */
    void sweep() {
        if (!Files.isDirectory(dir)) return;
        long now = clock.millis();
        int deleted = 0;
        try (DirectoryStream<Path> accounts = Files.newDirectoryStream(dir)) {
            for (Path own : accounts) {
                if (Files.isDirectory(own)) deleted += expire(own, now, null);
            }
        } catch (IOException e) {
            Log.error("responses_sweep_failed", "error", String.valueOf(e.getMessage()));
        }
        if (deleted > 0) Log.info("responses_swept", "deleted", deleted);
    }

    /** A live file of an account: its path, expiry (its modification time) and size. */
    private record Live(Path path, long expiresMs, long bytes) {}

    /** Deletes the expired files of one account's directory; lists the others into {@code live}. */
    private int expire(Path own, long now, List<Live> live) throws IOException {
        int deleted = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(own)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                BasicFileAttributes a;
                try {
                    a = Files.readAttributes(f, BasicFileAttributes.class);
                } catch (NoSuchFileException gone) {
                    continue;
                }
                long mtime = a.lastModifiedTime().toMillis();
                boolean tmp = name.endsWith(DurableFiles.TMP_SUFFIX);
                if (tmp ? mtime + ttl.toMillis() <= now : mtime <= now) {
                    if (Files.deleteIfExists(f)) deleted++;
                } else if (!tmp && live != null) {
                    live.add(new Live(f, mtime, a.size()));
                }
            }
        }
        return deleted;
    }

    /**
     * Drops the expired files of an account and, at its caps, its oldest (the first to expire;
     * in Redis as well), so that one more of {@code bytes} fits in both its count and its bytes. While even files of
     * the largest size would all fit, it only counts names: a write then costs no stat per stored
     * response, and the expired ones go at the next sweep.
     */
    private void makeRoom(String account, Path own, long now, long bytes) throws IOException {
        int n = stored(own);
        if (n < maxPerAccount && (n + 1L) * MAX_FILE_BYTES <= maxBytesPerAccount) return;
        List<Live> live = new ArrayList<>();
        expire(own, now, live);
        long total = bytes;
        for (Live l : live) total += l.bytes();
        if (live.size() < maxPerAccount && total <= maxBytesPerAccount) return;
        live.sort(Comparator.comparingLong(Live::expiresMs));
        int count = live.size();
        for (int i = 0; i < live.size() && (count >= maxPerAccount || total > maxBytesPerAccount); i++) {
            Path dropped = live.get(i).path();
            Files.deleteIfExists(dropped);
            // Redis's copy goes too: else it would be read back here and on every replica, and Redis
            // would hold every response an account ever wrote, for the whole TTL, past both caps.
            if (shared != null) {
                String name = dropped.getFileName().toString();
                shared.delete(account, name.substring(0, name.indexOf('.')));
            }
            count--;
            total -= live.get(i).bytes();
        }
    }

    /** How many responses (expired ones too, temporary files not) {@code own} holds, from its names alone. */
    private static int stored(Path own) throws IOException {
        int n = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(own)) {
            for (Path f : files) {
                if (!f.getFileName().toString().endsWith(DurableFiles.TMP_SUFFIX)) n++;
            }
        }
        return n;
    }

    private Path accountDir(String account) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(account.getBytes(StandardCharsets.UTF_8));
            return dir.resolve(HexFormat.of().formatHex(d, 0, DIGEST_BYTES));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has SHA-256
        }
    }

    /** Creates {@code d} ({@code rwx------}) if it is not there. */
    private static void prepare(Path d) throws IOException {
        if (Files.isDirectory(d)) return;
        Files.createDirectories(d.toAbsolutePath().getParent());
        try {
            Files.createDirectory(d, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (FileAlreadyExistsException raced) {
            // made by a concurrent write
        } catch (UnsupportedOperationException notPosix) {
            Files.createDirectories(d);
        }
    }
}
