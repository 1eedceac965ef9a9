package tollgate.conversation;

import java.util.List;
import java.util.Map;

import tollgate.catalog.Model;
import tollgate.error.GatewayException;
import tollgate.json.JsonNumber;

/**
 * A fast estimate of a chat request's prompt tokens, to refuse a request that cannot fit the
 * model's context window before it is sent (seed 002, "Context length errors").
 *
 * <p><b>It estimates, it does not count.</b> There is no tokenizer: each upstream has its own,
 * and shipping theirs is out of the question for a JDK-only gateway. Instead:
 * <ul>
 *   <li>text by characters: ASCII at 1/4 token ({@code ~4} characters per token, OpenAI's rule of
 *       thumb for English), other code points below {@code U+3000} (accented Latin, Greek,
 *       Cyrillic, Arabic, Hebrew, Indic…) at 1/2, code points from {@code U+3000} on (CJK, kana,
 *       hangul, emoji…) at 1; rounded up per text;</li>
 *   <li>per message {@value #MESSAGE_OVERHEAD_TOKENS} tokens of framing (OpenAI cookbook: "every
 *       message follows {@code <|start|>{role/name}\n{content}<|end|>\n}", 3 to 4 tokens), plus
 *       {@value #REPLY_PRIMING_TOKENS} once for priming the reply;</li>
 *   <li>tool call names and arguments and {@code tool_call_id}s as text; {@code tools} as the
 *       length of their JSON text / {@value #JSON_CHARS_PER_TOKEN}, measured by walking the
 *       values, not by serializing them;</li>
 *   <li>images at a flat {@value #IMAGE_TOKENS} ({@code detail: "low"}:
 *       {@value #IMAGE_LOW_DETAIL_TOKENS}), whatever their size: the gateway does not fetch or decode
 *       them.</li>
 * </ul>
 *
 * <p><b>Which way it errs, and why.</b> Mostly low. Code, JSON arguments, numbers and most
 * non-English text take more tokens per character than English prose, Anthropic's tokenizer
 * yields more tokens than OpenAI's for the same text, and large high-detail images cost OpenAI up
 * to about twice {@value #IMAGE_TOKENS}. Only the framing and the per-text rounding err high, by a
 * few tokens per message. That is the safe side: the estimate is used to refuse requests, and a
 * request wrongly refused could have succeeded, while one wrongly let through merely costs a
 * round trip whose context error the provider mapping reports with {@link #exceeded} too. So it
 * reliably catches requests that are clearly too long, and leaves the borderline to the upstream.
 *
 * <p>Cost: one walk over the body's messages (and {@code tools}), reading strings in place: no
 * copies of the text, no serialization, no regular expressions.
 */
public final class PromptEstimate {
    private PromptEstimate() { throw new AssertionError(); }

    /** Framing tokens per message (role, delimiters). */
    public static final int MESSAGE_OVERHEAD_TOKENS = 4;
    /** Tokens that prime the assistant's reply, once per request. */
    public static final int REPLY_PRIMING_TOKENS = 3;
    /** Tokens per image: OpenAI's cost of a 1024×1024 image at high detail (4 tiles × 170 + 85). */
    public static final int IMAGE_TOKENS = 765;
    /** Tokens per image with {@code detail: "low"}: OpenAI's flat low-detail cost. */
    public static final int IMAGE_LOW_DETAIL_TOKENS = 85;

    /** Text is summed in quarter tokens per text, then rounded up to whole tokens. */
    static final int QUARTERS_PER_TOKEN = 4;
    /** Quarter tokens per ASCII character (1/4 token). */
    static final int ASCII_QUARTERS = 1;
    /** Quarter tokens per other code point below {@link #WIDE_FROM} (1/2 token). */
    static final int NARROW_QUARTERS = 2;
    /** Quarter tokens per code point from {@link #WIDE_FROM} on (1 token). */
    static final int WIDE_QUARTERS = 4;
    /** First code point counted as a whole token: U+3000, the start of the CJK blocks. */
    static final int WIDE_FROM = 0x3000;

    /** Characters of JSON text per token, for {@code tools}. */
    static final int JSON_CHARS_PER_TOKEN = 4;
    /** JSON characters around each object key besides its own: two quotes, a colon, a comma. */
    static final int JSON_KEY_CHARS = 4;
    /** JSON characters around a string (its quotes) or a container (its brackets). */
    static final int JSON_DELIMITER_CHARS = 2;
    /** JSON characters after each array element (its comma). */
    static final int JSON_ELEMENT_CHARS = 1;
    /** JSON characters of {@code null}, {@code true}; {@code false} is one more. */
    static final int JSON_LITERAL_CHARS = 4;

