package tollgate.provider.openai;

import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import tollgate.error.ClientGoneException;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.provider.IdleWatchdog;
import tollgate.provider.RealtimeListener;
import tollgate.provider.RealtimeMessage;
import tollgate.provider.RealtimeUpstream;
import tollgate.provider.Secrets;
import tollgate.provider.UpstreamErrors;

/**
 * One open OpenAI realtime session: the JDK WebSocket's listener (upstream → gateway) and the
 * gateway's {@link RealtimeUpstream} (gateway → upstream).
 *
 * <p>Receiving, with a demand of one ({@link tollgate.provider.RealtimeListener}): the JDK
 * WebSocket reads from the network only while it has demand ({@code WebSocket.request}), and
 * counts every callback — each part of a message, each ping and pong — as one. So this class
 * asks for the next part itself after a partial part, a ping or a pong (keeping the JDK's demand
 * equal to the gateway's), and after a whole message only when the gateway calls
 * {@link #request()}. Parts are joined into one message, capped at {@code maxMessageBytes}
 * (UTF-8 bytes for text): over it the connection is aborted and the listener gets
 * {@code PROVIDER_STREAM_BROKEN}. Pings are answered by the JDK itself (RFC 6455 §5.5.2), when
 * they are read.
 *
 * <p>Ending, exactly once ({@link #ended}): the upstream's close frame → {@code onClose(code,
 * reason)} (the JDK answers it with the same code); a connection that ends without one (the JDK
 * reports code 1006, RFC 6455 §7.1.5) or fails → {@code onError(PROVIDER_STREAM_BROKEN)}. After
 * the gateway's {@link #close}, upstream messages still arriving are read and dropped until the
 * upstream's close answers ours ({@code onClose} with its code); if none comes within
 * {@link #CLOSE_TIMEOUT} (by default), the connection is aborted and the listener gets
 * {@code onError(PROVIDER_TIMEOUT)}. After {@link #abort()} the listener hears nothing more.
 *
 * <p>Callbacks run on the shared HTTP client's selector thread: nothing here blocks there.
 * Memory: a message in one part is copied once (into its String or array); a message in parts
 * is gathered in one buffer, which is dropped once the message is delivered.
 */
final class OpenAiRealtimeSession implements RealtimeUpstream, WebSocket.Listener {
    /** How long {@link #close} waits for the upstream's answering close before aborting. */
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
    /** RFC 6455 §7.4.1: no close frame was received (never on the wire). */
    static final int CLOSED_ABNORMALLY = 1006;
    /** What a close code the JDK client may not send (RFC 6455 §7.4.1: 1002, 1003, 1007, 1009 ...) is sent as. */
    static final int NORMAL_CLOSURE = 1000;
    /** Longest close reason, in UTF-8 bytes (a control frame's 125 minus the code, RFC 6455 §5.5). */
    static final int MAX_CLOSE_REASON_BYTES = 123;

    /** Longest wait for the upstream connection to take one message (it stopped reading). */
    static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

    private final String providerId;
    private final Secrets secrets;
    private final IdleWatchdog watchdog;
    private final RealtimeListener listener;
    private final int maxMessageBytes;
    private final String where;
    private final Duration closeTimeout;
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile WebSocket ws;
    private volatile boolean cancelled;
    private volatile boolean closing;
    private volatile IdleWatchdog.Watch closeWatch;

    // The message being joined: touched only by the JDK's (sequential) receive callbacks.
    private StringBuilder text;
    private long textChars;
    /** Exact UTF-8 bytes of {@link #text}, or -1 while it cannot be over the cap (chars * 3 within it). */
    private long textBytes = -1;
    private byte[] binary;
    private int binaryLength;

    OpenAiRealtimeSession(String providerId, Secrets secrets, IdleWatchdog watchdog, RealtimeListener listener,
                          int maxMessageBytes, String where, Duration closeTimeout) {
        this.closeTimeout = closeTimeout;
        this.providerId = providerId;
        this.secrets = secrets;
        this.watchdog = watchdog;
        this.listener = listener;
        this.maxMessageBytes = maxMessageBytes;
        this.where = where;
    }

