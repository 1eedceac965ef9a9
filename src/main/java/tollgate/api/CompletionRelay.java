package tollgate.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tollgate.http.SseWriter;
import tollgate.provider.CompletionProvider;
import tollgate.provider.CompletionProvider.Shape;
import tollgate.provider.Usage;
import tollgate.route.Deployment;
import tollgate.route.Meter;
import tollgate.route.Progress;

/**
 * The client's side of a streamed FIM or completions call ({@link CompletionRun}): each chunk
 * with the model the client named, the first with the extension object's ids, committing the
 * attempt just before it goes out; what the stream delivered metered as it grows (the prompt
 * estimate and a token per {@value #CHARS_PER_TOKEN} characters of text) until the upstream's
 * usage replaces it; and the chunk that carries the usage held back for {@link #finish}.
 */
final class CompletionRelay implements CompletionProvider.Sink {
    /** Characters per token when metering text the upstream has not counted yet (the usual rule of thumb). */
    static final int CHARS_PER_TOKEN = 4;

    private final SseWriter sse;
    private final CompletionRun.Ask ask;
    private final String extensionField;
    private final Map<String, Object> ids;
    private Progress progress;
    private String model;
    private boolean first;
    private Map<String, Object> held;
    private long chars;

    CompletionRelay(SseWriter sse, CompletionRun.Ask ask, String extensionField, Map<String, Object> ids) {
        this.sse = sse;
        this.ask = ask;
        this.extensionField = extensionField;
        this.ids = ids;
    }

    /** A new attempt on {@code d} (nothing of an earlier one reached the client). */
    void attempt(Deployment d, Progress p, String clientModel) {
        this.progress = p;
        this.model = clientModel;
        this.first = true;
        this.held = null;
        this.chars = 0;
        sse.header(Extension.ROUTE_HEADER, d.id()); // lost if a heartbeat already opened the stream
    }

    @Override
    public void chunk(Map<String, Object> chunk) {
        chars += textChars(chunk);
        Object usage = chunk.get("usage");
        if (ask.shape() == Shape.COMPLETIONS && !ask.includeUsage()) {
            // OpenAI sends no usage unless asked: the usage-only chunk goes, and "usage": null elsewhere.
            chunk.remove("usage");
            if (usage != null && chunk.get("choices") instanceof List<?> c && c.isEmpty()) {
                meter(Usage.fromJson(usage));
                return;
            }
        }
        if (chunk.containsKey("model")) chunk.put("model", model);
        if (usage != null) {
            meter(Usage.fromJson(usage));
            if (held != null) send(held); // a second usage chunk: unusual, but nothing is lost
            held = chunk;
            return;
        }
        meter(Usage.NONE);
        send(chunk);
    }

    private void send(Map<String, Object> chunk) {
        if (first) {
            chunk.put(extensionField, ids);
            first = false;
        }
        progress.commit(); // before the first byte of this attempt's answer leaves
        sse.send(chunk);
    }

    /** After the call is recorded and charged: the held usage chunk with {@code charge} (route, cost, credits, balance). */
    void finish(Map<String, Object> charge) {
        if (held == null) return;
        Map<String, Object> ext = charge;
        if (first) {
            ext = new LinkedHashMap<>(ids);
            ext.putAll(charge);
            first = false;
        }
        held.put(extensionField, ext);
        sse.send(held);
        held = null;
    }

    private void meter(Usage usage) {
        if (usage.known()) progress.meter(Meter.tokens(usage.promptTokens(), usage.completionTokens()));
        else progress.meter(Meter.tokens(ask.promptTokens(), tokensOf(chars)));
    }

    static long tokensOf(long chars) {
        return (chars + CHARS_PER_TOKEN - 1) / CHARS_PER_TOKEN;
    }

    /** Characters of text in a chunk of either shape. */
    private static long textChars(Map<String, Object> chunk) {
        if (!(chunk.get("choices") instanceof List<?> choices)) return 0;
        long n = 0;
        for (Object c : choices) {
            if (!(c instanceof Map<?, ?> m)) continue;
            Object text = m.get("text") != null ? m.get("text") : m.get("delta") instanceof Map<?, ?> d ? d.get("content") : null;
            if (text instanceof String s) n += s.length();
        }
        return n;
    }
}
