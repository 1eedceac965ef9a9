package tollgate.agent;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.call.ManualClock;
import tollgate.error.ErrorBody;
import tollgate.error.GatewayException;
import tollgate.json.Json;

/** The approval store: pause, claim once, expiry and its grace period, ids that are not ours, restarts. */
class ApprovalsTest {
    static final Duration TTL = Duration.ofMinutes(15);
    static final String UNKNOWN_BODY = "{\"error\":{\"message\":\"No approval with this approval_id is waiting for this key.\","
            + "\"type\":\"not_found_error\",\"param\":\"approval_id\",\"code\":404}}";

    @TempDir Path data;
    final ManualClock clock = new ManualClock();

    /** An execution in the middle of a loop: unicode, a tool call and its result, steps, usage. */
    static Execution execution(String key) {
        List<Object> messages = new ArrayList<>();
        messages.add(Map.of("role", "system", "content", "Réponds en français, s'il te plaît. 日本語も OK 🙂"));
        messages.add(Map.of("role", "user", "content", "Ouvre un ticket « urgent » \u2028 with \"quotes\" and \\ backslash"));
        Map<String, Object> call = new LinkedHashMap<>();
        call.put("id", "call_1");
        call.put("type", "function");
        call.put("function", Map.of("name", "create_ticket", "arguments", "{\"priority\":\"high\",\"title\":\"Ωmega\"}"));
        Map<String, Object> assistant = new LinkedHashMap<>();
        assistant.put("role", "assistant");
        assistant.put("content", null);
        assistant.put("tool_calls", List.of(call));
        messages.add(assistant);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", "gpt-x");
        body.put("temperature", 0.25);
        body.put("tools", List.of(Map.of("type", "function", "function", Map.of("name", "web_search"))));
        Execution e = new Execution(UUID.randomUUID().toString(), key, key + "-name", "req_1", null, "neo-mode/balanced", body,
                Map.of("web_search", "web_search"), new LinkedHashSet<>(List.of("create_ticket")), 8, 120_000, messages);
        e.modelCalled();
        e.addWall(1234);
        e.charged(100, 20, 7);
        Map<String, Object> step = new LinkedHashMap<>();
        step.put("type", "model");
        step.put("model", "gpt-x");
        step.put("duration_ms", 321);
        step.put("outcome", "tool_calls");
        e.steps().add(step);
        return e;
    }

    static List<Map<String, Object>> calls() {
        return List.of(Map.of("id", "call_1", "type", "function",
                "function", Map.of("name", "create_ticket", "arguments", "{\"priority\":\"high\"}")));
    }

    Approvals store() {
        return new Approvals(data, clock);
    }

    static int status(Runnable r) {
        return assertThrows(GatewayException.class, r::run).httpStatus();
    }

    static String body(Runnable r) {
        return new String(ErrorBody.render(assertThrows(GatewayException.class, r::run)), UTF_8);
    }

    Path dir() {
        return data.resolve("approvals");
    }

    @Test
    void pauseThenClaim_returnsTheSameExecution() throws Exception {
        Approvals a = store();
        Execution paused = execution("key_a");
        Outcome.Approval approval = a.pause(paused, calls(), TTL);

        assertTrue(ApprovalFiles.isId(approval.approvalId()), approval.approvalId());
        assertEquals(paused.id(), approval.executionId());
        assertEquals(clock.millis() + TTL.toMillis(), approval.expiresAtMs());
        assertEquals(calls(), approval.calls());
        assertEquals(Map.of("approval_id", approval.approvalId(), "expires_at_ms", approval.expiresAtMs(), "calls", calls()),
                paused.pending());
        Map<String, Object> file = Json.asObject(Json.parse(Files.readAllBytes(dir().resolve(approval.approvalId() + ".json"))));
        assertEquals(List.of("version", "approval_id", "execution_id", "key_id", "task_id", "created_ms", "expires_at_ms", "calls",
                "execution"), List.copyOf(file.keySet()));
        assertEquals("key_a", file.get("key_id"));
        assertEquals(Json.toString(paused.toJson()), Json.toString(file.get("execution")));
        assertTrue(a.waiting(approval.approvalId()));

        Execution claimed = a.claim(approval.approvalId(), "key_a");
        assertEquals(Json.toString(paused.toJson()), Json.toString(claimed.toJson()));
        assertEquals("Réponds en français, s'il te plaît. 日本語も OK 🙂",
                Json.asObject(claimed.messages().get(0)).get("content"));
        assertEquals(1, claimed.steps().size());
        assertEquals(7, claimed.credits());
        assertFalse(a.waiting(approval.approvalId()));
    }

