package tollgate.provider;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import tollgate.call.Cancellation;
import tollgate.error.ClientGoneException;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.memory.Reservation;

/**
 * Sends an upload upstream as the client sends it: a request body that the request's own thread
 * reads from the client and pushes to the HTTP client, a {@link #CHUNK_BYTES} buffer at a time,
 * only as fast as the upstream takes it (the client's demand, reactive-streams style). Nothing is
 * gathered whole, and the HTTP client's threads never block on the client's socket: the shared
 * client runs its callbacks on its selector thread ({@link Upstream}), where a blocking
 * {@code BodyPublishers.ofInputStream} read would stall every upstream exchange.
 *
 * <p>Time limits: while the body is sent, something must move at least every
 * {@code idle_timeout_ms} of the provider (a byte from the client, a buffer taken by the
 * upstream); the wait for the response headers, {@code timeout_ms}, starts only once the whole
 * body is sent (a 25 MB upload over a slow link may take longer than that wait). The caller's
 * cancellation aborts the exchange.
 *
 * <p>A body that was read can not be read again: when the HTTP client subscribes again (it retries
 * a POST whose pooled connection turned out closed, {@code jdk.httpclient.enableAllMethodRetry}),
 * the new subscriber is refused once a byte was read, and the exchange fails; before that, it is
 * served.
 */
public final class TranscriptionUpload {
    private TranscriptionUpload() { throw new AssertionError(); }

    /** Bytes read from the client and handed to the HTTP client at once. */
    public static final int CHUNK_BYTES = 64 * 1024;
    /** What an upload holds of the memory budget while it is sent: a few chunks in flight. */
    static final int HELD_BYTES = 4 * CHUNK_BYTES;

    /**
     * Sends {@code builder}'s request with {@code body} (exactly {@code length} bytes, or -1 when
     * unknown: chunked) and returns the response once its headers arrived, any status.
     *
     * @throws GatewayException    a classified upstream failure, or what reading the body threw
     *                             (a 400 for a malformed upload, a 413 for one over the limit)
     * @throws ClientGoneException when the client left (its upload broke off) or the call was cancelled
     */
    public static HttpResponse<InputStream> send(Exchange exchange, HttpClient client, IdleWatchdog watchdog,
                                                 HttpRequest.Builder builder, InputStream body, long length,
                                                 Cancellation cancellation, Reservation memory, String where) {
        if (cancellation.isCancelled()) throw new ClientGoneException(null);
        Publisher publisher = new Publisher(length);
        memory.reserve(HELD_BYTES);
        AtomicBoolean stalled = new AtomicBoolean(), timedOut = new AtomicBoolean();
        CompletableFuture<HttpResponse<InputStream>> pending = null;
        try {
            pending = client.sendAsync(builder.POST(publisher).build(), HttpResponse.BodyHandlers.ofInputStream());
            CompletableFuture<HttpResponse<InputStream>> p = pending;
            cancellation.onCancel(() -> p.cancel(true));
            p.whenComplete((r, e) -> publisher.wake()); // only signals a condition: never blocks the client's thread
            try (IdleWatchdog.Watch stall = watchdog.watch(exchange.config().idleTimeout(), () -> {
                stalled.set(true);
                p.cancel(true);
            })) {
                publisher.pump(body, p, stall);
            }
            try (IdleWatchdog.Watch headers = watchdog.watch(exchange.config().timeout(), () -> {
                timedOut.set(true);
                p.cancel(true);
            })) {
                return p.get();
            }
        } catch (CancellationException | ExecutionException e) {
            if (timedOut.get()) {
                throw exchange.scrubbed(UpstreamErrors.fromException(exchange.providerId(), where,
                        new HttpTimeoutException("no response headers within " + exchange.config().timeout().toMillis()
                                + " ms of the end of the upload")));
            }
            if (stalled.get()) {
                throw exchange.scrubbed(UpstreamErrors.fromException(exchange.providerId(), where,
                        new HttpTimeoutException("the upload did not move for " + exchange.config().idleTimeout().toMillis() + " ms")));
            }
            if (e instanceof CancellationException || cancellation.isCancelled()) throw new ClientGoneException(e.getCause());
            throw exchange.scrubbed(UpstreamErrors.fromException(exchange.providerId(), where, e.getCause()));
        } catch (IOException e) {
            abort(pending);
            throw new ClientGoneException(e); // reading the upload failed: the client is gone
        } catch (RuntimeException e) {
            abort(pending); // the upload was refused while read (400, 413): the upstream must not answer it
            throw e;
        } catch (InterruptedException e) {
            abort(pending);
            Thread.currentThread().interrupt();
            throw new ClientGoneException(e);
        } finally {
            memory.release(HELD_BYTES);
        }
    }

