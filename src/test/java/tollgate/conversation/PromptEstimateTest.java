package tollgate.conversation;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.conversation.TestBodies.body;
import static tollgate.conversation.TestBodies.messages;
import static tollgate.conversation.TestBodies.model;

import java.util.Set;

import org.junit.jupiter.api.Test;

import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.json.Json;

/** Expected numbers are worked out by hand in the comments: priming 3, 4 per message, text per the rules. */
class PromptEstimateTest {

    @Test
    void tokens_oneUserMessage() {
        // 3 priming + 4 message + ceil(15 / 4) = 4 for "Hello, Tollgate"
        assertEquals(11, PromptEstimate.tokens(messages("[{\"role\":\"user\",\"content\":\"Hello, Tollgate\"}]")));
    }

    @Test
    void tokens_emptyTextCostsOnlyTheFraming() {
        assertEquals(7, PromptEstimate.tokens(messages("[{\"role\":\"user\",\"content\":\"\"}]")));
    }

    @Test
    void tokens_severalMessagesAndName() {
        // 3 + (4 + ceil(14/4)=4 "You are terse.") + (4 + ceil(3/4)=1 name "bob" + ceil(2/4)=1 "Hi")
        assertEquals(17, PromptEstimate.tokens(messages("[{\"role\":\"system\",\"content\":\"You are terse.\"},"
                + "{\"role\":\"user\",\"name\":\"bob\",\"content\":\"Hi\"}]")));
    }

    @Test
    void text_countsAsciiQuarterNarrowHalfWideWhole() {
        assertEquals(0, PromptEstimate.text(""));
        assertEquals(1, PromptEstimate.text("abcd"));
        assertEquals(2, PromptEstimate.text("abcde"));
        assertEquals(2, PromptEstimate.text("héllo"));      // 4 ASCII + 1 narrow = 6 quarters
        assertEquals(3, PromptEstimate.text("Привет"));     // 6 narrow = 12 quarters
        assertEquals(3, PromptEstimate.text("日本語"));      // 3 wide
        assertEquals(1, PromptEstimate.text("\u3000"));     // U+3000 is the first wide code point
        assertEquals(1, PromptEstimate.text("\u2FFF"));     // just below it: half a token, rounded up
        assertEquals(1, PromptEstimate.text("😀"));          // one code point, two chars
        assertEquals(4, PromptEstimate.text("ok 😀 日本"));   // 4 ASCII quarters + 3 wide
        assertEquals(0, PromptEstimate.text(null));
    }

    @Test
    void tokens_contentPartsAndImagesByDetail() {
        // 3 + 4 + ceil(13/4)=4 "What is this?" + 765 (no detail) + 85 (low) + 765 (high) + 765 (auto)
        assertEquals(2391, PromptEstimate.tokens(messages("[{\"role\":\"user\",\"content\":["
                + "{\"type\":\"text\",\"text\":\"What is this?\"},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x/a.png\"}},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x/b.png\",\"detail\":\"low\"}},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x/c.png\",\"detail\":\"high\"}},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x/d.png\",\"detail\":\"auto\"}}]}]")));
        assertEquals(765, PromptEstimate.IMAGE_TOKENS);
        assertEquals(85, PromptEstimate.IMAGE_LOW_DETAIL_TOKENS);
    }

    @Test
    void tokens_toolCallsAndResults() {
        // 3
        // + user: 4 + ceil(17/4)=5 "Weather in Paris?"
        // + assistant: 4 + ceil(11/4)=3 "get_weather" + ceil(16/4)=4 {"city":"Paris"} (the call id is not counted)
        // + tool: 4 + ceil(6/4)=2 "call_1" + ceil(3/4)=1 "18C"
        // + assistant: 4 + parts ceil(6/4)=2 "It is " + ceil(13/4)=4 "18C in Paris." (rounded per text)
        assertEquals(3 + 9 + 11 + 7 + 10, PromptEstimate.tokens(messages("["
                + "{\"role\":\"user\",\"content\":\"Weather in Paris?\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\","
                + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"18C\"},"
                + "{\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"It is \"},"
                + "{\"type\":\"text\",\"text\":\"18C in Paris.\"}]}]")));
    }

