package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static tollgate.gateway.GatewayHarness.list;
import static tollgate.gateway.GatewayHarness.obj;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.Gateway;
import tollgate.config.ConfigLoader;
import tollgate.json.Json;

/** The shipped {@code conf/tollgate.json} serves embeddings offline, with no provider key set: echo-embedding. */
class EmbeddingsShippedConfigTest {
    @TempDir Path dataDir;

    @Test
    void echoEmbedding_answersWithoutAKey_andTheCatalogListsTheEmbeddingsModels() throws Exception {
        Gateway gateway = Gateway.start(ConfigLoader.load(Path.of("conf/tollgate.json"), Map.of("TOLLGATE_API_KEY",
                GatewayHarness.CLIENT_KEY), new ConfigLoader.Overrides("127.0.0.1", 0, dataDir)));
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        try {
            String base = "http://127.0.0.1:" + gateway.port();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/embeddings"))
                    .timeout(Duration.ofSeconds(20)).header("Authorization", GatewayHarness.AUTH).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"echo-embedding\",\"input\":\"a red fox\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
            assertEquals("echo/echo-embedding", r.headers().firstValue("x-tollgate-route").orElse(null));
            assertEquals(256, list(obj(list(obj(r.body()).get("data")).get(0)).get("embedding")).size());

            HttpResponse<String> listing = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/models")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, listing.statusCode(), listing.body());
            Map<String, Object> echo = null;
            for (Object m : list(obj(listing.body()).get("data"))) if ("echo-embedding".equals(obj(m).get("id"))) echo = obj(m);
            assertEquals("{\"prompt\":\"0\"}", Json.toString(echo.get("pricing")));
            assertEquals("[\"embeddings\"]", Json.toString(echo.get("capabilities")));
            assertFalse(listing.body().contains("text-embedding-3-small"), "its provider is off without OPENAI_API_KEY");
        } finally {
            gateway.stop(Duration.ZERO);
            http.shutdownNow();
        }
    }
}
