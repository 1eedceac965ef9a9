package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static tollgate.gateway.GatewayHarness.CLIENT_KEY;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * An {@code anthropic-beta} the operator configured in the Anthropic provider's {@code headers}
 * is never dropped by a native Messages call: the client's betas are joined to it (comma-separated,
 * each once), and with none from the client the operator's goes up alone.
 */
class MessagesOperatorBetaTest extends MessagesTestBase {
    static final String OPERATOR_BETA = "context-1m-2025-08-07";

    static final String CONFIG_WITH_OPERATOR_BETA = CONFIG_WITH_ECHO.replace(
            "\"api_key\": \"sk-ant-test\",",
            "\"api_key\": \"sk-ant-test\", \"headers\": {\"Anthropic-Beta\": \"" + OPERATOR_BETA + "\"},");

    static final String TURN = "{\"model\":\"claude-sonnet\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @Override
    GatewayHarness startGateway(FakeUpstream upstream) throws Exception {
        if (!CONFIG_WITH_OPERATOR_BETA.contains(OPERATOR_BETA)) throw new AssertionError("config not patched");
        return GatewayHarness.builder(upstream.url(), dataDir).config(CONFIG_WITH_OPERATOR_BETA).start();
    }

    @Test
    void clientBeta_isJoinedToTheOperators_eachOnce() throws Exception {
        upstream.respondWith(byPath(ANTHROPIC_PATH, FakeUpstream.json(200, MessagesPassThroughTest.UPSTREAM_ANSWER)));

        HttpResponse<String> r = gw.postAs(MESSAGES, TURN, "x-api-key", CLIENT_KEY, "anthropic-version", "2023-06-01",
                "anthropic-beta", "interleaved-thinking-2025-05-14, " + OPERATOR_BETA, "content-type", "application/json");

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null));
        assertEquals(MessagesPassThroughTest.UPSTREAM_ANSWER.replace(AnthropicGatewayTest.UPSTREAM_MODEL, "claude-sonnet"), r.body());
        FakeUpstream.Received req = upstream.takeRequest();
        assertEquals(OPERATOR_BETA + ",interleaved-thinking-2025-05-14", req.header("anthropic-beta"));
        assertEquals("2023-06-01", req.header("anthropic-version"));
    }

    @Test
    void noClientBeta_theOperatorsGoesUp() throws Exception {
        upstream.respondWith(byPath(ANTHROPIC_PATH, FakeUpstream.json(200, MessagesPassThroughTest.UPSTREAM_ANSWER)));

        HttpResponse<String> r = gw.postAs(MESSAGES, TURN, "x-api-key", CLIENT_KEY, "anthropic-version", "2023-06-01");

        assertEquals(200, r.statusCode(), r.body());
        assertEquals(OPERATOR_BETA, upstream.takeRequest().header("anthropic-beta"));
    }
}
