package tollgate.account;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Model globs: matching, deny before allow, and the rule named in a refusal. */
class ModelRulesTest {

    @Test
    void globs() {
        assertTrue(ModelRules.matches("*", ""));
        assertTrue(ModelRules.matches("*", "gpt-4o"));
        assertTrue(ModelRules.matches("gpt-4o", "gpt-4o"));
        assertFalse(ModelRules.matches("gpt-4o", "gpt-4o-mini"));
        assertTrue(ModelRules.matches("gpt-4o*", "gpt-4o-mini"));
        assertTrue(ModelRules.matches("gpt-?o", "gpt-4o"));
        assertFalse(ModelRules.matches("gpt-?o", "gpt-4"));
        assertTrue(ModelRules.matches("neo-mode/*", "neo-mode/frugal"));
        assertFalse(ModelRules.matches("neo-mode/*", "neo-mode"));
        assertTrue(ModelRules.matches("group:*", "group:123e4567-e89b-12d3-a456-426614174000"));
        assertTrue(ModelRules.matches("*/claude-*", "anthropic/claude-3-5-haiku"));
        assertTrue(ModelRules.matches("*mini*", "gpt-4o-mini-2024"));
        assertTrue(ModelRules.matches("a*b*c", "axxbyyc"));
        assertFalse(ModelRules.matches("a*b*c", "axxbyy"));
        assertTrue(ModelRules.matches("**", "x"));
        assertFalse(ModelRules.matches("GPT-4o", "gpt-4o"), "case-sensitive, as model ids are");
    }

    @Test
    void aPathologicalGlob_doesNotBacktrackExponentially() {
        String s = "a".repeat(10_000);
        assertFalse(ModelRules.matches("*a*a*a*a*a*a*a*a*b", s));
    }

    @Test
    void denyComesFirst_thenAllow() {
        ModelRules r = new ModelRules(List.of("gpt-*", "neo-mode/*"), List.of("gpt-4o", "neo-mode/premium"));
        assertNull(r.refusal("gpt-4o-mini"));
        assertNull(r.refusal("neo-mode/frugal"));
        assertEquals("deny \"gpt-4o\"", r.refusal("gpt-4o"));
        assertEquals("deny \"neo-mode/premium\"", r.refusal("neo-mode/premium"));
        assertEquals("allow \"gpt-*\", \"neo-mode/*\"", r.refusal("claude-3-5-haiku"));
        assertTrue(ModelRules.ANY.allows("anything"));
        assertTrue(r.denies("gpt-4o"));
        assertFalse(r.denies("claude-3-5-haiku"), "what a policy picks is checked against deny only");
        assertNull(new ModelRules(List.of(), List.of("group:*")).refusal("echo"));
        assertEquals("deny \"group:*\"", new ModelRules(List.of(), List.of("group:*")).refusal("group:x"));
    }
}
