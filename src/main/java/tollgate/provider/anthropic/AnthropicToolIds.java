package tollgate.provider.anthropic;

import tollgate.provider.ToolIdHash;
import tollgate.provider.ToolIdRule;

/**
 * Anthropic's tool id rule, {@code ^[a-zA-Z0-9_-]+$}: it answers 400 "String should match pattern
 * '^[a-zA-Z0-9_-]+$'" otherwise (protocols.md §7). A refused id has each code point outside that
 * set replaced by {@code '_'}, so {@code functions.get_x:0} becomes {@code functions_get_x_0}:
 * readable, and usually what the model saw before. A collision appends {@code '_'} and
 * {@value #SUFFIX_CHARS} base62 characters of the SHA-256 of {@code id + "#" + n}.
 */
public final class AnthropicToolIds implements ToolIdRule {
    public static final AnthropicToolIds RULE = new AnthropicToolIds();

    /** Base62 characters appended to an id that collides. */
    static final int SUFFIX_CHARS = 6;

    private AnthropicToolIds() { }

    @Override
    public boolean accepts(String id) {
        return id != null && !id.isEmpty() && ToolIdHash.alphanumericOr(id, "_-");
    }

    @Override
    public String derive(String id, int n) {
        return n == 0 ? sanitize(id) : sanitize(id) + "_" + ToolIdHash.base62Sha256(id + "#" + n, SUFFIX_CHARS);
    }

    /** {@code id} with each code point outside {@code [a-zA-Z0-9_-]} replaced by {@code '_'}. */
    static String sanitize(String id) {
        StringBuilder b = new StringBuilder(id.length());
        for (int i = 0; i < id.length(); ) {
            int c = id.codePointAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
            b.append(ok ? (char) c : '_');
            i += Character.charCount(c);
        }
        return b.toString();
    }

    @Override public String toString() { return "anthropic"; }
}
