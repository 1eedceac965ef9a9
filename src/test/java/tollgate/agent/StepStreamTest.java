package tollgate.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.error.GatewayException;
import tollgate.json.Json;

/** One streamed model call of the loop: text on to the client, tool call deltas kept and assembled. */
class StepStreamTest {
    /** What the client's side got: each chunk's JSON, and "flush". */
    static final class Recorder implements AgentStream {
        final List<String> got = new ArrayList<>();
        @Override public void flush() { got.add("flush"); }
        @Override public void begin(Begin begin) { got.add("begin"); }
        @Override public void chunk(Map<String, Object> chunk) { chunk(chunk, false); }
        @Override public void chunk(Map<String, Object> chunk, boolean moreReady) { got.add(Json.toString(chunk) + (moreReady ? " +" : "")); }
    }

    static Map<String, Object> chunk(String delta, String finish) {
        return Json.asObject(Json.parse("{\"id\":\"c1\",\"created\":5,\"model\":\"up\",\"choices\":[{\"index\":0,\"delta\":" + delta
                + ",\"finish_reason\":" + finish + "}],\"usage\":null}"));
    }

    @Test
    void textGoesOn_toolCallsAreAssembled_finishAndUsageKept() {
        Recorder out = new Recorder();
        StepStream s = new StepStream(out);
        s.chunk(chunk("{\"role\":\"assistant\",\"content\":\"Hi \"}", "null"), false);
        s.chunk(chunk("{\"tool_calls\":[{\"index\":0,\"id\":\"a\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"x\\\"\"}}]}", "null"), false);
        s.chunk(chunk("{\"tool_calls\":[{\"index\":1,\"id\":\"b\",\"function\":{\"name\":\"g\",\"arguments\":\"\"}}]}", "null"), false);
        s.chunk(chunk("{\"content\":\"there\"}", "null"), true);
        s.chunk(chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\":1}\"}},{\"index\":1,\"function\":{\"arguments\":\"{}\"}}]}", "null"), false);
        s.chunk(chunk("{}", "\"tool_calls\""), false);
        s.chunk(Json.asObject(Json.parse("{\"id\":\"c1\",\"choices\":[],\"usage\":{\"prompt_tokens\":3}}")), false);

        assertEquals(List.of(
                "{\"id\":\"c1\",\"created\":5,\"model\":\"up\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hi \"},\"finish_reason\":null}]}",
                "{\"id\":\"c1\",\"created\":5,\"model\":\"up\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"there\"},\"finish_reason\":null}]} +",
                "flush"), out.got);
        assertEquals("{\"id\":\"c1\",\"object\":\"chat.completion\",\"created\":5,\"model\":\"up\",\"choices\":[{\"index\":0,\"message\":"
                + "{\"role\":\"assistant\",\"content\":\"Hi there\",\"tool_calls\":[{\"id\":\"a\",\"type\":\"function\",\"function\":"
                + "{\"name\":\"f\",\"arguments\":\"{\\\"x\\\":1}\"}},{\"id\":\"b\",\"type\":\"function\",\"function\":{\"name\":\"g\","
                + "\"arguments\":\"{}\"}}]},\"finish_reason\":\"tool_calls\"}]}", Json.toString(s.completion("asked", 9)));
    }

    @Test
    void anAnswerWithoutToolCalls_endsWithItsFinishReason() {
        StepStream s = new StepStream(new Recorder());
        s.chunk(chunk("{\"content\":\"x\"}", "\"length\""), false);
        assertEquals("{\"id\":\"c1\",\"object\":\"chat.completion\",\"created\":5,\"model\":\"up\",\"choices\":[{\"index\":0,\"message\":"
                + "{\"role\":\"assistant\",\"content\":\"x\"},\"finish_reason\":\"length\"}]}", Json.toString(s.completion("asked", 9)));
    }

    @Test
    void aCallThatStreamsTooMuch_fails() {
        StepStream s = new StepStream(new Recorder());
        String piece = "x".repeat(1024 * 1024);
        for (int i = 0; i < 4; i++) s.chunk(chunk("{\"content\":\"" + piece + "\"}", "null"), false);
        assertThrows(GatewayException.class, () -> s.chunk(chunk("{\"content\":\"y\"}", "null"), false));
    }

    @Test
    void callsPastWhatAStepKeeps_areNotAssembled() {
        StepStream s = new StepStream(new Recorder());
        for (int i = 0; i < 10_000; i++) {
            s.chunk(chunk("{\"tool_calls\":[{\"index\":" + i + ",\"id\":\"c" + i + "\",\"function\":{\"name\":\"f\"}}]}", "null"), false);
        }
        List<?> calls = (List<?>) Conversation.message(s.completion("asked", 9)).get("tool_calls");
        assertEquals(AgentLoop.MAX_CALLS_PER_STEP + 1, calls.size()); // one past the step's cap: the loop logs the drop
        assertEquals("c0", Conversation.id(Json.asObject(calls.get(0))));
    }
}
