package tollgate.provider;

/**
 * Which tool call ids an upstream accepts. Ids the target does not accept are rewritten before
 * dispatch and mapped back on the way down (seed 002, "ID normalization").
 */
public enum ToolIdRule {
    /** Any non-empty string (OpenAI and OpenAI-compatible upstreams). */
    ANY,
    /**
     * {@code ^[a-zA-Z0-9_-]+$}: Anthropic answers 400 "String should match pattern
     * '^[a-zA-Z0-9_-]+$'" otherwise (protocols.md §7).
     */
    ANTHROPIC,
    /**
     * Exactly 9 of {@code [a-zA-Z0-9]}: Mistral answers "Tool call id was X but must be a-z,
     * A-Z, 0-9, with a length of 9." otherwise (protocols.md §6).
     */
    MISTRAL;

    /** Length of a Mistral tool call id, in characters. */
    public static final int MISTRAL_ID_CHARS = 9;

    /** Whether the upstream accepts {@code id} as it is. */
    public boolean accepts(String id) {
        if (id == null || id.isEmpty()) return false;
        return switch (this) {
            case ANY -> true;
            case ANTHROPIC -> allMatch(id, true);
            case MISTRAL -> id.length() == MISTRAL_ID_CHARS && allMatch(id, false);
        };
    }

    private static boolean allMatch(String id, boolean dashAndUnderscore) {
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || (dashAndUnderscore && (c == '_' || c == '-'));
            if (!ok) return false;
        }
        return true;
    }
}
