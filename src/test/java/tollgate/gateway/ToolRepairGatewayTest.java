package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.FakeUpstream.DONE;
import static tollgate.gateway.FakeUpstream.data;
import static tollgate.gateway.GatewayHarness.list;
import static tollgate.gateway.GatewayHarness.obj;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Tool-call repair before dispatch, for every provider kind: one conversation (a system prompt,
 * a question, an assistant message with two parallel calls, their results, a follow-up), sent
 * intact and broken in each way the repair handles. For each kind the test checks exactly what
 * the upstream received (the repaired conversation, translated for Anthropic, ids rewritten
 * where the kind needs it) and the {@code repairs} report in the response's extension object.
 */
class ToolRepairGatewayTest extends ProviderKindsTestBase {
    static final String INTERRUPTED = "Tool execution was interrupted before completion.";
    static final Pattern MISTRAL_ID = Pattern.compile("[a-zA-Z0-9]{9}");

    /** Ids every kind accepts as they are (9 alphanumerics). */
    static final String W = "aB3dE5gH7";
    static final String T = "D681PevKs";
    /** Ids OpenAI accepts, Anthropic and Mistral do not. */
    static final String BAD_W = "call_Ab1.x:0";
    static final String BAD_T = "call_Ab1.x:1";

    static final String SYSTEM_TEXT = "You are a weather bot.";
    static final String QUESTION = "Weather in Paris and time in Tokyo?";
    static final String FOLLOW_UP = "Thanks! And tomorrow?";
    static final String W_ARGS = "{\"city\":\"Paris\"}";
    static final String T_ARGS = "{\"tz\":\"Asia/Tokyo\"}";
    static final String W_RESULT = "18°C, sunny";
    static final String T_RESULT = "21:04";

    static String callW(String id) { return call(id, "get_weather", W_ARGS); }

    static String callT(String id) { return call(id, "get_time", T_ARGS); }

    /** The intact conversation with ids {@code w}, {@code t}, the second result being {@code tResult}. */
    static String canonical(String w, String t, String tResult) {
        return messages(system(SYSTEM_TEXT), user(QUESTION), assistant(null, callW(w), callT(t)),
                toolResult(w, W_RESULT), toolResult(t, tResult), user(FOLLOW_UP));
    }

    /** {@link #canonical} as the Anthropic Messages request must carry it. */
    static String anthropicCanonical(String w, String t, String tResult) {
        return "[{\"role\":\"user\",\"content\":" + lit(QUESTION) + "},"
                + "{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":" + lit(w) + ",\"name\":\"get_weather\","
                + "\"input\":" + W_ARGS + "},{\"type\":\"tool_use\",\"id\":" + lit(t) + ",\"name\":\"get_time\",\"input\":" + T_ARGS + "}]},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":" + lit(w) + ",\"content\":" + lit(W_RESULT) + "},"
                + "{\"type\":\"tool_result\",\"tool_use_id\":" + lit(t) + ",\"content\":" + lit(tResult) + "},"
                + "{\"type\":\"text\",\"text\":" + lit(FOLLOW_UP) + "}]}]";
    }

    enum Kind {
        OPENAI("gpt-4o-mini", "gpt-4o-mini-2024-07-18"),
        ANTHROPIC("claude-sonnet", "claude-sonnet-4-20250514"),
        MISTRAL("mistral-large", "mistral-large-2411");

        final String model;
        final String upstreamModel;

        Kind(String model, String upstreamModel) {
            this.model = model;
            this.upstreamModel = upstreamModel;
        }
    }

    /**
     * One way to send the conversation.
     *
     * @param messages       what the client sends
     * @param w              the client's id of the weather call, {@code t} of the time call
     * @param tResult        what the repaired conversation has as the time call's result
     * @param structural     the report's structural counts (duplicates, orphans, placeholders) as
     *                       JSON members, e.g. {@code "duplicates_removed":1}; empty for none
     */
    record Case(String name, String messages, String w, String t, String tResult, String structural) {
        @Override
        public String toString() { return name; }

