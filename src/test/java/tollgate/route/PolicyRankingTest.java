package tollgate.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.route.RouteFixtures.MS;
import static tollgate.route.RouteFixtures.ids;
import static tollgate.route.RouteFixtures.model;
import static tollgate.route.RouteFixtures.req;

import java.util.List;
import org.junit.jupiter.api.Test;
import tollgate.catalog.Task;
import tollgate.route.RouteFixtures.World;

/**
 * neo-mode policies over a small catalog (floors: frugal 60, balanced 75, premium 0; 512 output
 * tokens assumed; "hello there" is a 10-token prompt):
 *
 * <pre>
 *   model  USD/token in/out   est. cost   general writing code reasoning
 *   small  1e-7 / 4e-7       0.0002058      62      64     55     50
 *   mid    1e-6 / 4e-6       0.002058       78      96     76     70
 *   big    1e-5 / 4e-5       0.02058        92      90     95     93
 * </pre>
 */
class PolicyRankingTest {

    private static World tiers() {
        World w = new World();
        w.add(model("small", "up").price("0.0000001", "0.0000004").quality(62, 64, 55, 50, 0));
        w.add(model("mid", "up").price("0.000001", "0.000004").quality(78, 96, 76, 70, 0));
        w.add(model("big", "up").price("0.00001", "0.00004").quality(92, 90, 95, 93, 0));
        return w;
    }

    private static Plan plan(World w, String model, String hint) {
        return w.plan(req(model).hint(hint).build());
    }

    // ------------------------------------------------------------------ frugal

    @Test
    void frugalPicksTheCheapestModelAboveItsFloor() {
        Plan p = plan(tiers(), "neo-mode/frugal", "general");
        assertEquals("frugal", p.policy());
        assertEquals(Task.GENERAL, p.task());
        assertEquals("hint", p.taskSource());
        assertEquals(List.of("up/small", "up/mid", "up/big"), ids(p.candidates()));
        assertEquals("general (hint: taskHint); small is the cheapest of 3 models with general quality >= 60 (quality 62)",
                p.reason());
        assertTrue(p.routed());
        assertEquals(List.of(), p.skipped());
    }

    @Test
    void frugalSkipsACheaperModelBelowItsFloorForTheTask() {
        // small scores 55 on code-generation: under frugal's 60.
        Plan p = plan(tiers(), "neo-mode/frugal", "code-generation");
        assertEquals("up/mid", p.candidates().get(0).id());
        assertEquals(List.of("up/mid", "up/big", "up/small"), ids(p.candidates()));
        assertEquals("code-generation (hint: taskHint); mid is the cheapest of 2 models with code-generation quality >= 60"
                + " (quality 76)", p.reason());
    }

    // ------------------------------------------------------------------ balanced

    @Test
    void balancedPicksTheBestQualityPerCostAboveItsFloor() {
        // mid: 78 / 0.002058 = 37,901 per USD; big: 92 / 0.02058 = 4,470; small (62) is under 75.
        Plan p = plan(tiers(), "neo-mode/balanced", "general");
        assertEquals("balanced", p.policy());
        assertEquals(List.of("up/mid", "up/big", "up/small"), ids(p.candidates()));
        assertEquals("general (hint: taskHint); mid is the best quality per cost of 2 models with general quality >= 75"
                + " (quality 78)", p.reason());
    }

    @Test
    void balancedIsTheDefaultPolicyOfPlainNeoMode() {
        Plan p = plan(tiers(), "neo-mode", "general");
        assertEquals("balanced", p.policy());
        assertEquals("up/mid", p.candidates().get(0).id());
    }

    @Test
    void balancedMovesToTheOnlyModelAboveItsFloorForReasoning() {
        Plan p = plan(tiers(), "neo-mode/balanced", "reasoning");
        assertEquals(Task.REASONING, p.task());
        assertEquals("up/big", p.candidates().get(0).id());
        assertEquals("reasoning (hint: taskHint); big is the best quality per cost of 1 model with reasoning quality >= 75"
                + " (quality 93)", p.reason());
    }

    @Test
    void balancedPrefersAFreeModelAboveItsFloorOverAnyPricedOne() {
        World w = tiers();
        w.add(model("free", "up").price("0", "0").quality(76));
        Plan p = plan(w, "neo-mode/balanced", "general");
        assertEquals(List.of("up/free", "up/mid", "up/big", "up/small"), ids(p.candidates()));
    }

    // ------------------------------------------------------------------ premium

    @Test
    void premiumPicksTheBestQuality() {
        Plan p = plan(tiers(), "neo-mode/premium", "general");
        assertEquals("premium", p.policy());
        assertEquals(List.of("up/big", "up/mid", "up/small"), ids(p.candidates()));
        assertEquals("general (hint: taskHint); big is the highest quality of 3 models with general quality >= 0 (quality 92)",
                p.reason());
    }

