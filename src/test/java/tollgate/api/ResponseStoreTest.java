package tollgate.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.call.ManualClock;
import tollgate.json.Json;
import tollgate.json.JsonMeter;
import tollgate.memory.BudgetExceededException;
import tollgate.memory.MemoryBudget;
import tollgate.memory.Reservation;

/** The stored responses: kept for the TTL by an injected clock, one account's only, capped per account and in size. */
class ResponseStoreTest {
    static final Duration TTL = Duration.ofHours(1);

    @TempDir Path dataDir;
    final ManualClock clock = new ManualClock();
    final MemoryBudget budget = MemoryBudget.unlimited();
    final Reservation memory = budget.open();

    static Map<String, Object> response(String id, String text) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("id", id);
        r.put("object", "response");
        r.put("output", List.of(Map.of("id", "msg_1", "type", "message", "role", "assistant",
                "content", List.of(Map.of("type", "output_text", "text", text)))));
        return r;
    }

    static List<Map<String, Object>> input(String text) {
        List<Map<String, Object>> in = new ArrayList<>();
        in.add(new LinkedHashMap<>(Map.of("type", "message", "role", "user", "content", text)));
        return in;
    }

    @Test
    void storedResponse_isFoundUntilItsTtlThenGoneAndSwept() throws IOException {
        ResponseStore store = new ResponseStore(dataDir, TTL, clock);
        String id = ResponsesOutput.newId("resp_");
        assertTrue(store.put("acct-1", id, response(id, "hi"), input("hello"), memory));

        ResponseStore.Stored s = store.get("acct-1", id, JsonMeter.NONE);
        assertNotNull(s);
        assertEquals(Json.toString(response(id, "hi")), Json.toString(s.response()));
        assertEquals(1, s.input().size());
        assertEquals("hello", s.input().get(0).get("content"));

        clock.advanceMillis(TTL.toMillis() - 1);
        assertNotNull(store.get("acct-1", id, JsonMeter.NONE), "still there 1 ms before its expiry");
        clock.advanceMillis(1);
        assertNull(store.get("acct-1", id, JsonMeter.NONE), "gone at its expiry");
        assertEquals(0, files().size(), "deleted when read after its expiry");

        String other = ResponsesOutput.newId("resp_");
        store.put("acct-1", other, response(other, "x"), input("x"), memory);
        clock.advanceMillis(TTL.toMillis());
        store.sweep();
        assertEquals(0, files().size(), "swept");
    }

    @Test
    void anotherAccountsResponse_isNotFoundNorDeleted() throws IOException {
        ResponseStore store = new ResponseStore(dataDir, TTL, clock);
        String id = ResponsesOutput.newId("resp_");
        store.put("acct-1", id, response(id, "hi"), input("hello"), memory);

        assertNull(store.get("acct-2", id, JsonMeter.NONE));
        assertFalse(store.delete("acct-2", id));
        assertNotNull(store.get("acct-1", id, JsonMeter.NONE));
        assertTrue(store.delete("acct-1", id));
        assertNull(store.get("acct-1", id, JsonMeter.NONE));
        assertFalse(store.delete("acct-1", id));
    }

    @Test
    void idsThatAreNotResponseIds_neverBecomePaths() throws IOException {
        ResponseStore store = new ResponseStore(dataDir, TTL, clock);
        for (String bad : List.of("../../etc/passwd", "resp_", "resp_" + "g".repeat(32), "resp_" + "a".repeat(31), "msg_" + "a".repeat(32))) {
            assertNull(store.get("acct-1", bad, JsonMeter.NONE), bad);
            assertFalse(store.delete("acct-1", bad), bad);
        }
    }

    @Test
    void atTheCap_theOldestIsDropped() throws IOException {
        ResponseStore store = new ResponseStore(dataDir, TTL, clock, 3, ResponseStore.MAX_BYTES_PER_ACCOUNT);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String id = ResponsesOutput.newId("resp_");
            ids.add(id);
            store.put("acct-1", id, response(id, "n" + i), input("n" + i), memory);
            clock.advanceMillis(1);
        }
        assertEquals(3, files().size());
        assertNull(store.get("acct-1", ids.get(0), JsonMeter.NONE));
        assertNull(store.get("acct-1", ids.get(1), JsonMeter.NONE));
        for (String id : ids.subList(2, 5)) assertNotNull(store.get("acct-1", id, JsonMeter.NONE), id);
    }

    @Test
    void aResponseOverTheFileCap_isNotStored() throws IOException {
        ResponseStore store = new ResponseStore(dataDir, TTL, clock);
        String id = ResponsesOutput.newId("resp_");
        assertFalse(store.put("acct-1", id, response(id, "x"), input("y".repeat((int) ResponseStore.MAX_FILE_BYTES)), memory));
        assertNull(store.get("acct-1", id, JsonMeter.NONE));
    }

    @Test
    void atTheByteCap_theOldestAreDropped_soThatTheNewOneFits() throws IOException {
        String text = "z".repeat(1000);
        String probe = ResponsesOutput.newId("resp_");
        ResponseStore sizer = new ResponseStore(dataDir.resolve("sizer"), TTL, clock);
        sizer.put("acct-1", probe, response(probe, text), input(text), memory);
        long fileBytes;
        try (Stream<Path> s = Files.walk(dataDir.resolve("sizer"))) {
            fileBytes = Files.size(s.filter(Files::isRegularFile).findFirst().orElseThrow());
        }
        ResponseStore store = new ResponseStore(dataDir, TTL, clock, 1000, 3 * fileBytes + fileBytes / 2);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String id = ResponsesOutput.newId("resp_");
            ids.add(id);
            assertTrue(store.put("acct-1", id, response(id, text), input(text), memory));
            clock.advanceMillis(1);
        }
        List<Path> kept = files().stream().filter(f -> !f.startsWith(dataDir.resolve("sizer"))).toList();
        assertEquals(3, kept.size(), "three files fit in 3.5 files' bytes");
        for (String id : ids.subList(0, 3)) assertNull(store.get("acct-1", id, JsonMeter.NONE), id);
        for (String id : ids.subList(3, 6)) assertNotNull(store.get("acct-1", id, JsonMeter.NONE), id);
    }

    @Test
    void theSerialisedFile_isChargedToTheRequestsMemory_andGivenBack() throws IOException {
        ResponseStore store = new ResponseStore(dataDir, TTL, clock);
        String id = ResponsesOutput.newId("resp_");
        assertTrue(store.put("acct-1", id, response(id, "x"), input("y".repeat(100_000)), memory));
        assertEquals(0, memory.held(), "given back once written");
        assertEquals(0, budget.used());

        MemoryBudget small = new MemoryBudget(64 * 1024);
        try (Reservation tight = small.open()) {
            String big = ResponsesOutput.newId("resp_");
            assertThrows(BudgetExceededException.class,
                    () -> store.put("acct-1", big, response(big, "x"), input("y".repeat(100_000)), tight));
            assertEquals(0, tight.held(), "given back after the refusal too");
            assertNull(store.get("acct-1", big, JsonMeter.NONE), "nothing stored");
        }
        assertEquals(0, small.used());
    }

    private List<Path> files() throws IOException {
        Path dir = dataDir.resolve(ResponseStore.DIR);
        if (!Files.exists(dir)) return List.of();
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).toList();
        }
    }
}
