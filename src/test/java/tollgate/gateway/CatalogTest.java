package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static tollgate.gateway.GatewayHarness.UPSTREAM_KEY;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code GET /models}, {@code GET /providers} (no auth, seed 002) and the health checks. */
class CatalogTest extends GatewayTestBase {
    static final String MODELS = "{\"object\":\"list\",\"data\":["
            + "{\"id\":\"gpt-4o-mini\",\"object\":\"model\",\"created\":1721172741,\"owned_by\":\"openai\",\"name\":\"GPT-4o mini\","
            + "\"context_length\":128000,\"pricing\":{\"prompt\":\"0.00000015\",\"completion\":\"0.0000006\"},"
            + "\"capabilities\":[\"json\",\"stream\",\"tools\",\"vision\"]},"
            + "{\"id\":\"echo\",\"object\":\"model\",\"created\":1700000000,\"owned_by\":\"echo\",\"name\":\"Echo\","
            + "\"context_length\":131072,\"pricing\":{\"prompt\":\"0\",\"completion\":\"0\"},"
            + "\"capabilities\":[\"json\",\"stream\",\"tools\"],\"offline\":true},"
            // neo-mode and its policies choose among the online models (echo only when nothing else is enabled)
            + neoMode("neo-mode", "balanced") + "," + neoMode("neo-mode/frugal", "frugal") + ","
            + neoMode("neo-mode/balanced", "balanced") + "," + neoMode("neo-mode/premium", "premium") + "]}";

    static String neoMode(String id, String policy) {
        return "{\"id\":\"" + id + "\",\"object\":\"model\",\"created\":0,\"owned_by\":\"tollgate\","
                + "\"name\":\"Neo mode (policy " + policy + ")\",\"context_length\":128000,"
                + "\"capabilities\":[\"json\",\"stream\",\"tools\",\"vision\"],\"members\":[\"gpt-4o-mini\"]}";
    }

    static String health(String deployment, String model) {
        return "{\"deployment\":\"" + deployment + "\",\"model\":\"" + model + "\",\"breaker\":\"closed\","
                + "\"window_requests\":0,\"window_failures\":0,\"in_flight\":0}";
    }

    static final String PROVIDERS = "{\"object\":\"list\",\"data\":["
            + "{\"id\":\"openai\",\"object\":\"provider\",\"kind\":\"openai\",\"enabled\":true,\"offline\":false,"
            + "\"capabilities\":[\"chat\",\"completions\",\"embeddings\",\"fim\",\"images\",\"realtime\",\"stt\",\"tts\"],\"models\":[\"gpt-4o-mini\"],"
            + "\"deployments\":[" + health("openai/gpt-4o-mini-2024-07-18", "gpt-4o-mini") + "]},"
            + "{\"id\":\"echo\",\"object\":\"provider\",\"kind\":\"echo\",\"enabled\":true,\"offline\":true,"
            + "\"capabilities\":[\"chat\",\"completions\",\"embeddings\",\"fim\",\"images\",\"realtime\",\"stt\",\"tts\"],\"models\":[\"echo\"],\"description\":\"Offline echo provider: answers "
            + "deterministically without any network. Not a language model.\","
            + "\"deployments\":[" + health("echo/echo", "echo") + "]},"
            + "{\"id\":\"vault\",\"object\":\"provider\",\"kind\":\"openai\",\"enabled\":false,"
            + "\"disabled_reason\":\"TG_TEST_VAULT_KEY is not set\",\"offline\":false,\"capabilities\":[],"
            + "\"models\":[\"vault-model\"]}]}";

    static void assertJson(HttpResponse<String> r, String body) {
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        assertEquals(body, r.body());
    }

    @Test
    void models_listsTheEnabledProvidersModelsInSeed002Shape() throws Exception {
        assertJson(gw.get("/v1/models"), MODELS);
    }

    @Test
    void models_needsNoKeyAndIgnoresABadOne() throws Exception {
        assertJson(gw.get("/v1/models", "Authorization", "Bearer wrong-key-0000000000"), MODELS);
    }

    @Test
    void providers_listsEveryProviderWithWhyItIsDisabled() throws Exception {
        assertJson(gw.get("/v1/providers"), PROVIDERS);
    }

    @Test
    void providers_showNoBaseUrlKeyOrConfiguredHeaders() throws Exception {
        String body = gw.get("/v1/providers").body() + gw.get("/v1/models").body();

        for (String secret : new String[] {UPSTREAM_KEY, "5ecret", "127.0.0.1", upstream.url(), "base_url", "api_key",
                "org-42", "proj-7", "http"}) {
            assertFalse(body.contains(secret), secret + " in " + body);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/healthz", "/readyz"})
    void healthChecks_areOkWithoutAKey(String path) throws Exception {
        assertJson(gw.get(path), "{\"status\":\"ok\"}");
    }

    @Test
    void healthChecks_areOnlyAtTheRoot() throws Exception {
        assertEquals(404, gw.get("/v1/healthz").statusCode());
        assertEquals(404, gw.get("/api/readyz").statusCode());
    }

    @Test
    void catalog_ofAGatewayWithoutModels_isAnEmptyList() throws Exception {
        gw.close();
        gw = GatewayHarness.builder(upstream.url(), dataDir)
                .config("{\"server\":{\"access_log\":false},\"keys\":[{\"name\":\"t\",\"key\":\"sk-test-0123456789abcdef\"}]}")
                .start();

        assertJson(gw.get("/v1/models"), "{\"object\":\"list\",\"data\":[]}");
        assertJson(gw.get("/v1/providers"), "{\"object\":\"list\",\"data\":[]}");
    }
}
