package tollgate.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.error.GatewayException;
import tollgate.json.Json;

/** A Responses request's validation and its translation into the chat request the dispatcher serves. */
class ResponsesRequestTest {

    static ResponsesRequest read(String json) {
        return ResponsesRequest.validate(Json.parse(json));
    }

    static String chat(String json) {
        ResponsesRequest r = read(json);
        return Json.toString(r.chatBody(ResponsesInput.resolve(r.input(), List.of())));
    }

    @Test
    void itemsBecomeChatMessages_functionCallsJoinTheAssistantTurn() {
        assertEquals("{\"model\":\"m\",\"messages\":[{\"role\":\"system\",\"content\":\"sys\"},"
                + "{\"role\":\"developer\",\"content\":\"dev\"},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"look\"},{\"type\":\"image_url\",\"image_url\":"
                + "{\"url\":\"data:image/png;base64,AA==\",\"detail\":\"high\"}}]},"
                + "{\"role\":\"assistant\",\"content\":\"Let me check.\",\"tool_calls\":["
                + "{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}},"
                + "{\"id\":\"call_2\",\"type\":\"function\",\"function\":{\"name\":\"g\",\"arguments\":\"{\\\"a\\\":1}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"one\"},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"call_2\",\"content\":\"twothree\"}],"
                + "\"temperature\":0.2,\"stream\":true,\"stream_options\":{\"include_usage\":true}}",
                chat("{\"model\":\"m\",\"instructions\":\"sys\",\"temperature\":0.2,\"stream\":true,\"input\":["
                        + "{\"role\":\"developer\",\"content\":\"dev\"},"
                        + "{\"type\":\"message\",\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"look\"},"
                        + "{\"type\":\"input_image\",\"image_url\":\"data:image/png;base64,AA==\",\"detail\":\"original\"}]},"
                        + "{\"type\":\"message\",\"id\":\"msg_1\",\"status\":\"completed\",\"role\":\"assistant\",\"content\":"
                        + "[{\"type\":\"output_text\",\"text\":\"Let me check.\",\"annotations\":[]}]},"
                        + "{\"type\":\"function_call\",\"id\":\"fc_1\",\"call_id\":\"call_1\",\"name\":\"f\",\"arguments\":\"{}\"},"
                        + "{\"type\":\"function_call\",\"call_id\":\"call_2\",\"name\":\"g\",\"arguments\":\"{\\\"a\\\":1}\"},"
                        + "{\"type\":\"reasoning\",\"id\":\"rs_1\",\"summary\":[]},"
                        + "{\"type\":\"function_call_output\",\"call_id\":\"call_1\",\"output\":\"one\"},"
                        + "{\"type\":\"function_call_output\",\"call_id\":\"call_2\",\"output\":[{\"type\":\"input_text\",\"text\":\"two\"},"
                        + "{\"type\":\"input_text\",\"text\":\"three\"}]}]}"));
    }

    @Test
    void toolsAndFormats_becomeChatsNestedShapes() {
        assertEquals("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":[{\"type\":\"function\",\"function\":"
                + "{\"name\":\"f\",\"description\":\"d\",\"parameters\":{\"type\":\"object\"}}}],\"tool_choice\":\"required\","
                + "\"parallel_tool_calls\":false,\"response_format\":{\"type\":\"json_object\"},\"max_completion_tokens\":7,"
                + "\"metadata\":{\"k\":\"v\"},\"user\":\"u\",\"policy\":\"frugal\"}",
                chat("{\"model\":\"m\",\"input\":\"x\",\"tools\":[{\"type\":\"function\",\"name\":\"f\",\"description\":\"d\","
                        + "\"parameters\":{\"type\":\"object\"},\"strict\":false}],\"tool_choice\":\"required\",\"parallel_tool_calls\":false,"
                        + "\"text\":{\"format\":{\"type\":\"json_object\"}},\"max_output_tokens\":7,\"metadata\":{\"k\":\"v\"},\"user\":\"u\","
                        + "\"policy\":\"frugal\",\"store\":false,\"include\":[\"reasoning.encrypted_content\"],\"reasoning\":{\"effort\":\"low\"},"
                        + "\"truncation\":\"disabled\",\"service_tier\":\"auto\"}"));
    }

    @Test
    void itemReferences_resolveToThePreviousConversationsItems() {
        ResponsesRequest r = read("{\"model\":\"m\",\"input\":[{\"type\":\"item_reference\",\"id\":\"msg_1\"},{\"role\":\"user\",\"content\":\"more\"}]}");
        List<Map<String, Object>> previous = new ArrayList<>();
        previous.add(Json.asObject(Json.parse("{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\"earlier\"}]}")));
        List<Map<String, Object>> resolved = ResponsesInput.resolve(r.input(), previous);
        assertEquals("{\"model\":\"m\",\"messages\":[{\"role\":\"assistant\",\"content\":\"earlier\"},{\"role\":\"user\",\"content\":\"more\"}]}",
                Json.toString(r.chatBody(resolved)));
    }

    @Test
    void refusals_nameTheField() {
        assertEquals("tool_choice.name", refused("{\"model\":\"m\",\"input\":\"x\",\"tools\":[{\"type\":\"function\",\"name\":\"f\"}],"
                + "\"tool_choice\":{\"type\":\"function\",\"name\":\"g\"}}"));
        assertEquals("tool_choice", refused("{\"model\":\"m\",\"input\":\"x\",\"tool_choice\":\"required\"}"));
        assertEquals("metadata", refused("{\"model\":\"m\",\"input\":\"x\",\"metadata\":{" + "\"k0\":\"v\",".repeat(0)
                + String.join(",", java.util.stream.IntStream.range(0, 17).mapToObj(i -> "\"k" + i + "\":\"v\"").toList()) + "}}"));
        assertEquals("metadata.k", refused("{\"model\":\"m\",\"input\":\"x\",\"metadata\":{\"k\":\"" + "v".repeat(513) + "\"}}"));
        assertEquals("truncation", refused("{\"model\":\"m\",\"input\":\"x\",\"truncation\":\"auto\"}"));
        assertEquals("max_tokens", refused("{\"model\":\"m\",\"input\":\"x\",\"max_tokens\":5}"));
        assertEquals("max_output_tokens", refused("{\"model\":\"m\",\"input\":\"x\",\"max_output_tokens\":0}"));
        assertEquals("top_p", refused("{\"model\":\"m\",\"input\":\"x\",\"top_p\":1.5}"));
        assertEquals("tools[1].name", refused("{\"model\":\"m\",\"input\":\"x\",\"tools\":[{\"type\":\"function\",\"name\":\"f\"},"
                + "{\"type\":\"function\",\"name\":\"f\"}]}"));
        assertEquals("input[0].content[0].image_url", refused("{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":"
                + "[{\"type\":\"input_image\",\"file_id\":\"file-1\"}]}]}"));
        assertEquals("input[0].role", refused("{\"model\":\"m\",\"input\":[{\"role\":\"tool\",\"content\":\"x\"}]}"));
        assertEquals("input[0].call_id", refused("{\"model\":\"m\",\"input\":[{\"type\":\"function_call_output\",\"output\":\"x\"}]}"));
        assertEquals("conversation", refused("{\"model\":\"m\",\"input\":\"x\",\"conversation\":\"conv_1\"}"));
        assertEquals("text.format.type", refused("{\"model\":\"m\",\"input\":\"x\",\"text\":{\"format\":{\"type\":\"xml\"}}}"));
    }

    static String refused(String json) {
        GatewayException e = assertThrows(GatewayException.class, () -> read(json));
        assertEquals(400, e.httpStatus());
        return e.param();
    }
}
