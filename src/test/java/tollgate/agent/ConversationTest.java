package tollgate.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.json.Json;
import tollgate.route.ChatRequest;
import tollgate.tool.ToolBox;

/** Each model call's request as the loop builds it from the execution. */
class ConversationTest {
    static Execution execution(Map<String, Object> body) {
        List<Object> messages = new ArrayList<>(List.of(Map.of("role", "user", "content", "Go")));
        return new Execution("e1", "k1", "t", "req_1", null, "gpt-4o-mini", body, Map.of(), new LinkedHashSet<>(), 1, 120_000, messages);
    }

    @Test
    void theLastCall_forbidsToolCalls_whenThereAreTools() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("tools", List.of(Map.of("type", "function", "function", Map.of("name", "f"))));
        body.put("tool_choice", "required");

        assertEquals("none", Conversation.request(execution(body), false, true).body().get("tool_choice"));
    }

    @Test
    void theLastCall_ofARequestLeftWithoutTools_setsNoToolChoice() {
        // A '<server>.*' whose server has no tools now leaves the request no tools at all;
        // OpenAI refuses a tool_choice without tools (400 'tool_choice' is only allowed when
        // 'tools' are specified).
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("temperature", 0);

        Map<String, Object> sent = Conversation.request(execution(body), false, true).body();

        assertFalse(sent.containsKey("tool_choice"), Json.toString(sent));
    }

    @Test
    void aRequestLeftWithoutTools_sendsNoneOfTheMembersThatNeedThem() {
        // OpenAI refuses tool_choice and parallel_tool_calls without tools.
        ToolBox box = new ToolBox(List.of());
        box.replaceServer("files", List.of());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", "gpt-4o-mini");
        body.put("messages", List.of(Map.of("role", "user", "content", "Go")));
        body.put("tools", List.of(Map.of("type", "gateway", "name", "files.*")));
        body.put("tool_choice", "required");
        body.put("parallel_tool_calls", false);
        AgentLoop loop = new AgentLoop(null, box, null, null, null, null);

        Execution ex = loop.start(new ChatRequest("gpt-4o-mini", body, false, false, null, null, null, null, List.of(), true), null,
                "req_1", null, 8, 120_000);

        assertEquals("{\"model\":\"gpt-4o-mini\"}", Json.toString(ex.body()));
    }
}
