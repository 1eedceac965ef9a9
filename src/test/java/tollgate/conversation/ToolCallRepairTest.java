package tollgate.conversation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.conversation.TestBodies.body;
import static tollgate.conversation.TestBodies.canonical;
import static tollgate.conversation.TestBodies.messages;
import static tollgate.conversation.TestBodies.messagesOf;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import tollgate.conversation.ToolCallRepair.Repaired;
import tollgate.json.Json;
import tollgate.provider.ToolIdRule;
import tollgate.provider.anthropic.AnthropicToolIds;
import tollgate.provider.mistral.MistralToolIds;

/** The structural rules (seed 002, "Tool call repair"); ids are in {@link ToolIdNormalizationTest}. */
class ToolCallRepairTest {

    static final String P = ToolCallRepair.INTERRUPTED_RESULT;

    /** Repairs and checks that the client's body was left exactly as it was. */
    /** Every dialect's rule. */
    static List<ToolIdRule> rules() {
        return List.of(ToolIdRule.ANY, AnthropicToolIds.RULE, MistralToolIds.RULE);
    }

    static Repaired repair(Map<String, Object> body, ToolIdRule rule) {
        String before = Json.toString(body);
        Repaired r = ToolCallRepair.repair(body, rule);
        assertEquals(before, Json.toString(body), "the client's body must not be modified");
        return r;
    }

    static Repaired repair(String messagesJson) {
        return repair(messages(messagesJson), ToolIdRule.ANY);
    }

    static void assertMessages(String expectedJson, Repaired r) {
        assertEquals(canonical(expectedJson), Json.toString(r.body().get("messages")));
    }

    static String call(String id) {
        return "{\"id\":\"" + id + "\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}";
    }

    static String callsWith(String content, String... ids) {
        StringBuilder b = new StringBuilder("{\"role\":\"assistant\",\"content\":" + content + ",\"tool_calls\":[");
        for (int i = 0; i < ids.length; i++) b.append(i == 0 ? "" : ",").append(call(ids[i]));
        return b.append("]}").toString();
    }

    static String calls(String... ids) { return callsWith("null", ids); }

    static String result(String id) { return "{\"role\":\"tool\",\"tool_call_id\":\"" + id + "\",\"content\":\"r-" + id + "\"}"; }

    static String placeholder(String id) {
        return "{\"role\":\"tool\",\"tool_call_id\":\"" + id + "\",\"content\":\"" + P + "\"}";
    }

    static String user(String text) { return "{\"role\":\"user\",\"content\":\"" + text + "\"}"; }

    static String list(String... messages) { return "[" + String.join(",", messages) + "]"; }

    // ---------------------------------------------------------------- valid conversations: untouched

    @ParameterizedTest
    @ValueSource(strings = {
            // no tools at all
            "[{\"role\":\"system\",\"content\":\"Be terse.\"},{\"role\":\"user\",\"content\":\"Hi\"},"
                    + "{\"role\":\"assistant\",\"content\":\"Hello\"},{\"role\":\"user\",\"content\":\"Bye\"}]",
            // one call answered, then the final answer
            "[{\"role\":\"user\",\"content\":\"q\"}," + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":["
                    + "{\"id\":\"call12345\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},"
                    + "{\"role\":\"tool\",\"tool_call_id\":\"call12345\",\"content\":\"ok\"},"
                    + "{\"role\":\"assistant\",\"content\":\"done\"}]",
            // content alongside calls, and an empty tool_calls list
            "[{\"role\":\"user\",\"content\":\"q\"},{\"role\":\"assistant\",\"content\":\"x\",\"tool_calls\":[]},"
                    + "{\"role\":\"user\",\"content\":\"q2\"}]",
    })
    void repair_leavesValidConversationsAsTheyAre(String messagesJson) {
        Map<String, Object> body = messages(messagesJson);
        for (ToolIdRule rule : rules()) {
            Repaired r = repair(body, rule);
            assertSame(body, r.body());
            assertSame(Repairs.NONE, r.repairs());
            assertTrue(r.upstreamToClientIds().isEmpty());
        }
    }

    @ParameterizedTest
    @MethodSource("rules")
    void repair_leavesMultiTurnParallelCallsAsTheyAre(ToolIdRule rule) {
        // ids every rule accepts (9 alphanumerics); results in any order within their group
        Map<String, Object> body = messages(list(user("q"),
                calls("aaaaaaaa1", "aaaaaaaa2"), result("aaaaaaaa2"), result("aaaaaaaa1"),
                "{\"role\":\"assistant\",\"content\":\"both done\"}", user("again"),
                callsWith("\"thinking\"", "bbbbbbbb1", "bbbbbbbb2", "bbbbbbbb3"),
                result("bbbbbbbb3"), result("bbbbbbbb1"), result("bbbbbbbb2"),
                calls("cccccccc1"), result("cccccccc1"),
                "{\"role\":\"assistant\",\"content\":\"all done\"}"));
        Repaired r = repair(body, rule);
        assertSame(body, r.body());
        assertSame(Repairs.NONE, r.repairs());
        assertEquals(Map.of(), r.upstreamToClientIds());
    }

