package tollgate.api;

import static tollgate.api.Validation.invalidType;
import static tollgate.api.Validation.invalidValue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tollgate.error.GatewayException;
import tollgate.http.HttpCall;
import tollgate.http.SseWriter;
import tollgate.json.JsonNumber;
import tollgate.provider.Usage;
import tollgate.route.ChatRequest;
import tollgate.route.ChatSink;
import tollgate.route.Dispatched;
import tollgate.route.Dispatcher;
import tollgate.route.Router;

/**
 * {@code POST /chat}, seed 000's legacy flat-JSON surface, over the same {@link Dispatcher}:
 * <pre>
 *   in:  {"message", "policy"?, "taskHint"?, "model"?, "system"?, "history"?: [{role, content}],
 *         "stream"?, "temperature"?, "max_tokens"?, "metadata"?}
 *   out: {"reply", "model", "policy", "task", "usage", "cost", "savings", "execution_id"}
 * </pre>
 * Without {@code model} the request goes to neo-mode with the given policy (balanced by default);
 * {@code model} is the model that answered. With {@code "stream": true} the answer is SSE: one
 * {@code {"delta": "..."}} per piece of text, then {@code {"done": true, ...}} with the fields of
 * the flat answer except {@code reply}. The request is turned into a chat completions body
 * ({@code system}, then {@code history}, then {@code message} as the user's turn) and validated
 * by the same validator; unknown fields are refused, so that a misspelt field is not ignored.
 */
final class LegacyChatEndpoint implements Authenticated.Inner {
    /** Fields the flat request may carry. */
    static final List<String> FIELDS = List.of("message", "policy", "taskHint", "model", "system", "history", "stream",
            "temperature", "max_tokens", "metadata");
    private static final List<String> ROLES = List.of("system", "user", "assistant");

    private final Dispatcher dispatcher;

    LegacyChatEndpoint(Dispatcher dispatcher) {
        this.dispatcher = dispatcher;
    }

    @Override
    public void handle(HttpCall call, tollgate.account.Charge charge) throws IOException {
        ChatRequest request = ChatRequestValidator.validate(chatBody(ChatCompletionsEndpoint.parse(call)));
        call.log("model", request.model());
        call.log("stream", request.stream());
        Map<String, Object> ids = Extension.start(call, request);
        String executionId = (String) ids.get("execution_id");
        if (!request.stream()) {
            Dispatched done = dispatcher.dispatch(Extension.caller(call, ids, charge), request, null);
            Extension.log(call, done);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("reply", reply(done.completion()));
            summary(out, done, executionId);
            call.setResponseHeader(Extension.ROUTE_HEADER, done.chosen().id());
            call.respondJson(200, out);
            return;
        }
        SseWriter sse = call.openSse();
        Dispatched done = dispatcher.dispatch(Extension.caller(call, ids, charge), request, new Deltas(sse));
        Extension.log(call, done);
        Map<String, Object> last = new LinkedHashMap<>();
        last.put("done", true);
        summary(last, done, executionId);
        sse.send(last);
        sse.end();
    }