        boolean badIds() { return w.equals(BAD_W); }

        /** The report expected for {@code kind}: the structural counts, plus the ids the kind had to rewrite. */
        String repairs(Kind kind) {
            String ids = badIds() && kind != Kind.OPENAI ? "\"ids_normalized\":2" : "";
            String members = structural.isEmpty() ? ids : ids.isEmpty() ? structural : structural + "," + ids;
            return members.isEmpty() ? null : "{" + members + "}";
        }
    }

    static final List<Case> CASES = List.of(
            new Case("valid", canonical(W, T, T_RESULT), W, T, T_RESULT, ""),
            new Case("duplicate call", messages(system(SYSTEM_TEXT), user(QUESTION), assistant(null, callW(W), callT(T), callW(W)),
                    toolResult(W, W_RESULT), toolResult(T, T_RESULT), user(FOLLOW_UP)),
                    W, T, T_RESULT, "\"duplicates_removed\":1"),
            new Case("duplicate result", messages(system(SYSTEM_TEXT), user(QUESTION), assistant(null, callW(W), callT(T)),
                    toolResult(W, W_RESULT), toolResult(T, T_RESULT), toolResult(W, W_RESULT), user(FOLLOW_UP)),
                    W, T, T_RESULT, "\"duplicates_removed\":1"),
            new Case("orphan result after the results", messages(system(SYSTEM_TEXT), user(QUESTION),
                    assistant(null, callW(W), callT(T)), toolResult(W, W_RESULT), toolResult(T, T_RESULT),
                    toolResult("call_stale:7", "stale result"), user(FOLLOW_UP)),
                    W, T, T_RESULT, "\"orphans_removed\":1"),
            new Case("orphan result after a user message", messages(system(SYSTEM_TEXT), user(QUESTION),
                    toolResult("Qq1Ww2Ee3", "from an earlier session"), assistant(null, callW(W), callT(T)),
                    toolResult(W, W_RESULT), toolResult(T, T_RESULT), user(FOLLOW_UP)),
                    W, T, T_RESULT, "\"orphans_removed\":1"),
            new Case("missing result", messages(system(SYSTEM_TEXT), user(QUESTION), assistant(null, callW(W), callT(T)),
                    toolResult(W, W_RESULT), user(FOLLOW_UP)),
                    W, T, INTERRUPTED, "\"placeholders_added\":1"),
            new Case("bad ids", canonical(BAD_W, BAD_T, T_RESULT), BAD_W, BAD_T, T_RESULT, ""),
            new Case("everything at once", messages(system(SYSTEM_TEXT), user(QUESTION),
                    assistant(null, callW(BAD_W), callT(BAD_T), callW(BAD_W)), toolResult(BAD_W, W_RESULT),
                    toolResult("call_stale:7", "stale result"), user(FOLLOW_UP)),
                    BAD_W, BAD_T, INTERRUPTED,
                    "\"duplicates_removed\":1,\"orphans_removed\":1,\"placeholders_added\":1"));

    static Stream<Arguments> kindsAndCases() {
        List<Arguments> out = new ArrayList<>();
        for (Kind kind : Kind.values()) {
            for (Case c : CASES) out.add(Arguments.of(kind, c));
        }
        return out.stream();
    }

    static String request(Kind kind, String messages) {
        return "{\"model\":\"" + kind.model + "\",\"messages\":" + messages + ",\"tools\":" + TOOLS + "}";
    }

    @BeforeEach
    void answers() {
        upstream.respondWith(byPath(
                OPENAI_PATH, FakeUpstream.json(200, openAiCompletion("chatcmpl-r1", "gpt-4o-mini-2024-07-18")),
                MISTRAL_PATH, FakeUpstream.json(200, openAiCompletion("cmpl-r1", "mistral-large-2411")),
                ANTHROPIC_PATH, FakeUpstream.json(200, "{\"id\":\"msg_01R\",\"type\":\"message\",\"role\":\"assistant\","
                        + "\"model\":\"claude-sonnet-4-20250514\",\"content\":[{\"type\":\"text\",\"text\":\"Rain tomorrow.\"}],"
                        + "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":120,\"output_tokens\":4}}")));
    }

