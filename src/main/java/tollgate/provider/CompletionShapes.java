package tollgate.provider;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tollgate.json.JsonNumber;

/**
 * Translations between the two completion shapes ({@link CompletionProvider.Shape}): OpenAI's
 * {@code text_completion} ({@code choices[].text}, protocols.md §2) and the chat-completion shape
 * of Mistral's FIM and of every chat API ({@code choices[].message.content} /
 * {@code choices[].delta.content}, protocols.md §6). The {@code id}, {@code created},
 * {@code model} and {@code system_fingerprint} of an object are kept; what one shape has and the
 * other cannot say (logprobs, a chat answer's tool calls) is left out. Stateless but for the two
 * stream translators, which are made per stream.
 */
public final class CompletionShapes {
    private CompletionShapes() { throw new AssertionError(); }

    /** {@code object} of OpenAI's legacy completions, answer and chunk alike. */
    public static final String TEXT_COMPLETION = "text_completion";
    public static final String CHAT_COMPLETION = "chat.completion";
    public static final String CHAT_COMPLETION_CHUNK = "chat.completion.chunk";

    /** A {@code text_completion} as Mistral's FIM answer: each choice's text as the assistant's message. */
    public static Map<String, Object> fimFromText(Map<String, Object> text) {
        Map<String, Object> out = header(text, CHAT_COMPLETION);
        List<Object> choices = new ArrayList<>();
        for (Map<String, Object> c : choices(text)) {
            Map<String, Object> message = new LinkedHashMap<>();
            message.put("role", "assistant");
            message.put("content", c.get("text") instanceof String s ? s : "");
            Map<String, Object> choice = new LinkedHashMap<>();
            choice.put("index", index(c));
            choice.put("message", message);
            choice.put("finish_reason", c.get("finish_reason"));
            choices.add(choice);
        }
        out.put("choices", choices);
        if (text.get("usage") != null) out.put("usage", text.get("usage"));
        return out;
    }

    /** A chat-completion-shaped answer (Mistral's FIM, any chat API) as a {@code text_completion}. */
    public static Map<String, Object> textFromChat(Map<String, Object> chat) {
        Map<String, Object> out = header(chat, TEXT_COMPLETION);
        List<Object> choices = new ArrayList<>();
        for (Map<String, Object> c : choices(chat)) {
            Object content = c.get("message") instanceof Map<?, ?> m ? m.get("content") : null;
            choices.add(textChoice(c, content instanceof String s ? s : "", c.get("finish_reason")));
        }
        out.put("choices", choices);
        if (chat.get("usage") != null) out.put("usage", chat.get("usage"));
        return out;
    }

    /**
     * {@code text_completion} chunks to Mistral's FIM chunks: the first delta of each choice
     * carries {@code "role":"assistant"}, and a usage-only chunk ({@code "choices":[]}, OpenAI's
     * shape) is merged into the chunk before it that finished a choice, as Mistral sends usage
     * on its last chunk. That chunk is held back until the next one shows whether usage follows:
     * the only delay, and it is one event.
     */
    public static final class FimChunks {
        /**
         * Most choice indices remembered as started: a client asks for at most 128 choices, so an
         * upstream sending more is misbehaving, and its extra choices get no {@code role}
         * rather than growing this set with every index it invents.
         */
        static final int MAX_STARTED_CHOICES = 128;
        private final java.util.Set<String> started = new java.util.HashSet<>();
        private Map<String, Object> held;

