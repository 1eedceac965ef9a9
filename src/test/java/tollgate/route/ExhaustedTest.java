package tollgate.route;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;

/** The error when no candidate answered: who is listed, how, and with which status and headers. */
class ExhaustedTest {
    private static final Plan PLAN = new Plan(null, null, null, List.of(), List.of(), "r", true);

    @Test
    void manyDeployments_eachRetried_areListedOnceEach_andTheRestCounted() {
        List<Tried> tried = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            tried.add(new Tried("p/m" + i, "unavailable", 5, -1, "down " + i));
            tried.add(new Tried("p/m" + i, "unavailable", 5, -1, "still down " + i));
        }
        GatewayException e = Exhausted.error(PLAN, tried, new GatewayException(ErrorKind.PROVIDER_UNAVAILABLE, "still down 9"));

        StringBuilder expected = new StringBuilder("No deployment could serve the request: ");
        for (int i = 0; i < Exhausted.MAX_LISTED; i++) {
            expected.append(i == 0 ? "" : "; ").append("p/m").append(i).append(": unavailable — still down ").append(i);
        }
        expected.append("; and 2 more.");
        assertEquals(expected.toString(), e.getMessage());
        assertEquals(ErrorKind.PROVIDER_UNAVAILABLE, e.kind());
        assertArrayEquals(new String[0], e.headers());
    }

    @Test
    void everyOneCircuitOpen_is503WithTheShortestWait() {
        GatewayException e = Exhausted.error(PLAN, List.of(
                new Tried("p/a", Tried.CIRCUIT_OPEN, 0, 4_200_000_000L, "x"),
                new Tried("p/b", Tried.CIRCUIT_OPEN, 0, 1_000_000_001L, "x")), null);

        assertEquals("No deployment could serve the request: p/a: circuit open (retry after 5 s); "
                + "p/b: circuit open (retry after 2 s).", e.getMessage());
        assertEquals(503, e.httpStatus());
        assertArrayEquals(new String[] {"retry-after", "2"}, e.headers());
    }

    @Test
    void oneDeployment_thatFailed_isAnsweredWithItsOwnError() {
        GatewayException own = new GatewayException(ErrorKind.PROVIDER_TIMEOUT, "Provider 'p' timed out");
        assertSame(own, Exhausted.error(PLAN, List.of(new Tried("p/a", "timeout", 9, -1, "Provider 'p' timed out")), own));
    }
}
