package tollgate.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.route.RouteFixtures.S;
import static tollgate.route.RouteFixtures.ids;
import static tollgate.route.RouteFixtures.model;
import static tollgate.route.RouteFixtures.parse;
import static tollgate.route.RouteFixtures.req;
import static tollgate.route.RouteFixtures.skipped;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.catalog.Model;
import tollgate.catalog.Task;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.route.RouteFixtures.World;

/** Router.plan: model strings, filters, health, errors, fallbacks. */
class RouterTest {

    // ------------------------------------------------------------------ capability filters

    /**
     * frugal over five models, cheapest first: nostream (tools, vision, json; window 60), plain
     * (stream), tooly (tools, stream), jsony (json, stream), visual (all four). Quality 70 on every
     * task (0 on vision without the capability).
     */
    private static World capable() {
        World w = new World();
        w.add(model("nostream", "up").price("0.00000005", "0.00000005").caps("tools", "vision", "json").ctx(60).quality(70));
        w.add(model("plain", "up").price("0.0000001", "0.0000001").caps("stream").quality(70));
        w.add(model("tooly", "up").price("0.0000002", "0.0000002").caps("tools", "stream").quality(70));
        w.add(model("jsony", "up").price("0.0000003", "0.0000003").caps("json", "stream").quality(70));
        w.add(model("visual", "up").price("0.0000004", "0.0000004").caps("tools", "vision", "json", "stream").quality(70));
        return w;
    }

    @Test
    void withoutNeedsEveryModelCompetes() {
        Plan p = capable().plan(req("neo-mode/frugal").hint("general").build());
        assertEquals(List.of("up/nostream", "up/plain", "up/tooly", "up/jsony"), ids(p.candidates()));
    }

    @Test
    void toolsRequireTheToolsCapability() {
        Map<String, Object> body = parse("{\"model\":\"neo-mode/frugal\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\"}}}]}");
        Plan p = capable().plan(req("neo-mode/frugal", body).hint("general").build());
        assertEquals(List.of("up/nostream", "up/tooly", "up/visual"), ids(p.candidates()));
    }

    @Test
    void anImagePartRequiresVision() {
        Map<String, Object> body = parse("{\"model\":\"neo-mode/frugal\",\"messages\":[{\"role\":\"user\",\"content\":["
                + "{\"type\":\"text\",\"text\":\"What is in this image?\"},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/cat.png\",\"detail\":\"low\"}}]}]}");
        // 3 + 4 + 6 (22 chars) + 85 (low detail) = 98 tokens: over nostream's window of 60.
        Plan p = capable().plan(req("neo-mode/frugal", body).build());
        assertEquals(Task.VISION, p.task());
        assertEquals("inferred", p.taskSource());
        assertEquals(List.of("up/visual"), ids(p.candidates()));
    }

    @Test
    void aJsonResponseFormatRequiresJson() {
        for (String type : List.of("json_object", "json_schema")) {
            Map<String, Object> body = parse("{\"model\":\"neo-mode/frugal\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                    + "\"response_format\":{\"type\":\"" + type + "\",\"json_schema\":{\"name\":\"x\",\"schema\":{}}}}");
            Plan p = capable().plan(req("neo-mode/frugal", body).hint("general").build());
            assertEquals(List.of("up/nostream", "up/jsony", "up/visual"), ids(p.candidates()), type);
        }
        Map<String, Object> text = parse("{\"model\":\"neo-mode/frugal\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"response_format\":{\"type\":\"text\"}}");
        assertEquals(4, capable().plan(req("neo-mode/frugal", text).hint("general").build()).candidates().size());
    }

    @Test
    void aStreamRequiresStream() {
        Plan p = capable().plan(req("neo-mode/frugal").hint("general").stream().build());
        assertEquals(List.of("up/plain", "up/tooly", "up/jsony", "up/visual"), ids(p.candidates()));
    }

    @Test
    void aPromptLargerThanTheWindowExcludesTheModel() {
        // 4 + 3 + 15 tokens (60 chars) = 22: fits nostream's 60.
        World w = capable();
        assertEquals("up/nostream", w.plan(req("neo-mode/frugal", "x".repeat(60)).hint("general").build()).candidates().get(0).id());
        // 4 + 3 + 53 = 60 fits exactly; 4 + 3 + 54 = 61 does not.
        assertEquals("up/nostream", w.plan(req("neo-mode/frugal", "x".repeat(212)).hint("general").build()).candidates().get(0).id());
        Plan over = w.plan(req("neo-mode/frugal", "x".repeat(213)).hint("general").build());
        assertEquals(List.of("up/plain", "up/tooly", "up/jsony", "up/visual"), ids(over.candidates()));
    }

