package tollgate.api;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import tollgate.conversation.PromptEstimate;
import tollgate.error.GatewayException;
import tollgate.json.JsonNumber;
import tollgate.provider.EmbeddingsCall;

/**
 * Reads and checks OpenAI's {@code POST /embeddings} body (protocols-2.md §11, OpenAI's
 * {@code CreateEmbeddingRequest}) into an {@link EmbeddingsCall.Request}: {@code input} is a
 * string, an array of strings, an array of token ids or an array of such arrays, with 1 to
 * {@link #MAX_INPUTS} items and no empty string; {@code model} is required; {@code encoding_format}
 * is {@code float} or {@code base64}; {@code dimensions} and {@code user} are checked for their
 * type and range. An unknown field is refused naming it, as OpenAI does. Each error names the
 * offending parameter ({@code input[3]}, {@code input[0][5]}).
 *
 * @param model    the model the client named
 * @param request  what to embed
 * @param estimate the gateway's estimate of the inputs' tokens (for token arrays, their count)
 */
record EmbeddingsRequest(String model, EmbeddingsCall.Request request, long estimate) {
    /** Most inputs in one request, and most items in any {@code input} array (OpenAI's {@code maxItems}). */
    static final int MAX_INPUTS = 2048;
    /** Most token ids in one token array: OpenAI's per-input limit of 8192 tokens for every embeddings model. */
    static final int MAX_INPUT_TOKENS = 8192;
    /** Most token ids over all of a request's token arrays: OpenAI's 300,000 tokens summed across inputs. */
    static final int MAX_REQUEST_TOKENS = 300_000;
    /**
     * Longest vector asked for ({@code dimensions}): twice the longest known (OpenAI's largest is
     * 3072; Qwen3-Embedding-8B's 4096); it also bounds what the offline echo model writes.
     */
    static final int MAX_DIMENSIONS = 8192;
    /** Largest token id accepted (a vocabulary is far smaller; this only keeps ids within 32 bits). */
    static final long MAX_TOKEN_ID = Integer.MAX_VALUE;
    /** Longest {@code model} or {@code user}, in characters. */
    static final int MAX_NAME_CHARS = 256;

    static final List<String> ENCODINGS = List.of("float", "base64");
    private static final List<String> KNOWN = List.of("input", "model", "encoding_format", "dimensions", "user");

