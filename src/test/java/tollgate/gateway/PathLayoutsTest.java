package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.GatewayHarness.chat;
import static tollgate.gateway.GatewayHarness.obj;
import static tollgate.gateway.GatewayHarness.sseData;

import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every API is served under the seed APIs' three layouts: {@code /v1}, {@code /api}, {@code /api/gateway}. */
class PathLayoutsTest extends GatewayTestBase {

    @ParameterizedTest
    @ValueSource(strings = {"/v1", "/api", "/api/gateway"})
    void chatCompletions_answerUnderEveryPrefix(String prefix) throws Exception {
        HttpResponse<String> r = gw.post(prefix + "/chat/completions", chat("echo", false));

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("Echo: Hi", obj(obj(GatewayHarness.list(obj(r.body()).get("choices")).get(0)).get("message")).get("content"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1", "/api", "/api/gateway"})
    void streamingChatCompletions_answerUnderEveryPrefix(String prefix) throws Exception {
        String body = GatewayHarness.readAll(gw.postStream(prefix + "/chat/completions", chat("echo", true)).body());

        List<String> events = sseData(body);
        assertEquals("[DONE]", events.get(events.size() - 1));
        assertTrue(body.endsWith("data: [DONE]\n\n"), body);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1", "/api", "/api/gateway"})
    void catalog_answersUnderEveryPrefixWithTheSameBody(String prefix) throws Exception {
        assertEquals(CatalogTest.MODELS, gw.get(prefix + "/models").body());
        assertEquals(CatalogTest.PROVIDERS, gw.get(prefix + "/providers").body());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1", "/api", "/api/gateway"})
    void queryStrings_doNotChangeTheRoute(String prefix) throws Exception {
        assertEquals(CatalogTest.MODELS, gw.get(prefix + "/models?limit=1&x=%20").body());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v2/models", "/api/v1/models", "/gateway/models", "/v1/models/", "/V1/models"})
    void otherLayouts_are404(String path) throws Exception {
        assertEquals(404, gw.get(path).statusCode());
    }

    /** OpenAI's routes also at the root, for a base URL given without {@code /v1} (FrontDoorTest). */
    @ParameterizedTest
    @ValueSource(strings = {"/models", "/v1/models", "/api/models", "/api/gateway/models"})
    void modelsAlsoAtTheRoot(String path) throws Exception {
        assertEquals(CatalogTest.MODELS, gw.get(path).body());
    }
}