    @Test
    void noCapableModelIsA400NamingWhatIsNeeded() {
        World w = new World();
        w.add(model("plain", "up").price("0.0000001", "0.0000001").caps("stream").quality(70));
        w.add(model("tooly", "up").price("0.0000002", "0.0000002").caps("tools", "stream").quality(70));
        Map<String, Object> body = parse("{\"model\":\"neo-mode\",\"messages\":[{\"role\":\"user\",\"content\":["
                + "{\"type\":\"text\",\"text\":\"What is in this image?\"},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/cat.png\"}}]}]}");
        GatewayException e = assertThrows(GatewayException.class, () -> w.plan(req("neo-mode", body).build()));
        assertEquals(400, e.httpStatus());
        assertEquals(ErrorKind.CALLER_INVALID_REQUEST, e.kind());
        assertEquals("messages[0].content[1]", e.param());
        assertEquals("No model that neo-mode can choose on this gateway can serve this request: it needs vision, a context"
                + " window of at least 778 tokens.", e.getMessage());

        Map<String, Object> tools = parse("{\"model\":\"neo-mode\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"response_format\":{\"type\":\"json_object\"}}");
        GatewayException j = assertThrows(GatewayException.class, () -> w.plan(req("neo-mode", tools).stream().build()));
        assertEquals("model", j.param());
        assertEquals("No model that neo-mode can choose on this gateway can serve this request: it needs json, stream, a"
                + " context window of at least 8 tokens.", j.getMessage());
    }

    // ------------------------------------------------------------------ offline models

    @Test
    void anOfflineModelIsNotChosenWhileAnOnlineOneIsEnabled() {
        World w = new World();
        w.offlineProvider("echo");
        w.add(model("echo", "echo").price("0", "0").quality(1));
        w.add(model("online", "up").price("0.00001", "0.00001").quality(40));
        for (String policy : List.of("frugal", "balanced", "premium")) {
            Plan p = w.plan(req("neo-mode/" + policy).hint("general").build());
            assertEquals(List.of("up/online"), ids(p.candidates()), policy);
        }
        assertEquals(List.of("online"), w.router().policyModels().stream().map(Model::id).toList());
        // Asked for by name it is served.
        assertEquals(List.of("echo/echo"), ids(w.plan(req("echo").build()).candidates()));
    }

    @Test
    void anOfflineModelIsUsedWhenNoOnlineModelIsEnabled() {
        World w = new World();
        w.disabled("openai", "OPENAI_API_KEY is not set");
        w.offlineProvider("echo");
        w.add(model("echo", "echo").price("0", "0").quality(1));
        w.add(model("online", "openai").price("0.00001", "0.00001").quality(90));
        Plan p = w.plan(req("neo-mode/premium").hint("general").build());
        assertEquals(List.of("echo/echo"), ids(p.candidates()));
        assertEquals("general (hint: taskHint); echo is the highest quality of 1 model with general quality >= 0 (quality 1)",
                p.reason());
    }

    // ------------------------------------------------------------------ health

    private static World pair() {
        World w = new World();
        w.add(model("first", "up").price("0.000001", "0.000001").quality(90));
        w.add(model("second", "up").price("0.000002", "0.000002").quality(80));
        return w;
    }

    @Test
    void aDeploymentWithAnOpenBreakerIsSkippedUntilItsCooldownPasses() {
        World w = pair();
        Deployment first = w.deployment("first");
        for (int i = 0; i < 5; i++) first.breaker().recordFailure();
        assertEquals(CircuitBreaker.State.OPEN, first.breaker().state());

        Plan p = w.plan(req("neo-mode/premium").hint("general").build());
        assertEquals(List.of("up/second"), ids(p.candidates()));
        assertEquals(List.of("up/first=circuit_open"), skipped(p));
        assertEquals(30 * S, p.skipped().get(0).retryAfterNanos());

        w.clock.advanceMillis(29_999);
        assertEquals(List.of("up/second"), ids(w.plan(req("neo-mode/premium").hint("general").build()).candidates()));
        w.clock.advanceMillis(1);
        Plan after = w.plan(req("neo-mode/premium").hint("general").build());
        assertEquals(List.of("up/first", "up/second"), ids(after.candidates()), "cooldown over: it may be probed");

        // While the probe is in flight (half open) it is skipped again.
        assertTrue(first.breaker().allow());
        assertEquals(CircuitBreaker.State.HALF_OPEN, first.breaker().state());
        Plan probing = w.plan(req("neo-mode/premium").hint("general").build());
        assertEquals(List.of("up/second"), ids(probing.candidates()));
        assertEquals(List.of("up/first=circuit_open"), skipped(probing));
    }

