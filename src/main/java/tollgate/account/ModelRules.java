package tollgate.account;

import java.util.List;

/**
 * Which models a key may use: {@code deny} globs first, then {@code allow} globs (none: every
 * model not denied). A glob's {@code *} matches any run of characters (slashes and colons too,
 * so {@code neo-mode/*}, {@code group:*} and {@code openai/*} work), {@code ?} one character;
 * everything else is literal and case-sensitive, as model ids are. Matching walks the strings
 * (no regex is compiled or run per request); a star backtracks at most once per character, so
 * the work is at worst the product of the two lengths, never exponential.
 */
public final class ModelRules {
    /** Anything goes. */
    public static final ModelRules ANY = new ModelRules(List.of(), List.of());

    private final List<String> allow;
    private final List<String> deny;

    public ModelRules(List<String> allow, List<String> deny) {
        this.allow = List.copyOf(allow);
        this.deny = List.copyOf(deny);
    }

    /** The rule that refuses {@code model} (e.g. {@code deny "gpt-4*"}), or null when it is allowed. */
    public String refusal(String model) {
        for (String g : deny) if (matches(g, model)) return "deny \"" + g + "\"";
        if (allow.isEmpty()) return null;
        for (String g : allow) if (matches(g, model)) return null;
        return "allow " + quoted(allow);
    }

    public boolean allows(String model) { return refusal(model) == null; }

    /**
     * Whether a deny glob matches {@code model}. What a policy or group picks is checked against
     * deny only: the allow list names what the client may ask for ({@code neo-mode/*} allowed
     * means "any model the policy picks that is not denied").
     */
    public boolean denies(String model) {
        for (String g : deny) if (matches(g, model)) return true;
        return false;
    }

    public List<String> allow() { return allow; }

    public List<String> deny() { return deny; }

    private static String quoted(List<String> globs) {
        StringBuilder b = new StringBuilder();
        for (String g : globs) b.append(b.isEmpty() ? "" : ", ").append('"').append(g).append('"');
        return b.toString();
    }

    /**
     * Glob match with one-star backtracking (the classic linear algorithm): on a mismatch after
     * a {@code *}, the star takes one more character and matching resumes after it.
     */
    static boolean matches(String glob, String s) {
        int g = 0, i = 0, star = -1, mark = 0;
        while (i < s.length()) {
            if (g < glob.length() && (glob.charAt(g) == '?' || glob.charAt(g) == s.charAt(i))) {
                g++;
                i++;
            } else if (g < glob.length() && glob.charAt(g) == '*') {
                star = g++;
                mark = i;
            } else if (star >= 0) {
                g = star + 1;
                i = ++mark;
            } else {
                return false;
            }
        }
        while (g < glob.length() && glob.charAt(g) == '*') g++;
        return g == glob.length();
    }
}
