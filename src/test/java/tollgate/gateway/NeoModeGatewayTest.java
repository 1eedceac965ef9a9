package tollgate.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.GatewayHarness.UUID_V4;
import static tollgate.gateway.GatewayHarness.errorJson;
import static tollgate.gateway.GatewayHarness.list;
import static tollgate.gateway.GatewayHarness.obj;
import static tollgate.gateway.GatewayHarness.sseData;

import java.io.InputStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tollgate.Gateway;
import tollgate.config.ConfigLoader;
import tollgate.config.GatewayConfig;
import tollgate.config.ProviderConfig;
import tollgate.json.Json;
import tollgate.json.JsonNumber;

/**
 * Neo-mode ({@code model: "neo-mode[/policy]"}) end to end: the shipped {@code conf/tollgate.json}
 * with nothing but echo enabled, and a catalog of three priced fake-upstream models whose
 * qualities and capabilities differ, so that each policy, task and capability need picks a
 * known one.
 *
 * <p>The three models (all on one {@link FakeUpstream}; the upstream model name in the body tells
 * which was called), USD per prompt / completion token, quality general / writing / code / reasoning / vision:
 * <pre>
 *   cheap  up-cheap  0.0000001 / 0.0000002   65 / 70 / 50 / 55 / -    tools, json, stream
 *   mid    up-mid    0.000001  / 0.000002    80 / 78 / 70 / 76 / -    json, stream
 *   top    up-top    0.00001   / 0.00003     92 / 90 / 95 / 93 / 88   tools, vision, stream
 * </pre>
 * Floors (defaults): frugal 60, balanced 75, premium 0. The upstream always reports 10 prompt and
 * 20 completion tokens; the savings baseline (no {@code router.baseline_model}) is top, the priced
 * model with the best general quality: 0.0007 USD for that usage.
 */
class NeoModeGatewayTest extends GatewayTestBase {
    static final String CONFIG = """
            {
              "server": {"access_log": false},
              "router": {"retries": 0, "breaker": {"min_requests": 1000000}},
              "keys": [{"name": "t", "key": "sk-test-0123456789abcdef"}],
              "providers": {
                "fake": {"kind": "openai", "base_url": "${FAKE_URL}/v1", "api_key": "sk-upstream-5ecret-0000"},
                "echo": {"kind": "echo"}
              },
              "models": [
                {"id": "cheap", "provider": "fake", "upstream": "up-cheap", "context_length": 16000, "created": 1,
                 "pricing": {"prompt": "0.0000001", "completion": "0.0000002"}, "capabilities": ["tools", "json", "stream"],
                 "quality": {"general": 65, "writing": 70, "code-generation": 50, "reasoning": 55}},
                {"id": "mid", "provider": "fake", "upstream": "up-mid", "context_length": 32000, "created": 2,
                 "pricing": {"prompt": "0.000001", "completion": "0.000002"}, "capabilities": ["json", "stream"],
                 "quality": {"general": 80, "writing": 78, "code-generation": 70, "reasoning": 76}},
                {"id": "top", "provider": "fake", "upstream": "up-top", "context_length": 200000, "created": 3,
                 "pricing": {"prompt": "0.00001", "completion": "0.00003"}, "capabilities": ["tools", "vision", "stream"],
                 "quality": {"general": 92, "writing": 90, "code-generation": 95, "reasoning": 93, "vision": 88}},
                {"id": "echo", "provider": "echo", "name": "Echo", "context_length": 131072,
                 "pricing": {"prompt": "0", "completion": "0"}, "created": 1700000000}
              ]
            }
            """;

    /** The fake's answer, naming the upstream model it was asked for. */
    static String completion(String upstreamModel) {
        return "{\"id\":\"chatcmpl-n1\",\"object\":\"chat.completion\",\"created\":1700000000,\"model\":\"" + upstreamModel
                + "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"from " + upstreamModel
                + "\"},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":20,\"total_tokens\":30}}";
    }

    @Override
    FakeUpstream newUpstream() throws Exception {
        return new FakeUpstream().respondWith((ex, up) -> {
            List<FakeUpstream.Received> all = up.requests();
            String model = (String) obj(all.get(all.size() - 1).bodyText()).get("model");
            FakeUpstream.json(200, completion(model)).respond(ex, up);
        });
    }

