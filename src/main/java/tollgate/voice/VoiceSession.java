package tollgate.voice;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import tollgate.account.Charge;
import tollgate.call.Clock;
import tollgate.error.ClientGoneException;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.memory.BudgetExceededException;
import tollgate.memory.Reservation;
import tollgate.provider.RealtimeCall;
import tollgate.provider.RealtimeListener;
import tollgate.provider.RealtimeMessage;
import tollgate.provider.RealtimeProvider;
import tollgate.provider.RealtimeUpstream;
import tollgate.route.Caller;
import tollgate.route.Deployment;
import tollgate.route.Meter;
import tollgate.route.Progress;
import tollgate.route.ServiceAttempt;
import tollgate.websocket.Upgrade;
import tollgate.websocket.WsConnection;

/**
 * One realtime voice session: the {@link ServiceAttempt} the route layer runs on a realtime
 * deployment, relaying a client's WebSocket to the upstream's, both ways, in order.
 *
 * <p>Threads: the attempt's thread (the connection's own) writes upstream messages to the client
 * and keeps the books once a second (the session's length as its {@link Meter}, a credit hold
 * {@link #HOLD_AHEAD_MS} ahead of it, the longest session); one more virtual thread reads the
 * client and sends upstream. Backpressure both ways, nothing queued without bound: the reader
 * reads the client's next message only once the upstream took the last one, and one more
 * upstream message is asked for ({@link RealtimeUpstream#request()}) each time the client took
 * one, so at most one message from the client and {@link #UPSTREAM_WINDOW} from the upstream are
 * in the gateway per session.
 *
 * <p>The client's WebSocket is accepted (101) on the first attempt, before the upstream is
 * dialled: a browser cannot read the status of a refused handshake, so every later failure
 * reaches it as an {@code error} event and a close code. A failed connect may be retried or
 * failed over by the dispatcher; once the upstream is connected the session is committed.
 */
final class VoiceSession implements ServiceAttempt<VoiceSession.Ending> {
    /** How often the session's length is metered and its credit hold raised, in milliseconds. */
    static final long TICK_MS = 1000;
    /**
     * Credits are held for this much more session time than has passed, in milliseconds: a key
     * must afford a minute to start, and a session is cut about a minute before its credits would
     * be overspent, never after.
     */
    static final long HOLD_AHEAD_MS = 60_000;
    /**
     * Upstream messages asked for ahead of the client, per session: the window of demand. One
     * (ask only once the client took the last) woke the HTTP client's selector for every message
     * (about 5 % of the relay's CPU in the benchmark); a small window keeps reading going while
     * still bounding what waits in the gateway to this many messages per session.
     */
    static final int UPSTREAM_WINDOW = 4;
    /** How long a failed send waits for the upstream's close that may explain it, in milliseconds. */
    static final long CLOSE_RACE_MS = 200;
    /** Events one session's relay may have pending: the window of upstream messages, then an end per side, with room. */
    private static final int EVENT_SLOTS = UPSTREAM_WINDOW + 4;

    /**
     * How the session ends for the client, applied once its usage is recorded: a close with
     * {@code code} and {@code reason}, after {@code errorEvent} when not null; {@code code} 0 when
     * the close handshake has already happened (the client closed).
     */
    record Ending(int code, String reason, String errorEvent) {
        static final Ending DONE = new Ending(0, "", null);
    }

    private final Upgrade upgrade;
    private final String subprotocol;
    private final Caller caller;
    private final SessionTerms terms;
    private final Clock clock;
    private volatile WsConnection client;
    /** The reader thread of the attempt that ran the session, once it ended (joined by {@link #awaitReader}). */
    private volatile Thread readers;

    /**
     * What a session is granted.
     *
     * @param beta            the client speaks the beta Realtime API
     * @param voice           the voice to fill into the client's first {@code session.update} (or the
     *                        gateway's own), or null
     * @param maxMessageBytes largest message either way
     * @param maxSessionMs    longest session, in milliseconds
     */
    record SessionTerms(boolean beta, String voice, int maxMessageBytes, long maxSessionMs) {}

    VoiceSession(Upgrade upgrade, String subprotocol, Caller caller, SessionTerms terms, Clock clock) {
        this.upgrade = upgrade;
        this.subprotocol = subprotocol;
        this.caller = caller;
        this.terms = terms;
        this.clock = clock;
    }

    /** Waits up to {@code millis} for the session's reader to see the client's connection end. */
    void awaitReader(long millis) throws InterruptedException {
        Thread t = readers;
        if (t != null) t.join(millis);
    }

