package tollgate.provider.mistral;

import tollgate.provider.ToolIdHash;
import tollgate.provider.ToolIdRule;

/**
 * Mistral's tool id rule: exactly {@value #ID_CHARS} of {@code [a-zA-Z0-9]}; it answers "Tool call
 * id was X but must be a-z, A-Z, 0-9, with a length of 9." otherwise (protocols.md §6). A refused
 * id becomes {@value #ID_CHARS} base62 characters of the SHA-256 of its UTF-8 bytes (of
 * {@code id + "#" + n} for derivation {@code n > 0}).
 */
public final class MistralToolIds implements ToolIdRule {
    public static final MistralToolIds RULE = new MistralToolIds();

    /** Length of a Mistral tool call id, in characters. */
    static final int ID_CHARS = 9;

    private MistralToolIds() { }

    @Override
    public boolean accepts(String id) {
        return id != null && id.length() == ID_CHARS && ToolIdHash.alphanumericOr(id, "");
    }

    @Override
    public String derive(String id, int n) {
        return ToolIdHash.base62Sha256(n == 0 ? id : id + "#" + n, ID_CHARS);
    }

    @Override public String toString() { return "mistral"; }
}