    /** The connect was cancelled: a WebSocket that opens anyway is aborted. */
    void cancelConnect() {
        cancelled = true;
        ended.set(true); // the listener hears nothing of a session the gateway never got
        WebSocket w = ws;
        if (w != null) w.abort();
    }

    // ---- upstream → gateway (WebSocket.Listener) --------------------------------------------

    @Override
    public void onOpen(WebSocket webSocket) {
        ws = webSocket;
        if (cancelled) webSocket.abort();
        // No request(1): the first message waits for the gateway's first request().
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        if (closing || ended.get()) {
            webSocket.request(1); // drained until the close answers ours
            return null;
        }
        if (text == null && last) { // the whole message in one part: the usual case
            if ((long) data.length() * 3 > maxMessageBytes && utf8Length(data) > maxMessageBytes) return tooLarge(webSocket);
            listener.onMessage(RealtimeMessage.text(data.toString()));
            return null;
        }
        if (text == null) text = new StringBuilder(Math.min(maxMessageBytes, Math.max(16, data.length() * 2)));
        textChars += data.length();
        if (textChars * 3 > maxMessageBytes) {
            if (textBytes < 0) textBytes = utf8Length(text);
            textBytes += utf8Length(data);
            if (textBytes > maxMessageBytes) return tooLarge(webSocket);
        }
        text.append(data);
        if (!last) {
            webSocket.request(1);
            return null;
        }
        String whole = text.toString();
        text = null;
        textChars = 0;
        textBytes = -1;
        listener.onMessage(RealtimeMessage.text(whole));
        return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        if (closing || ended.get()) {
            webSocket.request(1);
            return null;
        }
        int n = data.remaining();
        if ((long) binaryLength + n > maxMessageBytes) return tooLarge(webSocket);
        if (binary == null && last) {
            byte[] whole = new byte[n];
            data.get(whole);
            listener.onMessage(RealtimeMessage.binary(whole));
            return null;
        }
        if (binary == null) binary = new byte[Math.min(maxMessageBytes, Math.max(256, n * 2))];
        if (binaryLength + n > binary.length) {
            binary = Arrays.copyOf(binary, (int) Math.min(maxMessageBytes, Math.max((long) binaryLength + n, binary.length * 2L)));
        }
        data.get(binary, binaryLength, n);
        binaryLength += n;
        if (!last) {
            webSocket.request(1);
            return null;
        }
        byte[] whole = binary.length == binaryLength ? binary : Arrays.copyOf(binary, binaryLength);
        binary = null;
        binaryLength = 0;
        listener.onMessage(RealtimeMessage.binary(whole));
        return null;
    }

