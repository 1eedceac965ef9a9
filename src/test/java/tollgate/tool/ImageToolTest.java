package tollgate.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.provider.FakeUpstream.json;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.account.Account;
import tollgate.account.Accounts;
import tollgate.account.KeyAdmin;
import tollgate.account.KeyStore;
import tollgate.account.UsageRecord;
import tollgate.call.Cancellation;
import tollgate.call.Clock;
import tollgate.catalog.Catalog;
import tollgate.config.ConfigLoader;
import tollgate.config.GatewayConfig;
import tollgate.config.ProviderConfig;
import tollgate.json.Json;
import tollgate.json.JsonNumber;
import tollgate.memory.MemoryBudget;
import tollgate.provider.FakeUpstream;
import tollgate.provider.IdleWatchdog;
import tollgate.provider.PngCheck;
import tollgate.provider.Provider;
import tollgate.provider.Providers;
import tollgate.provider.Secrets;
import tollgate.provider.Upstream;
import tollgate.route.Dispatcher;
import tollgate.route.Router;

/**
 * The {@code image_generation} tool as the agent loop runs it: built by {@link Tools#build} from
 * the config, its model called through the service pipeline (an OpenAI-compatible fake and the
 * offline echo), the key's credits charged and the call recorded under the execution's id; the
 * model given ids and https URLs only, the client every image as an attachment; failures told to
 * the model as text.
 */
class ImageToolTest {
    static final String CONFIG = """
            {
              "providers": {
                "openai": {"kind": "openai", "base_url": "${FAKE_URL}", "api_key": "sk-upstream-5ecret-0000",
                           "timeout_ms": 10000, "idle_timeout_ms": 10000},
                "echo": {"kind": "echo"}
              },
              "router": {"retries": 0, "breaker": {"min_requests": 1000000}},
              "models": [
                {"id": "dall-e-3", "provider": "openai", "pricing": {"image": "0.04"}, "capabilities": ["images"]},
                {"id": "echo-image", "provider": "echo", "pricing": {"image": "0"}, "capabilities": ["images"]}
              ],
              "tools": [
                {"name": "draw", "type": "image_generation", "model": "echo-image", "response_format": "b64_json", "max_images": 3},
                {"name": "draw_url", "type": "image_generation", "model": "echo-image", "response_format": "url"},
                {"name": "paint", "type": "image_generation", "model": "dall-e-3", "max_images": 10, "keys": ["painter"],
                 "requires_approval": true, "description": "Paints."},
                {"name": "tiny", "type": "image_generation", "model": "echo-image", "max_images": 10, "max_output_bytes": 256}
              ]
            }
            """;