    /** The client's connection once accepted, else null (a failure is then answered as HTTP). */
    WsConnection client() { return client; }

    @Override
    public Ending call(Deployment d, Progress progress) {
        if (!(d.provider() instanceof RealtimeProvider provider)) {
            throw new GatewayException(ErrorKind.CALLER_INVALID_REQUEST, "Provider '" + d.provider().id()
                    + "' does not serve realtime sessions.", "model").noRetry();
        }
        if (d.model().pricing().audioMinute() == null) {
            // Sessions are metered by the minute: one on a model without that price would be free
            // (an ad-hoc <provider>/<upstream>, a catalog model priced per token only).
            throw new GatewayException(ErrorKind.CALLER_INVALID_REQUEST, "The model '" + d.model().id() + "' has no "
                    + "audio_minute price, and realtime sessions are metered by the minute; use a configured realtime model.",
                    "model").noRetry();
        }
        if (client == null) {
            try {
                client = upgrade.accept(subprotocol, caller.memory());
            } catch (IOException e) {
                throw new ClientGoneException(e);
            }
        }
        Relay relay = new Relay(d);
        RealtimeUpstream up = provider.connect(new RealtimeCall(d.model().upstream(), terms.beta(), caller.cancellation()), relay,
                terms.maxMessageBytes());
        progress.commit(); // the session runs on this upstream now: no failover past this point
        // The deployment's verdict now, not at the session's end: a half-open circuit's one probe
        // must not be held for a session's length (up to voice.max_session_ms).
        d.breaker().recordSuccess();
        return relay.run(up, progress);
    }

    /** What the relay's threads tell its writer, in order. */
    private sealed interface Event permits Upstream, UpstreamClosed, Failed, SendFailed, ClientEnded {}

    private record Upstream(RealtimeMessage message) implements Event {}

    private record UpstreamClosed(int code, String reason) implements Event {}

    /** The session failed: the upstream broke, or refused a message the client sent. */
    private record Failed(GatewayException error) implements Event {}

    /** The upstream did not take a message the client sent: it broke, or it has just closed (its close may follow). */
    private record SendFailed(GatewayException error) implements Event {}

    private record ClientEnded() implements Event {}

    /** One attempt's relay between the accepted client and one upstream session. */
    private final class Relay implements RealtimeListener {
        private final Deployment d;
        private final BlockingQueue<Event> events = new ArrayBlockingQueue<>(EVENT_SLOTS);
        private final Reservation memory = caller.memory();
        private final SessionUpdates updates;
        private volatile boolean stopped;

        Relay(Deployment d) {
            this.d = d;
            this.updates = new SessionUpdates(d.model().upstream(), terms.voice(), terms.beta());
        }

