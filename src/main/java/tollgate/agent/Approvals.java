package tollgate.agent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import tollgate.account.DurableFiles;
import tollgate.agent.ApprovalFiles.Meta;
import tollgate.call.Clock;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.log.Log;
import tollgate.state.SharedState;

/**
 * Paused executions waiting for a human (seed 003's {@code approval_id}), kept in
 * {@code <data_dir>/approvals/} so that they survive a restart. An approval works once: of any
 * number of concurrent claims (threads, or gateway processes sharing the directory) exactly one
 * wins, because a claim is the rename of {@code <id>.json} to {@code <id>.claimed} and of two
 * renames of one file only one finds it ({@link ApprovalFiles} has the layout). A claimed approval
 * is used, whatever happens to the claimer afterwards: a crash between the claim and the answer
 * does not let it run twice.
 *
 * <p>Errors, in the OpenAI shape ({@code GatewayException}): an unknown id, or another key's, 404
 * (the same answer, so that ids cannot be probed across keys); an expired one 410; one already
 * claimed 409. Expired and claimed approvals are remembered for {@link #GRACE} (so that a late
 * resume hears 410 or 409, not 404), then forgotten and their files deleted by a sweep (at
 * start-up, then by a pause or claim when the last sweep is {@link #SWEEP_INTERVAL_MS} old: it
 * reads the directory listing and the files' times only).
 *
 * <p>With state shared in Redis (issue 14, {@link SharedApprovals}) a paused execution is also put
 * there, and a claim asks Redis first: an approval paused on one replica is resumed on any, once
 * (the claim retires this replica's file too, so that it cannot be claimed here again). Redis
 * unreachable, or an approval it does not hold (too large, paused while it was down): the file
 * decides, as without it.
 *
 * <p>The cap of {@link #MAX_WAITING_PER_KEY} counts what this process paused, and what was waiting
 * when it started; approvals paused by another process sharing the directory are claimable here
 * but not counted.
 */
public final class Approvals {
    /** Most approvals one key may have waiting (see the class comment); more are refused with 429. */
    public static final int MAX_WAITING_PER_KEY = 1000;
    /** How long an approval is remembered after it expired or was claimed: 410 or 409 then, 404 after. */
    public static final Duration GRACE = Duration.ofHours(24);
    /**
     * Largest paused execution written or read, in bytes, unless the constructor says otherwise: a
     * conversation is at most a chat request's body ({@code server.max_body_bytes}, 32 MiB by
     * default) plus the tool results added since, each capped by its tool.
     */
    public static final long DEFAULT_MAX_STATE_BYTES = 64L * 1024 * 1024;
    /** Least time between two sweeps started by a pause or a claim, in milliseconds. */
    static final long SWEEP_INTERVAL_MS = 10 * 60_000L;

    static final String UNKNOWN = "No approval with this approval_id is waiting for this key.";

    private final Path dir;
    private final Clock clock;
    private final long maxStateBytes;
    private final int maxWaitingPerKey;
    /** Guards {@link #waiting} and {@link #perKey}; never held during I/O. */
    private final ReentrantLock lock = new ReentrantLock();
    /** Approvals waiting as far as this process knows: paused here, or found at start-up. */
    private final Map<String, Meta> waiting = new HashMap<>();
    private final Map<String, Integer> perKey = new HashMap<>();
    private final ReentrantLock sweeping = new ReentrantLock();
    private volatile long lastSweepMs;
    /** Null when state is local. */
    private final SharedApprovals shared;

    /** @throws UncheckedIOException when the directory cannot be created or listed (start-up fails) */
    public Approvals(Path dataDir, Clock clock) {
        this(dataDir, clock, DEFAULT_MAX_STATE_BYTES);
    }

    /** @param maxStateBytes largest paused execution written or read, in bytes */
    public Approvals(Path dataDir, Clock clock, long maxStateBytes) {
        this(dataDir, clock, maxStateBytes, MAX_WAITING_PER_KEY);
    }

    /** Shared with other replicas over {@code state} (issue 14); as {@link #Approvals(Path, Clock)} when it is local. */
    public Approvals(Path dataDir, Clock clock, SharedState state) {
        this(dataDir, clock, DEFAULT_MAX_STATE_BYTES, MAX_WAITING_PER_KEY, SharedApprovals.of(state, GRACE.toMillis()));
    }

