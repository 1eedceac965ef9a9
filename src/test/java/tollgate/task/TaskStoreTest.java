package tollgate.task;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.call.ManualClock;
import tollgate.error.GatewayException;
import tollgate.json.Json;

/** The task files: round trip, crash safety (a torn write is never read), the events log, the per-key cap. */
class TaskStoreTest {
    @TempDir Path dataDir;
    final ManualClock clock = new ManualClock();

    static Task task(String keyId, long createdMs) {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("project", "Zürich ✓ 🚀");
        return new Task("task_" + UUID.randomUUID(), keyId, "key " + keyId, "req_1", "neo-mode/balanced", TaskStatus.QUEUED, createdMs,
                0, 0, 8, null, metadata, null, null, null);
    }

    static Map<String, Object> execution(String text) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", 1);
        m.put("messages", new ArrayList<>(List.of(Map.of("role", "user", "content", text))));
        return m;
    }

    /** A store on {@link #dataDir} holding at most {@code cap} unfinished tasks a key, opened at {@link #clock}. */
    TaskStore opened(int cap) throws IOException {
        TaskStore store = new TaskStore(dataDir, cap);
        store.open(clock);
        return store;
    }

    interface IoAction {
        void run() throws IOException;
    }

    /** Runs {@code action} holding the entry's lock, as the task runner does around every write. */
    static void locked(TaskEntry e, IoAction action) throws IOException {
        e.lock.lock();
        try {
            action.run();
        } finally {
            e.lock.unlock();
        }
    }

    /** Ends the task as cancelled at {@code atMs}, under its lock. */
    static void cancel(TaskStore store, TaskEntry e, long atMs) throws IOException {
        locked(e, () -> {
            TaskStore.Stored s = store.read(e);
            store.write(e, s.task().ended(TaskStatus.CANCELLED, atMs, null, null), s.execution());
        });
    }

    /** Every event in the entry's log, in order. */
    static List<TaskEvents.Event> events(TaskStore store, TaskEntry e) throws IOException {
        List<TaskEvents.Event> events = new ArrayList<>();
        TaskEvents.read(store.dir(e), 0, e.eventBytes, events::add);
        return events;
    }

    @Test
    void create_thenAnotherStoreOnTheDirectory_readsTheSameTaskAndExecution() throws IOException {
        TaskStore store = opened(10);
        Task t = task("k1", clock.millis());
        TaskEntry e = store.create(t, execution("Résumé «quoted» 🚀"));
        assertEquals(1, e.lastEventId);

        TaskStore again = new TaskStore(dataDir, 10);
        List<TaskEntry> queued = again.open(clock);
        assertEquals(1, queued.size());
        TaskEntry loaded = again.entry(t.id(), "k1");
        assertEquals(TaskStatus.QUEUED, loaded.status);
        assertEquals(1, loaded.lastEventId);
        TaskStore.Stored s = again.read(loaded);
        assertEquals(Json.toString(t.toJson()), Json.toString(s.task().toJson()));
        assertEquals(Json.toString(execution("Résumé «quoted» 🚀")), Json.toString(s.execution()));
    }

    @Test
    void aReplacementTornByACrash_isNeverRead_thePreviousCheckpointIs() throws IOException {
        TaskStore store = opened(10);
        Task t = task("k1", clock.millis());
        TaskEntry e = store.create(t, execution("step 1"));
        Path dir = store.dir(e);
        // A crash halfway through the next checkpoint: its temporary file holds half a JSON text.
        byte[] next = Json.toBytes(Map.of("version", 1, "task", t.toJson(), "execution", execution("step 2")));
        Path torn = dir.resolve(TaskStore.FILE + ".12345" + tollgate.account.DurableFiles.TMP_SUFFIX);
        Files.write(torn, java.util.Arrays.copyOf(next, next.length / 2));

        TaskStore again = opened(10);
        assertEquals(Json.toString(execution("step 1")), Json.toString(again.read(again.entry(t.id(), "k1")).execution()));
        assertFalse(Files.exists(torn), "the torn temporary file is removed at start-up");
    }

    @Test
    void aTaskFileCutShort_isRefusedAndLeftAlone_theOtherTasksLoad() throws IOException {
        TaskStore store = opened(10);
        Task good = task("k1", clock.millis());
        Task bad = task("k1", clock.millis() + 1);
        store.create(good, execution("fine"));
        TaskEntry b = store.create(bad, execution("cut"));
        Path file = store.dir(b).resolve(TaskStore.FILE);
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 10));

        TaskStore again = new TaskStore(dataDir, 10);
        assertEquals(1, again.open(clock).size());
        assertTrue(again.entry(good.id(), "k1") != null);
        assertNull(again.entry(bad.id(), "k1"), "a torn file is not a task");
        assertTrue(Files.exists(file), "left on disk for the operator");
    }

    @Test
    void aDirectoryWithoutItsTaskFile_wasNeverAnswered_andIsRemoved() throws IOException {
        TaskStore store = opened(10);
        Path half = dataDir.resolve(TaskStore.DIR).resolve("task_" + UUID.randomUUID());
        Files.createDirectories(half);
        Files.writeString(half.resolve(TaskEvents.FILE), "{\"id\":1,\"event\":\"status\",\"data\":{\"status\":\"queued\"}}\n");
        new TaskStore(dataDir, 10).open(clock);
        assertFalse(Files.exists(half));
    }

    @Test
    void eventsLog_aTornLastLineIsCutOff_andTheNextEventTakesTheNextId() throws IOException {
        TaskStore store = opened(10);
        Task t = task("k1", clock.millis());
        TaskEntry e = store.create(t, execution("x"));
        locked(e, () -> {
            store.event(e, "step", Map.of("index", 0), true);
            store.event(e, "step", Map.of("index", 1), true);
        });
        Path log = store.dir(e).resolve(TaskEvents.FILE);
        long good = Files.size(log);
        Files.write(log, "{\"id\":4,\"event\":\"st".getBytes(UTF_8), java.nio.file.StandardOpenOption.APPEND);

        TaskStore again = opened(10);
        TaskEntry loaded = again.entry(t.id(), "k1");
        assertEquals(3, loaded.lastEventId);
        assertEquals(good, Files.size(log));
        locked(loaded, () -> again.event(loaded, "status", Map.of("status", "running"), false));
        List<TaskEvents.Event> events = events(again, loaded);
        assertEquals(List.of(1L, 2L, 3L, 4L), events.stream().map(TaskEvents.Event::id).toList());
        assertEquals(List.of("status", "step", "step", "status"), events.stream().map(TaskEvents.Event::type).toList());
        assertEquals("{\"status\":\"running\"}", Json.toString(events.get(3).data()));
    }

    @Test
    void eventsLog_anEventTooLargeToRead_isWrittenAsAStandIn_andTheLogStaysWholeAcrossARestart() throws IOException {
        TaskStore store = opened(10);
        Task t = task("k1", clock.millis());
        TaskEntry e = store.create(t, execution("x"));
        Map<String, Object> huge = new LinkedHashMap<>();
        huge.put("index", 0);
        huge.put("step", Map.of("type", "tool", "attachments", List.of(Map.of("id", "call_1/1", "b64_json",
                "A".repeat(TaskEvents.MAX_EVENT_BYTES)))));
        locked(e, () -> {
            store.event(e, "step", huge, true);
            store.event(e, "status", Map.of("status", "succeeded"), false);
        });
        assertTrue(Files.size(store.dir(e).resolve(TaskEvents.FILE)) < 4096, "no line longer than a reader takes is written");
        List<TaskEvents.Event> events = events(store, e);
        assertEquals(List.of(1L, 2L, 3L), events.stream().map(TaskEvents.Event::id).toList());
        Map<String, Object> standIn = events.get(1).data();
        assertEquals("step", events.get(1).type());
        assertEquals(0L, ((tollgate.json.JsonNumber) standIn.get("index")).longValue(), "its small members are kept");
        assertTrue(((String) standIn.get("omitted")).startsWith("This event's data was "), Json.toString(standIn));

        TaskStore again = opened(10);
        TaskEntry loaded = again.entry(t.id(), "k1");
        assertEquals(3, loaded.lastEventId, "the events after it are kept");
        assertEquals(e.eventBytes, loaded.eventBytes);
    }

    @Test
    void eventsLog_aCompleteLineTooLongToRead_isSkipped_notTheEndOfTheLog() throws IOException {
        TaskStore store = opened(10);
        Task t = task("k1", clock.millis());
        TaskEntry e = store.create(t, execution("x"));
        // As an earlier version wrote it: a step event longer than any reader takes, then the end.
        Path log = store.dir(e).resolve(TaskEvents.FILE);
        String big = "{\"id\":2,\"event\":\"step\",\"data\":{\"b64\":\"" + "A".repeat(TaskEvents.MAX_EVENT_BYTES) + "\"}}\n";
        Files.write(log, (big + "{\"id\":3,\"event\":\"status\",\"data\":{\"status\":\"queued\"}}\n").getBytes(UTF_8),
                java.nio.file.StandardOpenOption.APPEND);
        long size = Files.size(log);

        TaskStore again = opened(10);
        TaskEntry loaded = again.entry(t.id(), "k1");
        assertEquals(3, loaded.lastEventId);
        assertEquals(size, Files.size(log), "nothing cut off");
        List<TaskEvents.Event> events = events(again, loaded);
        assertEquals(List.of(1L, 3L), events.stream().map(TaskEvents.Event::id).toList());
    }

    @Test
    void restart_makesARunningTaskQueued_sayingWhy() throws IOException {
        TaskStore store = opened(10);
        Task t = task("k1", clock.millis());
        TaskEntry e = store.create(t, execution("x"));
        locked(e, () -> store.write(e, t.running(clock.millis()), execution("x")));
        TaskStore again = new TaskStore(dataDir, 10);
        List<TaskEntry> queued = again.open(clock);
        assertEquals(1, queued.size());
        assertEquals(TaskStatus.QUEUED, queued.get(0).status);
        List<TaskEvents.Event> events = events(again, queued.get(0));
        assertEquals("{\"status\":\"queued\",\"reason\":\"restart\"}", Json.toString(events.get(events.size() - 1).data()));
    }

    @Test
    void perKeyCap_countsUnfinishedTasksOnly_andEachKeyApart() throws IOException {
        TaskStore store = opened(2);
        TaskEntry first = store.create(task("k1", 1), execution("a"));
        store.create(task("k1", 2), execution("b"));
        GatewayException e = assertThrows(GatewayException.class, () -> store.create(task("k1", 3), execution("c")));
        assertEquals(429, e.httpStatus());
        store.create(task("k2", 4), execution("d")); // another key's count
        cancel(store, first, 5);
        store.create(task("k1", 6), execution("e")); // an ended task no longer counts
    }

    @Test
    void endedTasks_areKeptUpToACapPerKey_theOldestGoingFirst_soThatOneKeyCannotFillTheDisk() throws IOException {
        TaskStore store = opened(1);
        int kept = TaskStore.KEPT_PER_UNFINISHED; // per unfinished task a key may have
        List<TaskEntry> mine = new ArrayList<>();
        for (int i = 0; i < kept; i++) {
            TaskEntry e = store.create(task("k1", 100 + i), execution("t" + i));
            cancel(store, e, 200 + i);
            mine.add(e);
        }
        TaskEntry other = store.create(task("k2", 1), execution("another key's"));
        assertEquals(kept, store.byKey("k1").size());

        TaskEntry next = store.create(task("k1", 1_000), execution("one more"));
        assertEquals(kept, store.byKey("k1").size(), "still at the cap");
        assertNull(store.entry(mine.get(0).id, "k1"), "the oldest ended task made room");
        assertFalse(Files.exists(store.dir(mine.get(0))));
        assertTrue(store.entry(mine.get(1).id, "k1") != null);
        assertTrue(store.entry(next.id, "k1") != null);
        assertTrue(store.entry(other.id, "k2") != null, "another key's tasks are not touched");
        try (var dirs = Files.list(dataDir.resolve(TaskStore.DIR))) {
            assertEquals(kept + 1, dirs.count(), "on disk: k1's cap, and k2's one");
        }
    }

    @Test
    void ids_otherThanATaskId_areUnknownWithoutTouchingTheFileSystem_andOtherKeysTasksAreUnknown() throws IOException {
        TaskStore store = opened(10);
        Task t = task("k1", 1);
        store.create(t, execution("a"));
        assertNull(store.entry("../../etc/passwd", "k1"));
        assertNull(store.entry("", "k1"));
        assertNull(store.entry("task_" + "a".repeat(10_000), "k1"));
        assertNull(store.entry(t.id(), "k2"));
        assertTrue(store.entry(t.id(), "k1") != null);
    }

    @Test
    void files_areTheOwnersOnly() throws IOException {
        TaskStore store = opened(10);
        TaskEntry e = store.create(task("k1", 1), execution("secret conversation"));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(store.dir(e))));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir.resolve(TaskStore.DIR))));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(store.dir(e).resolve(TaskStore.FILE))));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(store.dir(e).resolve(TaskEvents.FILE))));
    }
}
