package tollgate.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.json.Json;
import tollgate.json.JsonBuffer;

class MemoryBudgetTest {

    @Test
    void reserve_isAllOrNothing_andCloseGivesEverythingBack() {
        MemoryBudget budget = new MemoryBudget(1000);
        Reservation a = budget.open();
        Reservation b = budget.open();
        a.reserve(600);
        BudgetExceededException e = assertThrows(BudgetExceededException.class, () -> b.reserve(500));
        assertEquals(500, e.wanted());
        assertEquals(600, budget.used(), "a refused reservation takes nothing");
        b.reserve(400);
        a.release(100);
        assertEquals(900, budget.used());
        a.close();
        a.close();
        assertEquals(400, budget.used());
        b.release(10_000); // more than held: gives back what it holds
        assertEquals(0, budget.used());
    }

    @Test
    void concurrentReservations_neverExceedTheLimit() throws Exception {
        MemoryBudget budget = new MemoryBudget(10_000);
        AtomicInteger granted = new AtomicInteger();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> all = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                all.add(pool.submit(() -> {
                    try {
                        budget.open().reserve(1000);
                        granted.incrementAndGet();
                    } catch (BudgetExceededException refused) {
                        // expected for all but ten
                    }
                }));
            }
            for (Future<?> f : all) f.get();
        }
        assertEquals(10, granted.get());
        assertEquals(10_000, budget.used());
    }

    @Test
    void refusal_becomesA503WithRetryAfter() {
        GatewayException e = assertThrows(BudgetExceededException.class, () -> new MemoryBudget(10).open().reserve(11))
                .toGatewayException();
        assertEquals(ErrorKind.GATEWAY_BUSY, e.kind());
        assertEquals(503, e.httpStatus());
        assertEquals(List.of("retry-after", "1"), List.of(e.headers()));
        assertTrue(e.shouldRetry());
    }

    @Test
    void parse_chargesTheTreeAsItIsBuilt_andARefusalAbortsIt() {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < 10_000; i++) b.append(i == 0 ? "" : ",").append("{\"role\":\"user\",\"content\":\"hi\"}");
        byte[] json = b.append(']').toString().getBytes(StandardCharsets.UTF_8);
        Reservation r = MemoryBudget.unlimited().open();
        Json.parse(json, 0, json.length, r);
        // ~310 KB of text builds a tree of several MB: the charge reflects the tree, not the text.
        assertTrue(r.held() > 10 * json.length && r.held() < 20 * json.length, r.held() + " for " + json.length + " bytes");

        Reservation small = new MemoryBudget(json.length).open();
        assertThrows(BudgetExceededException.class, () -> Json.parse(json, 0, json.length, small));
        assertTrue(small.held() <= json.length);
    }

    @Test
    void buffer_chargesItsCapacityBeforeGrowing() {
        Reservation r = new MemoryBudget(4096).open();
        JsonBuffer buf = new JsonBuffer(1024, r);
        assertEquals(1024, r.held());
        buf.append(new byte[2000]);
        assertEquals(buf.capacity(), r.held());
        assertThrows(BudgetExceededException.class, () -> buf.append(new byte[5000]));
        assertEquals(2048, buf.capacity(), "the buffer did not grow past the budget");
    }
}