    // ---------------------------------------------------------------- duplicates

    @Test
    void repair_removesDuplicateCallInTheSameMessage() {
        Repaired r = repair(list(user("q"), calls("A", "B", "A"), result("A"), result("B")));
        assertMessages(list(user("q"), calls("A", "B"), result("A"), result("B")), r);
        assertEquals(new Repairs(1, 0, 0, 0), r.repairs());
    }

    @Test
    void repair_removesDuplicateCallAcrossMessagesKeepingContent() {
        Repaired r = repair(list(user("q"), calls("A"), result("A"),
                callsWith("\"again\"", "A", "B"), result("B")));
        assertMessages(list(user("q"), calls("A"), result("A"), callsWith("\"again\"", "B"), result("B")), r);
        assertEquals(new Repairs(1, 0, 0, 0), r.repairs());
    }

    @Test
    void repair_dropsToolCallsKeyWhenAllCallsWereDuplicates() {
        Repaired r = repair(list(user("q"), calls("A"), result("A"), callsWith("\"again\"", "A"), user("q2")));
        assertMessages(list(user("q"), calls("A"), result("A"),
                "{\"role\":\"assistant\",\"content\":\"again\"}", user("q2")), r);
        assertEquals(new Repairs(1, 0, 0, 0), r.repairs());
    }

    @Test
    void repair_dropsAssistantLeftEmptyAfterDedupe() {
        // the emptied message is removed and transparent: the result after it still answers B
        Repaired r = repair(list(user("q"), calls("A", "B"), result("A"), calls("A"), result("B"), user("q2")));
        assertMessages(list(user("q"), calls("A", "B"), result("A"), result("B"), user("q2")), r);
        assertEquals(new Repairs(1, 0, 0, 0), r.repairs());
    }

    @Test
    void repair_removesSecondResultForTheSameCall() {
        Repaired r = repair(list(user("q"), calls("A"), result("A"), result("A"), user("q2")));
        assertMessages(list(user("q"), calls("A"), result("A"), user("q2")), r);
        assertEquals(new Repairs(1, 0, 0, 0), r.repairs());
        assertEquals("{\"duplicates_removed\":1}", Json.toString(r.repairs().toJson()));
    }

    @Test
    void repair_countsResultForAnIdAnsweredInAnEarlierTurnAsDuplicate() {
        Repaired r = repair(list(user("q"), calls("A"), result("A"), calls("B"), result("B"), result("A")));
        assertMessages(list(user("q"), calls("A"), result("A"), calls("B"), result("B")), r);
        assertEquals(new Repairs(1, 0, 0, 0), r.repairs());
    }

    // ---------------------------------------------------------------- orphans

    @Test
    void repair_removesOrphanBeforeAnyAssistant() {
        Repaired r = repair(list("{\"role\":\"system\",\"content\":\"s\"}", result("X"), user("q")));
        assertMessages(list("{\"role\":\"system\",\"content\":\"s\"}", user("q")), r);
        assertEquals(new Repairs(0, 1, 0, 0), r.repairs());
    }

    @Test
    void repair_removesOrphanAfterUser() {
        Repaired r = repair(list(user("q"), calls("A"), result("A"), user("q2"), result("B")));
        assertMessages(list(user("q"), calls("A"), result("A"), user("q2")), r);
        assertEquals(new Repairs(0, 1, 0, 0), r.repairs());
    }

    @Test
    void repair_removesOrphanAfterAssistantWithoutCalls() {
        Repaired r = repair(list(user("q"), "{\"role\":\"assistant\",\"content\":\"a\"}", result("A"), user("q2")));
        assertMessages(list(user("q"), "{\"role\":\"assistant\",\"content\":\"a\"}", user("q2")), r);
        assertEquals(new Repairs(0, 1, 0, 0), r.repairs());
    }

    @Test
    void repair_removesOrphanWithWrongId() {
        Repaired r = repair(list(user("q"), calls("A"), result("Z"), result("A")));
        assertMessages(list(user("q"), calls("A"), result("A")), r);
        assertEquals(new Repairs(0, 1, 0, 0), r.repairs());
    }

    @Test
    void repair_lateResultAfterPlaceholderIsAnOrphan() {
        Repaired r = repair(list(user("q"), calls("A"), user("q2"), result("A")));
        assertMessages(list(user("q"), calls("A"), placeholder("A"), user("q2")), r);
        assertEquals(new Repairs(0, 1, 1, 0), r.repairs());
    }

    // ---------------------------------------------------------------- missing results

    @Test
    void repair_insertsPlaceholdersInCallOrderAfterExistingResults() {
        Repaired r = repair(list(user("q"), calls("A", "B", "C"), result("B"), user("q2")));
        assertMessages(list(user("q"), calls("A", "B", "C"), result("B"), placeholder("A"), placeholder("C"),
                user("q2")), r);
        assertEquals(new Repairs(0, 0, 2, 0), r.repairs());
    }