    @Test
    void premiumFollowsTheTaskHint() {
        // mid is the better writer (96 against 90).
        Plan p = plan(tiers(), "neo-mode/premium", "writing");
        assertEquals(Task.WRITING, p.task());
        assertEquals(List.of("up/mid", "up/big", "up/small"), ids(p.candidates()));
        assertEquals("writing (hint: taskHint); mid is the highest quality of 3 models with writing quality >= 0 (quality 96)",
                p.reason());
    }

    @Test
    void eachTaskHintChangesTheChoiceWhereQualitiesDiffer() {
        World w = tiers();
        assertEquals("up/small", plan(w, "neo-mode/frugal", "writing").candidates().get(0).id());
        assertEquals("up/mid", plan(w, "neo-mode/frugal", "code-generation").candidates().get(0).id());
        assertEquals("up/mid", plan(w, "neo-mode/balanced", "code-generation").candidates().get(0).id());
        assertEquals("up/big", plan(w, "neo-mode/balanced", "reasoning").candidates().get(0).id());
        assertEquals("up/big", plan(w, "neo-mode/premium", "code-generation").candidates().get(0).id());
        assertEquals("up/mid", plan(w, "neo-mode/premium", "writing").candidates().get(0).id());
    }

    @Test
    void policyFieldWithPlainNeoModeChoosesThePolicy() {
        World w = tiers();
        Plan p = w.plan(req("neo-mode").policy("premium").hint("general").build());
        assertEquals("premium", p.policy());
        assertEquals("up/big", p.candidates().get(0).id());
        // The same policy in the model and the field is no conflict.
        Plan same = w.plan(req("neo-mode/frugal").policy("frugal").hint("general").build());
        assertEquals("frugal", same.policy());
        assertEquals("up/small", same.candidates().get(0).id());
    }

    // ------------------------------------------------------------------ inferred task

    @Test
    void taskIsInferredWithoutAHintAndReportedAsInferred() {
        World w = tiers();
        Plan writing = w.plan(req("neo-mode/premium", "Write a poem about the sea").build());
        assertEquals(Task.WRITING, writing.task());
        assertEquals("inferred", writing.taskSource());
        assertEquals("up/mid", writing.candidates().get(0).id());
        assertEquals("writing (inferred: asks for prose (\"poem\")); mid is the highest quality of 3 models with writing"
                + " quality >= 0 (quality 96)", writing.reason());

        Plan code = w.plan(req("neo-mode/frugal", "Write a Python function that reverses a list").build());
        assertEquals(Task.CODE_GENERATION, code.task());
        assertEquals("inferred", code.taskSource());
        assertEquals("up/mid", code.candidates().get(0).id());

        Plan general = w.plan(req("neo-mode/frugal", "hello there").build());
        assertEquals(Task.GENERAL, general.task());
        assertEquals("inferred", general.taskSource());
        assertTrue(general.reason().startsWith("general (inferred: no signal); "), general.reason());
    }

    @Test
    void aHintOverridesWhatWouldBeInferred() {
        Plan p = tiers().plan(req("neo-mode/premium", "Write a poem about the sea").hint("code-generation").build());
        assertEquals(Task.CODE_GENERATION, p.task());
        assertEquals("hint", p.taskSource());
        assertEquals("up/big", p.candidates().get(0).id());
    }

    // ------------------------------------------------------------------ nobody above the floor

    @Test
    void premiumWithNoModelAboveItsFloorTakesTheBestQualityAndSaysSo() {
        World w = tiers();
        w.config = RouteFixtures.withFloors(w.config, 60, 75, 95);
        Plan p = plan(w, "neo-mode/premium", "general");
        assertEquals(List.of("up/big", "up/mid", "up/small"), ids(p.candidates()));
        assertEquals("general (hint: taskHint); no model reaches premium's quality floor 95 for general; chose the best"
                + " available, big (quality 92)", p.reason());
    }

    /** Design: "If none clears the floor, best quality is used and reason says so." */
    @Test
    void frugalWithNoModelAboveItsFloorTakesTheBestQuality() {
        World w = new World();
        w.add(model("lo-cheap", "up").price("0.0000001", "0.0000004").quality(40));
        w.add(model("lo-good", "up").price("0.000001", "0.000004").quality(55));
        Plan p = plan(w, "neo-mode/frugal", "general");
        assertEquals("general (hint: taskHint); no model reaches frugal's quality floor 60 for general; chose the best"
                + " available, lo-good (quality 55)", p.reason());
        assertEquals(List.of("up/lo-good", "up/lo-cheap"), ids(p.candidates()));
    }