    @TempDir Path dataDir;
    private FakeUpstream up;
    private Upstream upstream;
    private IdleWatchdog watchdog;
    private Accounts accounts;
    private ToolBox box;
    private final List<UsageRecord> records = new java.util.concurrent.CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        up = new FakeUpstream();
        GatewayConfig config = ConfigLoader.parse(CONFIG.getBytes(StandardCharsets.UTF_8), dataDir,
                Map.of("FAKE_URL", up.baseUrl().toString()), ConfigLoader.Overrides.NONE);
        upstream = new Upstream(Duration.ofSeconds(5));
        watchdog = new IdleWatchdog();
        Map<String, Provider> running = new LinkedHashMap<>();
        Secrets secrets = Secrets.of(config.providers().values());
        for (ProviderConfig pc : config.providers().values()) running.put(pc.id(), Providers.create(pc, upstream, watchdog, secrets));
        Router router = new Router(Catalog.of(config.models()), running, Map.of(), config.groups(), config.router(),
                config.voice().policies(), Clock.SYSTEM, new Random(1));
        accounts = Accounts.open(List.of(), new KeyStore(dataDir), 1000, Map.of(), Clock.SYSTEM);
        box = Tools.build(config, new Dispatcher(router, null, Clock.SYSTEM, new Random(1), records::add).services(), accounts,
                upstream, MemoryBudget.unlimited());
    }

    @AfterEach
    void stop() {
        accounts.close();
        watchdog.close();
        upstream.close();
        up.close();
    }

    private Account account(String name, long credits) throws Exception {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("name", name);
        fields.put("credits", credits);
        KeyAdmin.Created c = accounts.admin().create(fields);
        accounts.reload();
        return accounts.authenticateKey(c.secret());
    }

    private static ToolInvocation invocation(String args, Account account, Cancellation c, long deadlineNanos) {
        return new ToolInvocation("call_1", Json.asObject(Json.parse(args)), account == null ? null : account.name(), account, "req-1",
                "exec-1", c, deadlineNanos);
    }

    private static ToolInvocation invocation(String args, Account account) {
        return invocation(args, account, new Cancellation(), System.nanoTime() + Duration.ofSeconds(20).toNanos());
    }

    private static String omitted(String b64) {
        return "(omitted: " + Base64.getDecoder().decode(b64).length + " bytes of image/png, given to the user as ";
    }

    @Test
    void base64Images_goToTheClientAsAttachments_andTheModelGetsTheirIdsOnly() {
        ToolOutput out = box.find("draw").run(invocation("{\"prompt\":\"a red fox\",\"n\":2}", null));
        assertEquals(ToolOutput.Outcome.OK, out.outcome(), out.content());
        assertEquals(2, out.attachments().size());
        List<String> b64 = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            ToolOutput.Attachment a = out.attachments().get(i);
            assertEquals("call_1/" + (i + 1), a.id());
            assertEquals("image/png", a.mediaType());
            assertNull(a.url());
            PngCheck.check(Base64.getDecoder().decode(a.b64Json()));
            b64.add(a.b64Json());
        }
        assertEquals("{\"images\":[{\"id\":\"call_1/1\",\"b64_json\":\"" + omitted(b64.get(0)) + "call_1/1)\"},"
                + "{\"id\":\"call_1/2\",\"b64_json\":\"" + omitted(b64.get(1)) + "call_1/2)\"}]}", out.content());
        assertEquals(0, out.credits());
        assertEquals(1, records.size());
        assertEquals("images", records.get(0).endpoint());
        assertEquals(2, records.get(0).images());
        assertEquals("exec-1", records.get(0).executionId());
    }

    @Test
    void dataUrls_areHandledLikeBase64() {
        ToolOutput out = box.find("draw_url").run(invocation("{\"prompt\":\"a red fox\"}", null));
        ToolOutput.Attachment a = out.attachments().get(0);
        assertNull(a.url());
        assertEquals("image/png", a.mediaType());
        PngCheck.check(Base64.getDecoder().decode(a.b64Json()));
        assertEquals("{\"images\":[{\"id\":\"call_1/1\",\"b64_json\":\"" + omitted(a.b64Json()) + "call_1/1)\"}]}", out.content());
    }

    @Test
    void httpsUrls_areGivenToTheModel_andTheKeyIsCharged_underTheExecutionsId() throws Exception {
        up.handler = ex -> json(ex, 200, "{\"created\":1,\"data\":[{\"url\":\"https://img.example/1.png\",\"revised_prompt\":"
                + "\"A red fox in the snow\"},{\"url\":\"https://img.example/2.png\"}]}");
        Account painter = account("painter", 100);
        ToolOutput out = box.find("paint").run(invocation("{\"prompt\":\"a red fox\",\"n\":2,\"size\":\"1792x1024\"}", painter));
        assertEquals(ToolOutput.Outcome.OK, out.outcome(), out.content());
        assertEquals("{\"images\":[{\"id\":\"call_1/1\",\"url\":\"https://img.example/1.png\",\"revised_prompt\":\"A red fox in the snow\"},"
                + "{\"id\":\"call_1/2\",\"url\":\"https://img.example/2.png\"}]}", out.content());
        assertEquals(List.of(new ToolOutput.Attachment("call_1/1", null, "https://img.example/1.png", null),
                new ToolOutput.Attachment("call_1/2", null, "https://img.example/2.png", null)), out.attachments());
        assertEquals(80, out.credits(), "2 images at 0.04 USD, 1000 credits per USD");
        assertEquals(0, new java.math.BigDecimal("0.08").compareTo(out.cost()), "and their USD with them: " + out.cost());
        assertEquals(20L, painter.balance());
        assertEquals("{\"model\":\"dall-e-3\",\"prompt\":\"a red fox\",\"n\":2,\"size\":\"1792x1024\",\"response_format\":\"url\"}",
                up.take().bodyText());
        UsageRecord r = records.get(0);
        assertEquals("exec-1", r.executionId());
        assertEquals("req-1", r.requestId());
        assertEquals(painter.id(), r.key());
        assertEquals(80, r.credits());
        assertEquals(2, r.images());
    }

    @Test
    void aKeyThatCannotPay_isTold_andNothingIsCalled() throws Exception {
        Account poor = account("poor", 10);
        ToolOutput out = box.find("paint").run(invocation("{\"prompt\":\"a red fox\"}", poor));
        assertEquals(ToolOutput.Outcome.ERROR, out.outcome());
        assertEquals("Image generation failed: Insufficient credits: this request may cost up to 40 credits and the key's balance is "
                + "10. Add credits to continue.", out.content());
        assertEquals(0, out.credits());
        assertEquals(10L, poor.balance());
        assertNull(up.requests.poll());
    }

    @Test
    void anUpstreamError_isToldToTheModel_withoutSecrets() {
        up.handler = ex -> json(ex, 400, "{\"error\":{\"message\":\"Rejected by the safety system (key sk-upstream-5ecret-0000)\","
                + "\"type\":\"invalid_request_error\",\"param\":\"prompt\"}}");
        ToolOutput out = box.find("paint").run(invocation("{\"prompt\":\"x\"}", null));
        assertEquals(ToolOutput.Outcome.ERROR, out.outcome());
        assertTrue(out.content().startsWith("Image generation failed: "), out.content());
        assertTrue(out.content().contains("Rejected by the safety system"), out.content());
        assertTrue(!out.content().contains("5ecret"), out.content());
        assertEquals(List.of(), out.attachments());
    }

    @Test
    void badArguments_areNamed_forTheModelToFix() {
        String[][] cases = {
            {"{}", "invalid arguments for draw: 'prompt' must be a non-empty string."},
            {"{\"prompt\":\" \"}", "invalid arguments for draw: 'prompt' must be a non-empty string."},
            {"{\"prompt\":\"x\",\"n\":4}", "invalid arguments for draw: 'n' must be an integer from 1 to 3."},
            {"{\"prompt\":\"x\",\"n\":1.5}", "invalid arguments for draw: 'n' must be an integer from 1 to 3."},
            {"{\"prompt\":\"x\",\"size\":\"big\"}", "invalid arguments for draw: 'size' must be WIDTHxHEIGHT in pixels (e.g. 1024x1024) or 'auto'."},
            {"{\"prompt\":\"x\",\"style\":\"vivid\"}", "invalid arguments for draw: unknown argument 'style' (the arguments are prompt, size and n)."},
        };
        for (String[] c : cases) {
            ToolOutput out = box.find("draw").run(invocation(c[0], null));
            assertEquals(ToolOutput.Outcome.ERROR, out.outcome());
            assertEquals(c[1], out.content());
        }
        assertEquals(0, records.size());
    }

    @Test
    void aPassedDeadline_isATimeout_andACancelledCall_isCancelled() throws Exception {
        up.handler = ex -> up.stall();
        ToolOutput out = box.find("paint").run(invocation("{\"prompt\":\"x\"}", null, new Cancellation(),
                System.nanoTime() + Duration.ofMillis(300).toNanos()));
        assertEquals(ToolOutput.Outcome.TIMEOUT, out.outcome(), out.content());
        assertEquals("Image generation ran out of time.", out.content());

        Cancellation c = new Cancellation();
        Thread.ofVirtual().start(() -> {
            try {
                up.take();
            } catch (InterruptedException e) {
                return;
            }
            c.cancel();
        });
        out = box.find("paint").run(invocation("{\"prompt\":\"x\"}", null, c, System.nanoTime() + Duration.ofSeconds(20).toNanos()));
        assertEquals(ToolOutput.Outcome.CANCELLED, out.outcome(), out.content());
    }

    @Test
    void theSchema_andTheConfiguredSettings() {
        GatewayTool draw = box.find("draw");
        assertEquals("{\"type\":\"object\",\"properties\":{\"prompt\":{\"type\":\"string\",\"description\":\"What the image should show, "
                + "in detail.\"},\"size\":{\"type\":\"string\",\"description\":\"The image size as WIDTHxHEIGHT in pixels, e.g. "
                + "1024x1024 (default 1024x1024).\"},\"n\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":3,\"description\":\"How many "
                + "images to generate (default 1).\"}},\"required\":[\"prompt\"],\"additionalProperties\":false}",
                canonical(draw.parameters()));
        assertTrue(!canonical(box.find("draw_url").parameters()).contains("\"n\""), "one image at most: no n");
        assertEquals(ImageTool.DEFAULT_DESCRIPTION, draw.description());
        GatewayTool paint = box.find("paint");
        assertEquals("Paints.", paint.description());
        assertTrue(paint.requiresApproval());
        assertTrue(paint.allows("painter"));
        assertTrue(!paint.allows("someone-else"));
        assertTrue(draw.allows("anyone"));
    }

    @Test
    void theModelsContent_isCutAtMaxOutputBytes_butEveryImageReachesTheClient() {
        ToolOutput out = box.find("tiny").run(invocation("{\"prompt\":\"x\",\"n\":10}", null));
        assertEquals(10, out.attachments().size());
        byte[] content = out.content().getBytes(StandardCharsets.UTF_8);
        assertTrue(content.length <= 256, content.length + ": " + out.content());
        assertTrue(out.content().endsWith("\n[output cut at 256 bytes]"), out.content());
    }

    @Test
    void dataUrlsOfEveryKind_neverReachTheModel() {
        ImageTool tool = (ImageTool) box.find("draw");
        String svg = "data:image/svg+xml,%3Csvg%20xmlns%3D%22http%3A%2F%2Fwww.w3.org%2F2000%2Fsvg%22%2F%3E";
        ToolOutput out = tool.output(null, new tollgate.provider.GeneratedImages(List.of(
                new tollgate.provider.GeneratedImages.Image(svg, null, null),
                new tollgate.provider.GeneratedImages.Image("https://img.example/a.png", "iVBORw0KGgo=", "p")), Map.of()), 3);
        assertEquals("{\"images\":[{\"id\":\"image/1\",\"b64_json\":\"(omitted: " + svg.length() + " characters of image/svg+xml, "
                + "given to the user as image/1)\"},{\"id\":\"image/2\",\"url\":\"https://img.example/a.png\",\"revised_prompt\":\"p\"}]}",
                out.content());
        assertEquals(List.of(new ToolOutput.Attachment("image/1", "image/svg+xml", svg, null),
                new ToolOutput.Attachment("image/2", "image/png", "https://img.example/a.png", "iVBORw0KGgo=")), out.attachments());
        assertEquals(3, out.credits());
    }

    @Test
    void decodedBytes_followsRfc4648() {
        for (int len = 0; len < 10; len++) {
            String b64 = Base64.getEncoder().encodeToString(new byte[len]);
            assertEquals(len, ToolText.base64Bytes(b64), b64);
            assertEquals(len, ToolText.base64Bytes(Base64.getEncoder().withoutPadding().encodeToString(new byte[len])), b64);
        }
    }

    /** The schema's members in a fixed order (Map.of's is not), as JSON. */
    private static String canonical(Object v) {
        if (v instanceof Map<?, ?> m) {
            List<String> order = List.of("type", "properties", "prompt", "size", "n", "minimum", "maximum", "description", "required",
                    "additionalProperties");
            Map<String, Object> sorted = new LinkedHashMap<>();
            for (String k : order) if (m.containsKey(k)) sorted.put(k, Json.parse(canonical(m.get(k))));
            for (Map.Entry<?, ?> e : m.entrySet()) sorted.putIfAbsent((String) e.getKey(), Json.parse(canonical(e.getValue())));
            return Json.toString(sorted);
        }
        if (v instanceof Integer i) return Json.toString(JsonNumber.of(i));
        return Json.toString(v);
    }
}
