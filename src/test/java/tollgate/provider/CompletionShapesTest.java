package tollgate.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.json.Json;

/** The two completion shapes translated both ways, streams included, on the cases the gateway tests do not reach. */
class CompletionShapesTest {

    static Map<String, Object> o(String json) { return Json.asObject(Json.parse(json)); }

    static String fimChunks(String... chunks) {
        CompletionShapes.FimChunks t = new CompletionShapes.FimChunks();
        List<Map<String, Object>> out = new ArrayList<>();
        for (String c : chunks) t.add(o(c), out);
        t.end(out);
        return Json.toString(out);
    }

    @Test
    void textToFim_keepsEveryChoice_andWhatTheHeaderHas() {
        assertEquals("{\"id\":\"c\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"m\",\"system_fingerprint\":\"fp\","
                        + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"a\"},\"finish_reason\":\"stop\"},"
                        + "{\"index\":1,\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":\"length\"}]}",
                Json.toString(CompletionShapes.fimFromText(o("{\"id\":\"c\",\"object\":\"text_completion\",\"created\":1,\"model\":\"m\","
                        + "\"system_fingerprint\":\"fp\",\"choices\":[{\"text\":\"a\",\"index\":0,\"logprobs\":{\"x\":1},\"finish_reason\":\"stop\"},"
                        + "{\"index\":1,\"finish_reason\":\"length\"}]}"))));
    }

    @Test
    void chatToText_aToolCallOrNullContentIsEmptyText() {
        assertEquals("{\"id\":\"c\",\"object\":\"text_completion\",\"model\":\"m\",\"choices\":[{\"text\":\"\",\"index\":0,"
                        + "\"logprobs\":null,\"finish_reason\":\"tool_calls\"}],\"usage\":{\"prompt_tokens\":1}}",
                Json.toString(CompletionShapes.textFromChat(o("{\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"message\":"
                        + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[]},\"finish_reason\":\"tool_calls\"}],"
                        + "\"usage\":{\"prompt_tokens\":1}}"))));
    }

    @Test
    void fimChunks_aFinishWithoutUsage_isSentAtTheEnd_andUsageWithoutAFinishStandsAlone() {
        assertEquals("[{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":"
                        + "{\"role\":\"assistant\",\"content\":\"a\"},\"finish_reason\":\"stop\"}]}]",
                fimChunks("{\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"text\":\"a\",\"index\":0,\"finish_reason\":\"stop\"}]}"));
        assertEquals("[{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"m\",\"choices\":[],\"usage\":{\"total_tokens\":3}}]",
                fimChunks("{\"id\":\"c\",\"model\":\"m\",\"choices\":[],\"usage\":{\"total_tokens\":3}}"));
    }

    @Test
    void fimChunks_usageOnAChoiceChunk_staysOnIt_andEachChoiceGetsItsRoleOnce() {
        assertEquals("[{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":"
                        + "{\"role\":\"assistant\",\"content\":\"a\"},\"finish_reason\":null},{\"index\":1,\"delta\":{\"role\":\"assistant\","
                        + "\"content\":\"b\"},\"finish_reason\":null}]},{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"m\","
                        + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"c\"},\"finish_reason\":\"stop\"}],\"usage\":{\"total_tokens\":3}}]",
                fimChunks("{\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"text\":\"a\",\"index\":0},{\"text\":\"b\",\"index\":1}]}",
                        "{\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"text\":\"c\",\"index\":0,\"finish_reason\":\"stop\"}],"
                                + "\"usage\":{\"total_tokens\":3}}"));
    }

    @Test
    void textChunks_usageOnTheLastChoiceChunk_isSplitOff_andEmptyDeltasAreLeftOut() {
        List<Map<String, Object>> out = new ArrayList<>();
        CompletionShapes.textChunks(o("{\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"}}]}"), out);
        assertEquals("[]", Json.toString(out));
        CompletionShapes.textChunks(o("{\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"},"
                + "\"finish_reason\":\"stop\"}],\"usage\":{\"total_tokens\":2}}"), out);
        assertEquals("[{\"id\":\"c\",\"object\":\"text_completion\",\"model\":\"m\",\"choices\":[{\"text\":\"x\",\"index\":0,"
                + "\"logprobs\":null,\"finish_reason\":\"stop\"}]},{\"id\":\"c\",\"object\":\"text_completion\",\"model\":\"m\","
                + "\"choices\":[],\"usage\":{\"total_tokens\":2}}]", Json.toString(out));
    }

    @Test
    void fimChunks_rememberAtMost128StartedChoices_anUpstreamInventingMoreGetsNoRoleForThem() {
        CompletionShapes.FimChunks t = new CompletionShapes.FimChunks();
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i <= CompletionShapes.FimChunks.MAX_STARTED_CHOICES; i++) {
            t.add(o("{\"id\":\"c\",\"choices\":[{\"text\":\"x\",\"index\":" + i + "}]}"), out);
        }
        t.add(o("{\"id\":\"c\",\"choices\":[{\"text\":\"y\",\"index\":0}]}"), out);
        assertEquals("{\"role\":\"assistant\",\"content\":\"x\"}", delta(out.get(127)));
        assertEquals("{\"content\":\"x\"}", delta(out.get(128)), "the 129th index is not remembered");
        assertEquals("{\"content\":\"y\"}", delta(out.get(129)), "a started choice gets its role once");
    }

    @SuppressWarnings("unchecked")
    private static String delta(Map<String, Object> chunk) {
        return Json.toString(((Map<String, Object>) ((List<Object>) chunk.get("choices")).get(0)).get("delta"));
    }
}