    /** Design: "If none clears the floor, best quality is used and reason says so." */
    @Test
    void balancedWithNoModelAboveItsFloorTakesTheBestQuality() {
        World w = new World();
        w.add(model("lo-cheap", "up").price("0.0000001", "0.0000004").quality(60));
        w.add(model("lo-good", "up").price("0.000001", "0.000004").quality(70));
        Plan p = plan(w, "neo-mode/balanced", "general");
        assertEquals("general (hint: taskHint); no model reaches balanced's quality floor 75 for general; chose the best"
                + " available, lo-good (quality 70)", p.reason());
        assertEquals(List.of("up/lo-good", "up/lo-cheap"), ids(p.candidates()));
    }

    /** PolicyRanking javadoc: models under the floor are "a last resort, best quality first". */
    @Test
    void modelsUnderTheFloorFollowBestQualityFirst() {
        // balanced, reasoning: only big (93) clears 75; mid (70) is a better last resort than small (50).
        Plan p = plan(tiers(), "neo-mode/balanced", "reasoning");
        assertEquals(List.of("up/big", "up/mid", "up/small"), ids(p.candidates()));
    }

    // ------------------------------------------------------------------ ties, depth

    private static World twins() {
        World w = new World();
        w.add(model("twin-a", "up").price("0.000001", "0.000002").quality(80));
        w.add(model("twin-b", "up").price("0.000001", "0.000002").quality(80));
        return w;
    }

    @Test
    void identicalModelsKeepCatalogOrderUntilMeasured() {
        for (String policy : List.of("frugal", "balanced", "premium")) {
            assertEquals(List.of("up/twin-a", "up/twin-b"), ids(plan(twins(), "neo-mode/" + policy, "general").candidates()),
                    policy);
        }
    }

    @Test
    void lowerLatencyEstimateBreaksATie() {
        for (String policy : List.of("frugal", "balanced", "premium")) {
            World w = twins();
            w.deployment("twin-a").latency().observe(300 * MS);
            w.deployment("twin-b").latency().observe(100 * MS);
            assertEquals(List.of("up/twin-b", "up/twin-a"), ids(plan(w, "neo-mode/" + policy, "general").candidates()),
                    policy);
        }
    }

    @Test
    void anUnmeasuredDeploymentWinsATieSoThatItGetsMeasured() {
        World w = twins();
        w.deployment("twin-a").latency().observe(1 * MS);
        assertEquals(List.of("up/twin-b", "up/twin-a"), ids(plan(w, "neo-mode/premium", "general").candidates()));
    }

    @Test
    void qualityThenCostBreakTiesOfThePrimaryKey() {
        // premium: equal quality 80, so the cheaper one leads whatever the catalog order.
        World w = new World();
        w.add(model("dear", "up").price("0.00001", "0.00002").quality(80));
        w.add(model("cheap", "up").price("0.000001", "0.000002").quality(80));
        assertEquals(List.of("up/cheap", "up/dear"), ids(plan(w, "neo-mode/premium", "general").candidates()));
    }

    @Test
    void atMostFourCandidatesAreKept() {
        World w = new World();
        for (int i = 1; i <= 6; i++) {
            w.add(model("m" + i, "up").price("0.00000" + i, "0.00000" + i).quality(60 + i));
        }
        Plan p = plan(w, "neo-mode/premium", "general");
        assertEquals(List.of("up/m6", "up/m5", "up/m4", "up/m3"), ids(p.candidates()));
        // The count in the reason covers every model above the floor, not only those kept.
        assertEquals("general (hint: taskHint); m6 is the highest quality of 6 models with general quality >= 0"
                + " (quality 66)", p.reason());
        Plan f = plan(w, "neo-mode/frugal", "general");
        assertEquals(List.of("up/m1", "up/m2", "up/m3", "up/m4"), ids(f.candidates()));
    }

    @Test
    void maxTokensOfTheRequestDrivesTheCostEstimate() {
        // in-heavy: dear prompt, cheap completion; out-heavy: the reverse. With 512 assumed output
        // tokens out-heavy costs more; with max_tokens 1 and a long prompt, in-heavy does.
        World w = new World();
        w.add(model("in-heavy", "up").price("0.00001", "0.0000001").quality(70));
        w.add(model("out-heavy", "up").price("0.0000001", "0.00001").quality(70));
        String longText = "lorem ipsum ".repeat(100); // 300 tokens
        Plan assumed = w.plan(req("neo-mode/frugal", longText).hint("general").build());
        assertEquals("up/in-heavy", assumed.candidates().get(0).id());
        var body = RouteFixtures.userBody("neo-mode/frugal", longText);
        body.put("max_tokens", tollgate.json.Json.parse("1"));
        Plan capped = w.plan(req("neo-mode/frugal", body).hint("general").build());
        assertEquals("up/out-heavy", capped.candidates().get(0).id());
    }
}
