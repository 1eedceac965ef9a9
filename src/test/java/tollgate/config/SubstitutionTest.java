package tollgate.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.config.Substitution.Text;

class SubstitutionTest {
    private static final Map<String, String> ENV = Map.of("A", "alpha", "B", "beta", "EMPTY", "");

    @Test
    void plainString_isUnchanged() {
        Text t = Substitution.expand("no references $ here {}", ENV);
        assertEquals("no references $ here {}", t.value());
        assertFalse(t.references());
    }

    @Test
    void wholeStringReference_isReplaced() {
        Text t = Substitution.expand("${A}", ENV);
        assertEquals("alpha", t.value());
        assertEquals("${A}", t.raw());
        assertTrue(t.references());
        assertEquals(List.of(), t.unset());
    }

    @Test
    void default_isUsedOnlyWhenVariableUnsetOrEmpty() {
        assertEquals("alpha", Substitution.expand("${A:-fallback}", ENV).value());
        assertEquals("fallback", Substitution.expand("${MISSING:-fallback}", ENV).value());
        assertEquals("fallback", Substitution.expand("${EMPTY:-fallback}", ENV).value());
        assertEquals("http://h:1/v1", Substitution.expand("${MISSING:-http://h:1/v1}", ENV).value());
        Text emptyDefault = Substitution.expand("${MISSING:-}", ENV);
        assertEquals("", emptyDefault.value());
        assertEquals(List.of(), emptyDefault.unset());
    }

    @Test
    void severalReferencesInOneString_areAllReplaced() {
        assertEquals("x-alpha/beta/d-y", Substitution.expand("x-${A}/${B}/${C:-d}-y", ENV).value());
    }

    @Test
    void doubleDollar_escapesALiteralReference() {
        Text t = Substitution.expand("cost $${A} and ${A}", ENV);
        assertEquals("cost ${A} and alpha", t.value());
    }

    @Test
    void unsetVariable_becomesEmptyAndIsRecorded() {
        Text t = Substitution.expand("Bearer ${TOKEN}${EMPTY}", ENV);
        assertEquals("Bearer ", t.value());
        assertEquals(List.of("TOKEN", "EMPTY"), t.unset());
        assertEquals("TOKEN and EMPTY are not set", t.unsetReason());
        assertEquals("X is not set", Text.unsetReason(List.of("X", "X")));
        assertEquals("X, Y and Z are not set", Text.unsetReason(List.of("X", "Y", "Z")));
    }

    @Test
    void malformedReference_isAnError() {
        IllegalArgumentException unclosed = assertThrows(IllegalArgumentException.class,
                () -> Substitution.expand("${A", ENV));
        assertTrue(unclosed.getMessage().contains("unclosed"), unclosed.getMessage());
        IllegalArgumentException badName = assertThrows(IllegalArgumentException.class,
                () -> Substitution.expand("${1A}", ENV));
        assertTrue(badName.getMessage().contains("${1A}"), badName.getMessage());
    }
}
