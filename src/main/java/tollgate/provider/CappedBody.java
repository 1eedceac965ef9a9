package tollgate.provider;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import tollgate.memory.BudgetExceededException;
import tollgate.memory.Reservation;

/**
 * A body handler for whole (non-streaming) upstream responses: gathers the body on the
 * {@code HttpClient}'s own thread and completes the response future once, with all of it. The
 * request's thread therefore wakes once per call, not once for the headers and again for each
 * piece of body as with {@code ofInputStream}.
 *
 * <p>Caps: a 2xx body over {@code maxBytes} fails the exchange with
 * {@link Bodies.TooLargeException}; an error body is cut at
 * {@link UpstreamErrors#MAX_ERROR_BODY_BYTES} (its start is enough to classify it). A body that
 * stalls for the idle timeout fails with {@link IdleTimeoutException}.
 *
 * <p>Memory: each piece is reserved in the call's {@link Reservation} as it arrives, before it is
 * kept, and the whole body once more while the pieces are copied into one array; what does not
 * fit fails the exchange with the budget's
 * {@link tollgate.memory.BudgetExceededException} (a 503 for the client). The caller releases
 * the body's length once it has parsed or dropped it.
 */
public final class CappedBody implements HttpResponse.BodyHandler<byte[]> {

    /** The upstream went quiet in the middle of a body. */
    public static final class IdleTimeoutException extends IOException {
        IdleTimeoutException(Duration idle) {
            super("no body bytes for " + idle.toMillis() + " ms");
        }
    }

    private final int maxBytes;
    private final IdleWatchdog watchdog;
    private final Duration idle;
    private final Runnable onHeaders;
    private final Reservation memory;

    /**
     * @param onHeaders runs when the response headers have arrived (ends the wait for them)
     * @param memory    where the body's bytes are reserved as they arrive
     */
    public CappedBody(int maxBytes, IdleWatchdog watchdog, Duration idle, Runnable onHeaders, Reservation memory) {
        this.maxBytes = maxBytes;
        this.watchdog = watchdog;
        this.idle = idle;
        this.onHeaders = onHeaders;
        this.memory = memory;
    }

    @Override
    public HttpResponse.BodySubscriber<byte[]> apply(HttpResponse.ResponseInfo info) {
        onHeaders.run();
        boolean ok = info.statusCode() >= 200 && info.statusCode() < 300;
        return new Subscriber(ok ? maxBytes : UpstreamErrors.MAX_ERROR_BODY_BYTES, !ok);
    }

    private final class Subscriber implements HttpResponse.BodySubscriber<byte[]> {
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final List<ByteBuffer> parts = new ArrayList<>();
        private final int cap;
        private final boolean truncate;
        private volatile Flow.Subscription subscription;
        private volatile IdleWatchdog.Watch watch; // read by the watchdog thread in fail()
        private int size;

        Subscriber(int cap, boolean truncate) {
            this.cap = cap;
            this.truncate = truncate;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            watch = watchdog.watch(idle, () -> fail(new IdleTimeoutException(idle)));
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            watch.touch();
            for (ByteBuffer b : items) {
                int n = b.remaining();
                if (size + (long) n > cap) {
                    if (!truncate) {
                        fail(new Bodies.TooLargeException(cap));
                        return;
                    }
                    n = cap - size;
                    b.limit(b.position() + n);
                }
                try {
                    memory.reserve(n);
                } catch (BudgetExceededException e) {
                    fail(e);
                    return;
                }
                parts.add(b);
                size += n;
                if (size == cap && truncate) {
                    subscription.cancel();
                    finish();
                    return;
                }
            }
        }

        @Override
        public void onError(Throwable t) {
            if (watch != null) watch.close();
            result.completeExceptionally(t);
        }

        @Override
        public void onComplete() { finish(); }

        @Override
        public CompletionStage<byte[]> getBody() { return result; }

        private void finish() {
            watch.close();
            // The pieces and the array they are copied into are both held until the copy ends:
            // reserve the array too, and give the pieces' share back once they are garbage.
            try {
                memory.reserve(size);
            } catch (BudgetExceededException e) {
                parts.clear();
                result.completeExceptionally(e);
                return;
            }
            byte[] body = new byte[size];
            int at = 0;
            for (ByteBuffer b : parts) {
                int n = b.remaining();
                b.get(body, at, n);
                at += n;
            }
            parts.clear();
            memory.release(size);
            result.complete(body);
        }

        private void fail(Exception e) {
            watch.close();
            // Complete first: cancelling makes the client fail the exchange with its own,
            // vaguer exception, and whichever completes the future first is what is reported.
            result.completeExceptionally(e);
            subscription.cancel();
        }
    }
}
