package tollgate.route;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import tollgate.call.ManualClock;
import tollgate.json.Json;
import tollgate.provider.ChatCall;
import tollgate.provider.ChatProvider;
import tollgate.provider.ChatResult;
import tollgate.provider.ChunkSink;
import tollgate.error.GatewayException;
import tollgate.provider.Usage;

/**
 * A scripted {@link ChatProvider} for routing tests: each call takes the next outcome from a queue
 * (or the standing outcome once the queue is empty) and is recorded. No network, no threads.
 *
 * <p>An outcome may take time: the provider then advances the {@link ManualClock} it was given by
 * that many milliseconds, so attempt durations and latency estimates are exact.
 */
final class FakeChatProvider implements ChatProvider {

    /** One call as the provider saw it. */
    record Call(String upstreamModel, Map<String, Object> body, boolean stream) {}

    /** What one call does. */
    sealed interface Outcome permits Answer, Fail, Stream {}

    /** A non-streamed answer: a fresh copy of {@code completionJson}, with {@code usage}. */
    record Answer(String completionJson, Usage usage, long tookMs) implements Outcome {}

    /** Throws a fresh exception from {@code error} (non-streamed or streamed, before any chunk). */
    record Fail(Supplier<GatewayException> error, long tookMs) implements Outcome {}

    /** Streams {@code chunksJson} (fresh maps), then throws {@code thenFail} if set, else returns {@code usage}. */
    record Stream(List<String> chunksJson, Supplier<GatewayException> thenFail, Usage usage, long tookMs) implements Outcome {}

    private final String id;
    private final boolean offline;
    private final long defaultContextLength;
    private final ManualClock clock;
    private final Deque<Outcome> script = new ArrayDeque<>();
    private Outcome standing;
    private final List<Call> calls = Collections.synchronizedList(new ArrayList<>());

    FakeChatProvider(String id) {
        this(id, false, 0, null);
    }

    FakeChatProvider(String id, boolean offline, long defaultContextLength, ManualClock clock) {
        this.id = id;
        this.offline = offline;
        this.defaultContextLength = defaultContextLength;
        this.clock = clock;
    }

    // ------------------------------------------------------------------ scripting

    /** Queues an outcome for the next unscripted call. */
    synchronized FakeChatProvider then(Outcome o) {
        script.add(o);
        return this;
    }

    /** The outcome of every call once the queue is empty (otherwise such a call is a test failure). */
    synchronized FakeChatProvider always(Outcome o) {
        standing = o;
        return this;
    }

    FakeChatProvider thenAnswer(String text) {
        return then(answer(text));
    }

    FakeChatProvider thenFail(Supplier<GatewayException> error) {
        return then(new Fail(error, 0));
    }

    static Answer answer(String text) {
        return answer(text, new Usage(10, 5, 15));
    }

    static Answer answer(String text, Usage usage) {
        return new Answer(RouteFixtures.completionJson(text, usage), usage, 0);
    }

    static Fail fail(Supplier<GatewayException> error) {
        return new Fail(error, 0);
    }

    static Stream stream(List<String> chunksJson, Usage usage) {
        return new Stream(List.copyOf(chunksJson), null, usage, 0);
    }

    static Stream streamThenFail(List<String> chunksJson, Supplier<GatewayException> error) {
        return new Stream(List.copyOf(chunksJson), error, null, 0);
    }

    // ------------------------------------------------------------------ recording

    /** Calls so far, in order. */
    List<Call> calls() {
        synchronized (calls) {
            return List.copyOf(calls);
        }
    }

    int callCount() { return calls.size(); }

    /** Upstream model names of the calls so far, in order. */
    List<String> calledModels() {
        List<String> out = new ArrayList<>();
        for (Call c : calls()) out.add(c.upstreamModel());
        return out;
    }

    // ------------------------------------------------------------------ Provider

    @Override public String id() { return id; }

    @Override public String kind() { return offline ? "echo" : "fake"; }

    @Override public boolean offline() { return offline; }

    @Override public Set<String> capabilities() { return Set.of("chat"); }

    @Override public long defaultContextLength() { return defaultContextLength; }

    @Override
    public ChatResult chat(ChatCall call) {
        calls.add(new Call(call.upstreamModel(), call.body(), false));
        Outcome o = next(call);
        take(o);
        return switch (o) {
            case Answer a -> new ChatResult(RouteFixtures.parse(a.completionJson()), a.usage());
            case Fail f -> throw f.error().get();
            case Stream s -> throw new AssertionError("a stream outcome was scripted for a non-streamed call to " + id);
        };
    }

    @Override
    public Usage stream(ChatCall call, ChunkSink sink) {
        calls.add(new Call(call.upstreamModel(), call.body(), true));
        Outcome o = next(call);
        take(o);
        return switch (o) {
            case Answer a -> throw new AssertionError("an answer outcome was scripted for a streamed call to " + id);
            case Fail f -> throw f.error().get();
            case Stream s -> {
                for (String c : s.chunksJson()) sink.chunk(RouteFixtures.parse(c));
                if (s.thenFail() != null) throw s.thenFail().get();
                yield s.usage();
            }
        };
    }

    private synchronized Outcome next(ChatCall call) {
        Outcome o = script.poll();
        if (o == null) o = standing;
        if (o == null) throw new AssertionError("unexpected call to " + id + " for " + call.upstreamModel());
        return o;
    }

    private void take(Outcome o) {
        long ms = switch (o) {
            case Answer a -> a.tookMs();
            case Fail f -> f.tookMs();
            case Stream s -> s.tookMs();
        };
        if (ms > 0) {
            if (clock == null) throw new AssertionError("a timed outcome needs the provider's clock");
            clock.advanceMillis(ms);
        }
    }

    @Override public String toString() { return "FakeChatProvider[" + id + "]"; }

    /** For a body copy in assertions. */
    static String json(Object o) { return Json.toString(o); }
}