        Ending run(RealtimeUpstream up, Progress progress) {
            long start = clock.millis();
            boolean ended = false; // the upstream was closed or aborted on the way out
            Thread reader = Thread.ofVirtual().name("voice-read-" + caller.executionId()).start(() -> readClient(up));
            try {
                for (int i = 0; i < UPSTREAM_WINDOW; i++) up.request();
                long nextTick = start + TICK_MS;
                while (true) {
                    long now = clock.millis();
                    if (now >= nextTick) {
                        progress.meter(Meter.audio(now - start));
                        Ending limit = limits(now - start);
                        if (limit != null) {
                            up.close(RealtimeEvents.NORMAL, limit.reason());
                            ended = true;
                            return limit;
                        }
                        nextTick = now + TICK_MS;
                    }
                    Event e = events.poll(Math.max(1, nextTick - now), TimeUnit.MILLISECONDS);
                    if (e == null) continue;
                    switch (e) {
                        case Upstream u -> {
                            if (!deliver(u.message())) { // the client closed (or went) while the upstream spoke
                                clientEnded(up);
                                ended = true;
                                return Ending.DONE;
                            }
                            up.request();
                        }
                        case UpstreamClosed c -> {
                            ended = true;
                            return new Ending(RealtimeEvents.relayable(c.code()), c.reason(), null);
                        }
                        case Failed f -> {
                            up.abort();
                            ended = true;
                            throw f.error();
                        }
                        case SendFailed f -> {
                            // A send can fail in the moment between the upstream's close and its
                            // report: a close that follows shortly is the session's end, not a failure.
                            Event next = events.poll(CLOSE_RACE_MS, TimeUnit.MILLISECONDS);
                            ended = true;
                            if (next instanceof UpstreamClosed c) return new Ending(RealtimeEvents.relayable(c.code()), c.reason(), null);
                            up.abort();
                            throw f.error();
                        }
                        case ClientEnded c -> {
                            clientEnded(up);
                            ended = true;
                            return Ending.DONE;
                        }
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ClientGoneException(e);
            } finally {
                stopped = true;
                if (!ended) up.abort(); // whatever else ended the relay: no upstream session left open (and billed)
                progress.meter(Meter.audio(clock.millis() - start));
                readers = reader;
            }
        }

        /**
         * The client's connection ended: the client closed (its code and reason go upstream), or the
         * listener ended it (idle, shutting down: the upstream is told the gateway goes away). The
         * listener answers a client's close with the same code: a close sent with another code, or
         * none received, was the listener's own.
         */
        private void clientEnded(RealtimeUpstream up) {
            WsConnection ws = client;
            int sent = ws.sentCloseCode(), peer = ws.peerCloseCode();
            boolean clients = peer != RealtimeEvents.NO_CLOSE && (sent == 0 || sent == peer);
            up.close(clients ? RealtimeEvents.toUpstream(peer) : RealtimeEvents.GOING_AWAY,
                    clients ? ws.peerCloseReason() : "the gateway closed the client's connection (" + sent + ")");
        }

        /** The session's limits at {@code elapsedMs}: its longest length, and credits for the next {@link #HOLD_AHEAD_MS}. */
        private Ending limits(long elapsedMs) {
            if (elapsedMs >= terms.maxSessionMs()) {
                GatewayException e = new GatewayException(ErrorKind.POLICY_FORBIDDEN, "The session reached the gateway's maximum "
                        + "length of " + terms.maxSessionMs() / 1000 + " seconds; start a new one to continue.");
                return new Ending(RealtimeEvents.POLICY, "maximum session length reached", RealtimeEvents.error(e, "session_expired"));
            }
            BigDecimal worst = d.model().pricing().cost(0, 0, elapsedMs + HOLD_AHEAD_MS, 0);
            try {
                caller.charge().cover(worst);
            } catch (GatewayException e) {
                return new Ending(RealtimeEvents.POLICY, "insufficient credits", RealtimeEvents.error(e, "insufficient_credits"));
            }
            return null;
        }

        /** Writes one upstream message to the client; false when the client has gone. */
        private boolean deliver(RealtimeMessage m) {
            try {
                if (m.isText()) client.sendText(m.text());
                else client.sendBinary(m.binary());
                return true;
            } catch (IOException e) {
                return false;
            } finally {
                memory.release(m.size());
            }
        }

        /**
         * The reader: the client's messages upstream, in order, each once the upstream took the one
         * before. However it ends, it says so (a failure first): the relay must not wait for a
         * reader that died on something unforeseen.
         */
        private void readClient(RealtimeUpstream up) {
            WsConnection ws = client;
            try {
                for (var m = ws.read(); m != null; m = ws.read()) {
                    boolean update = m.text() && updates.isUpdate(m.payload());
                    String preface = updates.preface(update);
                    if (preface != null) up.send(RealtimeMessage.text(preface));
                    RealtimeMessage out;
                    try {
                        out = m.text() ? RealtimeMessage.text(updates.text(m.payload(), update)) : RealtimeMessage.binary(m.payload());
                    } catch (GatewayException invalid) {
                        // A session.update the gateway cannot complete: told like OpenAI tells an
                        // invalid event (the session goes on), and not sent upstream half-checked.
                        ws.sendText(RealtimeEvents.error(invalid, "invalid_event"));
                        continue;
                    }
                    up.send(out);
                }
            } catch (GatewayException e) {
                post(new SendFailed(e));
            } catch (IOException e) {
                // the client's connection ended: below
            } finally {
                post(new ClientEnded());
            }
        }

        @Override
        public void onMessage(RealtimeMessage message) {
            try {
                memory.reserve(message.size());
            } catch (BudgetExceededException e) {
                post(new Failed(new GatewayException(ErrorKind.GATEWAY_BUSY, "The gateway is out of memory for messages "
                        + "right now; reconnect in a moment.")));
                return;
            }
            post(new Upstream(message));
        }

        @Override
        public void onClose(int code, String reason) {
            post(new UpstreamClosed(code, reason == null ? "" : reason));
        }

        @Override
        public void onError(GatewayException error) {
            post(new Failed(error));
        }

        /**
         * Never blocks: the queue has a slot for everything the relay can have pending at once.
         * After the relay stopped, what its threads still say is dropped (a reader that sees the
         * client's close only when the session is already over).
         */
        private void post(Event e) {
            if (stopped) return;
            if (!events.offer(e)) throw new IllegalStateException("voice relay event queue overflow: " + e.getClass().getSimpleName());
        }
    }
}
