package tollgate.provider.echo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import tollgate.call.Cancellation;
import tollgate.catalog.TestModels;
import tollgate.error.ClientGoneException;
import tollgate.json.Json;
import tollgate.provider.ChatCall;
import tollgate.provider.ChatResult;
import tollgate.provider.Usage;

class EchoProviderTest {

    private static final long T = 1_700_000_000L;
    private final EchoProvider echo = new EchoProvider("echo", InstantSource.fixed(Instant.ofEpochSecond(T)));

    private static ChatCall call(String body, String model, Cancellation c) {
        return new ChatCall(Json.asObject(Json.parse(body)), TestModels.model("echo", "echo", model, 0, Set.of(), 0), false, "r", c, 0);
    }

    private static ChatCall call(String body) {
        return call(body, "echo", new Cancellation());
    }

    private static String idOf(String body) {
        CRC32 crc = new CRC32();
        crc.update(Json.toBytes(Json.parse(body)));
        return "chatcmpl-echo-" + String.format("%08x", crc.getValue());
    }

    private List<Map<String, Object>> streamed(ChatCall call) {
        List<Map<String, Object>> chunks = new ArrayList<>();
        echo.stream(call, chunks::add);
        return chunks;
    }

    private static final String HELLO = "{\"model\":\"echo\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
            + "{\"role\":\"user\",\"content\":\"Hello there, world\"}]}";

    @Test
    void chat_exactCompletion() {
        ChatResult r = echo.chat(call(HELLO));
        assertEquals("{\"id\":\"" + idOf(HELLO) + "\",\"object\":\"chat.completion\",\"created\":" + T + ",\"model\":\"echo\","
                + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Echo: Hello there, world\"},"
                + "\"logprobs\":null,\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":4,\"total_tokens\":11}}", Json.toString(r.completion()));
        assertEquals(new Usage(7, 4, 11), r.usage());
    }

