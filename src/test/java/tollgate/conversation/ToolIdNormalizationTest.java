package tollgate.conversation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.conversation.TestBodies.messages;
import static tollgate.conversation.TestBodies.messagesOf;
import static tollgate.conversation.ToolCallRepairTest.assertMessages;
import static tollgate.conversation.ToolCallRepairTest.calls;
import static tollgate.conversation.ToolCallRepairTest.list;
import static tollgate.conversation.ToolCallRepairTest.placeholder;
import static tollgate.conversation.ToolCallRepairTest.repair;
import static tollgate.conversation.ToolCallRepairTest.result;
import static tollgate.conversation.ToolCallRepairTest.user;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import tollgate.conversation.ToolCallRepair.Repaired;
import tollgate.json.Json;
import tollgate.provider.ToolIdRule;
import tollgate.provider.anthropic.AnthropicToolIds;
import tollgate.provider.mistral.MistralToolIds;

/**
 * Id normalization (seed 002; protocols.md §6, §7). Expected MISTRAL ids were computed
 * independently: base62 digits, least significant first, of the first 8 bytes (big-endian,
 * unsigned) of SHA-256 of the UTF-8 id.
 */
class ToolIdNormalizationTest {

    @Test
    void anthropic_replacesRefusedCharactersWithUnderscores() {
        Repaired r = repair(messages(list(user("q"), calls("functions.get_x:0", "call_ok-1"),
                result("functions.get_x:0"), result("call_ok-1"))), AnthropicToolIds.RULE);
        assertMessages(list(user("q"), calls("functions_get_x_0", "call_ok-1"),
                "{\"role\":\"tool\",\"tool_call_id\":\"functions_get_x_0\",\"content\":\"r-functions.get_x:0\"}",
                result("call_ok-1")), r);
        assertEquals(new Repairs(0, 0, 0, 1), r.repairs());
        assertEquals(Map.of("functions_get_x_0", "functions.get_x:0"), r.upstreamToClientIds());
        assertEquals("{\"ids_normalized\":1}", Json.toString(r.repairs().toJson()));
    }

    @Test
    void anthropic_replacesEachCodePointOnce() {
        assertEquals("call_1_", AnthropicToolIds.RULE.derive("call\uD83D\uDE001é", 0));
        assertEquals("a_b-c_d", AnthropicToolIds.RULE.derive("a b-c/d", 0));
    }