    static String openAiCompletion(String id, String model) {
        return "{\"id\":\"" + id + "\",\"object\":\"chat.completion\",\"created\":1700000010,\"model\":\"" + model + "\","
                + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Rain tomorrow.\"},"
                + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":120,\"completion_tokens\":4,\"total_tokens\":124}}";
    }

    /**
     * The ids of the weather and the time call as the upstream got them, checked against the
     * kind's rule: unchanged where the kind accepts the client's id, else '_' for Anthropic and
     * 9 distinct alphanumerics for Mistral.
     */
    static String[] upstreamIds(Kind kind, Case c, Map<String, Object> body) {
        List<String> ids = new ArrayList<>();
        for (Object m : list(body.get("messages"))) {
            if (kind == Kind.ANTHROPIC) {
                if (obj(m).get("content") instanceof List<?> blocks) {
                    for (Object b : blocks) {
                        if ("tool_use".equals(obj(b).get("type"))) ids.add((String) obj(b).get("id"));
                    }
                }
            } else if (obj(m).get("tool_calls") != null) {
                ids.addAll(toolCallIds(List.of(m)));
            }
        }
        assertEquals(2, ids.size(), "calls upstream: " + ids);
        String w = ids.get(0);
        String t = ids.get(1);
        if (!c.badIds() || kind == Kind.OPENAI) {
            assertEquals(List.of(c.w(), c.t()), ids, "ids the kind accepts are not touched");
        } else if (kind == Kind.ANTHROPIC) {
            assertEquals(List.of("call_Ab1_x_0", "call_Ab1_x_1"), ids);
        } else {
            assertTrue(MISTRAL_ID.matcher(w).matches() && MISTRAL_ID.matcher(t).matches(), ids.toString());
            assertNotEquals(w, t);
        }
        return new String[] {w, t};
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("kindsAndCases")
    void theUpstreamGetsTheRepairedConversationAndTheClientTheReport(Kind kind, Case c) throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions", request(kind, c.messages()));

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("Rain tomorrow.", obj(obj(list(obj(r.body()).get("choices")).get(0)).get("message")).get("content"));
        assertEquals(c.repairs(kind), repairs(extension(r)), "the repairs report");

        FakeUpstream.Received req = upstream.takeRequest();
        String sent = req.bodyText();
        String[] ids = upstreamIds(kind, c, obj(sent));
        String expected = switch (kind) {
            case OPENAI, MISTRAL -> "{\"model\":\"" + kind.upstreamModel + "\",\"messages\":" + canonical(ids[0], ids[1], c.tResult())
                    + ",\"tools\":" + TOOLS + "}";
            case ANTHROPIC -> "{\"model\":\"" + kind.upstreamModel + "\",\"max_tokens\":8192,\"system\":" + lit(SYSTEM_TEXT)
                    + ",\"messages\":" + anthropicCanonical(ids[0], ids[1], c.tResult()) + ",\"tools\":" + ANTHROPIC_TOOLS + "}";
        };
        assertEquals(expected, sent);
        if (c.repairs(kind) == null && kind != Kind.ANTHROPIC) {
            assertEquals(request(kind, c.messages()).replace("\"model\":\"" + kind.model + "\"",
                    "\"model\":\"" + kind.upstreamModel + "\""), sent, "a valid conversation goes up byte for byte");
        }
    }

    @Test
    void validConversation_streamed_noRepairsAndTheMessagesGoUpUnchanged() throws Exception {
        upstream.respondWith(FakeUpstream.sse(
                data("{\"id\":\"chatcmpl-r2\",\"object\":\"chat.completion.chunk\",\"created\":1700000011,\"model\":\"gpt-4o-mini-2024-07-18\","
                        + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Rain.\"},\"finish_reason\":\"stop\"}]}"),
                DONE));
        String messages = canonical(W, T, T_RESULT);

        String body = GatewayHarness.readAll(gw.postStream("/v1/chat/completions",
                "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":" + messages + ",\"tools\":" + TOOLS + "}").body());

        assertNull(repairs(obj(obj(chunksBeforeDone(body).get(0)).get("tollgate"))), body);
        assertEquals("{\"model\":\"gpt-4o-mini-2024-07-18\",\"stream\":true,\"messages\":" + messages + ",\"tools\":" + TOOLS
                + ",\"stream_options\":{\"include_usage\":true}}", upstream.takeRequest().bodyText());
    }