    @Test
    void aClaimedApproval_keepsATombstoneWithoutTheConversation() throws Exception {
        Approvals a = store();
        Outcome.Approval approval = a.pause(execution("key_a"), calls(), TTL);
        clock.advanceMillis(5_000);
        a.claim(approval.approvalId(), "key_a");
        assertFalse(Files.exists(dir().resolve(approval.approvalId() + ".json")));
        String tombstone = Files.readString(dir().resolve(approval.approvalId() + ".claimed"));
        assertFalse(tombstone.contains("ticket"), tombstone);
        assertTrue(tombstone.contains("\"claimed_ms\":" + clock.millis()), tombstone);
        assertEquals(clock.millis(), Files.getLastModifiedTime(dir().resolve(approval.approvalId() + ".claimed")).toMillis());
        try (Stream<Path> files = Files.list(dir())) {
            assertEquals(List.of(approval.approvalId() + ".claimed"), files.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void claimTwice_isAConflict() {
        Approvals a = store();
        String id = a.pause(execution("key_a"), calls(), TTL).approvalId();
        a.claim(id, "key_a");
        GatewayException e = assertThrows(GatewayException.class, () -> a.claim(id, "key_a"));
        assertEquals(409, e.httpStatus());
        assertEquals("approval_id", e.param());
        assertTrue(e.getMessage().startsWith("This approval was used already (at 2026-01-01T00:00:00Z)"), e.getMessage());
        // Still the owner's secret: another key hears 404, as for an id never issued.
        assertEquals(UNKNOWN_BODY, body(() -> a.claim(id, "key_b")));
    }

    @Test
    void thirtyTwoConcurrentClaims_overTwoStoresOnOneDirectory_haveExactlyOneWinner() throws Exception {
        for (int round = 0; round < 20; round++) {
            Approvals here = store();
            Approvals there = store(); // another process sharing the directory: its index never saw the pause
            String id = here.pause(execution("key_a"), calls(), TTL).approvalId();
            int threads = 32;
            java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
            List<Thread> all = new ArrayList<>();
            java.util.concurrent.ConcurrentLinkedQueue<Object> results = new java.util.concurrent.ConcurrentLinkedQueue<>();
            for (int t = 0; t < threads; t++) {
                Approvals store = t % 2 == 0 ? here : there;
                // Platform threads: on two cores, virtual threads ran these claims nearly one after
                // another, and a claim made of a read and a delete passed; these catch it.
                all.add(Thread.ofPlatform().start(() -> {
                    try {
                        start.await();
                        results.add(store.claim(id, "key_a"));
                    } catch (GatewayException e) {
                        results.add(e.httpStatus());
                    } catch (Throwable e) {
                        results.add(e);
                    }
                }));
            }
            start.countDown();
            for (Thread t : all) t.join(Duration.ofSeconds(30));
            assertEquals(threads, results.size(), results.toString());
            assertEquals(1, results.stream().filter(r -> r instanceof Execution).count(), results.toString());
            assertEquals(threads - 1, results.stream().filter(r -> Integer.valueOf(409).equals(r)).count(), results.toString());
        }
    }

    @Test
    void anotherKeysApproval_isNotFound_withTheBodyOfAnUnknownOne_andStaysClaimable() {
        Approvals a = store();
        String id = a.pause(execution("key_a"), calls(), TTL).approvalId();
        assertEquals(UNKNOWN_BODY, body(() -> a.claim(id, "key_b")));
        assertEquals(UNKNOWN_BODY, body(() -> a.claim(UUID.randomUUID().toString(), "key_b")));
        assertEquals(UNKNOWN_BODY, body(() -> a.claim(UUID.randomUUID().toString(), "key_a")));
        assertEquals("key_a", a.claim(id, "key_a").keyId());
    }

    @Test
    void anExpiredApproval_isGone_untilItsGracePeriodEnds() {
        Approvals a = store();
        String id = a.pause(execution("key_a"), calls(), TTL).approvalId();
        clock.advanceMillis(TTL.toMillis() + 1);
        assertFalse(a.waiting(id));
        GatewayException e = assertThrows(GatewayException.class, () -> a.claim(id, "key_a"));
        assertEquals(410, e.httpStatus());
        assertEquals("{\"error\":{\"message\":\"This approval expired at 2026-01-01T00:15:00Z; the paused execution cannot be resumed.\","
                + "\"type\":\"invalid_request_error\",\"param\":\"approval_id\",\"code\":410}}", new String(ErrorBody.render(e), UTF_8));
        assertEquals(UNKNOWN_BODY, body(() -> a.claim(id, "key_b")));
        // After restart too.
        assertEquals(410, status(() -> store().claim(id, "key_a")));
    }

    @Test
    void atItsExpiryInstant_anApprovalStillWorks() {
        Approvals a = store();
        String id = a.pause(execution("key_a"), calls(), TTL).approvalId();
        clock.advanceMillis(TTL.toMillis());
        assertTrue(a.waiting(id));
        assertEquals("key_a", a.claim(id, "key_a").keyId());
    }

    @Test
    void afterTheGracePeriod_approvalsAreUnknown_andTheirFilesGone() throws Exception {
        Approvals a = store();
        String expired = a.pause(execution("key_a"), calls(), TTL).approvalId();
        String used = a.pause(execution("key_a"), calls(), TTL).approvalId();
        a.claim(used, "key_a");
        clock.advanceMillis(TTL.toMillis() + Approvals.GRACE.toMillis() + 1);
        assertEquals(UNKNOWN_BODY, body(() -> a.claim(expired, "key_a")));
        assertFalse(Files.exists(dir().resolve(expired + ".json")));
        assertEquals(404, status(() -> a.claim(used, "key_a")));
        assertFalse(Files.exists(dir().resolve(used + ".claimed")));

        String late = a.pause(execution("key_a"), calls(), TTL).approvalId();
        a.claim(late, "key_a");
        String crashLeft = a.pause(execution("key_a"), calls(), TTL).approvalId();
        Path torn = dir().resolve(crashLeft + ".json.8416921.tmp"); // as DurableFiles names them
        Files.writeString(torn, "{\"half");
        Files.setLastModifiedTime(torn, java.nio.file.attribute.FileTime.fromMillis(clock.millis()));
        Files.writeString(dir().resolve("not-ours.json"), "{}");
        clock.advanceMillis(Approvals.GRACE.toMillis() + 1); // the claim's grace ends; crashLeft is expired, within its grace
        assertEquals(2, a.sweep());
        try (Stream<Path> files = Files.list(dir())) {
            assertEquals(Set.of(crashLeft + ".json", "not-ours.json"), Set.copyOf(files.map(p -> p.getFileName().toString()).toList()));
        }
        assertEquals(410, status(() -> a.claim(crashLeft, "key_a")));
        clock.advanceMillis(TTL.toMillis());
        Approvals restarted = store(); // sweeps at start-up
        assertFalse(Files.exists(dir().resolve(crashLeft + ".json")));
        assertEquals(0, restarted.sweep());
        assertTrue(Files.exists(dir().resolve("not-ours.json")));
    }

    @Test
    void idsThatAreNotApprovalIds_areNotFound_withoutTouchingAnyFile() throws Exception {
        Approvals a = store();
        String id = a.pause(execution("key_a"), calls(), TTL).approvalId();
        // A valid approval file outside the directory, and one beside it under a name that is no id.
        byte[] valid = Files.readAllBytes(dir().resolve(id + ".json"));
        Files.write(data.resolve("outside.json"), valid);
        Files.write(dir().resolve("x.json"), valid);
        List<String> bad = new ArrayList<>(List.of("", "../../etc/passwd", "../outside", "..", ".", "x", "/etc/passwd",
                id.toUpperCase(java.util.Locale.ROOT), id + ".json", id + "/../" + id, " " + id, id.substring(1) + "/",
                id.replace('-', '/'), "a".repeat(10_000), "\u0000" + id.substring(1)));
        for (String b : bad) {
            assertEquals(UNKNOWN_BODY, body(() -> a.claim(b, "key_a")), b.length() > 80 ? "10k" : b);
            assertFalse(a.waiting(b));
        }
        assertEquals(UNKNOWN_BODY, body(() -> a.claim(null, "key_a")));
        assertFalse(a.waiting(null));
        assertTrue(Files.exists(data.resolve("outside.json")));
        assertTrue(Files.exists(dir().resolve("x.json")));
        try (Stream<Path> files = Files.list(dir())) {
            assertEquals(Set.of(id + ".json", "x.json"), Set.copyOf(files.map(p -> p.getFileName().toString()).toList()));
        }
        assertEquals("key_a", a.claim(id, "key_a").keyId());
    }

    @Test
    void aRestartedStore_claimsWhatWasPaused_andCountsItAgainstTheCap() {
        Execution paused = execution("key_a");
        String id = new Approvals(data, clock, Approvals.DEFAULT_MAX_STATE_BYTES, 2).pause(paused, calls(), TTL).approvalId();
        Approvals restarted = new Approvals(data, clock, Approvals.DEFAULT_MAX_STATE_BYTES, 2);
        assertTrue(restarted.waiting(id));
        restarted.pause(execution("key_a"), calls(), TTL);
        assertEquals(429, status(() -> restarted.pause(execution("key_a"), calls(), TTL)));
        assertEquals(Json.toString(paused.toJson()), Json.toString(restarted.claim(id, "key_a").toJson()));
        assertEquals(409, status(() -> new Approvals(data, clock).claim(id, "key_a")));
    }

    @Test
    void thePerKeyCap_refusesWith429_untilOneIsClaimedOrExpires() {
        Approvals a = new Approvals(data, clock, Approvals.DEFAULT_MAX_STATE_BYTES, 3);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(a.pause(execution("key_a"), calls(), TTL).approvalId());
            clock.advanceMillis(60_000);
        }
        Execution refused = execution("key_a");
        GatewayException e = assertThrows(GatewayException.class, () -> a.pause(refused, calls(), TTL));
        assertEquals(429, e.httpStatus());
        assertEquals("{\"error\":{\"message\":\"This key has 3 executions waiting for approval, the most allowed: resume or reject "
                + "some first.\",\"type\":\"rate_limit_error\",\"param\":null,\"code\":429}}", new String(ErrorBody.render(e), UTF_8));
        assertEquals(List.of("retry-after", Long.toString(TTL.toMillis() / 1000 - 180)), List.of(e.headers()));
        assertNull(refused.pending());
        a.pause(execution("key_b"), calls(), TTL); // another key's cap is its own

        a.claim(ids.get(0), "key_a");
        String fourth = a.pause(execution("key_a"), calls(), TTL).approvalId();
        assertEquals(429, status(() -> a.pause(execution("key_a"), calls(), TTL)));
        clock.advanceMillis(TTL.toMillis() - 120_000 + 1); // ids 1 expired
        a.pause(execution("key_a"), calls(), TTL);
        assertEquals(429, status(() -> a.pause(execution("key_a"), calls(), TTL)));
        assertTrue(a.waiting(fourth));
        assertEquals(1000, Approvals.MAX_WAITING_PER_KEY);
    }

    @Test
    void aCorruptFile_isAServerError_neverACrash() throws Exception {
        Approvals a = store();
        String torn = a.pause(execution("key_a"), calls(), TTL).approvalId();
        String otherVersion = a.pause(execution("key_a"), calls(), TTL).approvalId();
        String renamed = a.pause(execution("key_a"), calls(), TTL).approvalId();
        String source = a.pause(execution("key_a"), calls(), TTL).approvalId();
        String badExecution = a.pause(execution("key_a"), calls(), TTL).approvalId();
        Path tornFile = dir().resolve(torn + ".json");
        byte[] whole = Files.readAllBytes(tornFile);
        Files.write(tornFile, java.util.Arrays.copyOf(whole, whole.length / 2));
        Path v = dir().resolve(otherVersion + ".json");
        Files.writeString(v, Files.readString(v).replaceFirst("\"version\":1", "\"version\":2"));
        // A valid file under another approval's name (copied by hand): not that approval.
        Files.copy(dir().resolve(source + ".json"), dir().resolve(renamed + ".json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path b = dir().resolve(badExecution + ".json");
        Files.writeString(b, Files.readString(b).replace("\"max_steps\":8", "\"max_steps\":\"eight\""));

        Approvals restarted = store(); // reads every waiting file at start-up: logs, does not throw
        String serverError = "{\"error\":{\"message\":\"The approval's saved state could not be read.\",\"type\":\"server_error\","
                + "\"param\":null,\"code\":500}}";
        for (String id : List.of(torn, otherVersion, renamed)) {
            assertEquals(serverError, body(() -> restarted.claim(id, "key_a")), id);
            assertFalse(restarted.waiting(id));
        }
        // Readable up to the execution: claimed (used) before the execution is found unreadable.
        assertEquals(serverError, body(() -> restarted.claim(badExecution, "key_a")));
        assertEquals(409, status(() -> restarted.claim(badExecution, "key_a")));
    }

    @Test
    void aStateLargerThanTheCap_isNotPaused() throws Exception {
        Approvals a = new Approvals(data, clock, 1024, 10);
        Execution big = execution("key_a");
        big.messages().add(Map.of("role", "user", "content", "x".repeat(2000)));
        GatewayException e = assertThrows(GatewayException.class, () -> a.pause(big, calls(), TTL));
        assertEquals(500, e.httpStatus());
        assertTrue(e.getMessage().contains("larger than the 1024 bytes a paused execution may hold"), e.getMessage());
        assertNull(big.pending());
        try (Stream<Path> files = Files.list(dir())) {
            assertEquals(0, files.count());
        }
        // A file grown past the cap (another configuration) is refused when read, not read whole.
        String id = new Approvals(data, clock).pause(execution("key_a"), calls(), TTL).approvalId();
        assertTrue(Files.size(dir().resolve(id + ".json")) > 1024);
        assertEquals(500, status(() -> a.claim(id, "key_a")));
    }

    @Test
    void aFailedWrite_isAServerError_leavesNothing_andDoesNotCount() throws Exception {
        Approvals a = new Approvals(data, clock, Approvals.DEFAULT_MAX_STATE_BYTES, 1);
        Path moved = data.resolve("moved");
        Files.move(dir(), moved);
        Files.writeString(dir(), "not a directory");
        Execution e = execution("key_a");
        e.pending(Map.of("calls", calls(), "by", "the loop"));
        GatewayException error = assertThrows(GatewayException.class, () -> a.pause(e, calls(), TTL));
        assertEquals(500, error.httpStatus());
        assertEquals("The execution could not be saved for approval, so it was not paused.", error.getMessage());
        assertFalse(error.getMessage().contains(data.toString()));
        assertEquals(Map.of("calls", calls(), "by", "the loop"), e.pending());
        Files.delete(dir());
        Files.move(moved, dir());
        String id = a.pause(e, calls(), TTL).approvalId(); // the failed pause did not count against the cap of 1
        assertEquals(Map.of("calls", calls(), "by", "the loop", "approval_id", id, "expires_at_ms", clock.millis() + TTL.toMillis()),
                e.pending());
        try (Stream<Path> files = Files.list(dir())) {
            assertEquals(List.of(id + ".json"), files.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void theDirectoryAndFiles_areTheOwnersOnly() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(data.getFileSystem().supportedFileAttributeViews().contains("posix"));
        Approvals a = store();
        String id = a.pause(execution("key_a"), calls(), TTL).approvalId();
        assertEquals("rwx------", perms(dir()));
        assertEquals("rw-------", perms(dir().resolve(id + ".json")));
        a.claim(id, "key_a");
        assertEquals("rw-------", perms(dir().resolve(id + ".claimed")));
        // A directory made by something else is made owner-only at start-up.
        Files.setPosixFilePermissions(dir(), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        store();
        assertEquals("rwx------", perms(dir()));
    }

    static String perms(Path p) throws Exception {
        return java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void aTasksApproval_keepsItsTaskId() throws Exception {
        Approvals a = store();
        Execution e = new Execution("exec_1", "key_a", "a", "req_1", "task_1", "m", new LinkedHashMap<>(), Map.of(), Set.of(), 4,
                1000, new ArrayList<>());
        String id = a.pause(e, calls(), TTL).approvalId();
        assertTrue(Files.readString(dir().resolve(id + ".json")).contains("\"task_id\":\"task_1\""));
        Execution claimed = a.claim(id, "key_a");
        assertEquals("task_1", claimed.taskId());
        assertNotEquals(null, claimed.pending());
        assertEquals(id, claimed.pending().get("approval_id"));
    }
}
