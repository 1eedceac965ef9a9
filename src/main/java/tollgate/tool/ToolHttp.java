package tollgate.tool;

import java.io.ByteArrayOutputStream;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One HTTP exchange of a gateway tool on the shared client ({@code provider/Upstream}): the
 * answer's body gathered up to a cap and no further, the wait bounded by the call's deadline
 * and its cancellation. Failures come back as the {@link ToolOutput} the model is given, worded
 * without the request's headers or URL (either may hold a credential).
 */
public final class ToolHttp {
    private ToolHttp() { throw new AssertionError(); }

    /**
     * How often a waiting call looks at its {@link tollgate.call.Cancellation}. Polled rather than
     * registered: a Cancellation holds one action, the agent loop's own, which a tool must not
     * replace; a cancelled call returns within this time.
     */
    public static final Duration CANCEL_CHECK = Duration.ofMillis(100);

    /** An answer: its status, headers and the first {@code cap} bytes of its body. */
    public record Answer(int status, HttpHeaders headers, byte[] body, boolean cut) {

        public boolean ok() { return status >= 200 && status < 300; }

        /** The body as text (see {@link ToolText#decode}). */
        public String text() { return ToolText.decode(body, body.length); }

        /** The content type without parameters, lower case, or "". */
        public String mediaType() {
            String ct = headers.firstValue("content-type").orElse("");
            int semi = ct.indexOf(';');
            return (semi < 0 ? ct : ct.substring(0, semi)).strip().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The exchange did not produce an answer; {@link #output} is what the model is told. */
    public static final class Failed extends Exception {
        private final transient ToolOutput output;

        Failed(ToolOutput output) {
            super(output.content(), null, false, false);
            this.output = output;
        }

        public ToolOutput output() { return output; }
    }

    /**
     * Sends {@code request} and waits for its answer until {@code deadlineNanos}
     * ({@code System.nanoTime()}) or the call's cancellation, whichever is first; either aborts
     * the exchange. {@code what} names the endpoint in messages ("the search endpoint").
     */
    public static Answer exchange(HttpClient client, HttpRequest request, int cap, ToolInvocation call, long deadlineNanos,
                                  String what) throws Failed {
        CompletableFuture<HttpResponse<Answer>> pending = client.sendAsync(request, info -> new CappedSubscriber(info, cap));
        long sliceNanos = CANCEL_CHECK.toNanos();
        try {
            while (true) {
                if (call.cancellation() != null && call.cancellation().isCancelled()) {
                    pending.cancel(true);
                    throw new Failed(ToolOutput.cancelled("the call was cancelled before " + what + " answered"));
                }
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    pending.cancel(true);
                    throw new Failed(ToolOutput.timeout(what + " did not answer within the tool's time limit"));
                }
                try {
                    return pending.get(Math.min(left, sliceNanos), TimeUnit.NANOSECONDS).body();
                } catch (TimeoutException e) {
                    // look at the cancellation and the deadline again
                }
            }
        } catch (InterruptedException e) {
            pending.cancel(true);
            Thread.currentThread().interrupt();
            throw new Failed(ToolOutput.cancelled("the call was interrupted before " + what + " answered"));
        } catch (ExecutionException | CancellationException e) {
            throw new Failed(ToolOutput.error(failure(e.getCause() != null ? e.getCause() : e, what)));
        }
    }

    /** Why the exchange failed, in words that hold no URL, header or host. */
    static String failure(Throwable t, String what) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof HttpConnectTimeoutException) return "could not connect to " + what + " (connect timed out)";
            if (c instanceof ConnectException) return "could not connect to " + what + " (connection refused or unreachable)";
            if (c instanceof java.nio.channels.UnresolvedAddressException || c instanceof java.net.UnknownHostException) {
                return "could not connect to " + what + " (its host name does not resolve)";
            }
            if (c instanceof javax.net.ssl.SSLException) return "could not connect to " + what + " (TLS failed)";
        }
        return what + " failed: the connection broke before a whole answer came (" + t.getClass().getSimpleName() + ")";
    }

    /**
     * Gathers a body up to {@code cap} bytes, then cancels the subscription (the client closes the
     * connection) and completes with what it has: never more than the cap plus one of the
     * client's buffers in memory. Runs on the client's selector thread: never blocks.
     */
    private static final class CappedSubscriber implements HttpResponse.BodySubscriber<Answer> {
        private final CompletableFuture<Answer> result = new CompletableFuture<>();
        private final HttpResponse.ResponseInfo info;
        private final int cap;
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private Flow.Subscription subscription;

        CappedSubscriber(HttpResponse.ResponseInfo info, int cap) {
            this.info = info;
            this.cap = cap;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(1);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            if (result.isDone()) return;
            for (ByteBuffer b : items) {
                int keep = Math.min(b.remaining(), cap - body.size());
                byte[] bytes = new byte[keep];
                b.get(bytes);
                body.write(bytes, 0, keep);
                if (b.hasRemaining()) {
                    subscription.cancel();
                    complete(true);
                    return;
                }
            }
            subscription.request(1);
        }

        @Override
        public void onError(Throwable t) {
            result.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            complete(false);
        }

        private void complete(boolean cut) {
            result.complete(new Answer(info.statusCode(), info.headers(), body.toByteArray(), cut));
        }

        @Override
        public CompletionStage<Answer> getBody() {
            return result;
        }
    }
}
