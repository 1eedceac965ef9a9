package tollgate.provider.echo;

import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;
import tollgate.config.ProviderConfig;
import tollgate.error.ClientGoneException;
import tollgate.json.Json;
import tollgate.json.JsonBuffer;
import tollgate.json.JsonNumber;
import tollgate.provider.ChatCall;
import tollgate.provider.ChatProvider;
import tollgate.provider.ChatResult;
import tollgate.provider.ChunkSink;
import tollgate.provider.AudioSink;
import tollgate.provider.SpeechCall;
import tollgate.provider.SpeechProvider;
import tollgate.provider.CompletionProvider;
import tollgate.provider.Usage;

/**
 * Kind {@code echo}: a deterministic, offline chat provider for demos and tests. No network.
 *
 * <p>Reply:
 * <ul>
 *   <li>Text {@code "Echo: " + <text of the last user message>} (a string content, or its text
 *       parts joined with {@code \n}, images as {@code [image]}); if the last message is a
 *       {@code tool} message, {@code "Echo: tool result: " + <its content>}. "The last message"
 *       is the last one that is not a system or developer message.</li>
 *   <li>Tool calls instead, when {@code tools} are declared, {@code tool_choice} is not
 *       {@code "none"}, the last message is a user message, and {@code tool_choice} names a
 *       function (that one is called), or the user text contains declared tool names (each
 *       of them is called, in declaration order; only the first if
 *       {@code parallel_tool_calls} is false), or {@code tool_choice} is {@code "required"}
 *       (the first declared tool). Ids are {@code call_echo_0}, {@code call_echo_1}, ...; the
 *       arguments hold each {@code required} property of the tool's {@code parameters} with a
 *       value of its type (string: the user text; number/integer: 0; boolean: false;
 *       array: []; object: {}; the first {@code enum} value if there is one).</li>
 *   <li>{@code id} is {@code chatcmpl-echo-} and 8 hex digits of a CRC-32 of the request body,
 *       {@code created} the current time, {@code model} the upstream model; no
 *       {@code system_fingerprint}. Usage: prompt = ceil(characters of all message text / 4),
 *       at least 1; completion = words of the reply, or 1 + arguments length / 4 per tool
 *       call.</li>
 *   <li>{@code n} choices (index 0..n-1, identical), streamed too.</li>
 * </ul>
 *
 * <p>Streaming follows OpenAI's wire shape: a first delta {@code {"role":"assistant",
 * "content":""}}, one chunk per word (with its leading spaces, so the pieces concatenate to the
 * text), a {@code {"delta":{},"finish_reason":"stop"}} chunk, then always a usage chunk with
 * {@code "choices":[]}. Tool calls stream as a first fragment per call (id, type, name,
 * {@code "arguments":""}) followed by the arguments in at least two fragments. With n > 1 each
 * step is sent once per choice index.
 *
 * <p>Bounded like a real model, so that one request cannot make it produce without limit: the
 * reply (its text, or the string values of tool-call arguments together) is cut at the output
 * limit with {@code finish_reason: "length"} — {@code max_completion_tokens} or
 * {@code max_tokens} if the client gives one, at most the model's {@code max_output_tokens}, at
 * most {@link #MAX_OUTPUT_TOKENS} — at {@link EchoReply#CHARS_PER_TOKEN} characters a token; and
 * every echo route has a context window ({@link #CONTEXT_TOKENS} unless its model configures one),
 * so an oversized prompt is refused before it gets here.
 *
 * <p>Behaviour by upstream model name (after TensorZero's dummy provider):
 * <ul>
 *   <li>{@code echo-slow}: as above, with {@link #SLOW_CHUNK_DELAY} between stream chunks;</li>
 *   <li>anything else (normally {@code echo}): as above.</li>
 * </ul>
 * Cancellation is checked before every chunk; the sink's {@link ClientGoneException} propagates.
 *
 * <p>Text-to-speech ({@link SpeechProvider}): deterministic wav or pcm audio for the text, see
 * {@link EchoSpeech}.
 *
 * <p>Realtime sessions ({@link tollgate.provider.RealtimeProvider}): an offline speech-to-speech
 * session in OpenAI's Realtime event shapes that echoes the user's audio or text, see
 * {@link EchoRealtime}.
 *
 * <p>Image generation ({@link tollgate.provider.ImagesProvider}): small deterministic PNGs for the
 * prompt, see {@link EchoImages}. Embeddings ({@link tollgate.provider.EmbeddingsProvider}):
 * deterministic unit vectors, see {@link EchoEmbeddings}.
 */