    /**
     * A 2xx answer's body, read whole (it is a transcript, not audio) up to {@code maxBytes},
     * reserved in the memory budget as it grows, secrets taken out; the body is closed.
     *
     * @throws GatewayException    a larger answer, or one that broke off
     * @throws ClientGoneException when the call was cancelled while reading
     */
    public static byte[] answer(Exchange exchange, HttpResponse<InputStream> response, int maxBytes, Cancellation cancellation,
                                Reservation memory, String where) {
        byte[] buf = new byte[0];
        int len = 0;
        try (InputStream in = exchange.idle(response.body(), cancellation)) {
            while (true) {
                if (len == buf.length) {
                    if (len > maxBytes) {
                        throw new GatewayException(ErrorKind.PROVIDER_ERROR, "Provider '" + exchange.providerId()
                                + "' answered with more than " + maxBytes + " bytes", null, response.statusCode(), null)
                                .withDetail(where + " answered more than " + maxBytes + " bytes");
                    }
                    int size = (int) Math.min((long) maxBytes + 1, Math.max(8192, 2L * buf.length));
                    memory.reserve(size);
                    buf = java.util.Arrays.copyOf(buf, size);
                }
                int n = in.read(buf, len, buf.length - len);
                if (n < 0) break;
                len += n;
            }
        } catch (IOException e) {
            if (cancellation.isCancelled()) throw new ClientGoneException(e);
            throw exchange.scrubbed(UpstreamErrors.fromException(exchange.providerId(), where, e));
        }
        byte[] clean = exchange.secrets().scrub(buf, 0, len);
        return clean == buf && len != buf.length ? java.util.Arrays.copyOf(buf, len) : clean; // scrub returns its input when clean
    }

    private static void abort(CompletableFuture<?> pending) {
        if (pending != null) pending.cancel(true);
    }

    /** Visible ASCII only, and short: a request id is echoed from the client, so check it before it goes upstream. */
    public static boolean headerSafe(String v) {
        if (v == null || v.isEmpty() || v.length() > 200) return false;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < 0x21 || c > 0x7E) return false;
        }
        return true;
    }

    /** The body publisher: subscribers come from the HTTP client, bytes from {@link #pump} on the request's thread. */
    static final class Publisher implements HttpRequest.BodyPublisher {
        private final long length;
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition changed = lock.newCondition();
        private Subscription current;
        private boolean read;

        Publisher(long length) {
            this.length = length;
        }

        @Override
        public long contentLength() { return length; }

        @Override
        public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
            Subscription s = new Subscription(subscriber);
            subscriber.onSubscribe(s);
            boolean refused;
            lock.lock();
            try {
                refused = read;
                if (!refused) {
                    if (current != null) current.cancelled = true;
                    current = s;
                    changed.signalAll();
                }
            } finally {
                lock.unlock();
            }
            if (refused) subscriber.onError(new IOException("the upload was already read and cannot be sent again"));
        }

        void wake() {
            lock.lock();
            try {
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        /**
         * Reads {@code body} and hands it to the current subscriber as it asks for more, until the
         * body ends (then {@code onComplete}), or the exchange is over (an early answer, a failure,
         * a cancel).
         */
        void pump(InputStream body, CompletableFuture<?> exchange, IdleWatchdog.Watch stall) throws IOException, InterruptedException {
            while (true) {
                Subscription s;
                lock.lock();
                try {
                    while (!exchange.isDone() && (current == null || current.cancelled || current.demand == 0)) changed.await();
                    if (exchange.isDone()) return;
                    s = current;
                    s.demand--;
                    read = true; // from here on a new subscriber would miss what this read takes
                } finally {
                    lock.unlock();
                }
                // Filled whole before it is handed over (see fill), and then the HTTP client's until written: a new one each time.
                byte[] chunk = new byte[CHUNK_BYTES];
                int n = fill(body, chunk, stall);
                if (n < 0) {
                    s.subscriber.onComplete();
                    return;
                }
                if (n == 0) {
                    s.request(1); // nothing was handed over: the demand stands
                    continue;
                }
                s.subscriber.onNext(ByteBuffer.wrap(chunk, 0, n));
                stall.touch();
            }
        }

        /**
         * Reads until {@code buf} is full or the body ends; -1 at its end. The JDK server hands a
         * request body over 8 KiB at a time at most ({@code sun.net.httpserver.Request.ReadStream}):
         * passing each piece on alone would cost a hand-off to the HTTP client per 8 KiB, which
         * measured at a third of the direct throughput for 10 MiB uploads. Each byte from the
         * client also counts as progress for {@code stall}: a slow client is not a stalled upstream.
         */
        static int fill(InputStream body, byte[] buf, IdleWatchdog.Watch stall) throws IOException {
            int n = 0;
            while (n < buf.length) {
                int r = body.read(buf, n, buf.length - n);
                if (r < 0) return n == 0 ? -1 : n;
                n += r;
                stall.touch();
            }
            return n;
        }

        private final class Subscription implements Flow.Subscription {
            final Flow.Subscriber<? super ByteBuffer> subscriber;
            long demand;
            boolean cancelled;

            Subscription(Flow.Subscriber<? super ByteBuffer> subscriber) {
                this.subscriber = subscriber;
            }

            @Override
            public void request(long n) {
                lock.lock();
                try {
                    if (n > 0) demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
            }

            @Override
            public void cancel() {
                lock.lock();
                try {
                    cancelled = true;
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        }
    }
}
