package tollgate.provider.mistral;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tollgate.call.Cancellation;
import tollgate.catalog.Model;
import tollgate.catalog.TestModels;
import tollgate.config.ProviderConfig;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.json.Json;
import tollgate.provider.ChatCall;
import tollgate.provider.ChatResult;
import tollgate.provider.SseEvent;
import tollgate.provider.SseReader;
import tollgate.provider.StreamDecoder;
import tollgate.provider.ToolIdRule;
import tollgate.provider.Usage;

/** Mistral's request rules and answers, on recorded bodies (src/test/resources/mistral). */
class MistralDialectTest {
    static final Model MODEL = TestModels.model("mistral-large", "mistral", "mistral-large-2411",
            128000, Set.of("tools", "json", "stream"), 0);
    final MistralDialect dialect = new MistralDialect();

    static String resource(String name) throws IOException {
        try (InputStream in = MistralDialectTest.class.getResourceAsStream("/mistral/" + name)) {
            if (in == null) throw new IOException("missing test resource /mistral/" + name);
            return new String(in.readAllBytes(), UTF_8).strip();
        }
    }

    static ChatCall call(String body, boolean stream) {
        return new ChatCall(Json.asObject(Json.parse(body)), MODEL, stream, "r", new Cancellation(), 0);
    }

    @Test
    void request_keepsToMistralsParameterSet() throws IOException {
        String client = resource("request-tools.openai.json");
        ChatCall call = call(client, true);
        assertEquals(resource("request-tools.mistral.json"), dialect.body(call).toString());
        assertEquals(client, Json.toString(call.body()), "the client's body is not modified");
    }

    @Test
    void request_nonStreamSendsStreamFalseOnlyIfTheClientSentIt() {
        assertEquals("{\"model\":\"mistral-large-2411\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                dialect.body(call("{\"model\":\"mistral-large\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", false)).toString());
    }

    @Test
    void request_theUpstreamsOwnNameWinsOverTheRenamedOne() {
        String body = "{\"model\":\"m\",\"messages\":[],\"max_completion_tokens\":10,\"max_tokens\":20}";
        assertEquals("{\"model\":\"mistral-large-2411\",\"messages\":[],\"max_tokens\":20}", dialect.body(call(body, false)).toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"logit_bias\":{\"50256\":-100}", "\"logprobs\":true", "\"top_logprobs\":2",
            "\"reasoning_effort\":\"low\"", "\"modalities\":[\"text\",\"audio\"]", "\"x_custom\":1"})
    void request_refusesWhatMistralCannotHonour(String member) {
        String key = member.substring(1, member.indexOf('"', 1));
        GatewayException e = assertThrows(GatewayException.class,
                () -> dialect.body(call("{\"model\":\"m\",\"messages\":[]," + member + "}", false)));
        assertEquals(ErrorKind.CALLER_INVALID_REQUEST, e.kind());
        assertEquals(key, e.param());
        assertEquals("The parameter '" + key + "' is not supported by provider 'mistral', which serves the model "
                + "'mistral-large'. Remove it, or choose a model from another provider.", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"logprobs\":false", "\"logit_bias\":{}", "\"modalities\":[]", "\"x_custom\":null"})
    void request_leavesOutParametersThatAskForNothing(String member) {
        assertEquals("{\"model\":\"mistral-large-2411\",\"messages\":[]}",
                dialect.body(call("{\"model\":\"m\",\"messages\":[]," + member + "}", false)).toString());
    }

    @Test
    void toolIds_areMistrals() {
        assertEquals(MistralToolIds.RULE, dialect.toolIdRule());
        assertTrue(MistralToolIds.RULE.accepts("D681PevKs"));
        for (String bad : List.of("call_abc123", "D681PevK", "D681PevKs0", "D681-evKs", "")) {
            assertTrue(!MistralToolIds.RULE.accepts(bad), bad);
        }
    }

    @Test
    void headers_areBearer() {
        ProviderConfig cfg = new ProviderConfig("mistral", "mistral", null, "mk-1", Map.of(), null, null, null, true, null);
        assertEquals(List.of("Authorization", "Bearer mk-1"), dialect.fixedHeaders(cfg));
        assertEquals("/chat/completions", dialect.path());
    }

    @Test
    void stream_splitsUsageFromTheLastChoiceChunkAndTypesToolCalls() throws IOException {
        StreamDecoder decoder = dialect.decoder(call("{}", true), "mistral");
        List<Map<String, Object>> out = new ArrayList<>();
        boolean ended = false;
        try (SseReader reader = new SseReader(new ByteArrayInputStream(resource("stream-tools.mistral.sse").concat("\n\n").getBytes(UTF_8)))) {
            SseEvent e;
            while (!ended && (e = reader.next()) != null) ended = decoder.decode(e, out);
        }
        assertTrue(ended, "[DONE] ends the stream");
        List<String> got = out.stream().map(Json::toString).toList();
        assertEquals(List.of(resource("stream-tools.openai.jsonl").split("\n")), got);
        assertEquals(new Usage(91, 37, 128), decoder.usage());
    }

    @Test
    void completion_typesToolCallsAndKeepsUsage() {
        String answer = "{\"id\":\"x\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"mistral-large-2411\",\"choices\":[{\"index\":0,"
                + "\"message\":{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[{\"id\":\"aB3dE5gH7\",\"function\":{\"name\":\"f\","
                + "\"arguments\":\"{}\"}}]},\"finish_reason\":\"tool_calls\"}],\"usage\":{\"prompt_tokens\":5,\"total_tokens\":8,\"completion_tokens\":3}}";
        ChatResult r = dialect.completion(Json.asObject(Json.parse(answer)), call("{}", false), "mistral");
        assertEquals(answer.replace("\"arguments\":\"{}\"}}", "\"arguments\":\"{}\"},\"type\":\"function\"}"), Json.toString(r.completion()));
        assertEquals(new Usage(5, 3, 8), r.usage());
    }
}