    @Test
    void aCoolingDeploymentIsSkippedForItsRetryAfter() {
        World w = pair();
        w.deployment("first").coolFor(3 * S);
        Plan p = w.plan(req("neo-mode/premium").hint("general").build());
        assertEquals(List.of("up/second"), ids(p.candidates()));
        assertEquals(List.of("up/first=rate_limited"), skipped(p));
        assertEquals(3 * S, p.skipped().get(0).retryAfterNanos());
        w.clock.advanceMillis(3_000);
        assertEquals(List.of("up/first", "up/second"), ids(w.plan(req("neo-mode/premium").hint("general").build()).candidates()));
    }

    @Test
    void everyCapableModelUnhealthyGivesAnEmptyPlanNotA400() {
        World w = pair();
        w.deployment("first").coolFor(3 * S);
        w.deployment("second").coolFor(5 * S);
        Plan p = w.plan(req("neo-mode/premium").hint("general").build());
        assertEquals(List.of(), p.candidates());
        assertEquals(List.of("up/first=rate_limited", "up/second=rate_limited"), skipped(p));
    }

    // ------------------------------------------------------------------ model strings and errors

    @Test
    void aCatalogIdIsADirectUnroutedPlan() {
        Plan p = pair().plan(req("second").build());
        assertEquals(List.of("up/second"), ids(p.candidates()));
        assertNull(p.policy());
        assertNull(p.task());
        assertNull(p.taskSource());
        assertFalse(p.routed());
        assertEquals("the requested model", p.reason());
    }

    @Test
    void aProviderSlashModelIsAnAdHocDeploymentWithUnknownPricing() {
        World w = pair();
        Plan p = w.plan(req("up/some-new-model").build());
        assertEquals(List.of("up/some-new-model"), ids(p.candidates()));
        Model m = p.candidates().get(0).model();
        assertEquals("up/some-new-model", m.id());
        assertEquals("some-new-model", m.upstream());
        assertFalse(m.pricing().known());
        // Its health is kept: the same deployment the next time.
        assertSame(p.candidates().get(0), w.plan(req("up/some-new-model").build()).candidates().get(0));
    }

    @Test
    void anUnknownPolicyIsA400() {
        GatewayException e = assertThrows(GatewayException.class, () -> pair().plan(req("neo-mode/unknown").build()));
        assertEquals(400, e.httpStatus());
        assertEquals("model", e.param());
        assertEquals("Unknown neo-mode policy 'unknown': use neo-mode/frugal, neo-mode/balanced or neo-mode/premium.",
                e.getMessage());
    }

    @Test
    void aPolicyFieldWithAModelThatIsNotNeoModeIsA400() {
        GatewayException e = assertThrows(GatewayException.class, () -> pair().plan(req("first").policy("frugal").build()));
        assertEquals(400, e.httpStatus());
        assertEquals("policy", e.param());
        assertEquals("'policy' chooses a neo-mode policy; send it with model 'neo-mode', or send model 'neo-mode/frugal'.",
                e.getMessage());
    }

    @Test
    void aPolicyFieldConflictingWithTheModelIsA400() {
        GatewayException e = assertThrows(GatewayException.class,
                () -> pair().plan(req("neo-mode/premium").policy("frugal").build()));
        assertEquals(400, e.httpStatus());
        assertEquals("policy", e.param());
        assertEquals("'policy' is 'frugal' but the model asks for neo-mode/premium; send one of them.", e.getMessage());
    }

    @Test
    void anUnknownModelIsA400WithTheExactMessage() {
        GatewayException e = assertThrows(GatewayException.class, () -> pair().plan(req("gpt-9").build()));
        assertEquals(400, e.httpStatus());
        assertEquals(ErrorKind.CALLER_INVALID_REQUEST, e.kind());
        assertEquals("model", e.param());
        assertEquals("The model 'gpt-9' does not exist on this gateway. GET /v1/models lists the models it serves.",
                e.getMessage());
        // Not a neo-mode name either.
        GatewayException n = assertThrows(GatewayException.class, () -> pair().plan(req("neo-modex").build()));
        assertEquals("The model 'neo-modex' does not exist on this gateway. GET /v1/models lists the models it serves.",
                n.getMessage());
    }

    @Test
    void aVeryLongUnknownModelIsQuotedClipped() {
        String name = "m".repeat(300);
        GatewayException e = assertThrows(GatewayException.class, () -> pair().plan(req(name).build()));
        assertEquals("The model '" + "m".repeat(256) + "…' does not exist on this gateway. GET /v1/models lists the models"
                + " it serves.", e.getMessage());
    }