    static EmbeddingsRequest validate(Object parsed) {
        if (!(parsed instanceof Map<?, ?> m)) throw GatewayException.invalid(null, "The request body must be a JSON object.");
        Map<String, Object> body = Validation.cast(m);
        for (String k : body.keySet()) {
            if (!KNOWN.contains(k)) throw GatewayException.invalid(k, "Unrecognized request argument supplied: '" + k + "'.");
        }
        if (!body.containsKey("model")) throw Validation.missing("model");
        String model = name(body, "model");
        if (model == null) throw Validation.invalidType("model", "a string", null);
        if (!body.containsKey("input")) throw Validation.missing("input");
        Object input = body.get("input");
        List<Object> items = new ArrayList<>();
        boolean tokenIds;
        long estimate = 0;
        if (input instanceof String s) {
            text("input", s);
            items.add(s);
            tokenIds = false;
            estimate = PromptEstimate.textTokens(s);
        } else if (input instanceof List<?> list) {
            size("input", list);
            Object first = list.get(0);
            if (first instanceof String) {
                tokenIds = false;
                for (int i = 0; i < list.size(); i++) {
                    String path = "input[" + i + "]";
                    if (!(list.get(i) instanceof String s)) throw Validation.invalidType(path, "a string, as the other inputs", list.get(i));
                    text(path, s);
                    items.add(s);
                    estimate += PromptEstimate.textTokens(s);
                }
            } else if (first instanceof JsonNumber) {
                tokenIds = true;
                tokens("input", list);
                items.add(list);
                estimate = list.size();
            } else if (first instanceof List<?>) {
                tokenIds = true;
                for (int i = 0; i < list.size(); i++) {
                    String path = "input[" + i + "]";
                    if (!(list.get(i) instanceof List<?> ids)) {
                        throw Validation.invalidType(path, "an array of token ids, as the other inputs", list.get(i));
                    }
                    if (ids.isEmpty()) {
                        throw GatewayException.invalid(path, "Invalid value for '" + path + "': expected a non-empty array of "
                                + "token ids, got an empty array.");
                    }
                    tokens(path, ids);
                    items.add(ids);
                    estimate += ids.size();
                }
            } else {
                throw Validation.invalidType("input[0]", "a string, a token id or an array of token ids", first);
            }
            if (tokenIds && estimate > MAX_REQUEST_TOKENS) {
                throw GatewayException.invalid("input", "Invalid value for 'input': expected at most " + MAX_REQUEST_TOKENS
                        + " tokens summed across all inputs, got " + estimate + ".");
            }
        } else {
            throw Validation.invalidType("input", "a string, an array of strings, an array of token ids or an array of arrays "
                    + "of token ids", input);
        }
        String encoding = null;
        if (body.get("encoding_format") != null) {
            encoding = Validation.string("encoding_format", body.get("encoding_format"));
            if (!ENCODINGS.contains(encoding)) throw Validation.invalidValue("encoding_format", "one of 'float', 'base64'", encoding);
        }
        int dimensions = 0;
        if (body.get("dimensions") != null) {
            Validation.integer("dimensions", body.get("dimensions"), 1, MAX_DIMENSIONS);
            dimensions = (int) ((JsonNumber) body.get("dimensions")).longValue();
        }
        String user = name(body, "user");
        return new EmbeddingsRequest(model, new EmbeddingsCall.Request(input, Collections.unmodifiableList(items), tokenIds,
                encoding, dimensions, user), estimate);
    }

    private static void text(String path, String s) {
        if (s.isEmpty()) throw GatewayException.invalid(path, "Invalid value for '" + path + "': an input cannot be an empty string.");
    }

    /** An {@code input} array of 1 to {@link #MAX_INPUTS} items. */
    private static void size(String path, List<?> list) {
        if (list.isEmpty()) {
            throw GatewayException.invalid(path, "Invalid value for '" + path + "': expected an array of 1 to " + MAX_INPUTS
                    + " items, got an empty array.");
        }
        if (list.size() > MAX_INPUTS) {
            throw GatewayException.invalid(path, "Invalid value for '" + path + "': expected an array of 1 to " + MAX_INPUTS
                    + " items, got " + list.size() + ".");
        }
    }

    /** Every item a token id: an integer from 0 to {@link #MAX_TOKEN_ID}; at most {@link #MAX_INPUT_TOKENS} of them. */
    private static void tokens(String path, List<?> ids) {
        if (ids.size() > MAX_INPUT_TOKENS) {
            throw GatewayException.invalid(path, "Invalid value for '" + path + "': expected at most " + MAX_INPUT_TOKENS
                    + " token ids (one input's limit), got " + ids.size() + ".");
        }
        for (int j = 0; j < ids.size(); j++) {
            Object id = ids.get(j);
            String at = path + "[" + j + "]";
            if (!(id instanceof JsonNumber)) throw Validation.invalidType(at, "a token id (an integer), as the other items", id);
            Validation.integer(at, id, 0, MAX_TOKEN_ID);
        }
    }

    /** A model id or user name: 1 to {@link #MAX_NAME_CHARS} characters, or null when absent. */
    private static String name(Map<String, Object> body, String key) {
        Object raw = body.get(key);
        if (raw == null) return null;
        String v = Validation.string(key, raw);
        if (v.isEmpty() || v.length() > MAX_NAME_CHARS) throw Validation.invalidValue(key, "1 to " + MAX_NAME_CHARS + " characters", v);
        return v;
    }
}