    @Test
    void repair_insertsPlaceholderBeforeTheNextAssistant() {
        Repaired r = repair(list(user("q"), calls("A"), calls("B"), result("B")));
        assertMessages(list(user("q"), calls("A"), placeholder("A"), calls("B"), result("B")), r);
        assertEquals(new Repairs(0, 0, 1, 0), r.repairs());
    }

    @Test
    void repair_insertsPlaceholderAtTheEnd() {
        Repaired r = repair(list(user("q"), calls("A", "B"), result("A")));
        assertMessages(list(user("q"), calls("A", "B"), result("A"), placeholder("B")), r);
        assertEquals(new Repairs(0, 0, 1, 0), r.repairs());
        assertEquals("Tool execution was interrupted before completion.", P);
    }

    @Test
    void repair_placeholderKeysAreRoleToolCallIdContent() {
        Repaired r = repair(list(user("q"), calls("A")));
        assertEquals("{\"role\":\"tool\",\"tool_call_id\":\"A\",\"content\":\"" + P + "\"}",
                Json.toString(messagesOf(r.body()).get(2)));
    }

    // ---------------------------------------------------------------- combined, and the copy

    @Test
    void repair_appliesAllRulesTogether() {
        Repaired r = repair(list(result("early"), user("q"),
                calls("A", "B", "A"), result("B"), result("Z"), result("B"),
                calls("B"),                           // all duplicates, no content: removed
                user("q2"),
                callsWith("\"hm\"", "C", "D"), result("D")));
        assertMessages(list(user("q"),
                calls("A", "B"), result("B"), placeholder("A"),
                user("q2"),
                callsWith("\"hm\"", "C", "D"), result("D"), placeholder("C")), r);
        assertEquals(new Repairs(3, 2, 2, 0), r.repairs());
        assertEquals("{\"duplicates_removed\":3,\"orphans_removed\":2,\"placeholders_added\":2}",
                Json.toString(r.repairs().toJson()));
    }

    @Test
    void repair_copiesOnlyWhatChangesAndKeepsTopLevelOrder() {
        Map<String, Object> body = body("{\"model\":\"m\",\"temperature\":0.5,\"messages\":"
                + list(user("q"), calls("A", "A"), result("A"), user("q2"), result("Z")) + ",\"stream\":false}");
        List<Object> in = messagesOf(body);
        Repaired r = repair(body, ToolIdRule.ANY);

        assertNotSame(body, r.body());
        assertEquals(List.of("model", "temperature", "messages", "stream"), List.copyOf(r.body().keySet()));
        List<Object> out = messagesOf(r.body());
        assertNotSame(in, out);
        assertEquals(4, out.size());
        assertSame(in.get(0), out.get(0));      // unchanged messages are shared
        assertNotSame(in.get(1), out.get(1));   // the deduplicated one is a copy
        assertSame(in.get(2), out.get(2));
        assertSame(in.get(3), out.get(3));
        assertSame(body.get("temperature"), r.body().get("temperature"));
        assertTrue(r.upstreamToClientIds().isEmpty());
    }

    @Test
    void repair_keepsTheCallMapsOfADeduplicatedMessage() {
        Map<String, Object> body = messages(list(user("q"), calls("A", "B", "A"), result("A"), result("B")));
        @SuppressWarnings("unchecked")
        List<Object> inCalls = (List<Object>) ((Map<String, Object>) messagesOf(body).get(1)).get("tool_calls");
        Repaired r = repair(body, ToolIdRule.ANY);
        @SuppressWarnings("unchecked")
        List<Object> outCalls = (List<Object>) ((Map<String, Object>) messagesOf(r.body()).get(1)).get("tool_calls");
        assertSame(inCalls.get(0), outCalls.get(0));
        assertSame(inCalls.get(1), outCalls.get(1));
    }

    // ---------------------------------------------------------------- Repairs

    @Test
    void repairs_toJsonListsNonZeroCountsInOrderAsLongs() {
        Map<String, Object> json = new Repairs(1, 0, 2, 3).toJson();
        assertEquals("{\"duplicates_removed\":1,\"placeholders_added\":2,\"ids_normalized\":3}", Json.toString(json));
        assertEquals(List.of("duplicates_removed", "placeholders_added", "ids_normalized"), List.copyOf(json.keySet()));
        assertEquals(1L, json.get("duplicates_removed"));
        assertEquals("{\"orphans_removed\":4}", Json.toString(new Repairs(0, 4, 0, 0).toJson()));
        assertEquals("{\"duplicates_removed\":1,\"orphans_removed\":2,\"placeholders_added\":3,\"ids_normalized\":4}",
                Json.toString(new Repairs(1, 2, 3, 4).toJson()));
    }

    @Test
    void repairs_noneIsEmpty() {
        assertFalse(Repairs.NONE.any());
        assertTrue(Repairs.NONE.toJson().isEmpty());
        assertTrue(new Repairs(0, 0, 0, 1).any());
    }
}