    @Test
    void brokenConversation_streamed_theReportIsOnTheFirstChunk() throws Exception {
        upstream.respondWith(FakeUpstream.sse(
                data("{\"id\":\"chatcmpl-r3\",\"object\":\"chat.completion.chunk\",\"created\":1700000012,\"model\":\"gpt-4o-mini-2024-07-18\","
                        + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Rain.\"},\"finish_reason\":null}]}"),
                data("{\"id\":\"chatcmpl-r3\",\"object\":\"chat.completion.chunk\",\"created\":1700000012,\"model\":\"gpt-4o-mini-2024-07-18\","
                        + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}"),
                DONE));
        Case c = CASES.get(CASES.size() - 1);

        String body = GatewayHarness.readAll(gw.postStream("/v1/chat/completions",
                "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":" + c.messages() + ",\"tools\":" + TOOLS + "}").body());

        List<String> chunks = chunksBeforeDone(body);
        assertEquals("{\"duplicates_removed\":1,\"orphans_removed\":1,\"placeholders_added\":1}",
                repairs(obj(obj(chunks.get(0)).get("tollgate"))));
        assertTrue(!chunks.get(1).contains("tollgate"), "the extension object is on the first chunk only");
        assertEquals("{\"model\":\"gpt-4o-mini-2024-07-18\",\"stream\":true,\"messages\":" + canonical(BAD_W, BAD_T, INTERRUPTED)
                + ",\"tools\":" + TOOLS + ",\"stream_options\":{\"include_usage\":true}}", upstream.takeRequest().bodyText());
    }

    @Test
    void assistantLeftWithNoCallsAndNoContent_isRemovedAndTheConversationStillPairsUp() throws Exception {
        // The client resent its last assistant message (same call ids): the copy is a duplicate
        // through and through, so it goes, and the results after it answer the first one.
        String messages = messages(user(QUESTION), assistant(null, callW(W), callT(T)),
                assistant(null, callW(W), callT(T)), toolResult(W, W_RESULT), toolResult(T, T_RESULT));

        HttpResponse<String> r = gw.post("/v1/chat/completions", request(Kind.OPENAI, messages));

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("{\"duplicates_removed\":2}", repairs(extension(r)));
        assertEquals(request(Kind.OPENAI, messages(user(QUESTION), assistant(null, callW(W), callT(T)),
                        toolResult(W, W_RESULT), toolResult(T, T_RESULT))).replace("gpt-4o-mini", "gpt-4o-mini-2024-07-18"),
                upstream.takeRequest().bodyText());
    }

    @Test
    void lateResultForAnInterruptedCall_isAnOrphanAndTheCallKeepsItsPlaceholder() throws Exception {
        // Turn 1's call W got no result before the user spoke again; its result only comes after
        // the next assistant message, which did not make that call.
        String messages = messages(user(QUESTION), assistant(null, callW(W)), user(FOLLOW_UP),
                assistant(null, callT(T)), toolResult(T, T_RESULT), toolResult(W, W_RESULT));

        HttpResponse<String> r = gw.post("/v1/chat/completions", request(Kind.OPENAI, messages));

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("{\"orphans_removed\":1,\"placeholders_added\":1}", repairs(extension(r)));
        assertEquals(request(Kind.OPENAI, messages(user(QUESTION), assistant(null, callW(W)), toolResult(W, INTERRUPTED),
                        user(FOLLOW_UP), assistant(null, callT(T)), toolResult(T, T_RESULT)))
                        .replace("gpt-4o-mini", "gpt-4o-mini-2024-07-18"),
                upstream.takeRequest().bodyText());
    }
}
