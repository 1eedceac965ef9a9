package tollgate.route;

import java.util.List;
import java.util.Map;
import tollgate.json.MemberScan;
import tollgate.provider.RawChunk;

/**
 * Tokens a stream delivered to the client, estimated from the chunks relayed: what a stream is
 * charged when it ends without the upstream's usage (the client left, the upstream broke off, or
 * it sends no usage). Text counts a token per {@value #CHARS_PER_TOKEN} characters (the
 * estimate {@code conversation.PromptEstimate} uses), and a chunk with any content at least one,
 * since upstreams send about a token a chunk. A chunk relayed as bytes is not parsed: its
 * {@code choices} member's length less the envelope of one delta stands for its text.
 */
final class Delivered {
    private Delivered() { throw new AssertionError(); }

    static final int CHARS_PER_TOKEN = 4;
    /**
     * Bytes of {@code choices} around a delta's text:
     * {@code [{"index":0,"delta":{"content":""},"logprobs":null,"finish_reason":null}]} is 74;
     * taking a little less errs towards charging the text, not the envelope.
     */
    static final int CHOICES_ENVELOPE_BYTES = 64;

    /** Estimated tokens in a parsed chunk. */
    static long tokens(Map<String, Object> chunk) {
        if (!(chunk.get("choices") instanceof List<?> choices)) return 0;
        long chars = 0;
        boolean content = false;
        for (Object c : choices) {
            if (!(c instanceof Map<?, ?> choice) || !(choice.get("delta") instanceof Map<?, ?> delta)) continue;
            if (delta.get("content") instanceof String s) {
                chars += s.length();
                content |= !s.isEmpty();
            }
            if (delta.get("refusal") instanceof String s) {
                chars += s.length();
                content |= !s.isEmpty();
            }
            if (delta.get("tool_calls") instanceof List<?> calls) {
                for (Object t : calls) {
                    if (t instanceof Map<?, ?> call && call.get("function") instanceof Map<?, ?> f) {
                        if (f.get("arguments") instanceof String a) chars += a.length();
                        if (f.get("name") instanceof String n) chars += n.length();
                        content = true;
                    }
                }
            }
        }
        return content ? Math.max(1, Math.ceilDiv(chars, CHARS_PER_TOKEN)) : 0;
    }

    /** Estimated tokens in a chunk relayed as bytes. */
    static long tokens(RawChunk chunk) {
        MemberScan s = chunk.scan();
        if (!s.has(RawChunk.CHOICES) || s.isNull(RawChunk.CHOICES)) return 0;
        int bytes = s.valueEnd(RawChunk.CHOICES) - s.valueStart(RawChunk.CHOICES);
        if (bytes <= 2) return 0; // []
        return Math.max(1, Math.ceilDiv(Math.max(0, bytes - CHOICES_ENVELOPE_BYTES), CHARS_PER_TOKEN));
    }
}