    /** With another cap per key than {@link #MAX_WAITING_PER_KEY}: for tests. */
    Approvals(Path dataDir, Clock clock, long maxStateBytes, int maxWaitingPerKey) {
        this(dataDir, clock, maxStateBytes, maxWaitingPerKey, null);
    }

    Approvals(Path dataDir, Clock clock, long maxStateBytes, int maxWaitingPerKey, SharedApprovals shared) {
        this.shared = shared;
        this.dir = dataDir.resolve(ApprovalFiles.DIR);
        this.clock = clock;
        this.maxStateBytes = maxStateBytes;
        this.maxWaitingPerKey = maxWaitingPerKey;
        try {
            ApprovalFiles.prepare(dir);
            sweep();
            for (String id : ApprovalFiles.waitingIds(dir)) load(id);
        } catch (IOException e) {
            throw new UncheckedIOException("approvals directory " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Persists {@code execution} durably before returning, with a new approval id that expires
     * after {@code ttl}. Its {@link Execution#pending()} is what the caller set (if anything) plus
     * {@code approval_id}, {@code expires_at_ms} and, unless the caller put them there, the
     * {@code calls}; it is left as it was when this throws.
     *
     * @param calls the tool calls waiting, as the client sees them
     * @throws GatewayException 429 when the key has too many executions waiting, 500 when it
     *     cannot be written (the execution is then not paused: nothing is lost silently)
     */
    public Outcome.Approval pause(Execution execution, List<Map<String, Object>> calls, Duration ttl) {
        if (execution.keyId() == null) throw new IllegalArgumentException("execution " + execution.id() + " has no key id");
        maybeSweep();
        long now = clock.millis();
        Meta meta = new Meta(UUID.randomUUID().toString(), execution.id(), execution.keyId(), execution.taskId(), now,
                now + ttl.toMillis(), 0);
        reserve(meta, now);
        Map<String, Object> before = execution.pending();
        Path file = ApprovalFiles.waiting(dir, meta.approvalId());
        boolean paused = false;
        try {
            Map<String, Object> pending = before == null ? new LinkedHashMap<>() : new LinkedHashMap<>(before);
            pending.put("approval_id", meta.approvalId());
            pending.put("expires_at_ms", meta.expiresAtMs());
            pending.putIfAbsent("calls", calls);
            execution.pending(pending);
            byte[] bytes = ApprovalFiles.waitingBytes(meta, calls, execution.toJson());
            if (bytes.length > maxStateBytes) {
                throw new GatewayException(ErrorKind.GATEWAY_INTERNAL, "The execution cannot be paused for approval: its state ("
                        + bytes.length + " bytes) is larger than the " + maxStateBytes + " bytes a paused execution may hold.");
            }
            DurableFiles.replace(file, bytes, true, FileTime.fromMillis(meta.expiresAtMs()));
            if (shared != null) shared.put(meta, bytes, now); // else (or when it fails) resumable on this replica only
            paused = true;
            return new Outcome.Approval(meta.approvalId(), meta.executionId(), meta.expiresAtMs(), calls);
        } catch (IOException e) {
            Log.error("approval_write_failed", "file", file.toString(), "error", e.toString());
            throw new GatewayException(ErrorKind.GATEWAY_INTERNAL,
                    "The execution could not be saved for approval, so it was not paused.", null, 0, e);
        } finally {
            if (!paused) {
                forget(meta.approvalId());
                execution.pending(before);
            }
        }
    }

    /**
     * Claims the approval {@code approvalId} for the key {@code keyId}: the paused execution, which
     * no other claim will get.
     *
     * @throws GatewayException 404 unknown or another key's, 410 expired, 409 already used, 500 a
     *     file that cannot be read (logged, naming it)
     */
    public Execution claim(String approvalId, String keyId) {
        if (!ApprovalFiles.isId(approvalId) || keyId == null) throw unknown();
        maybeSweep();
        long now = clock.millis();
        SharedApprovals.Claim inRedis = shared == null ? null : shared.find(approvalId, keyId); // null: unreachable
        if (inRedis != null) {
            Execution won = shared.settle(inRedis, approvalId, id -> retire(id, now));
            if (won != null) return won;
        }
        Path file = ApprovalFiles.waiting(dir, approvalId);
        Meta meta = known(approvalId);
        if (meta == null) meta = readMeta(file, approvalId);
        if (meta == null) throw used(approvalId, keyId, now);
        if (!meta.keyId().equals(keyId)) throw unknown();
        if (now > meta.expiresAtMs()) {
            if (now <= meta.expiresAtMs() + GRACE.toMillis()) {
                throw new GatewayException(ErrorKind.CALLER_GONE, "This approval expired at " + Instant.ofEpochMilli(meta.expiresAtMs())
                        + "; the paused execution cannot be resumed.", "approval_id");
            }
            forget(approvalId);
            delete(file);
            throw unknown();
        }
        Path claimed = ApprovalFiles.claimed(dir, approvalId);
        forget(approvalId); // whoever wins, it no longer waits (a failed move is found again by readMeta)
        try {
            Files.move(file, claimed, StandardCopyOption.ATOMIC_MOVE);
            DurableFiles.syncDirectory(dir); // used for good before anyone acts on it, even if the machine stops
        } catch (NoSuchFileException lost) {
            throw used(approvalId, keyId, now); // another thread or process claimed it first
        } catch (IOException e) {
            throw failed("approval_claim_failed", file, e); // AtomicMoveNotSupportedException too: never claim non-atomically
        }
        Execution execution;
        try {
            Map<String, Object> json = ApprovalFiles.read(claimed, maxStateBytes);
            meta = ApprovalFiles.meta(claimed, approvalId, json);
            execution = Execution.fromJson(json.get("execution"));
        } catch (IOException | IllegalArgumentException e) {
            throw failed("approval_unreadable", claimed, e);
        }
        ApprovalFiles.tombstone(claimed, meta, now);
        if (shared != null && inRedis == null) shared.claimedUnshared(approvalId, keyId);
        return execution;
    }

    /** Marks this replica's waiting file of {@code id} used (claimed on another replica), if it has one. */
    private void retire(String id, long now) {
        forget(id);
        ApprovalFiles.retire(dir, id, maxStateBytes, now);
    }

    /** Whether {@code approvalId} is waiting (not claimed, not expired) — for a task's status. */
    public boolean waiting(String approvalId) {
        if (!ApprovalFiles.isId(approvalId)) return false;
        Path file = ApprovalFiles.waiting(dir, approvalId);
        if (!Files.exists(file)) return false;
        Meta meta = known(approvalId);
        if (meta == null) {
            try {
                meta = readMeta(file, approvalId);
            } catch (GatewayException unreadable) {
                return false; // logged; nobody can resume it
            }
        }
        return meta != null && clock.millis() <= meta.expiresAtMs();
    }

    /**
     * Deletes the files of approvals expired or claimed more than {@link #GRACE} ago, and what a
     * crash left; forgets expired approvals. Runs one at a time; package-private for tests.
     */
    int sweep() throws IOException {
        sweeping.lock();
        try {
            long now = clock.millis();
            lastSweepMs = now;
            lock.lock();
            try {
                for (Meta m : List.copyOf(waiting.values())) {
                    if (now > m.expiresAtMs()) forget(m.approvalId());
                }
            } finally {
                lock.unlock();
            }
            return ApprovalFiles.sweep(dir, now, GRACE.toMillis());
        } finally {
            sweeping.unlock();
        }
    }

    /**
     * Sweeps when the last sweep is {@link #SWEEP_INTERVAL_MS} old, on the caller's thread (a
     * directory listing: pauses and claims are not the hot path), unless another thread is at it.
     */
    private void maybeSweep() {
        if (clock.millis() - lastSweepMs < SWEEP_INTERVAL_MS || !sweeping.tryLock()) return;
        try {
            sweep();
        } catch (IOException | RuntimeException e) {
            Log.warn("approvals_sweep_failed", "dir", dir.toString(), "error", e.toString());
        } finally {
            sweeping.unlock();
        }
    }

    /** Indexes a waiting approval found at start-up; a file that cannot be read is logged and left for its claim's 500. */
    private void load(String id) {
        Path file = ApprovalFiles.waiting(dir, id);
        try {
            Meta m = ApprovalFiles.meta(file, id, ApprovalFiles.read(file, maxStateBytes));
            if (clock.millis() > m.expiresAtMs()) return;
            lock.lock();
            try {
                waiting.put(id, m);
                perKey.merge(m.keyId(), 1, Integer::sum);
            } finally {
                lock.unlock();
            }
        } catch (NoSuchFileException claimedMeanwhile) {
            // another process claimed it
        } catch (IOException e) {
            Log.warn("approval_unreadable", "file", file.toString(), "error", e.toString());
        }
    }

    /** Counts {@code m} against its key's cap, or refuses it with 429. */
    private void reserve(Meta m, long now) {
        lock.lock();
        try {
            if (perKey.getOrDefault(m.keyId(), 0) >= maxWaitingPerKey) {
                long soonest = Long.MAX_VALUE;
                for (Meta w : List.copyOf(waiting.values())) {
                    if (!w.keyId().equals(m.keyId())) continue;
                    if (now > w.expiresAtMs()) forget(w.approvalId());
                    else soonest = Math.min(soonest, w.expiresAtMs());
                }
                if (perKey.getOrDefault(m.keyId(), 0) >= maxWaitingPerKey) {
                    throw new GatewayException(ErrorKind.POLICY_RATE_LIMITED, "This key has " + maxWaitingPerKey
                            + " executions waiting for approval, the most allowed: resume or reject some first.")
                            .withHeaders("retry-after", Long.toString(Math.max(1, (soonest - now + 999) / 1000)));
                }
            }
            waiting.put(m.approvalId(), m);
            perKey.merge(m.keyId(), 1, Integer::sum);
        } finally {
            lock.unlock();
        }
    }

    private Meta known(String id) {
        lock.lock();
        try {
            return waiting.get(id);
        } finally {
            lock.unlock();
        }
    }

    private void forget(String id) {
        lock.lock();
        try {
            Meta m = waiting.remove(id);
            if (m != null) perKey.computeIfPresent(m.keyId(), (k, n) -> n > 1 ? n - 1 : null);
        } finally {
            lock.unlock();
        }
    }

    /** The meta data of a waiting file not known here (another process's), or null when there is none. */
    private Meta readMeta(Path file, String id) {
        try {
            return ApprovalFiles.meta(file, id, ApprovalFiles.read(file, maxStateBytes));
        } catch (NoSuchFileException none) {
            return null;
        } catch (IOException e) {
            throw failed("approval_unreadable", file, e);
        }
    }

    /** The answer for an id with no waiting file: 409 when this key claimed it within the grace period, else 404. */
    private GatewayException used(String id, String keyId, long now) {
        Path file = ApprovalFiles.claimed(dir, id);
        Meta m;
        try {
            m = ApprovalFiles.meta(file, id, ApprovalFiles.read(file, maxStateBytes));
        } catch (NoSuchFileException none) {
            return unknown();
        } catch (IOException e) {
            return failed("approval_unreadable", file, e);
        }
        if (!m.keyId().equals(keyId)) return unknown();
        long since = m.claimedMs() > 0 ? m.claimedMs() : m.expiresAtMs();
        if (now > since + GRACE.toMillis()) {
            delete(file);
            return unknown();
        }
        return new GatewayException(ErrorKind.CALLER_CONFLICT, "This approval was used already"
                + (m.claimedMs() > 0 ? " (at " + Instant.ofEpochMilli(m.claimedMs()) + ")" : "") + "; an approval works once.",
                "approval_id");
    }

    private static GatewayException unknown() {
        return new GatewayException(ErrorKind.CALLER_NOT_FOUND, UNKNOWN, "approval_id");
    }

    /** A 500 for a file that could not be read or claimed, logged with the file; the client hears no path. */
    private static GatewayException failed(String event, Path file, Exception e) {
        Log.error(event, "file", file.toString(), "error", e.toString());
        return new GatewayException(ErrorKind.GATEWAY_INTERNAL, "The approval's saved state could not be "
                + (event.equals("approval_claim_failed") ? "claimed" : "read") + ".", null, 0, e);
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            Log.warn("approval_delete_failed", "file", file.toString(), "error", e.toString());
        }
    }
}
