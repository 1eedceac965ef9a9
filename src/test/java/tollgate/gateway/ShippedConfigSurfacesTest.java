package tollgate.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.GatewayHarness.list;
import static tollgate.gateway.GatewayHarness.obj;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.Gateway;
import tollgate.config.ConfigLoader;
import tollgate.json.Json;

/**
 * The shipped {@code conf/tollgate.json}, with no provider key and no {@code TOLLGATE_REDIS_URL},
 * serves issue 14's Messages and Responses surfaces offline through echo (embeddings:
 * {@link EmbeddingsShippedConfigTest}): what someone who just ran {@code scripts/run} gets.
 */
class ShippedConfigSurfacesTest {
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

    HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return http.send(b.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString(UTF_8));
    }

    HttpRequest.Builder to(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path));
    }

    @Test
    void messages_withXApiKey_isAnsweredByEcho_inAnthropicsShape() throws Exception {
        HttpResponse<String> r = send(to("/v1/messages").header("x-api-key", GatewayHarness.CLIENT_KEY)
                .header("anthropic-version", "2023-06-01").header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"echo\",\"max_tokens\":50,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}")));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null));
        assertEquals("echo/echo", r.headers().firstValue("x-tollgate-route").orElse(null));
        String id = (String) obj(r.body()).get("id");
        assertTrue(id.matches("msg_[0-9a-f]{32}"), id);
        assertEquals("{\"id\":\"" + id + "\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"echo\","
                + "\"content\":[{\"type\":\"text\",\"text\":\"Echo: hello there\"}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
                + "\"usage\":{\"input_tokens\":3,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":3}}",
                r.body());
    }

    @Test
    void responses_areAnsweredByEcho_storedInTheDataDirectory_andReadBack() throws Exception {
        HttpResponse<String> r = send(to("/v1/responses").header("Authorization", GatewayHarness.AUTH)
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"echo\",\"input\":\"hello there\"}")));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null));
        assertEquals("echo/echo", r.headers().firstValue("x-tollgate-route").orElse(null));
        Map<String, Object> resp = obj(r.body());
        String id = (String) resp.get("id");
        assertTrue(id.matches("resp_[0-9a-f]{32}"), id);
        assertEquals("completed", resp.get("status"), r.body());
        Map<String, Object> message = obj(list(resp.get("output")).get(0));
        assertEquals("[{\"type\":\"output_text\",\"text\":\"Echo: hello there\",\"annotations\":[],\"logprobs\":[]}]",
                Json.toString(message.get("content")), r.body());
        assertEquals("{\"input_tokens\":3,\"input_tokens_details\":{\"cached_tokens\":0},\"output_tokens\":3,"
                + "\"output_tokens_details\":{\"reasoning_tokens\":0},\"total_tokens\":6}", Json.toString(resp.get("usage")));

        HttpResponse<String> got = send(to("/v1/responses/" + id).header("Authorization", GatewayHarness.AUTH).GET());
        assertEquals(200, got.statusCode(), got.body());
        assertEquals("application/json", got.headers().firstValue("content-type").orElse(null));
        Map<String, Object> stored = obj(got.body());
        assertEquals(id, stored.get("id"));
        assertEquals(Json.toString(resp.get("output")), Json.toString(stored.get("output")), "the same output, read back");
    }
}