    /** The JDK has answered the ping already; the callback used up one demand, given back here. */
    @Override
    public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        stopCloseWatch();
        if (statusCode == CLOSED_ABNORMALLY) {
            end(broken(closing ? "the upstream ended the connection without answering the close"
                    : "the upstream ended the connection without a close frame", null));
        } else if (ended.compareAndSet(false, true)) {
            listener.onClose(statusCode, reason);
        }
        return null; // the JDK answers with the same code (RFC 6455 §5.5.1) unless we closed first
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        stopCloseWatch();
        end(broken("the realtime connection failed", error));
    }

    // ---- gateway → upstream (RealtimeUpstream) ----------------------------------------------

    @Override
    public void send(RealtimeMessage message) {
        WebSocket w = ws;
        if (w == null || ended.get() || closing) {
            throw new GatewayException(ErrorKind.PROVIDER_STREAM_BROKEN, "Provider '" + providerId
                    + "': the realtime session has ended", null, 0, null);
        }
        CompletableFuture<WebSocket> sent = message.isText() ? w.sendText(message.text(), true)
                : w.sendBinary(ByteBuffer.wrap(message.binary()), true);
        try {
            // The upstream connection has taken it: the backpressure (RealtimeUpstream). An
            // upstream that takes nothing for SEND_TIMEOUT has stopped reading (a partition, a
            // hung peer): the session ends, rather than the client's reader waiting for ever.
            sent.get(SEND_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            abort();
            throw scrubbed(new GatewayException(ErrorKind.PROVIDER_TIMEOUT, "Provider '" + providerId + "' took no message for "
                    + SEND_TIMEOUT.toSeconds() + " s: the realtime session was ended", null, 0, null));
        } catch (ExecutionException e) {
            throw scrubbed(broken("sending to the upstream failed", e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abort();
            throw new ClientGoneException(e);
        }
    }

    @Override
    public void request() {
        WebSocket w = ws;
        if (w != null && !ended.get() && !closing) w.request(1);
    }

    @Override
    public void close(int code, String reason) {
        WebSocket w = ws;
        if (w == null || closing || ended.get()) return;
        closing = true;
        closeWatch = watchdog.watch(closeTimeout, () -> {
            w.abort();
            end(new GatewayException(ErrorKind.PROVIDER_TIMEOUT, "Provider '" + providerId
                    + "' did not answer the close within " + closeTimeout.toMillis() + " ms", null, 0, null)
                    .withDetail(where + ": no close frame after ours"));
        });
        w.sendClose(sendable(code), closeReason(reason));
        w.request(1); // read on until the upstream's close arrives; messages before it are dropped
    }

    @Override
    public void abort() {
        ended.set(true);
        stopCloseWatch();
        WebSocket w = ws;
        if (w != null) w.abort();
    }

    // ---- helpers ------------------------------------------------------------------------------

    private CompletionStage<?> tooLarge(WebSocket webSocket) {
        text = null;
        binary = null;
        webSocket.abort();
        end(new GatewayException(ErrorKind.PROVIDER_STREAM_BROKEN, "Provider '" + providerId
                + "': upstream sent a message over " + maxMessageBytes + " bytes", null, 0, null)
                .withDetail(where + ": a message over the cap of " + maxMessageBytes + " bytes"));
        return null;
    }

    /** Delivers the one terminal error, scrubbed. */
    private void end(GatewayException e) {
        if (ended.compareAndSet(false, true)) listener.onError(scrubbed(e));
    }

    private GatewayException broken(String what, Throwable cause) {
        GatewayException e = new GatewayException(ErrorKind.PROVIDER_STREAM_BROKEN, "Provider '" + providerId + "': " + what,
                null, 0, cause);
        return e.withDetail(cause == null ? where + ": " + what : UpstreamErrors.fromException(providerId, where, cause).detail());
    }

    private GatewayException scrubbed(GatewayException e) {
        return e.withMessage(secrets.forClient(e.getMessage())).withDetail(secrets.forLog(e.detail()));
    }

    private void stopCloseWatch() {
        IdleWatchdog.Watch w = closeWatch;
        if (w != null) w.close();
    }

    /** {@code code} if the JDK client may send it (RFC 6455 §7.4.1 leaves some to servers), else 1000. */
    static int sendable(int code) {
        if (code == 1000 || code == 1001 || code == 1008 || code == 1011 || (code >= 3000 && code <= 4999)) return code;
        return NORMAL_CLOSURE;
    }

    /** {@code reason} cut to {@link #MAX_CLOSE_REASON_BYTES} UTF-8 bytes, never inside a code point. */
    static String closeReason(String reason) {
        if (reason == null) return "";
        if (reason.length() * 3L <= MAX_CLOSE_REASON_BYTES) return reason;
        int bytes = 0;
        int i = 0;
        while (i < reason.length()) {
            int cp = reason.codePointAt(i);
            int n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (bytes + n > MAX_CLOSE_REASON_BYTES) break;
            bytes += n;
            i += Character.charCount(cp);
        }
        return reason.substring(0, i);
    }

    /** UTF-8 length of {@code s} (an unpaired surrogate counts 3, as its replacement would). */
    static long utf8Length(CharSequence s) {
        long n = 0;
        for (int i = 0, len = s.length(); i < len; i++) {
            char c = s.charAt(i);
            if (c < 0x80) n++;
            else if (c < 0x800) n += 2;
            else if (Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else n += 3;
        }
        return n;
    }
}