    /** The flat request as a chat completions body, each legacy field checked under its own name. */
    static Map<String, Object> chatBody(Object parsed) {
        if (!(parsed instanceof Map<?, ?> raw)) {
            throw GatewayException.invalid(null, "The request body must be a JSON object, got " + Validation.typeName(parsed) + ".");
        }
        Map<String, Object> in = Validation.cast(raw);
        for (String key : in.keySet()) {
            if (!FIELDS.contains(key)) {
                throw GatewayException.invalid(key, "Unknown field " + Validation.show(key) + " for POST /chat; its fields are: "
                        + String.join(", ", FIELDS) + ".");
            }
        }
        Object message = in.get("message");
        if (message == null) throw GatewayException.invalid("message", "Missing required parameter: 'message'.");
        if (!(message instanceof String text)) throw invalidType("message", "a string", message);
        if (text.isBlank()) throw invalidValue("message", "a non-empty string", text);
        List<Object> messages = new ArrayList<>();
        if (in.get("system") != null) {
            if (!(in.get("system") instanceof String system)) throw invalidType("system", "a string", in.get("system"));
            messages.add(turn("system", system));
        }
        if (in.get("history") != null) {
            if (!(in.get("history") instanceof List<?> history)) throw invalidType("history", "an array of {role, content}", in.get("history"));
            for (int i = 0; i < history.size(); i++) {
                String p = "history[" + i + "]";
                if (!(history.get(i) instanceof Map<?, ?> h)) throw invalidType(p, "an object {role, content}", history.get(i));
                for (Object k : h.keySet()) {
                    if (!k.equals("role") && !k.equals("content")) {
                        throw GatewayException.invalid(p + "." + k, "Unknown field " + Validation.show(k) + " in " + p + "; expected role and content.");
                    }
                }
                if (!(h.get("role") instanceof String role)) throw invalidType(p + ".role", "a string", h.get("role"));
                if (!ROLES.contains(role)) throw invalidValue(p + ".role", "one of 'system', 'user', 'assistant'", role);
                if (!(h.get("content") instanceof String content)) throw invalidType(p + ".content", "a string", h.get("content"));
                messages.add(turn(role, content));
            }
        }
        messages.add(turn("user", text));
        Map<String, Object> body = new LinkedHashMap<>();
        Object model = in.get("model");
        if (model != null && !(model instanceof String)) throw invalidType("model", "a string", model);
        body.put("model", model != null ? model : Router.NEO_MODE);
        body.put("messages", messages);
        for (String k : List.of("policy", "taskHint", "stream", "temperature", "max_tokens", "metadata")) {
            if (in.get(k) != null) body.put(k, in.get(k));
        }
        return body;
    }

    private static Map<String, Object> turn(String role, String content) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        return m;
    }

    /** The first choice's text ({@code ""} when the model only called tools or refused). */
    private static String reply(Map<String, Object> completion) {
        if (completion.get("choices") instanceof List<?> choices && !choices.isEmpty()
                && choices.get(0) instanceof Map<?, ?> c && c.get("message") instanceof Map<?, ?> m) {
            if (m.get("content") instanceof String s) return s;
            if (m.get("refusal") instanceof String r) return r;
        }
        return "";
    }

    private static void summary(Map<String, Object> out, Dispatched done, String executionId) {
        out.put("model", done.chosen().model().id());
        out.put("policy", done.plan().policy());
        out.put("task", done.plan().task() == null ? null : done.plan().task().wire());
        Usage u = done.usage();
        if (u.known()) {
            Map<String, Object> usage = new LinkedHashMap<>();
            usage.put("prompt_tokens", JsonNumber.of(u.promptTokens()));
            usage.put("completion_tokens", JsonNumber.of(u.completionTokens()));
            usage.put("total_tokens", JsonNumber.of(u.totalTokens()));
            out.put("usage", usage);
        } else {
            out.put("usage", null);
        }
        out.put("cost", done.cost() == null ? null : Extension.usd(done.cost()));
        out.put("savings", done.savings() == null ? null : Extension.usd(done.savings()));
        out.put("execution_id", executionId);
    }

    /** The stream as {@code {"delta": "..."}} events: the first choice's text only. */
    private static final class Deltas implements ChatSink {
        private final SseWriter sse;

        Deltas(SseWriter sse) {
            this.sse = sse;
        }

        @Override
        public void begin(Begin begin) {
            sse.header(Extension.ROUTE_HEADER, begin.chosen().id());
        }

        @Override
        public void chunk(Map<String, Object> chunk) {
            chunk(chunk, false);
        }

        @Override
        public void chunk(Map<String, Object> chunk, boolean moreReady) {
            if (chunk.get("choices") instanceof List<?> choices) {
                for (Object c : choices) {
                    if (c instanceof Map<?, ?> choice && isFirst(choice.get("index")) && choice.get("delta") instanceof Map<?, ?> d
                            && d.get("content") instanceof String text && !text.isEmpty()) {
                        sse.send(Map.of("delta", text), !moreReady);
                        return;
                    }
                }
            }
            if (!moreReady) sse.flush();
        }

        private static boolean isFirst(Object index) {
            return index == null || (index instanceof JsonNumber n && n.text().equals("0"))
                    || (index instanceof Number n && n.longValue() == 0);
        }
    }
}