    /**
     * The estimated prompt tokens of a chat request; see the class comment for what is counted
     * and which way it errs.
     *
     * @param body a request that passed {@code ChatRequestValidator}; read only
     * @return the estimate, at least {@value #REPLY_PRIMING_TOKENS}
     */
    public static long tokens(Map<String, Object> body) {
        long t = REPLY_PRIMING_TOKENS;
        if (body.get("messages") instanceof List<?> messages) {
            for (Object m : messages) {
                if (m instanceof Map<?, ?> msg) t += message(msg);
            }
        }
        Object tools = body.get("tools");
        if (tools != null) t += Math.ceilDiv(jsonChars(tools), JSON_CHARS_PER_TOKEN);
        return t;
    }

    /**
     * Refuses a request whose estimate is over the model's context window.
     *
     * @param model  the model the request is routed to
     * @param tokens the estimate from {@link #tokens}
     * @throws GatewayException {@link GatewayException#contextTooLong} when the model's context length is known
     *                          (non-zero) and {@code tokens} is above it
     */
    public static void check(Model model, long tokens) {
        if (model.contextLength() > 0 && tokens > model.contextLength()) {
            throw GatewayException.contextTooLong(model.contextLength(), tokens);
        }
    }

    private static long message(Map<?, ?> m) {
        long t = MESSAGE_OVERHEAD_TOKENS + text(m.get("name"));
        Object content = m.get("content");
        if (content instanceof String s) {
            t += text(s);
        } else if (content instanceof List<?> parts) {
            for (Object p : parts) {
                if (p instanceof Map<?, ?> part) t += part(part);
            }
        }
        t += text(m.get("refusal")) + text(m.get("tool_call_id"));
        if (m.get("tool_calls") instanceof List<?> calls) {
            for (Object c : calls) {
                if (c instanceof Map<?, ?> call && call.get("function") instanceof Map<?, ?> fn) {
                    t += text(fn.get("name")) + text(fn.get("arguments"));
                }
            }
        }
        return t;
    }

    private static long part(Map<?, ?> p) {
        Object type = p.get("type");
        if ("text".equals(type)) return text(p.get("text"));
        if ("refusal".equals(type)) return text(p.get("refusal"));
        if ("image_url".equals(type)) {
            return p.get("image_url") instanceof Map<?, ?> img && "low".equals(img.get("detail"))
                    ? IMAGE_LOW_DETAIL_TOKENS : IMAGE_TOKENS;
        }
        return 0; // no other part types pass validation
    }

    /** The estimate of one text's tokens, without a message's overhead (an embeddings input, issue 14). */
    public static long textTokens(String s) { return text(s); }

    /** Tokens of a text value (0 for anything but a string), rounded up. */
    static long text(Object v) {
        if (!(v instanceof String s)) return 0;
        long quarters = 0;
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) quarters += ASCII_QUARTERS;
            else if (c < WIDE_FROM) quarters += NARROW_QUARTERS;
            else if (!Character.isLowSurrogate(c)) quarters += WIDE_QUARTERS; // a pair counts once
        }
        return Math.ceilDiv(quarters, QUARTERS_PER_TOKEN);
    }

    /** The length of {@code v}'s JSON text, near enough (separators counted approximately). */
    static long jsonChars(Object v) {
        if (v instanceof String s) return s.length() + JSON_DELIMITER_CHARS;
        if (v instanceof JsonNumber n) return n.text().length();
        if (v instanceof Map<?, ?> m) {
            long chars = JSON_DELIMITER_CHARS;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                chars += (e.getKey() instanceof String k ? k.length() : 0) + JSON_KEY_CHARS + jsonChars(e.getValue());
            }
            return chars;
        }
        if (v instanceof List<?> list) {
            long chars = JSON_DELIMITER_CHARS;
            for (Object e : list) chars += jsonChars(e) + JSON_ELEMENT_CHARS;
            return chars;
        }
        if (Boolean.FALSE.equals(v)) return JSON_LITERAL_CHARS + 1;
        return JSON_LITERAL_CHARS; // null, true
    }
}
