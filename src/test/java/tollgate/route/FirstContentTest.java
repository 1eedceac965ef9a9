package tollgate.route;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.call.ManualClock;
import tollgate.memory.BudgetExceededException;
import tollgate.memory.MemoryBudget;
import tollgate.memory.Reservation;
import tollgate.provider.RawChunk;

/** The stream gate holds chunks before the first content against the request's memory budget, and gives it back. */
class FirstContentTest {
    static final String ROLE = "{\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}";
    static final String TEXT = "{\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":null}]}";

    /** Records what reaches the client. */
    static final class Client implements ChatSink {
        final List<String> got = new ArrayList<>();
        int begins;

        @Override public void begin(Begin begin) { begins++; }
        @Override public void chunk(Map<String, Object> chunk) { got.add(tollgate.json.Json.toString(chunk)); }
    }

    static RawChunk raw(String json) {
        RawChunk c = new RawChunk();
        byte[] b = json.getBytes(UTF_8);
        assertTrue(c.scan(b, 0, b.length));
        return c;
    }

    @Test
    void heldChunks_areChargedUntilTheyGoOut() {
        Reservation memory = MemoryBudget.unlimited().open();
        Client client = new Client();
        FirstContent gate = new FirstContent(client, () -> null, new ManualClock(), memory);

        gate.raw(raw(ROLE), false);
        long held = memory.held();
        assertTrue(held > ROLE.length(), "the held tree is charged: " + held);
        assertEquals(List.of(), client.got);

        gate.raw(raw(TEXT), false);
        assertEquals(List.of(ROLE, TEXT), client.got);
        assertEquals(1, client.begins);
        assertEquals(0, memory.held(), "given back once sent");
    }

    @Test
    void aDroppedAttempt_givesBackWhatItHeld() {
        Reservation memory = MemoryBudget.unlimited().open();
        FirstContent gate = new FirstContent(new Client(), () -> null, new ManualClock(), memory);
        gate.raw(raw(ROLE), false);
        gate.raw(raw(ROLE), false);
        assertTrue(memory.held() > 0);

        gate.release();
        gate.release();

        assertEquals(0, memory.held());
    }

    @Test
    void chunksWithoutContent_overTheBudget_areRefused_notHeld() {
        MemoryBudget budget = new MemoryBudget(4096);
        Reservation memory = budget.open();
        Client client = new Client();
        FirstContent gate = new FirstContent(client, () -> null, new ManualClock(), memory);
        String big = ROLE.replace("\"id\":\"c\"", "\"id\":\"c\",\"x\":[" + "1,".repeat(2000) + "1]");

        assertThrows(BudgetExceededException.class, () -> gate.raw(raw(big), false));
        assertEquals(List.of(), client.got);
        memory.close();
        assertEquals(0, budget.used());
    }
}
