package tollgate.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static tollgate.gateway.GatewayHarness.errorJson;
import static tollgate.gateway.GatewayHarness.list;
import static tollgate.gateway.GatewayHarness.obj;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.Gateway;
import tollgate.config.ConfigLoader;

/**
 * The shipped {@code conf/tollgate.json} with no provider key set serves FIM and completions
 * offline: without a model the echo model answers (the only one enabled that has the
 * capability), and a model whose provider is off says which variable to set.
 */
class ShippedConfigCompletionsTest {
    @TempDir Path dataDir;
    Gateway gateway;
    HttpClient http;

    @BeforeEach
    void start() throws Exception {
        gateway = Gateway.start(ConfigLoader.load(Path.of("conf/tollgate.json"), Map.of("TOLLGATE_API_KEY", GatewayHarness.CLIENT_KEY),
                new ConfigLoader.Overrides("127.0.0.1", 0, dataDir)));
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterEach
    void stop() {
        http.shutdownNow();
        gateway.stop(Duration.ZERO);
    }

    HttpResponse<String> post(String path, String json) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path)).timeout(Duration.ofSeconds(20))
                .header("Authorization", GatewayHarness.AUTH).POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString(UTF_8));
    }

    @Test
    void fimWithoutAModel_isAnsweredByEcho() throws Exception {
        HttpResponse<String> r = post("/v1/fim/completions", "{\"prompt\":\"def f(\",\"suffix\":\")\"}");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("echo", obj(r.body()).get("model"));
        assertEquals("{\"role\":\"assistant\",\"content\":\"Echo: def f( / )\"}",
                tollgate.json.Json.toString(obj(list(obj(r.body()).get("choices")).get(0)).get("message")));
        assertEquals("echo/echo", r.headers().firstValue("x-tollgate-route").orElseThrow());
    }

    @Test
    void completionsWithoutAModel_andWithEcho_areAnsweredByEcho() throws Exception {
        for (String body : List.of("{\"prompt\":\"Hello\"}", "{\"model\":\"echo\",\"prompt\":\"Hello\"}")) {
            HttpResponse<String> r = post("/v1/completions", body);
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("text_completion", obj(r.body()).get("object"));
            assertEquals("Echo: Hello", obj(list(obj(r.body()).get("choices")).get(0)).get("text"));
        }
    }

    @Test
    void aModelWhoseProviderIsOff_saysWhichVariableToSet() throws Exception {
        HttpResponse<String> r = post("/v1/fim/completions", "{\"model\":\"codestral-latest\",\"prompt\":\"x\"}");
        assertEquals(503, r.statusCode(), r.body());
        assertEquals(errorJson("The model 'codestral-latest' is served by provider 'mistral', which is not enabled: MISTRAL_API_KEY "
                + "is not set.", "service_unavailable", "model", 503), r.body());
    }
}