    @Test
    void anthropic_derivesAgainWhenTheSanitizedIdIsTaken() {
        // "a_b" is the client's own (accepted) id, so neither "a.b" nor "a:b" may become it
        Repaired r = repair(messages(list(user("q"), calls("a.b", "a:b", "a_b"),
                result("a_b"), result("a:b"), result("a.b"))), AnthropicToolIds.RULE);
        assertEquals(List.of("a_b_WOaMSH", "a_b_2XyrBI", "a_b"), callIds(r, 1));
        assertEquals(List.of("a_b", "a_b_2XyrBI", "a_b_WOaMSH"), List.of(
                toolCallId(r, 2), toolCallId(r, 3), toolCallId(r, 4)));
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("a_b_WOaMSH", "a.b");
        expected.put("a_b_2XyrBI", "a:b");
        assertEquals(expected, r.upstreamToClientIds());
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(r.upstreamToClientIds().keySet()));
        assertEquals(new Repairs(0, 0, 0, 2), r.repairs());
    }

    @Test
    void anthropic_firstRefusedIdGetsThePlainFormWhenFree() {
        Repaired r = repair(messages(list(user("q"), calls("a.b", "a:b"), result("a.b"), result("a:b"))),
                AnthropicToolIds.RULE);
        assertEquals(List.of("a_b", "a_b_2XyrBI"), callIds(r, 1));
        assertEquals(Map.of("a_b", "a.b", "a_b_2XyrBI", "a:b"), r.upstreamToClientIds());
    }

    @Test
    void mistral_hashesToNineBase62Characters() {
        Map<String, Object> body = messages(list(user("q"), calls("call_abc123", "call_abc124"),
                result("call_abc124"), result("call_abc123"), "{\"role\":\"assistant\",\"content\":\"ok\"}"));
        Repaired r = repair(body, MistralToolIds.RULE);
        assertEquals(List.of("OANJQSxzk", "BwtkOuwXr"), callIds(r, 1));
        assertEquals("BwtkOuwXr", toolCallId(r, 2));
        assertEquals("OANJQSxzk", toolCallId(r, 3));
        assertEquals(Map.of("OANJQSxzk", "call_abc123", "BwtkOuwXr", "call_abc124"), r.upstreamToClientIds());
        assertEquals(new Repairs(0, 0, 0, 2), r.repairs());
        assertSame(messagesOf(body).get(0), messagesOf(r.body()).get(0));
        assertSame(messagesOf(body).get(4), messagesOf(r.body()).get(4));
    }

    @Test
    void mistral_isDeterministicAcrossRequestsOfTheConversation() {
        Repaired first = repair(messages(list(user("q"), calls("call_abc123"), result("call_abc123"))),
                MistralToolIds.RULE);
        Repaired again = repair(messages(list(user("q"), calls("call_abc123"), result("call_abc123"),
                "{\"role\":\"assistant\",\"content\":\"ok\"}", user("more"), calls("functions.get_x:0"))),
                MistralToolIds.RULE);
        assertEquals(callIds(first, 1), callIds(again, 1));
        assertEquals(List.of("4A8p5TToX"), callIds(again, 5));
        assertEquals(Json.toString(messagesOf(first.body())),
                Json.toString(ToolCallRepair.repair(messages(list(user("q"), calls("call_abc123"),
                        result("call_abc123"))), MistralToolIds.RULE).body().get("messages")));
    }

    @Test
    void mistral_derivesAgainWhenTheHashIsTaken() {
        // "JoYA9V8UF" is what "x1" hashes to; here it is the client's own id, so "x1" gets hash("x1#1")
        Repaired r = repair(messages(list(user("q"), calls("x1", "JoYA9V8UF"), result("x1"), result("JoYA9V8UF"))),
                MistralToolIds.RULE);
        assertEquals(List.of("TbXMXDYf5", "JoYA9V8UF"), callIds(r, 1));
        assertEquals(Map.of("TbXMXDYf5", "x1"), r.upstreamToClientIds());
        assertEquals("JoYA9V8UF", MistralToolIds.RULE.derive("x1", 0));
    }

    @Test
    void mistral_distinctIdsGiveDistinctAcceptedIds() {
        Set<String> seen = new HashSet<>();
        Set<String> taken = new HashSet<>();
        for (int i = 0; i < 5000; i++) {
            String plain = MistralToolIds.RULE.derive("call_" + i, 0);
            assertTrue(MistralToolIds.RULE.accepts(plain), plain);
            assertTrue(seen.add(plain), "collision at " + i);
            assertTrue(MistralToolIds.RULE.accepts(ToolIds.unique("call_" + i, MistralToolIds.RULE, taken)));
        }
        assertEquals(5000, taken.size());
    }

    @Test
    void normalization_appliesToPlaceholdersAndAfterDeduplication() {
        Repaired r = repair(messages(list(user("q"), calls("a.b", "a.b"))), AnthropicToolIds.RULE);
        assertMessages(list(user("q"), calls("a_b"), placeholder("a_b")), r);
        assertEquals(new Repairs(1, 0, 1, 1), r.repairs());
        assertEquals(Map.of("a_b", "a.b"), r.upstreamToClientIds());
    }

    @Test
    void normalization_ignoresIdsOfRemovedOrphans() {
        Repaired r = repair(messages(list(user("q"), calls("abcdefgh1"), result("abcdefgh1"), result("not.ok"))),
                MistralToolIds.RULE);
        assertMessages(list(user("q"), calls("abcdefgh1"), result("abcdefgh1")), r);
        assertEquals(new Repairs(0, 1, 0, 0), r.repairs());
        assertTrue(r.upstreamToClientIds().isEmpty());
    }

    @Test
    void normalization_copiesOnlyTheCallsThatChange() {
        Map<String, Object> body = messages(list(user("q"), calls("ok_1", "not.ok"), result("ok_1"), result("not.ok")));
        Repaired r = repair(body, AnthropicToolIds.RULE);
        List<Object> in = messagesOf(body), out = messagesOf(r.body());
        assertNotSame(in.get(1), out.get(1));
        assertSame(((List<?>) ((Map<?, ?>) in.get(1)).get("tool_calls")).get(0),
                ((List<?>) ((Map<?, ?>) out.get(1)).get("tool_calls")).get(0));
        assertSame(in.get(2), out.get(2));
        assertNotSame(in.get(3), out.get(3));
        assertEquals("not_ok", toolCallId(r, 3));
        assertEquals("not.ok", ((Map<?, ?>) in.get(3)).get("tool_call_id"));
    }

    @Test
    void normalization_reverseMapIsUnmodifiable() {
        Repaired r = repair(messages(list(user("q"), calls("a.b"), result("a.b"))), AnthropicToolIds.RULE);
        assertThrows(UnsupportedOperationException.class, () -> r.upstreamToClientIds().put("x", "y"));
    }

    @Test
    void any_acceptsEveryId() {
        Map<String, Object> body = messages(list(user("q"), calls("functions.get_x:0"), result("functions.get_x:0")));
        Repaired r = repair(body, ToolIdRule.ANY);
        assertSame(body, r.body());
        assertSame(Repairs.NONE, r.repairs());
    }

    // ---------------------------------------------------------------- helpers

    static List<String> callIds(Repaired r, int message) {
        List<?> calls = (List<?>) ((Map<?, ?>) messagesOf(r.body()).get(message)).get("tool_calls");
        return calls.stream().map(c -> (String) ((Map<?, ?>) c).get("id")).toList();
    }

    static String toolCallId(Repaired r, int message) {
        return (String) ((Map<?, ?>) messagesOf(r.body()).get(message)).get("tool_call_id");
    }
}
