package tollgate.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.route.RouteFixtures.MS;
import static tollgate.route.RouteFixtures.S;
import static tollgate.route.RouteFixtures.ids;
import static tollgate.route.RouteFixtures.model;
import static tollgate.route.RouteFixtures.req;
import static tollgate.route.RouteFixtures.skipped;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tollgate.config.GroupConfig;
import tollgate.config.GroupConfig.Member;
import tollgate.route.RouteFixtures.World;

/** group:<uuid|name>: each strategy's order, ties in config order, health and disabled members. */
class GroupOrderTest {
    private static final String UUID = "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b";

    /** g1, g2, g3 on three providers; prices: g1 3e-6, g2 1e-6, g3 2e-6 per token. */
    private static World world(String strategy, int w1, int w2, int w3) {
        World w = new World();
        w.add(model("g1", "pa").price("0.000003", "0.000003").quality(80));
        w.add(model("g2", "pb").price("0.000001", "0.000001").quality(80));
        w.add(model("g3", "pc").price("0.000002", "0.000002").quality(80));
        w.group(new GroupConfig(UUID, "pool", strategy, List.of(
                new Member("g1", null, null, w1), new Member("g2", null, null, w2), new Member("g3", null, null, w3))));
        return w;
    }

    private static World world(String strategy) { return world(strategy, 1, 1, 1); }

    private static Plan plan(World w) { return w.plan(req("group:pool").build()); }

    @Test
    void priorityIsConfigOrder() {
        World w = world("priority");
        Plan p = plan(w);
        assertEquals(List.of("pa/g1", "pb/g2", "pc/g3"), ids(p.candidates()));
        assertTrue(p.routed());
        assertNull(p.policy());
        assertEquals("group pool, strategy priority", p.reason());
        // The uuid reaches the same group.
        assertEquals(List.of("pa/g1", "pb/g2", "pc/g3"), ids(w.plan(req("group:" + UUID).build()).candidates()));
    }

    @Test
    void priorityIgnoresLatencyLoadAndPrice() {
        World w = world("priority");
        w.deployment("g1").latency().observe(900 * MS);
        w.deployment("g1").enter();
        assertEquals(List.of("pa/g1", "pb/g2", "pc/g3"), ids(plan(w).candidates()));
    }

    @Test
    void aGroupWithoutNameIsNamedByItsIdInTheReason() {
        World w = new World();
        w.add(model("g1", "pa").price("0.000003", "0.000003").quality(80));
        w.group(new GroupConfig(UUID, null, "priority", List.of(new Member("g1", null, null, 1))));
        assertEquals("group " + UUID + ", strategy priority", w.plan(req("group:" + UUID).build()).reason());
    }

    @Test
    void leastLatencyOrdersByPeakEwmaEstimate() {
        World w = world("least-latency");
        w.deployment("g1").latency().observe(300 * MS);
        w.deployment("g2").latency().observe(100 * MS);
        w.deployment("g3").latency().observe(200 * MS);
        assertEquals(List.of("pb/g2", "pc/g3", "pa/g1"), ids(plan(w).candidates()));
        assertEquals("group pool, strategy least-latency", plan(w).reason());
    }

    @Test
    void leastLatencyPutsUnmeasuredMembersFirst() {
        World w = world("least-latency");
        w.deployment("g1").latency().observe(300 * MS);
        w.deployment("g2").latency().observe(100 * MS);
        assertEquals(List.of("pc/g3", "pb/g2", "pa/g1"), ids(plan(w).candidates()));
    }

    @Test
    void leastLatencyTiesKeepConfigOrder() {
        World w = world("least-latency");
        assertEquals(List.of("pa/g1", "pb/g2", "pc/g3"), ids(plan(w).candidates()), "none measured");
        w.deployment("g1").latency().observe(50 * MS);
        w.deployment("g2").latency().observe(50 * MS);
        w.deployment("g3").latency().observe(50 * MS);
        assertEquals(List.of("pa/g1", "pb/g2", "pc/g3"), ids(plan(w).candidates()), "all equal");
    }