    @Override
    GatewayHarness startGateway(FakeUpstream upstream) throws Exception {
        return GatewayHarness.builder(upstream.url(), dataDir).config(CONFIG).start();
    }

    /** {@code tried[0].ms} of a route, checked to be a whole number of milliseconds. */
    static long ms(Map<String, Object> route) {
        Object ms = obj(list(route.get("tried")).get(0)).get("ms");
        assertTrue(ms instanceof JsonNumber n && n.isInteger() && n.longValue() >= 0 && n.longValue() < 20_000, String.valueOf(ms));
        return ((JsonNumber) ms).longValue();
    }

    static String route(String policy, String task, String source, String deployment, String model, long ms, String reason) {
        return "{\"policy\":\"" + policy + "\",\"task\":\"" + task + "\",\"task_source\":\"" + source + "\",\"chosen\":\""
                + deployment + "\",\"model\":\"" + model + "\",\"tried\":[{\"deployment\":\"" + deployment
                + "\",\"outcome\":\"ok\",\"ms\":" + ms + "}],\"reason\":\"" + reason + "\"}";
    }

    // ------------------------------------------------------------------ three fake-upstream models

    static final String HI = "[{\"role\":\"user\",\"content\":\"Hi\"}]";
    static final String FENCE = "[{\"role\":\"user\",\"content\":\"Fix this:\\n```\\nx = 1\\n```\"}]";
    static final String IMAGE = "[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"What is this?\"},"
            + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/a.png\"}}]}]";
    static final String TOOLS = ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
            + "\"description\":\"Current weather for a city\",\"parameters\":{\"type\":\"object\"}}}]";

