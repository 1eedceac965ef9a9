package tollgate.provider.echo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import tollgate.call.Cancellation;
import tollgate.catalog.TestModels;
import tollgate.error.ClientGoneException;
import tollgate.error.GatewayException;
import tollgate.json.Json;
import tollgate.memory.MemoryBudget;
import tollgate.provider.CompletionProvider.Call;
import tollgate.provider.CompletionProvider.Shape;

/** The echo provider's completions: the output limit, the finish reason, and what it refuses. */
class EchoCompletionsTest {
    final EchoCompletions echo = new EchoCompletions(InstantSource.fixed(Instant.ofEpochSecond(1700000000)));

    static Call call(Shape shape, String body, Cancellation cancellation) {
        return new Call(shape, Json.asObject(Json.parse(body)), TestModels.model("echo", "echo", "echo", 0, Set.of("fim"), 0), false,
                "r", cancellation, MemoryBudget.unlimited().open(), null);
    }

    static Call call(Shape shape, String body) { return call(shape, body, new Cancellation()); }

    @Test
    void theTextIsCutAtMaxTokens_withFinishReasonLength() {
        Map<String, Object> a = echo.complete(call(Shape.COMPLETIONS, "{\"prompt\":\"abcdefghij\",\"max_tokens\":2}")).answer();
        assertEquals("[{\"text\":\"Echo: ab\",\"index\":0,\"logprobs\":null,\"finish_reason\":\"length\"}]", Json.toString(a.get("choices")));
        a = echo.complete(call(Shape.FIM, "{\"prompt\":\"abc\",\"max_tokens\":0}")).answer();
        assertEquals("[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":\"length\"}]",
                Json.toString(a.get("choices")));
        assertEquals(1700000000L, ((tollgate.json.JsonNumber) a.get("created")).longValue());
    }

    @Test
    void logprobs_cannotBeProduced() {
        GatewayException e = assertThrows(GatewayException.class,
                () -> echo.complete(call(Shape.COMPLETIONS, "{\"prompt\":\"x\",\"logprobs\":1}")));
        assertEquals("logprobs", e.param());
    }

    @Test
    void theSameRequest_getsTheSameAnswer() {
        String body = "{\"prompt\":\"x\",\"suffix\":\"y\"}";
        assertEquals(Json.toString(echo.complete(call(Shape.FIM, body)).answer()), Json.toString(echo.complete(call(Shape.FIM, body)).answer()));
    }

    @Test
    void aCancelledCall_stopsTheStream() {
        Cancellation c = new Cancellation();
        List<Map<String, Object>> got = new ArrayList<>();
        assertThrows(ClientGoneException.class, () -> echo.stream(call(Shape.COMPLETIONS, "{\"prompt\":\"a b c\"}", c), chunk -> {
            got.add(chunk);
            c.cancel();
        }));
        assertEquals(1, got.size());
    }
}