    @Test
    void tokens_refusal() {
        // 3 + user 4 + 1 "q" + assistant 4 + ceil(3/4)=1 part "No." + ceil(7/4)=2 field "I can't"
        assertEquals(15, PromptEstimate.tokens(messages("[{\"role\":\"user\",\"content\":\"q\"},"
                + "{\"role\":\"assistant\",\"content\":[{\"type\":\"refusal\",\"refusal\":\"No.\"}],"
                + "\"refusal\":\"I can't\"}]")));
    }

    @Test
    void jsonChars_walksTheValues() {
        // [ {"type":"function","function":{"name":"f"}} ] : list 2 + (element + 1 comma);
        // element 2 + ("type" 4+4 + "function" 8+2) + ("function" 8+4 + (2 + "name" 4+4 + "f" 1+2))
        Object tools = Json.parse("[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]");
        assertEquals(48, PromptEstimate.jsonChars(tools));
        assertEquals(45, Json.toString(tools).length()); // the real text: one separator less per container
        // {"a":1,"b":true,"c":false,"d":null,"e":[]}: 2 + (1+4+1) + (1+4+4) + (1+4+5) + (1+4+4) + (1+4+2)
        assertEquals(43, PromptEstimate.jsonChars(Json.parse("{\"a\":1,\"b\":true,\"c\":false,\"d\":null,\"e\":[]}")));
    }

    @Test
    void tokens_toolDefinitionsByJsonLength() {
        // 3 + 4 + 1 "Hi" + ceil(48/4) = 12
        assertEquals(20, PromptEstimate.tokens(body("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]}")));
    }

    @Test
    void tokens_realisticToolDefinitionIsCloseToItsJsonText() {
        String tools = "[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"description\":"
                + "\"Current weather for a city\",\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":"
                + "{\"type\":\"string\",\"description\":\"City name\"},\"days\":{\"type\":\"integer\",\"minimum\":1}},"
                + "\"required\":[\"city\"]}}}]";
        long chars = PromptEstimate.jsonChars(Json.parse(tools));
        long real = tools.length();
        assertTrue(chars >= real && chars <= real + real / 10, chars + " vs " + real);
    }

    @Test
    void tokens_growWithContent() {
        long previous = -1;
        for (int n = 0; n <= 4000; n += 7) {
            long t = PromptEstimate.tokens(messages("[{\"role\":\"user\",\"content\":\"" + "a".repeat(n) + "\"}]"));
            assertTrue(t >= previous, "n=" + n);
            previous = t;
        }
        assertEquals(7 + 1000, PromptEstimate.tokens(messages("[{\"role\":\"user\",\"content\":\"" + "a".repeat(4000) + "\"}]")));
        assertEquals(7 + 4000, PromptEstimate.tokens(messages("[{\"role\":\"user\",\"content\":\"" + "語".repeat(4000) + "\"}]")));
    }

    @Test
    void exceeded_usesTheSeedWording() {
        GatewayException e = GatewayException.contextTooLong(200000, 250000);
        assertEquals("This request exceeds the model's context window of 200000 tokens. "
                + "Your request contains approximately 250000 tokens.", e.getMessage());
        assertEquals(ErrorKind.CALLER_CONTEXT_TOO_LONG, e.kind());
        assertEquals(400, e.httpStatus());
        assertEquals("messages", e.param());
    }

    @Test
    void exceeded_withUnknownWindow() {
        assertEquals("This request exceeds the model's context window. Your request contains approximately 12 tokens.",
                GatewayException.contextTooLong(0, 12).getMessage());
    }

    @Test
    void check_refusesOnlyAboveAKnownWindow() {
        assertDoesNotThrow(() -> PromptEstimate.check(model("m", 10, Set.of()), 10));
        GatewayException e = assertThrows(GatewayException.class,
                () -> PromptEstimate.check(model("m", 10, Set.of()), 11));
        assertEquals("This request exceeds the model's context window of 10 tokens. "
                + "Your request contains approximately 11 tokens.", e.getMessage());
        assertDoesNotThrow(() -> PromptEstimate.check(model("m", 0, Set.of()), Long.MAX_VALUE));
    }
}