    @ParameterizedTest(name = "{0} {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
            // model | messages | extra fields | chosen | policy | task | task_source | reason
            "neo-mode/frugal | " + HI + " | | cheap | frugal | general | inferred"
                    + " | general (inferred: no signal); cheap is the cheapest of 3 models with general quality >= 60 (quality 65)",
            "neo-mode | " + HI + " | ,\"policy\":\"frugal\" | cheap | frugal | general | inferred"
                    + " | general (inferred: no signal); cheap is the cheapest of 3 models with general quality >= 60 (quality 65)",
            "neo-mode | " + HI + " | | mid | balanced | general | inferred"
                    + " | general (inferred: no signal); mid is the best quality per cost of 2 models with general quality >= 75"
                    + " (quality 80)",
            "neo-mode/balanced | " + HI + " | | mid | balanced | general | inferred"
                    + " | general (inferred: no signal); mid is the best quality per cost of 2 models with general quality >= 75"
                    + " (quality 80)",
            "neo-mode/premium | " + HI + " | | top | premium | general | inferred"
                    + " | general (inferred: no signal); top is the highest quality of 3 models with general quality >= 0 (quality 92)",
            "neo-mode | " + HI + " | ,\"policy\":\"premium\",\"taskHint\":\"writing\" | top | premium | writing | hint"
                    + " | writing (hint: taskHint); top is the highest quality of 3 models with writing quality >= 0 (quality 90)",
            // a task hint moves the choice: cheap is below frugal's floor for code, mid below balanced's
            "neo-mode/frugal | " + HI + " | ,\"taskHint\":\"code-generation\" | mid | frugal | code-generation | hint"
                    + " | code-generation (hint: taskHint); mid is the cheapest of 2 models with code-generation quality >= 60"
                    + " (quality 70)",
            "neo-mode/balanced | " + HI + " | ,\"taskHint\":\"code-generation\" | top | balanced | code-generation | hint"
                    + " | code-generation (hint: taskHint); top is the best quality per cost of 1 model with code-generation"
                    + " quality >= 75 (quality 95)",
            // inferred: a code fence is code-generation
            "neo-mode/frugal | " + FENCE + " | | mid | frugal | code-generation | inferred"
                    + " | code-generation (inferred: code fence in the last user message); mid is the cheapest of 2 models with"
                    + " code-generation quality >= 60 (quality 70)",
            // an image: only top has vision, even for frugal
            "neo-mode/frugal | " + IMAGE + " | | top | frugal | vision | inferred"
                    + " | vision (inferred: image in messages[0]); top is the cheapest of 1 model with vision quality >= 60 (quality 88)",
            // tools: mid has none, so balanced goes to top; frugal keeps cheap, which has tools
            "neo-mode/balanced | " + HI + " | " + TOOLS + " | top | balanced | general | inferred"
                    + " | general (inferred: no signal); top is the best quality per cost of 1 model with general quality >= 75"
                    + " (quality 92)",
            "neo-mode/frugal | " + HI + " | " + TOOLS + " | cheap | frugal | general | inferred"
                    + " | general (inferred: no signal); cheap is the cheapest of 2 models with general quality >= 60 (quality 65)",
    })
    void policy_picksTheExpectedModel(String model, String messages, String extra, String chosen, String policy, String task,
                                      String source, String reason) throws Exception {
        String request = "{\"model\":\"" + model + "\",\"messages\":" + messages + (extra == null ? "" : extra) + "}";
        HttpResponse<String> r = gw.post("/v1/chat/completions", request, "x-request-id", "neo-req-1");

        assertEquals(200, r.statusCode(), r.body());
        String upstreamModel = "up-" + chosen;
        // The upstream got the request for its own model, without the gateway's fields.
        Map<String, Object> sent = obj(request);
        sent.put("model", upstreamModel);
        sent.remove("policy");
        sent.remove("taskHint");
        FakeUpstream.Received req = upstream.takeRequest();
        assertEquals(Json.toString(sent), req.bodyText());
        assertEquals(1, upstream.requests().size());

        Map<String, Object> ext = obj(obj(r.body()).get("tollgate"));
        String executionId = (String) ext.get("execution_id");
        assertTrue(UUID_V4.matcher(executionId).matches(), executionId);
        long ms = ms(obj(ext.get("route")));
        // usage 10 / 20 at the chosen model's prices; savings against top (0.0007)
        String cost = switch (chosen) {
            case "cheap" -> "0.000005";
            case "mid" -> "0.00005";
            default -> "0.0007";
        };
        String savings = switch (chosen) {
            case "cheap" -> "0.000695";
            case "mid" -> "0.00065";
            default -> "0";
        };
        String expected = completion(upstreamModel).replace("\"model\":\"" + upstreamModel + "\"", "\"model\":\"" + model + "\"")
                .replaceFirst("}$", ",\"tollgate\":{\"execution_id\":\"" + executionId + "\",\"request_id\":\"neo-req-1\","
                        + "\"route\":" + route(policy, task, source, "fake/" + upstreamModel, chosen, ms, reason)
                        + ",\"cost\":" + cost + ",\"savings\":" + savings + ",\"credits_charged\":" + credits(cost) + "}}");
        assertEquals(expected, r.body());
        assertEquals("fake/" + upstreamModel, r.headers().firstValue("x-tollgate-route").orElseThrow());
    }

    @Test
    void requestNoModelCanTake_is400AndCallsNobody() throws Exception {
        // An image needs top (vision), JSON output needs json, which top lacks.
        String request = "{\"model\":\"neo-mode/premium\",\"messages\":" + IMAGE + ",\"response_format\":{\"type\":\"json_object\"}}";
        HttpResponse<String> r = gw.post("/v1/chat/completions", request);

        // estimate: 3 (priming) + 4 (message) + ceil(13 / 4) + 765 (image) = 776
        assertEquals(400, r.statusCode(), r.body());
        assertEquals(errorJson("No model that neo-mode can choose on this gateway can serve this request: it needs vision, json, "
                + "a context window of at least 776 tokens.", "invalid_request_error", "messages[0].content[1]", 400), r.body());
        assertEquals(0, upstream.requests().size());
    }

    @Test
    void toolsVisionAndJson_noModelHasAll_is400() throws Exception {
        // tools: cheap, top; an image: top; JSON output: cheap, mid. All three: nobody.
        String request = "{\"model\":\"neo-mode\",\"messages\":" + IMAGE + TOOLS + ",\"response_format\":{\"type\":\"json_object\"}}";
        HttpResponse<String> r = gw.post("/v1/chat/completions", request);

        // estimate: 776 as above + ceil(133 JSON chars of tools / 4) = 810
        assertEquals(400, r.statusCode(), r.body());
        assertEquals(errorJson("No model that neo-mode can choose on this gateway can serve this request: it needs tools, vision, "
                + "json, a context window of at least 810 tokens.", "invalid_request_error", "messages[0].content[1]", 400), r.body());
        assertEquals(0, upstream.requests().size());
    }

    @Test
    void unknownPolicy_is400() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions", GatewayHarness.chat("neo-mode/cheapest", false));
        assertEquals(errorJson("Unknown neo-mode policy 'cheapest': use neo-mode/frugal, neo-mode/balanced or neo-mode/premium.",
                "invalid_request_error", "model", 400), r.body());
        assertEquals(400, r.statusCode());
    }

    @Test
    void models_listsTheCatalogThenTheNeoModeEntriesOverTheOnlineModels() throws Exception {
        HttpResponse<String> r = gw.get("/v1/models");

        assertEquals(200, r.statusCode(), r.body());
        String neo = "\"object\":\"model\",\"created\":0,\"owned_by\":\"tollgate\",";
        String members = "\"context_length\":200000,\"capabilities\":[\"json\",\"stream\",\"tools\",\"vision\"],"
                + "\"members\":[\"cheap\",\"mid\",\"top\"]}";
        assertEquals("{\"object\":\"list\",\"data\":["
                + "{\"id\":\"cheap\",\"object\":\"model\",\"created\":1,\"owned_by\":\"fake\",\"name\":\"cheap\",\"context_length\":16000,"
                + "\"pricing\":{\"prompt\":\"0.0000001\",\"completion\":\"0.0000002\"},\"capabilities\":[\"json\",\"stream\",\"tools\"]},"
                + "{\"id\":\"mid\",\"object\":\"model\",\"created\":2,\"owned_by\":\"fake\",\"name\":\"mid\",\"context_length\":32000,"
                + "\"pricing\":{\"prompt\":\"0.000001\",\"completion\":\"0.000002\"},\"capabilities\":[\"json\",\"stream\"]},"
                + "{\"id\":\"top\",\"object\":\"model\",\"created\":3,\"owned_by\":\"fake\",\"name\":\"top\",\"context_length\":200000,"
                + "\"pricing\":{\"prompt\":\"0.00001\",\"completion\":\"0.00003\"},\"capabilities\":[\"stream\",\"tools\",\"vision\"]},"
                + "{\"id\":\"echo\",\"object\":\"model\",\"created\":1700000000,\"owned_by\":\"echo\",\"name\":\"Echo\","
                + "\"context_length\":131072,\"pricing\":{\"prompt\":\"0\",\"completion\":\"0\"},"
                + "\"capabilities\":[\"json\",\"stream\",\"tools\"],\"offline\":true},"
                + "{\"id\":\"neo-mode\"," + neo + "\"name\":\"Neo mode (policy balanced)\"," + members + ","
                + "{\"id\":\"neo-mode/frugal\"," + neo + "\"name\":\"Neo mode (policy frugal)\"," + members + ","
                + "{\"id\":\"neo-mode/balanced\"," + neo + "\"name\":\"Neo mode (policy balanced)\"," + members + ","
                + "{\"id\":\"neo-mode/premium\"," + neo + "\"name\":\"Neo mode (policy premium)\"," + members
                + "]}", r.body());
    }

    // ------------------------------------------------------------------ the shipped config

    static final Path SHIPPED = Path.of("conf/tollgate.json");
    static final Pattern ECHO_ID = Pattern.compile("chatcmpl-echo-[0-9a-f]{8}");

    @TempDir Path shippedDataDir;

    /** The shipped config with an empty environment but for the client key. */
    /**
     * Credits a request costing {@code costUsd} is charged (issue 9): {@code ceil(cost × 1000)},
     * 1000 being the default {@code accounts.credits_per_usd} (neither config sets it); 0 for a
     * free answer. The keys have no credit balance, so no {@code balance} follows.
     */
    static long credits(String costUsd) {
        return new BigDecimal(costUsd).multiply(BigDecimal.valueOf(1000)).setScale(0, RoundingMode.CEILING).longValueExact();
    }

    GatewayConfig shippedConfig() {
        return ConfigLoader.load(SHIPPED, Map.of("TOLLGATE_API_KEY", GatewayHarness.CLIENT_KEY),
                new ConfigLoader.Overrides("127.0.0.1", 0, shippedDataDir));
    }

    /** A running gateway on the shipped config and a client for it. */
    record Shipped(Gateway gateway, HttpClient http) implements AutoCloseable {
        HttpResponse<String> post(String path, String json, String... headers) throws Exception {
            HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20))
                    .header("Authorization", GatewayHarness.AUTH).POST(HttpRequest.BodyPublishers.ofString(json));
            for (int i = 0; i + 1 < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString(UTF_8));
        }

        HttpResponse<InputStream> postStream(String path, String json) throws Exception {
            HttpRequest r = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20))
                    .header("Authorization", GatewayHarness.AUTH).POST(HttpRequest.BodyPublishers.ofString(json)).build();
            return http.send(r, HttpResponse.BodyHandlers.ofInputStream());
        }

        HttpResponse<String> get(String path) throws Exception {
            return http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20)).GET().build(),
                    HttpResponse.BodyHandlers.ofString(UTF_8));
        }

        URI uri(String path) { return URI.create("http://127.0.0.1:" + gateway.port() + path); }

        @Override
        public void close() {
            http.shutdownNow();
            gateway.stop(Duration.ZERO);
        }
    }

    Shipped startShipped() throws Exception {
        GatewayConfig config = shippedConfig();
        return new Shipped(Gateway.start(config), HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build());
    }

    @Test
    void shippedConfig_enablesOnlyEchoAndMeasuresSavingsAgainstGpt4o() {
        GatewayConfig config = shippedConfig();
        List<String> enabled = new ArrayList<>();
        for (ProviderConfig p : config.providers().values()) if (p.enabled()) enabled.add(p.id());
        assertEquals(List.of("echo"), enabled);
        // The savings below are computed against this model's prices (0.0000025 / 0.00001).
        assertEquals("gpt-4o", config.router().baselineModel());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
            "neo-mode | balanced | general (inferred: no signal); no model reaches balanced's quality floor 75 for general;"
                    + " chose the best available, echo (quality 1)",
            "neo-mode/frugal | frugal | general (inferred: no signal); no model reaches frugal's quality floor 60 for general;"
                    + " chose the best available, echo (quality 1)",
            "neo-mode/balanced | balanced | general (inferred: no signal); no model reaches balanced's quality floor 75 for"
                    + " general; chose the best available, echo (quality 1)",
            "neo-mode/premium | premium | general (inferred: no signal); echo is the highest quality of 1 model with general"
                    + " quality >= 0 (quality 1)",
    })
    void shippedConfig_neoModeAnswersFromEcho(String model, String policy, String reason) throws Exception {
        try (Shipped s = startShipped()) {
            long before = Instant.now().getEpochSecond();
            HttpResponse<String> r = s.post("/v1/chat/completions", GatewayHarness.chat(model, false), "x-request-id", "ship-1");
            long after = Instant.now().getEpochSecond();

            assertEquals(200, r.statusCode(), r.body());
            assertEquals("echo/echo", r.headers().firstValue("x-tollgate-route").orElseThrow());
            Map<String, Object> body = obj(r.body());
            String id = (String) body.get("id");
            assertTrue(ECHO_ID.matcher(id).matches(), id);
            long created = ((JsonNumber) body.get("created")).longValue();
            assertTrue(created >= before && created <= after, created + " not in [" + before + ", " + after + "]");
            Map<String, Object> ext = obj(body.get("tollgate"));
            String executionId = (String) ext.get("execution_id");
            assertTrue(UUID_V4.matcher(executionId).matches(), executionId);
            long ms = ms(obj(ext.get("route")));
            // echo: prompt ceil(2 / 4) = 1, completion 2 words; free; savings 1 × 0.0000025 + 2 × 0.00001 on gpt-4o;
            // a free answer is charged no credits
            assertEquals("{\"id\":\"" + id + "\",\"object\":\"chat.completion\",\"created\":" + created + ",\"model\":\"" + model
                    + "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Echo: Hi\"},"
                    + "\"logprobs\":null,\"finish_reason\":\"stop\"}],"
                    + "\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,\"total_tokens\":3},"
                    + "\"tollgate\":{\"execution_id\":\"" + executionId + "\",\"request_id\":\"ship-1\",\"route\":"
                    + route(policy, "general", "inferred", "echo/echo", "echo", ms, reason)
                    + ",\"cost\":0,\"savings\":0.0000225,\"credits_charged\":" + credits("0") + "}}", r.body());
        }
    }

    @Test
    void shippedConfig_neoModeTaskHintIsReportedAsHint() throws Exception {
        try (Shipped s = startShipped()) {
            HttpResponse<String> r = s.post("/api/chat/completions", "{\"model\":\"neo-mode/frugal\",\"taskHint\":\"reasoning\","
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");

            assertEquals(200, r.statusCode(), r.body());
            Map<String, Object> route = obj(obj(obj(r.body()).get("tollgate")).get("route"));
            assertEquals(route("frugal", "reasoning", "hint", "echo/echo", "echo", ms(route),
                    "reasoning (hint: taskHint); no model reaches frugal's quality floor 60 for reasoning; chose the best"
                            + " available, echo (quality 1)"), Json.toString(route));
        }
    }

    @Test
    void shippedConfig_neoModeStreams_routeOnTheFirstChunk() throws Exception {
        try (Shipped s = startShipped()) {
            HttpResponse<InputStream> r = s.postStream("/v1/chat/completions", GatewayHarness.chat("neo-mode/premium", true));

            assertEquals(200, r.statusCode());
            assertEquals("text/event-stream", r.headers().firstValue("content-type").orElseThrow());
            assertEquals("echo/echo", r.headers().firstValue("x-tollgate-route").orElseThrow());
            List<String> events = sseData(GatewayHarness.readAll(r.body()));
            assertEquals("[DONE]", events.get(events.size() - 1));
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < events.size() - 1; i++) {
                Map<String, Object> chunk = obj(events.get(i));
                assertEquals("neo-mode/premium", chunk.get("model"), events.get(i));
                assertEquals(i == 0, chunk.containsKey("tollgate"), events.get(i));
                for (Object c : list(chunk.get("choices"))) {
                    if (obj(obj(c).get("delta")).get("content") instanceof String t) text.append(t);
                }
                assertFalse(chunk.containsKey("usage"), events.get(i));
            }
            assertEquals("Echo: Hi", text.toString());
            // role chunk, "Echo:", " Hi", finish; echo's usage chunk is dropped (no include_usage)
            assertEquals(5, events.size(), events.toString());
            Map<String, Object> ext = obj(obj(events.get(0)).get("tollgate"));
            String executionId = (String) ext.get("execution_id");
            assertTrue(UUID_V4.matcher(executionId).matches(), executionId);
            String requestId = (String) ext.get("request_id");
            assertTrue(GatewayHarness.GENERATED_REQUEST_ID.matcher(requestId).matches(), requestId);
            Map<String, Object> route = obj(ext.get("route"));
            assertEquals("{\"execution_id\":\"" + executionId + "\",\"request_id\":\"" + requestId + "\",\"route\":"
                    + route("premium", "general", "inferred", "echo/echo", "echo", ms(route),
                            "general (inferred: no signal); echo is the highest quality of 1 model with general quality >= 0"
                                    + " (quality 1)") + "}", Json.toString(ext));
            assertEquals("stop", obj(list(obj(events.get(events.size() - 2)).get("choices")).get(0)).get("finish_reason"));
        }
    }

    @Test
    void shippedConfig_modelsListsNeoModeOverEcho() throws Exception {
        try (Shipped s = startShipped()) {
            HttpResponse<String> r = s.get("/v1/models");

            assertEquals(200, r.statusCode(), r.body());
            List<Object> data = list(obj(r.body()).get("data"));
            List<String> ids = new ArrayList<>();
            for (Object e : data) ids.add((String) obj(e).get("id"));
            assertEquals(List.of("echo", "echo-stt", "echo-tts", "echo-realtime", "echo-image", "echo-embedding",
                    "group:123e4567-e89b-12d3-a456-426614174000", "neo-mode", "neo-mode/frugal", "neo-mode/balanced", "neo-mode/premium"), ids);
            for (int i = 7; i < 11; i++) {
                String policy = i == 7 ? "balanced" : ids.get(i).substring("neo-mode/".length());
                assertEquals("{\"id\":\"" + ids.get(i) + "\",\"object\":\"model\",\"created\":0,\"owned_by\":\"tollgate\","
                        + "\"name\":\"Neo mode (policy " + policy + ")\",\"context_length\":131072,"
                        + "\"capabilities\":[\"json\",\"stream\",\"tools\"],\"members\":[\"echo\"]}", Json.toString(data.get(i)));
            }
        }
    }
}