    @Test
    void stream_exactChunks() {
        String body = "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi you\"}],\"stream\":true}";
        String head = "{\"id\":\"" + idOf(body) + "\",\"object\":\"chat.completion.chunk\",\"created\":" + T + ",\"model\":\"echo\",";
        List<String> expected = List.of(
                head + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}",
                head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Echo:\"},\"logprobs\":null,\"finish_reason\":null}]}",
                head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\" Hi\"},\"logprobs\":null,\"finish_reason\":null}]}",
                head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\" you\"},\"logprobs\":null,\"finish_reason\":null}]}",
                head + "\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}]}",
                head + "\"choices\":[],\"usage\":{\"prompt_tokens\":2,\"completion_tokens\":3,\"total_tokens\":5}}");
        List<String> actual = new ArrayList<>();
        Usage u = echo.stream(call(body), c -> actual.add(Json.toString(c)));
        assertEquals(expected, actual);
        assertEquals(new Usage(2, 3, 5), u);
    }

    @Test
    void stream_contentConcatenatesToTheNonStreamText() {
        String body = "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"  spaced\\n out\\ttext  \"}]}";
        StringBuilder text = new StringBuilder();
        for (Map<String, Object> c : streamed(call(body))) {
            List<?> choices = (List<?>) c.get("choices");
            if (choices.isEmpty()) continue;
            Map<?, ?> delta = (Map<?, ?>) ((Map<?, ?>) choices.get(0)).get("delta");
            if (delta.get("content") instanceof String s) text.append(s);
        }
        assertEquals(message(echo.chat(call(body)), 0).get("content"), text.toString());
        assertEquals("Echo:   spaced\n out\ttext  ", text.toString());
    }

    @Test
    void chat_imagePartsAreNoted() {
        String body = "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"look\"},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,AAAA\"}}]}]}";
        assertEquals("Echo: look\n[image]", message(echo.chat(call(body)), 0).get("content"));
    }

    private static final String TOOLS = "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
            + "\"parameters\":{\"type\":\"object\",\"properties\":{\"location\":{\"type\":\"string\"},"
            + "\"unit\":{\"type\":\"string\",\"enum\":[\"c\",\"f\"]},\"days\":{\"type\":\"integer\"},"
            + "\"verbose\":{\"type\":\"boolean\"},\"tags\":{\"type\":\"array\"},\"opts\":{\"type\":[\"object\",\"null\"]},"
            + "\"n\":{\"type\":\"number\"}},\"required\":[\"location\",\"unit\",\"verbose\",\"tags\",\"opts\",\"n\"]}}},"
            + "{\"type\":\"function\",\"function\":{\"name\":\"get_time\",\"parameters\":{\"type\":\"object\"}}}]";

    private static String toolRequest(String userText, String extra) {
        return "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"" + userText + "\"}]," + TOOLS + extra + "}";
    }

    @Test
    void chat_callsTheToolNamedInTheText() {
        ChatResult r = echo.chat(call(toolRequest("use get_weather for Paris", "")));
        Map<?, ?> choice = (Map<?, ?>) ((List<?>) r.completion().get("choices")).get(0);
        assertEquals("tool_calls", choice.get("finish_reason"));
        Map<?, ?> message = (Map<?, ?>) choice.get("message");
        assertTrue(message.containsKey("content"));
        assertNull(message.get("content"));
        assertEquals("[{\"id\":\"call_echo_0\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":"
                + "\"{\\\"location\\\":\\\"use get_weather for Paris\\\",\\\"unit\\\":\\\"c\\\",\\\"verbose\\\":false,"
                + "\\\"tags\\\":[],\\\"opts\\\":{},\\\"n\\\":0}\"}}]", Json.toString(message.get("tool_calls")));
        String args = "{\"location\":\"use get_weather for Paris\",\"unit\":\"c\",\"verbose\":false,\"tags\":[],\"opts\":{},\"n\":0}";
        assertEquals(new Usage(7, 1 + args.length() / 4, 7 + 1 + args.length() / 4), r.usage());
    }

    @Test
    void stream_toolCallFragmentsReassembleToTheSameArguments() {
        String body = toolRequest("use get_weather and get_time", "");
        List<?> calls = (List<?>) message(echo.chat(call(body)), 0).get("tool_calls");
        assertEquals(2, calls.size());
        List<Map<String, Object>> chunks = streamed(call(body));
        StringBuilder[] args = {new StringBuilder(), new StringBuilder()};
        int[] fragments = new int[2];
        String finish = null;
        for (Map<String, Object> c : chunks) {
            List<?> choices = (List<?>) c.get("choices");
            if (choices.isEmpty()) continue;
            Map<?, ?> choice = (Map<?, ?>) choices.get(0);
            if (choice.get("finish_reason") != null) finish = (String) choice.get("finish_reason");
            Map<?, ?> delta = (Map<?, ?>) choice.get("delta");
            if (!(delta.get("tool_calls") instanceof List<?> tcs)) continue;
            Map<?, ?> tc = (Map<?, ?>) tcs.get(0);
            int index = Integer.parseInt(tc.get("index").toString());
            Map<?, ?> fn = (Map<?, ?>) tc.get("function");
            if (tc.containsKey("id")) {
                assertEquals("call_echo_" + index, tc.get("id"));
                assertEquals("function", tc.get("type"));
                assertEquals(((Map<?, ?>) ((Map<?, ?>) calls.get(index)).get("function")).get("name"), fn.get("name"));
                assertEquals("", fn.get("arguments"));
            } else {
                fragments[index]++;
            }
            args[index].append((String) fn.get("arguments"));
        }
        assertEquals("tool_calls", finish);
        for (int i = 0; i < 2; i++) {
            assertTrue(fragments[i] >= 2, "arguments in at least two fragments");
            assertEquals(((Map<?, ?>) ((Map<?, ?>) calls.get(i)).get("function")).get("arguments"), args[i].toString());
        }
    }

    @Test
    void chat_toolChoiceRules() {
        assertEquals("get_time", toolName(toolRequest("hello", ",\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"get_time\"}}")));
        assertEquals("get_weather", toolName(toolRequest("hello", ",\"tool_choice\":\"required\"")));
        assertEquals("get_time", toolName(toolRequest("get_time please", ",\"tool_choice\":\"required\"")));
        assertNull(toolName(toolRequest("hello", "")));
        assertNull(toolName(toolRequest("hello", ",\"tool_choice\":\"auto\"")));
        assertNull(toolName(toolRequest("get_weather", ",\"tool_choice\":\"none\"")));
        String one = toolRequest("get_weather get_time", ",\"parallel_tool_calls\":false");
        assertEquals(1, ((List<?>) message(echo.chat(call(one)), 0).get("tool_calls")).size());
    }

    private String toolName(String body) {
        Map<?, ?> m = message(echo.chat(call(body)), 0);
        if (!(m.get("tool_calls") instanceof List<?> l)) return null;
        return (String) ((Map<?, ?>) ((Map<?, ?>) l.get(0)).get("function")).get("name");
    }

    @Test
    void chat_toolResultIsEchoed() {
        String body = "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"get_weather\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_echo_0\",\"type\":\"function\","
                + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"call_echo_0\",\"content\":\"22C and sunny\"}]," + TOOLS + "}";
        ChatResult r = echo.chat(call(body));
        assertEquals("Echo: tool result: 22C and sunny", message(r, 0).get("content"));
        assertEquals("stop", ((Map<?, ?>) ((List<?>) r.completion().get("choices")).get(0)).get("finish_reason"));
    }

    /** A system message after the turn (Claude Code sends one after the user's) does not change who spoke last. */
    @Test
    void aTrailingSystemMessage_doesNotChangeWhoSpokeLast() {
        String afterUser = "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"use get_time\"},"
                + "{\"role\":\"system\",\"content\":\"# Environment\"},{\"role\":\"developer\",\"content\":\"x\"}]," + TOOLS + "}";
        assertEquals("get_time", toolName(afterUser));
        String afterTool = "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"get_weather\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_echo_0\",\"type\":\"function\","
                + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"call_echo_0\",\"content\":\"22C\"},{\"role\":\"system\",\"content\":\"s\"}]," + TOOLS + "}";
        assertEquals("Echo: tool result: 22C", message(echo.chat(call(afterTool)), 0).get("content"));
    }

    @Test
    void nChoices_inChatAndStream() {
        String body = "{\"model\":\"echo\",\"n\":3,\"messages\":[{\"role\":\"user\",\"content\":\"a b\"}]}";
        List<?> choices = (List<?>) echo.chat(call(body)).completion().get("choices");
        assertEquals(3, choices.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(String.valueOf(i), ((Map<?, ?>) choices.get(i)).get("index").toString());
            assertEquals("Echo: a b", message(echo.chat(call(body)), i).get("content"));
        }
        StringBuilder[] texts = {new StringBuilder(), new StringBuilder(), new StringBuilder()};
        for (Map<String, Object> c : streamed(call(body))) {
            for (Object o : (List<?>) c.get("choices")) {
                Map<?, ?> choice = (Map<?, ?>) o;
                Object content = ((Map<?, ?>) choice.get("delta")).get("content");
                if (content != null) texts[Integer.parseInt(choice.get("index").toString())].append(content);
            }
        }
        for (StringBuilder t : texts) assertEquals("Echo: a b", t.toString());
    }

    @Test
    void sameInputSameOutput_otherInputOtherId() {
        assertEquals(Json.toString(echo.chat(call(HELLO)).completion()), Json.toString(echo.chat(call(HELLO)).completion()));
        List<String> a = new ArrayList<>();
        List<String> b = new ArrayList<>();
        echo.stream(call(HELLO), c -> a.add(Json.toString(c)));
        echo.stream(call(HELLO), c -> b.add(Json.toString(c)));
        assertEquals(a, b);
        String other = HELLO.replace("world", "moon");
        assertNotEquals(echo.chat(call(HELLO)).completion().get("id"), echo.chat(call(other)).completion().get("id"));
    }

    @Test
    void stream_stopsWhenCancelled() {
        Cancellation c = new Cancellation();
        List<Object> got = new ArrayList<>();
        assertThrows(ClientGoneException.class, () -> echo.stream(call(HELLO, "echo", c), chunk -> {
            got.add(chunk);
            c.cancel();
        }));
        assertEquals(1, got.size());
    }

    @Test
    void stream_sinkClientGonePropagates() {
        ClientGoneException gone = new ClientGoneException(null);
        assertEquals(gone, assertThrows(ClientGoneException.class, () -> echo.stream(call(HELLO), chunk -> { throw gone; })));
    }

    @Test
    void slowModel_pausesBetweenChunks() {
        long start = System.nanoTime();
        List<Map<String, Object>> chunks = streamed(call(HELLO, EchoProvider.SLOW_MODEL, new Cancellation()));
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        assertTrue(elapsedMs >= (chunks.size() - 1) * EchoProvider.SLOW_CHUNK_DELAY.toMillis(), elapsedMs + " ms");
        assertEquals(EchoProvider.SLOW_MODEL, chunks.get(0).get("model"));
    }

    @Test
    void provider_isOfflineAndServesEverything() {
        assertTrue(echo.offline());
        assertEquals(Set.of("chat", "fim", "completions", "stt", "tts", "realtime", "images", "embeddings"), echo.capabilities());
        assertEquals("echo", echo.kind());
    }

    @Test
    void fragments_atLeastTwoAndLossless() {
        for (String s : List.of("{}", "{\"a\":1}", "x".repeat(100), "{\"e\":\"😀😀😀😀😀😀😀😀😀\"}")) {
            List<String> f = EchoProvider.fragments(s);
            assertTrue(f.size() >= 2, s);
            assertEquals(s, String.join("", f));
            for (String piece : f) assertTrue(!Character.isHighSurrogate(piece.charAt(piece.length() - 1)), piece);
        }
    }

    @Test
    void reply_isCutAtTheOutputLimit_withFinishReasonLength() {
        String body = "{\"model\":\"echo\",\"max_tokens\":3,\"messages\":[{\"role\":\"user\",\"content\":\"abcdefghijklmnop\"}]}";
        ChatResult r = echo.chat(call(body));
        Map<?, ?> choice = (Map<?, ?>) ((List<?>) r.completion().get("choices")).get(0);
        assertEquals("Echo: abcdef", message(r, 0).get("content"), "3 tokens of 4 characters");
        assertEquals("length", choice.get("finish_reason"));

        String unbounded = "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "q".repeat(100_000) + "\"}]}";
        String text = (String) message(echo.chat(call(unbounded)), 0).get("content");
        assertEquals(EchoProvider.MAX_OUTPUT_TOKENS * 4, text.length(), "at most the provider's own output limit");
    }

    @Test
    void toolArguments_shareTheOutputLimit() {
        StringBuilder props = new StringBuilder();
        StringBuilder required = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            props.append(i == 0 ? "" : ",").append("\"p").append(i).append("\":{\"type\":\"string\"}");
            required.append(i == 0 ? "" : ",").append("\"p").append(i).append('"');
        }
        String body = "{\"model\":\"echo\",\"max_completion_tokens\":10,\"tool_choice\":\"required\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"0123456789abcdefghij\"}],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\","
                + "\"parameters\":{\"type\":\"object\",\"properties\":{" + props + "},\"required\":[" + required + "]}}}]}";
        ChatResult r = echo.chat(call(body));
        Map<?, ?> choice = (Map<?, ?>) ((List<?>) r.completion().get("choices")).get(0);
        assertEquals("length", choice.get("finish_reason"));
        Map<?, ?> fn = (Map<?, ?>) ((Map<?, ?>) ((List<?>) message(r, 0).get("tool_calls")).get(0)).get("function");
        Map<String, Object> args = Json.asObject(Json.parse((String) fn.get("arguments")));
        assertEquals("0123456789abcdefghij", args.get("p0"));
        assertEquals("0123456789abcdefghij", args.get("p1"));
        assertEquals("", args.get("p2"), "40 characters in all: the rest are empty");
        assertEquals(50, args.size());
    }

    @Test
    void provider_hasAContextWindowForRoutesWithoutOne() {
        assertEquals(EchoProvider.CONTEXT_TOKENS, echo.defaultContextLength());
    }

    private static Map<?, ?> message(ChatResult r, int index) {
        return (Map<?, ?>) ((Map<?, ?>) ((List<?>) r.completion().get("choices")).get(index)).get("message");
    }
}
