package tollgate.provider;

import java.util.Map;
import tollgate.json.JsonNumber;

/** Token counts of one completion, as the provider reported them. */
public record Usage(long promptTokens, long completionTokens, long totalTokens) {

    /** The upstream reported no usage. */
    public static final Usage NONE = new Usage(-1, -1, -1);

    public boolean known() { return totalTokens >= 0; }

    /**
     * Reads an OpenAI {@code usage} object; returns {@link #NONE} for null or a non-object.
     * A missing total is the sum of the parts.
     */
    public static Usage fromJson(Object usage) {
        if (!(usage instanceof Map<?, ?> m)) return NONE;
        long prompt = count(m.get("prompt_tokens"));
        long completion = count(m.get("completion_tokens"));
        long total = count(m.get("total_tokens"));
        if (prompt < 0 && completion < 0 && total < 0) return NONE;
        prompt = Math.max(prompt, 0);
        completion = Math.max(completion, 0);
        if (total < 0) total = prompt + completion;
        return new Usage(prompt, completion, total);
    }

    private static long count(Object v) {
        if (v instanceof JsonNumber n && n.isInteger()) {
            try {
                return Math.max(0, n.longValue());
            } catch (NumberFormatException tooBig) {
                return -1;
            }
        }
        return -1;
    }
}
