package tollgate.api;

import static tollgate.api.Validation.invalidType;
import static tollgate.api.Validation.invalidValue;
import static tollgate.api.Validation.longerThan;
import static tollgate.api.Validation.object;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tollgate.conversation.PromptEstimate;
import tollgate.error.GatewayException;
import tollgate.json.JsonNumber;

/**
 * The checks {@link FimRequest} and {@link CompletionRequest} share, in {@link Validation}'s
 * wording: a 400 naming the field at the first problem.
 */
final class CompletionFields {
    private CompletionFields() { throw new AssertionError(); }

    /** Most keys in {@code metadata}, and the longest {@code metadata.request_id}, in chars (as for chat). */
    static final int MAX_METADATA_KEYS = ChatRequestValidator.MAX_METADATA_KEYS;
    static final int MAX_REQUEST_ID_CHARS = ChatRequestValidator.MAX_REQUEST_ID_CHARS;
    static final int MAX_MODEL_CHARS = ChatRequestValidator.MAX_MODEL_CHARS;

    /** The body as an object map. */
    static Map<String, Object> body(Object parsed) {
        if (!(parsed instanceof Map<?, ?> raw)) {
            throw GatewayException.invalid(null, "The request body must be a JSON object, got " + Validation.typeName(parsed) + ".");
        }
        return Validation.cast(raw);
    }

    /** {@code model}: a non-empty string, or null (absent or JSON null) for the first model that serves the call. */
    static String model(Map<String, Object> body) {
        Object v = body.get("model");
        if (v == null) return null;
        if (!(v instanceof String s)) throw invalidType("model", "a string", v);
        if (s.isEmpty()) throw invalidValue("model", "a non-empty string", s);
        if (longerThan(s, MAX_MODEL_CHARS)) throw invalidValue("model", "a string of at most " + MAX_MODEL_CHARS + " characters", s);
        return s;
    }

    /** {@code stop}: a string, or an array of 1 to {@code max} strings. */
    static void stop(Object v, int max) {
        if (v instanceof String) return;
        if (!(v instanceof List<?> list)) throw invalidType("stop", "a string or an array of strings", v);
        if (list.isEmpty() || list.size() > max) {
            throw GatewayException.invalid("stop", "Invalid value for 'stop': expected an array of 1 to " + max + " strings, got "
                    + list.size() + " items.");
        }
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof String)) throw invalidType("stop[" + i + "]", "a string", list.get(i));
        }
    }

    /** {@code metadata}: an object of strings; returns its {@code request_id}, or null. */
    static String metadataRequestId(Object v) {
        Map<String, Object> m = object("metadata", v);
        if (m.size() > MAX_METADATA_KEYS) {
            throw GatewayException.invalid("metadata", "Invalid value for 'metadata': expected at most " + MAX_METADATA_KEYS
                    + " keys, got " + m.size() + ".");
        }
        for (Map.Entry<String, Object> e : m.entrySet()) {
            if (!(e.getValue() instanceof String)) throw invalidType("metadata." + e.getKey(), "a string", e.getValue());
        }
        Object id = m.get("request_id");
        if (id == null) return null;
        String s = (String) id;
        if (s.isEmpty() || longerThan(s, MAX_REQUEST_ID_CHARS)) {
            throw invalidValue("metadata.request_id", "a non-empty string of at most " + MAX_REQUEST_ID_CHARS + " characters", s);
        }
        return s;
    }

    /** A whole number; the caller checked its range with {@link Validation#integer}. */
    static long whole(Object v) {
        return ((JsonNumber) v).longValue();
    }

    /**
     * {@code a × b} or {@code a + b} of two token counts (≥ 0), at most {@link Long#MAX_VALUE}:
     * {@code max_tokens} may be any 64-bit integer, and a sum or product that wrapped around to a
     * negative count would fail the meter (a 500) and corrupt a tokens-per-minute limit.
     */
    static long times(long a, long b) {
        long p = a * b;
        return Math.multiplyHigh(a, b) != 0 || p < 0 ? Long.MAX_VALUE : p;
    }

    /** {@code a + b} of two token counts, saturated as {@link #times}. */
    static long plus(long a, long b) {
        long s = a + b;
        return s < 0 ? Long.MAX_VALUE : s;
    }

    /** The gateway's estimate of the tokens of a prompt and a suffix (the chat estimate's rules for one text). */
    static long promptTokens(String prompt, String suffix) {
        // Two texts as two messages (no copy of a long prompt): a few tokens of overhead more.
        List<Object> texts = suffix == null ? List.of(Map.of("content", prompt)) : List.of(Map.of("content", prompt), Map.of("content", suffix));
        return PromptEstimate.tokens(Map.of("messages", texts));
    }

    /**
     * A copy of {@code body} without its null members (null means absent in both APIs, and
     * some upstreams refuse a null they do not expect: Mistral's {@code top_p}), with
     * {@code max_tokens} set to {@code maxTokens} in its place or at the end.
     */
    static Map<String, Object> withMaxTokens(Map<String, Object> body, long maxTokens) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : body.entrySet()) {
            if (e.getValue() == null) continue;
            out.put(e.getKey(), e.getKey().equals("max_tokens") ? JsonNumber.of(maxTokens) : e.getValue());
        }
        out.putIfAbsent("max_tokens", JsonNumber.of(maxTokens));
        return out;
    }
}