public final class EchoProvider implements ChatProvider, CompletionProvider, SpeechProvider, tollgate.provider.TranscriptionProvider,
        tollgate.provider.RealtimeProvider, tollgate.provider.ImagesProvider, tollgate.provider.EmbeddingsProvider {

    public static final String KIND = "echo";
    /** Pause between stream chunks for model {@code echo-slow}. */
    public static final Duration SLOW_CHUNK_DELAY = Duration.ofMillis(50);
    /** The model name that selects slow streaming. */
    public static final String SLOW_MODEL = "echo-slow";
    /** Most choices produced, whatever {@code n} asks. */
    static final int MAX_CHOICES = 128;
    /** The output limit when neither the client nor the model sets a lower one, in tokens. */
    public static final int MAX_OUTPUT_TOKENS = 4096;
    /** The context window of an echo route whose model configures none, in tokens. */
    public static final long CONTEXT_TOKENS = 131_072;
    /** Longest tool-call arguments fragment in a stream, in chars. */
    static final int ARGUMENT_FRAGMENT_CHARS = 16;

    private final String id;
    private final InstantSource clock;
    private final EchoCompletions completions;

    public EchoProvider(ProviderConfig config) {
        this(config.id(), InstantSource.system());
    }

    /** For tests: a fixed clock makes {@code created} predictable. */
    EchoProvider(String id, InstantSource clock) {
        this.id = id;
        this.clock = clock;
        this.completions = new EchoCompletions(clock);
    }

    @Override public Completions completions() { return completions; }

    @Override public String id() { return id; }

    @Override public String kind() { return KIND; }

    @Override public boolean offline() { return true; }

    @Override public Set<String> capabilities() { return CAPABILITIES; }

    /** Everything, offline: chat, FIM and text completions, speech-to-text, text-to-speech, realtime sessions, images and embeddings. */
    private static final Set<String> CAPABILITIES = java.util.Collections.unmodifiableSet(new java.util.LinkedHashSet<>(
            java.util.List.of("chat", "fim", "completions", "stt", "tts", "realtime", "images", "embeddings")));

    /** Embeddings, offline and deterministic: see {@link EchoEmbeddings}. */
    @Override
    public tollgate.provider.Embeddings embed(tollgate.provider.EmbeddingsCall call) {
        return EchoEmbeddings.embed(call);
    }

    /** Image generation, offline: see {@link EchoImages}. */
    @Override
    public tollgate.provider.GeneratedImages generate(tollgate.provider.ImagesCall call) {
        return EchoImages.generate(id, clock, call);
    }

    /** Realtime sessions opened, for their ids ({@code sess_echo_<n>}). */
    private final java.util.concurrent.atomic.AtomicLong realtimeSessions = new java.util.concurrent.atomic.AtomicLong();

    /** A realtime session ({@link EchoRealtime}); {@code session.created} waits for the first {@code request()}. */
    @Override
    public tollgate.provider.RealtimeUpstream connect(tollgate.provider.RealtimeCall call, tollgate.provider.RealtimeListener listener,
                                                     int maxMessageBytes) {
        if (call.cancellation().isCancelled()) throw new ClientGoneException(null);
        return new EchoRealtime(call, listener, maxMessageBytes, "sess_echo_" + realtimeSessions.incrementAndGet());
    }

    @Override public long defaultContextLength() { return CONTEXT_TOKENS; }

    /** Speech-to-text, offline: see {@link EchoTranscription}. */
    @Override
    public tollgate.provider.Transcript transcribe(tollgate.provider.TranscriptionCall call) {
        return EchoTranscription.transcribe(call);
    }

    /** The reply's limit in characters: see the class comment. */
    static int maxChars(ChatCall call) {
        long tokens = MAX_OUTPUT_TOKENS;
        if (call.model().maxOutputTokens() > 0) tokens = Math.min(tokens, call.model().maxOutputTokens());
        for (String key : new String[] {"max_completion_tokens", "max_tokens"}) {
            if (call.body().get(key) instanceof JsonNumber n && n.isInteger()) {
                try {
                    tokens = Math.min(tokens, Math.max(1, n.longValue()));
                } catch (NumberFormatException tooBig) {
                    // larger than any limit: the others apply
                }
                break;
            }
        }
        return (int) (tokens * EchoReply.CHARS_PER_TOKEN);
    }

    /** Text-to-speech: deterministic wav or pcm audio for the text ({@link EchoSpeech}). */
    @Override
    public long speak(SpeechCall call, AudioSink sink) { return EchoSpeech.speak(id, call, sink); }

    @Override
    public ChatResult chat(ChatCall call) {
        if (call.cancellation().isCancelled()) throw new ClientGoneException(null);
        EchoReply reply = EchoReply.of(call.body(), maxChars(call));
        Map<String, Object> completion = header(call, "chat.completion");
        List<Object> choices = new ArrayList<>();
        for (int i = 0; i < choices(call); i++) {
            Map<String, Object> message = new LinkedHashMap<>();
            message.put("role", "assistant");
            message.put("content", reply.text());
            if (reply.isToolCall()) {
                List<Object> calls = new ArrayList<>();
                for (EchoReply.ToolCall c : reply.toolCalls()) calls.add(toolCall(-1, c, c.arguments()));
                message.put("tool_calls", calls);
            }
            Map<String, Object> choice = new LinkedHashMap<>();
            choice.put("index", JsonNumber.of(i));
            choice.put("message", message);
            choice.put("logprobs", null);
            choice.put("finish_reason", reply.finishReason());
            choices.add(choice);
        }
        completion.put("choices", choices);
        completion.put("usage", usage(reply));
        return new ChatResult(completion, tokens(reply));
    }

    @Override
    public Usage stream(ChatCall call, ChunkSink sink) {
        EchoReply reply = EchoReply.of(call.body(), maxChars(call));
        Map<String, Object> header = header(call, "chat.completion.chunk");
        Emitter out = new Emitter(call, sink, header, SLOW_MODEL.equals(call.upstreamModel()));
        int n = choices(call);
        // Each step: one delta per choice index.
        List<Map<String, Object>> steps = new ArrayList<>();
        if (reply.isToolCall()) {
            List<EchoReply.ToolCall> calls = reply.toolCalls();
            for (int k = 0; k < calls.size(); k++) {
                EchoReply.ToolCall c = calls.get(k);
                Map<String, Object> first = new LinkedHashMap<>();
                if (k == 0) {
                    first.put("role", "assistant");
                    first.put("content", null);
                }
                first.put("tool_calls", List.of(toolCall(k, c, "")));
                steps.add(first);
                for (String fragment : fragments(c.arguments())) {
                    Map<String, Object> fn = new LinkedHashMap<>();
                    fn.put("arguments", fragment);
                    Map<String, Object> delta = new LinkedHashMap<>();
                    Map<String, Object> tc = new LinkedHashMap<>();
                    tc.put("index", JsonNumber.of(k));
                    tc.put("function", fn);
                    delta.put("tool_calls", List.of(tc));
                    steps.add(delta);
                }
            }
        } else {
            Map<String, Object> first = new LinkedHashMap<>();
            first.put("role", "assistant");
            first.put("content", "");
            steps.add(first);
            for (String piece : EchoReply.pieces(reply.text())) {
                Map<String, Object> delta = new LinkedHashMap<>();
                delta.put("content", piece);
                steps.add(delta);
            }
        }
        for (Map<String, Object> step : steps) {
            for (int i = 0; i < n; i++) out.choice(i, step, null);
        }
        for (int i = 0; i < n; i++) out.choice(i, new LinkedHashMap<>(), reply.finishReason());
        Map<String, Object> last = new LinkedHashMap<>(header);
        last.put("choices", new ArrayList<>());
        last.put("usage", usage(reply));
        out.emit(last);
        return tokens(reply);
    }

    /** Sends chunks, each a fresh deep copy (the sink may modify it), paced and cancellable. */
    private static final class Emitter {
        private final ChatCall call;
        private final ChunkSink sink;
        private final Map<String, Object> header;
        private final boolean slow;
        private int sent;

        Emitter(ChatCall call, ChunkSink sink, Map<String, Object> header, boolean slow) {
            this.call = call;
            this.sink = sink;
            this.header = header;
            this.slow = slow;
        }

        void choice(int index, Map<String, Object> delta, String finishReason) {
            Map<String, Object> choice = new LinkedHashMap<>();
            choice.put("index", JsonNumber.of(index));
            choice.put("delta", copy(delta));
            choice.put("logprobs", null);
            choice.put("finish_reason", finishReason);
            Map<String, Object> chunk = new LinkedHashMap<>(header);
            chunk.put("choices", new ArrayList<>(List.of(choice)));
            emit(chunk);
        }

        void emit(Map<String, Object> chunk) {
            if (slow && sent > 0) {
                try {
                    Thread.sleep(SLOW_CHUNK_DELAY);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ClientGoneException(e);
                }
            }
            if (call.cancellation().isCancelled()) throw new ClientGoneException(null);
            sink.chunk(chunk);
            sent++;
        }
    }

    /** A deep copy of JSON maps and lists (the other values are immutable). */
    @SuppressWarnings("unchecked")
    private static <T> T copy(T value) {
        if (value instanceof Map<?, ?> m) {
            Map<String, Object> c = new LinkedHashMap<>();
            m.forEach((k, v) -> c.put((String) k, copy(v)));
            return (T) c;
        }
        if (value instanceof List<?> l) {
            List<Object> c = new ArrayList<>(l.size());
            for (Object v : l) c.add(copy(v));
            return (T) c;
        }
        return value;
    }

    private Map<String, Object> header(ChatCall call, String object) {
        return header("chatcmpl-echo-", call.body(), call.memory(), clock, object, call.upstreamModel());
    }

    /**
     * The fields every echo answer starts with: an id from a checksum of the request (the same
     * request, the same id), its object, the clock's second and the upstream model.
     */
    static Map<String, Object> header(String idPrefix, Object request, tollgate.memory.Reservation memory, InstantSource clock,
                                      String object, String upstreamModel) {
        CRC32 crc = new CRC32();
        JsonBuffer body = new JsonBuffer(4096, memory); // as large as the request: reserved first
        Json.write(request, body);
        crc.update(body.array(), 0, body.length());
        memory.release(body.capacity());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", idPrefix + String.format("%08x", crc.getValue()));
        m.put("object", object);
        m.put("created", JsonNumber.of(clock.instant().getEpochSecond()));
        m.put("model", upstreamModel);
        return m;
    }

    private static Map<String, Object> toolCall(int index, EchoReply.ToolCall c, String arguments) {
        Map<String, Object> fn = new LinkedHashMap<>();
        fn.put("name", c.name());
        fn.put("arguments", arguments);
        Map<String, Object> tc = new LinkedHashMap<>();
        if (index >= 0) tc.put("index", JsonNumber.of(index));
        tc.put("id", c.id());
        tc.put("type", "function");
        tc.put("function", fn);
        return tc;
    }

    /** The arguments in at least two fragments of at most {@link #ARGUMENT_FRAGMENT_CHARS}. */
    static List<String> fragments(String arguments) {
        int len = arguments.length();
        int size = Math.max(1, Math.min(ARGUMENT_FRAGMENT_CHARS, (len + 1) / 2));
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < len) {
            int end = Math.min(len, i + size);
            if (end < len && Character.isHighSurrogate(arguments.charAt(end - 1))) end++; // keep pairs whole
            out.add(arguments.substring(i, end));
            i = end;
        }
        return out;
    }

    private static int choices(ChatCall call) {
        if (call.body().get("n") instanceof JsonNumber n && n.isInteger()) {
            try {
                return (int) Math.max(1, Math.min(MAX_CHOICES, n.longValue()));
            } catch (NumberFormatException tooBig) {
                return MAX_CHOICES;
            }
        }
        return 1;
    }

    private static Map<String, Object> usage(EchoReply reply) {
        Map<String, Object> u = new LinkedHashMap<>();
        u.put("prompt_tokens", JsonNumber.of(reply.promptTokens()));
        u.put("completion_tokens", JsonNumber.of(reply.completionTokens()));
        u.put("total_tokens", JsonNumber.of(reply.promptTokens() + reply.completionTokens()));
        return u;
    }

    private static Usage tokens(EchoReply reply) {
        return new Usage(reply.promptTokens(), reply.completionTokens(),
                reply.promptTokens() + reply.completionTokens());
    }
}