    @Test
    void leastBusyOrdersByCallsInFlight() {
        World w = world("least-busy");
        w.deployment("g1").enter();
        w.deployment("g1").enter();
        w.deployment("g2").enter();
        assertEquals(List.of("pc/g3", "pb/g2", "pa/g1"), ids(plan(w).candidates()));
        w.deployment("g1").leave();
        w.deployment("g1").leave();
        w.deployment("g3").enter();
        // g1 0, g2 1, g3 1: the tie of g2 and g3 keeps config order.
        assertEquals(List.of("pa/g1", "pb/g2", "pc/g3"), ids(plan(w).candidates()));
    }

    @Test
    void leastBusyTiesKeepConfigOrder() {
        assertEquals(List.of("pa/g1", "pb/g2", "pc/g3"), ids(plan(world("least-busy")).candidates()));
    }

    @Test
    void cheapestOrdersByEstimatedCost() {
        World w = world("cheapest");
        assertEquals(List.of("pb/g2", "pc/g3", "pa/g1"), ids(plan(w).candidates()));
    }

    @Test
    void cheapestTiesKeepConfigOrder() {
        World w = new World();
        w.add(model("x1", "pa").price("0.000002", "0.000002").quality(80));
        w.add(model("x2", "pb").price("0.000001", "0.000003").quality(80));
        w.add(model("x3", "pc").price("0.000002", "0.000002").quality(80));
        w.add(model("x0", "pd").price("0.000001", "0.000001").quality(80));
        w.group(new GroupConfig(UUID, "pool", "cheapest", List.of(new Member("x1", null, null, 1),
                new Member("x3", null, null, 1), new Member("x0", null, null, 1), new Member("x2", null, null, 1))));
        // 10 prompt tokens + 512 assumed output: x1 = x3 = 0.001044, x0 = 0.000522, x2 = 0.001546.
        assertEquals(List.of("pd/x0", "pa/x1", "pc/x3", "pb/x2"), ids(plan(w).candidates()));
    }

    @Test
    void cheapestUsesTheRequestsMaxTokens() {
        // g1 cheap prompt, dear completion; g2 the reverse.
        World w = new World();
        w.add(model("g1", "pa").price("0.0000001", "0.00001").quality(80));
        w.add(model("g2", "pb").price("0.00001", "0.0000001").quality(80));
        w.group(new GroupConfig(UUID, "pool", "cheapest", List.of(new Member("g1", null, null, 1), new Member("g2", null, null, 1))));
        String text = "lorem ipsum ".repeat(100); // 307 prompt tokens
        assertEquals(List.of("pb/g2", "pa/g1"), ids(w.plan(req("group:pool", text).build()).candidates()));
        var body = RouteFixtures.userBody("group:pool", text);
        body.put("max_completion_tokens", tollgate.json.Json.parse("1"));
        assertEquals(List.of("pa/g1", "pb/g2"), ids(w.plan(req("group:pool", body).build()).candidates()));
    }

    @Test
    void weightedFirstPlaceFollowsTheWeights() {
        World w = world("weighted", 1, 3, 6);
        w.routerRandom = new Random(20_260_101L);
        Map<String, Integer> first = new HashMap<>();
        Map<String, Integer> secondAfterG3 = new HashMap<>();
        int draws = 10_000;
        for (int i = 0; i < draws; i++) {
            List<String> order = ids(plan(w).candidates());
            assertEquals(3, order.size());
            assertEquals(3, new HashSet<>(order).size(), "each member once: " + order);
            first.merge(order.get(0), 1, Integer::sum);
            if (order.get(0).equals("pc/g3")) secondAfterG3.merge(order.get(1), 1, Integer::sum);
        }
        // Expected 1000, 3000, 6000; binomial standard deviations 30, 46, 49.
        assertEquals(1_000, first.getOrDefault("pa/g1", 0), 250, first.toString());
        assertEquals(3_000, first.getOrDefault("pb/g2", 0), 250, first.toString());
        assertEquals(6_000, first.getOrDefault("pc/g3", 0), 250, first.toString());
        // Without replacement: after g3, g2 comes second 3 times in 4.
        int afterG3 = first.get("pc/g3");
        assertEquals(0.75, secondAfterG3.getOrDefault("pb/g2", 0) / (double) afterG3, 0.04, secondAfterG3.toString());
    }