    @Test
    void anUnknownGroupIsA400() {
        GatewayException e = assertThrows(GatewayException.class, () -> pair().plan(req("group:nope").build()));
        assertEquals(400, e.httpStatus());
        assertEquals("model", e.param());
        assertEquals("The group 'nope' does not exist on this gateway. GET /v1/models lists the groups it serves.",
                e.getMessage());
    }

    private static World withDisabled() {
        World w = pair();
        w.disabled("anthropic", "ANTHROPIC_API_KEY is not set");
        w.add(model("claude-x", "anthropic").price("0.000003", "0.000015").quality(95));
        return w;
    }

    @Test
    void aModelOfADisabledProviderIs503ProviderNotConfigured() {
        World w = withDisabled();
        GatewayException e = assertThrows(GatewayException.class, () -> w.plan(req("claude-x").build()));
        assertEquals(503, e.httpStatus());
        assertEquals(ErrorKind.PROVIDER_NOT_CONFIGURED, e.kind());
        assertEquals("model", e.param());
        assertEquals("The model 'claude-x' is served by provider 'anthropic', which is not enabled: ANTHROPIC_API_KEY is not set.",
                e.getMessage());

        GatewayException adHoc = assertThrows(GatewayException.class, () -> w.plan(req("anthropic/claude-3-opus").build()));
        assertEquals(ErrorKind.PROVIDER_NOT_CONFIGURED, adHoc.kind());
        assertEquals("The model 'anthropic/claude-3-opus' is served by provider 'anthropic', which is not enabled:"
                + " ANTHROPIC_API_KEY is not set.", adHoc.getMessage());

        // neo-mode never offers it.
        assertEquals(List.of("up/first", "up/second"), ids(w.plan(req("neo-mode/premium").hint("general").build()).candidates()));
    }

    // ------------------------------------------------------------------ models fallbacks

    @Test
    void modelsFallbacksAreAppendedInOrderWithoutDuplicates() {
        World w = pair();
        w.add(model("third", "other").price("0.000003", "0.000003").quality(70));
        Plan p = w.plan(req("second").fallbacks("third", "second", "first", "third").build());
        assertEquals(List.of("up/second", "other/third", "up/first"), ids(p.candidates()));
        assertTrue(p.routed());
        assertEquals("the requested model; then the 'models' fallbacks in order", p.reason());
        assertEquals(List.of(), p.skipped());
    }

    @Test
    void modelsFallbacksFollowANeoModeRanking() {
        World w = pair();
        w.add(model("third", "other").price("0.000003", "0.000003").quality(70));
        Plan p = w.plan(req("neo-mode/premium").hint("general").fallbacks("up/raw", "first").build());
        assertEquals(List.of("up/first", "up/second", "other/third", "up/raw"), ids(p.candidates()));
        assertEquals("premium", p.policy());
        assertTrue(p.reason().endsWith("; then the 'models' fallbacks in order"), p.reason());
    }

    @Test
    void aDisabledModelAmongFallbacksIsSkippedNotAnError() {
        World w = withDisabled();
        Plan p = w.plan(req("first").fallbacks("claude-x", "second").build());
        assertEquals(List.of("up/first", "up/second"), ids(p.candidates()));
        assertEquals(List.of("claude-x=disabled"), skipped(p));
        assertEquals("ANTHROPIC_API_KEY is not set", p.skipped().get(0).detail());
        // The disabled model first, with fallbacks: skipped too.
        Plan q = w.plan(req("claude-x").fallbacks("second").build());
        assertEquals(List.of("up/second"), ids(q.candidates()));
        assertEquals(List.of("claude-x=disabled"), skipped(q));
    }

    @Test
    void anUnknownOrNeoModeFallbackIsA400NamingItsIndex() {
        World w = pair();
        GatewayException e = assertThrows(GatewayException.class, () -> w.plan(req("first").fallbacks("second", "nope").build()));
        assertEquals(400, e.httpStatus());
        assertEquals("models[1]", e.param());
        assertEquals("The model 'nope' does not exist on this gateway. GET /v1/models lists the models it serves.",
                e.getMessage());
        GatewayException neo = assertThrows(GatewayException.class, () -> w.plan(req("first").fallbacks("neo-mode").build()));
        assertEquals("models[0]", neo.param());
        assertEquals("'models' lists models to fall back to; neo-mode cannot be one of them.", neo.getMessage());
    }

    @Test
    void oneUpstreamModelIsOneDeploymentWhicheverWayItIsReached() {
        World w = pair();
        Plan byId = w.plan(req("first").build());
        Plan byFallback = w.plan(req("second").fallbacks("first").build());
        Plan byNeo = w.plan(req("neo-mode/premium").hint("general").build());
        assertSame(byId.candidates().get(0), byFallback.candidates().get(1));
        assertSame(byId.candidates().get(0), byNeo.candidates().get(0));
    }
}