        /** Translates one upstream chunk, appending what the client gets now to {@code out}. */
        public void add(Map<String, Object> chunk, List<Map<String, Object>> out) {
            List<Map<String, Object>> in = choices(chunk);
            Object usage = chunk.get("usage");
            if (in.isEmpty() && usage != null) {
                if (held != null) {
                    held.put("usage", usage);
                    out.add(held);
                    held = null;
                } else {
                    Map<String, Object> alone = header(chunk, CHAT_COMPLETION_CHUNK);
                    alone.put("choices", new ArrayList<>(0));
                    alone.put("usage", usage);
                    out.add(alone);
                }
                return;
            }
            end(out);
            Map<String, Object> translated = header(chunk, CHAT_COMPLETION_CHUNK);
            List<Object> choices = new ArrayList<>(in.size());
            boolean finished = false;
            for (Map<String, Object> c : in) {
                Object index = index(c);
                Map<String, Object> delta = new LinkedHashMap<>();
                if (started.size() < MAX_STARTED_CHOICES && started.add(index.toString())) delta.put("role", "assistant");
                delta.put("content", c.get("text") instanceof String s ? s : "");
                Map<String, Object> choice = new LinkedHashMap<>();
                choice.put("index", index);
                choice.put("delta", delta);
                choice.put("finish_reason", c.get("finish_reason"));
                finished |= c.get("finish_reason") != null;
                choices.add(choice);
            }
            translated.put("choices", choices);
            if (usage != null) {
                translated.put("usage", usage);
                out.add(translated);
            } else if (finished) {
                held = translated;
            } else {
                out.add(translated);
            }
        }

        /** At the end of the stream: the chunk still held, if any. */
        public void end(List<Map<String, Object>> out) {
            if (held != null) out.add(held);
            held = null;
        }
    }

    /**
     * Chat-shaped chunks (Mistral's FIM, any chat API) to {@code text_completion} chunks: each
     * choice's {@code delta.content} as its {@code text}; a chunk with nothing to say (the
     * first, role-only delta; a tool-call fragment) is left out; usage goes in a chunk of its own
     * with {@code "choices":[]} after the choices it came with.
     */
    public static void textChunks(Map<String, Object> chunk, List<Map<String, Object>> out) {
        List<Map<String, Object>> in = choices(chunk);
        List<Object> choices = new ArrayList<>(in.size());
        for (Map<String, Object> c : in) {
            Object content = c.get("delta") instanceof Map<?, ?> d ? d.get("content") : null;
            String text = content instanceof String s ? s : "";
            Object finish = c.get("finish_reason");
            if (text.isEmpty() && finish == null) continue;
            choices.add(textChoice(c, text, finish));
        }
        if (!choices.isEmpty()) {
            Map<String, Object> t = header(chunk, TEXT_COMPLETION);
            t.put("choices", choices);
            out.add(t);
        }
        if (chunk.get("usage") != null) {
            Map<String, Object> u = header(chunk, TEXT_COMPLETION);
            u.put("choices", new ArrayList<>(0));
            u.put("usage", chunk.get("usage"));
            out.add(u);
        }
    }

    private static Map<String, Object> textChoice(Map<String, Object> c, String text, Object finish) {
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("text", text);
        choice.put("index", index(c));
        choice.put("logprobs", null);
        choice.put("finish_reason", finish);
        return choice;
    }

    /** {@code id}, {@code object}, {@code created}, {@code model} (and a {@code system_fingerprint}) of {@code from}. */
    private static Map<String, Object> header(Map<String, Object> from, String object) {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("id", from.get("id"));
        h.put("object", object);
        if (from.get("created") != null) h.put("created", from.get("created"));
        h.put("model", from.get("model"));
        if (from.get("system_fingerprint") != null) h.put("system_fingerprint", from.get("system_fingerprint"));
        return h;
    }

    /** The object's {@code choices} that are objects (none when absent or malformed). */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> choices(Map<String, Object> o) {
        if (!(o.get("choices") instanceof List<?> list)) return List.of();
        List<Map<String, Object>> out = new ArrayList<>(list.size());
        for (Object c : list) if (c instanceof Map<?, ?>) out.add((Map<String, Object>) c);
        return out;
    }

    private static Object index(Map<String, Object> choice) {
        return choice.get("index") instanceof JsonNumber n ? n : JsonNumber.of(0);
    }
}