    @Test
    void weightedWithOneHeavyMemberAlmostAlwaysLeadsWithIt() {
        World w = world("weighted", 1, 1, 1_000_000);
        w.routerRandom = new Random(7);
        int g3First = 0;
        for (int i = 0; i < 1_000; i++) if (ids(plan(w).candidates()).get(0).equals("pc/g3")) g3First++;
        assertTrue(g3First >= 998, "g3 first " + g3First + " of 1000");
    }

    @Test
    void weightedIsReproducibleWithASeededRandom() {
        List<List<String>> a = new ArrayList<>(), b = new ArrayList<>();
        World wa = world("weighted", 2, 5, 3);
        wa.routerRandom = new Random(99);
        World wb = world("weighted", 2, 5, 3);
        wb.routerRandom = new Random(99);
        for (int i = 0; i < 50; i++) {
            a.add(ids(plan(wa).candidates()));
            b.add(ids(plan(wb).candidates()));
        }
        assertEquals(a, b);
        assertTrue(new HashSet<>(a).size() > 1, "the order varies between draws");
    }

    // ------------------------------------------------------------------ health, disabled, member forms

    @Test
    void unhealthyMembersAreSkippedAndListed() {
        World w = world("priority");
        for (int i = 0; i < 5; i++) w.deployment("g1").breaker().recordFailure();
        w.deployment("g3").coolFor(2 * S);
        Plan p = plan(w);
        assertEquals(List.of("pb/g2"), ids(p.candidates()));
        assertEquals(List.of("pa/g1=circuit_open", "pc/g3=rate_limited"), skipped(p));
    }

    @Test
    void aMemberOfADisabledProviderIsListedAsDisabled() {
        World w = new World();
        w.disabled("pz", "PZ_API_KEY is not set");
        w.add(model("g1", "pa").price("0.000003", "0.000003").quality(80));
        w.add(model("gz", "pz").price("0.000001", "0.000001").quality(80));
        w.group(new GroupConfig(UUID, "pool", "priority", List.of(new Member("gz", null, null, 1),
                new Member("g1", null, null, 1), new Member(null, "pz", "raw", 1))));
        Plan p = plan(w);
        assertEquals(List.of("pa/g1"), ids(p.candidates()));
        assertEquals(List.of("pz/gz=disabled", "pz/raw=disabled"), skipped(p));
        assertEquals(List.of("g1"), w.router().groups().get(0).members().stream().map(tollgate.catalog.Model::id).toList());
    }

    @Test
    void aProviderUpstreamMemberSharesTheCatalogDeployment() {
        World w = new World();
        w.add(model("g1", "pa").price("0.000003", "0.000003").quality(80));
        w.group(new GroupConfig(UUID, "pool", "priority", List.of(new Member(null, "pa", "g1", 1), new Member(null, "pa", "raw", 1))));
        Plan p = plan(w);
        assertEquals(List.of("pa/g1", "pa/raw"), ids(p.candidates()));
        assertSame(w.deployment("g1"), p.candidates().get(0));
        assertEquals("pa/raw", p.candidates().get(1).model().id());
    }

    @Test
    void groupOrderDirectlyOverMembers() {
        // GroupOrder without a Router: members in config order, cheapest with equal prices keeps it.
        World w = world("priority");
        List<GroupOrder.Member> members = List.of(new GroupOrder.Member(w.deployment("g3"), 1),
                new GroupOrder.Member(w.deployment("g1"), 1), new GroupOrder.Member(w.deployment("g2"), 1));
        Needs needs = Needs.of(RouteFixtures.userBody("x", "hello there"), false, 10);
        assertEquals(List.of("pc/g3", "pa/g1", "pb/g2"), ids(GroupOrder.order("priority", members, needs, 512, new Random(1))));
        assertEquals(List.of("pb/g2", "pc/g3", "pa/g1"), ids(GroupOrder.order("cheapest", members, needs, 512, new Random(1))));
        assertEquals(List.of("pc/g3", "pa/g1", "pb/g2"), ids(GroupOrder.order("least-busy", members, needs, 512, new Random(1))));
        assertEquals(List.of("pc/g3", "pa/g1", "pb/g2"), ids(GroupOrder.order("least-latency", members, needs, 512, new Random(1))));
    }
}
