package tollgate.provider;

/**
 * Which tool call ids an upstream accepts, and what a refused one becomes. Ids the target does not
 * accept are rewritten before dispatch and mapped back on the way down (seed 002, "ID
 * normalization"; {@code conversation.ToolCallRepair}). Each {@link Dialect} owns its rule.
 *
 * <p>Contract: {@link #derive} is a pure function of its arguments (the same id maps the same way
 * in every turn, every request and after a restart, with no state kept); every id it returns for
 * a non-empty id is one {@link #accepts} accepts; derivations {@code n = 0, 1, 2, ...} of one id
 * differ from each other (a caller that meets a collision in the conversation asks for the next
 * one). Implementations are immutable and thread-safe.
 */
public interface ToolIdRule {

    /** Whether the upstream accepts {@code id} as it is; never true for null or empty. */
    boolean accepts(String id);

    /** Derivation {@code n} (0 = the plain one) of a new id for {@code id}, which this rule refuses. */
    String derive(String id, int n);

    /** Any non-empty string (OpenAI and OpenAI-compatible upstreams): nothing is rewritten. */
    ToolIdRule ANY = new ToolIdRule() {
        @Override public boolean accepts(String id) { return id != null && !id.isEmpty(); }

        @Override public String derive(String id, int n) { return n == 0 ? id : id + "#" + n; }

        @Override public String toString() { return "any"; }
    };
}
