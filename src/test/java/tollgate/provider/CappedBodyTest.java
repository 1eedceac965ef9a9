package tollgate.provider;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tollgate.memory.BudgetExceededException;
import tollgate.memory.MemoryBudget;
import tollgate.memory.Reservation;

/** What a whole upstream body holds of the memory budget while it is gathered and copied. */
class CappedBodyTest {
    static final int PIECE = 4096;
    static final int PIECES = 10;

    final IdleWatchdog watchdog = new IdleWatchdog(Duration.ofMillis(100), System::nanoTime, false);

    @AfterEach
    void close() { watchdog.close(); }

    @Test
    void theCopyIntoOneArray_isReservedToo_thenOnlyTheBodyIsHeld() throws Exception {
        MemoryBudget budget = new MemoryBudget(2L * PIECE * PIECES);
        Reservation memory = budget.open();
        byte[] body = gather(memory).get();
        assertEquals(PIECE * PIECES, body.length);
        assertArrayEquals(expected(), body);
        assertEquals(PIECE * PIECES, memory.held(), "the body stays reserved until the caller releases it");
    }

    @Test
    void aBodyThatFitsButItsCopyDoesNot_isRefused() {
        MemoryBudget budget = new MemoryBudget(2L * PIECE * PIECES - 1);
        Reservation memory = budget.open();
        ExecutionException e = assertThrows(ExecutionException.class, () -> gather(memory).get());
        assertInstanceOf(BudgetExceededException.class, e.getCause());
    }

    /** Feeds PIECES buffers of PIECE bytes to a 200's subscriber and completes it. */
    private java.util.concurrent.CompletableFuture<byte[]> gather(Reservation memory) {
        CappedBody handler = new CappedBody(64 * 1024 * 1024, watchdog, Duration.ofSeconds(5), () -> { }, memory);
        HttpResponse.BodySubscriber<byte[]> s = handler.apply(new Info());
        s.onSubscribe(new Flow.Subscription() {
            @Override public void request(long n) { }
            @Override public void cancel() { }
        });
        byte[] all = expected();
        for (int i = 0; i < PIECES; i++) s.onNext(List.of(ByteBuffer.wrap(all, i * PIECE, PIECE)));
        s.onComplete();
        return s.getBody().toCompletableFuture();
    }

    private static byte[] expected() {
        byte[] b = new byte[PIECE * PIECES];
        for (int i = 0; i < b.length; i++) b[i] = (byte) (i * 31);
        return b;
    }

    private static final class Info implements HttpResponse.ResponseInfo {
        @Override public int statusCode() { return 200; }
        @Override public HttpHeaders headers() { return HttpHeaders.of(Map.of(), (a, b) -> true); }
        @Override public HttpClient.Version version() { return HttpClient.Version.HTTP_1_1; }
    }
}
