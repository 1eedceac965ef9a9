package tollgate.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.route.RouteFixtures.caller;
import static tollgate.route.RouteFixtures.model;
import static tollgate.route.RouteFixtures.tried;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tollgate.account.UsageRecord;
import tollgate.config.GroupConfig;
import tollgate.error.ClientGoneException;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.route.RouteFixtures.World;

/**
 * The pipeline for calls that are not chat: planning by capability, the default model, failover
 * before the answer commits and none after, and the one ledger record each call leaves.
 */
class ServiceDispatcherTest {
    private final List<UsageRecord> records = new ArrayList<>();

    /** Chat model "chat" on pa, speech-to-text "stt-a" on pa and "stt-b" on pb, an offline "stt-echo" on echo. */
    private World world() {
        World w = new World();
        w.add(model("chat", "pa").price("0.000001", "0.000002"));
        w.add(model("stt-a", "pa").caps("stt").speechPrice("0.006", null));
        w.add(model("stt-b", "pb").caps("stt").speechPrice("0.0043", null));
        w.offlineProvider("echo");
        w.add(model("stt-echo", "echo").caps("stt").speechPrice("0", null));
        w.group(new GroupConfig("g1", "speech", "priority", List.of(new GroupConfig.Member("stt-a", null, null, 1),
                new GroupConfig.Member("chat", null, null, 1), new GroupConfig.Member("stt-b", null, null, 1))));
        return w;
    }

    private ServiceDispatcher services(World w) {
        return new Dispatcher(w.router(), null, w.clock, new Random(2), records::add).services();
    }

    private static ServiceRequest stt(String model) {
        return new ServiceRequest("stt", model, "stt", false, 0, m -> Meter.audio(60_000), null, false);
    }

    @Test
    void aCallWithoutAModelGoesToTheFirstOnlineModelWithTheCapability() {
        World w = world();
        Served<String> s = services(w).dispatch(caller(), stt(null), (d, p) -> {
            p.meter(Meter.audio(30_000));
            return d.id();
        });
        assertEquals("pa/stt-a", s.value());
        assertNull(s.route(), "nothing to explain: one candidate, first try");
        assertEquals(new BigDecimal("0.003"), s.cost(), "half a minute at 0.006 per minute");
        UsageRecord r = records.get(0);
        assertEquals("stt", r.endpoint());
        assertEquals(30_000, r.audioMs());
        assertEquals("stt-a", r.model(), "the default model is recorded as the model");
        assertEquals("pa/stt-a", r.deployment());
        assertEquals(200, r.status());
        assertEquals(new BigDecimal("0.003"), r.cost());
    }

    @Test
    void withOnlyOfflineModelsTheDefaultIsTheOfflineOne() {
        World w = new World();
        w.offlineProvider("echo");
        w.add(model("stt-echo", "echo").caps("stt"));
        Served<String> s = services(w).dispatch(caller(), stt(null), (d, p) -> d.id());
        assertEquals("echo/stt-echo", s.value());
    }

    @Test
    void aModelWithoutTheCapabilityIsAClear400NamingThoseThatHaveIt() {
        World w = world();
        GatewayException e = assertThrows(GatewayException.class,
                () -> services(w).dispatch(caller(), stt("chat"), (d, p) -> "never"));
        assertEquals(400, e.httpStatus());
        assertEquals("model", e.param());
        assertEquals("The model 'chat' does not support speech-to-text; models that do: stt-a, stt-b, stt-echo.", e.getMessage());
        assertEquals(400, records.get(0).status(), "a refused call is recorded too");
        assertNull(records.get(0).deployment());
    }

    @Test
    void neoModeIsForChat() {
        World w = world();
        GatewayException e = assertThrows(GatewayException.class,
                () -> services(w).dispatch(caller(), stt("neo-mode/frugal"), (d, p) -> "never"));
        assertEquals("neo-mode chooses among chat models; name a speech-to-text model such as 'stt-a'.", e.getMessage());
    }

    @Test
    void aGroupTriesItsMembersWithTheCapabilityInOrderAndFailsOverBeforeCommitting() {
        World w = world();
        w.config = RouteFixtures.config(0);
        List<String> calls = new ArrayList<>();
        Served<String> s = services(w).dispatch(caller(), stt("group:speech"), (d, p) -> {
            calls.add(d.id());
            if (d.id().equals("pa/stt-a")) throw RouteFixtures.unavailable("down").get();
            p.meter(Meter.audio(1_000));
            return "from " + d.id();
        });
        assertEquals("from pb/stt-b", s.value());
        assertEquals(List.of("pa/stt-a", "pb/stt-b"), calls, "the chat member is not called");
        assertEquals(List.of("pa/chat=unsupported", "pa/stt-a=unavailable", "pb/stt-b=ok"), tried(s.route()));
        assertSame(w.router().deploymentOf("stt-b"), s.chosen());
        assertEquals(1, records.size());
        assertEquals("pb/stt-b", records.get(0).deployment());
    }

    @Test
    void aRequestNoMemberCanServeIsTheCallers400_notA503() {
        World w = world();
        List<String> calls = new ArrayList<>();
        // What a speech provider throws for a format it cannot produce (SpeechProvider's contract).
        GatewayException e = assertThrows(GatewayException.class, () -> services(w).dispatch(caller(), stt("group:speech"), (d, p) -> {
            calls.add(d.id());
            throw GatewayException.invalid("response_format", "Provider '" + d.model().provider() + "' cannot produce srt.").noRetry();
        }));
        assertEquals(List.of("pa/stt-a", "pb/stt-b"), calls, "each member was asked: another one might have served it");
        assertEquals(400, e.httpStatus());
        assertEquals("Provider 'pb' cannot produce srt.", e.getMessage());
        assertEquals("response_format", e.param());
        assertEquals(false, e.shouldRetry(), "a retry cannot fix it");
        assertEquals(List.of(0, 0), List.of(w.deployment("stt-a").breaker().failures(), w.deployment("stt-b").breaker().failures()),
                "a refusal says nothing about a deployment's health");
    }

    @Test
    void aRefusalFailsOverToAMemberThatCanServe() {
        World w = world();
        Served<String> s = services(w).dispatch(caller(), stt("group:speech"), (d, p) -> {
            if (d.id().equals("pa/stt-a")) throw GatewayException.invalid("response_format", "Provider 'pa' cannot produce srt.").noRetry();
            return "from " + d.id();
        });
        assertEquals("from pb/stt-b", s.value());
        assertEquals(List.of("pa/chat=unsupported", "pa/stt-a=unsupported", "pb/stt-b=ok"), tried(s.route()));
    }

    @Test
    void aGroupMemberNamedByProviderAndUpstreamIsTheCatalogsSpeechDeployment() {
        World w = world();
        w.group(new GroupConfig("g2", "by-upstream", "priority", List.of(new GroupConfig.Member(null, "pb", "stt-b", 1))));
        Plan p = w.router().planService("group:by-upstream", "stt");
        assertSame(w.deployment("stt-b"), p.candidates().get(0), "its prices, capabilities and health");
    }

    @Test
    void aFailureAfterTheAnswerCommittedEndsTheCallAndChargesWhatItUsed() {
        World w = world();
        GatewayException e = assertThrows(GatewayException.class,
                () -> services(w).dispatch(caller(), stt("group:speech"), (d, p) -> {
                    p.commit();
                    p.meter(Meter.audio(6_000));
                    throw RouteFixtures.unavailable("broke off").get();
                }));
        assertEquals(503, e.httpStatus());
        UsageRecord r = records.get(0);
        assertEquals("pa/stt-a", r.deployment(), "no failover once committed");
        assertEquals(6_000, r.audioMs());
        assertEquals(new BigDecimal("0.0006"), r.cost());
        assertEquals(503, r.status());
    }

    @Test
    void theCapOnUpstreamCallsNeverLeavesTheBreakersProbeTaken() {
        World w = world();
        // A breaker that opens on one failure and lets a probe through at once: every retry is a probe.
        w.config = RouteFixtures.withBreaker(RouteFixtures.config(20, 1, 1, 5_000), 30_000, 1, 0.5, 0);
        int[] calls = {0};
        assertThrows(GatewayException.class, () -> services(w).dispatch(caller(), stt("stt-b"), (d, p) -> {
            calls[0]++;
            throw RouteFixtures.unavailable("down").get();
        }));
        assertEquals(Dispatcher.MAX_UPSTREAM_CALLS, calls[0]);
        assertTrue(w.deployment("stt-b").breaker().allow(), "the next call may probe: no probe was left taken by the cap");
    }

    @Test
    void aClientThatLeavesIsRecordedAs499() {
        World w = world();
        assertThrows(ClientGoneException.class, () -> services(w).dispatch(caller(), stt("stt-b"), (d, p) -> {
            throw new ClientGoneException(null);
        }));
        assertEquals(UsageRecord.CLIENT_CLOSED, records.get(0).status());
        assertNull(records.get(0).deployment(), "nothing had reached the client: nothing charged");
    }

    @Test
    void theClientsOwnKeyIsRecordedWithoutACost() {
        World w = world();
        ServiceRequest own = new ServiceRequest("stt", "stt-b", "stt", false, 0, m -> Meter.audio(60_000), "mine", true);
        Served<String> s = services(w).dispatch(caller(), own, (d, p) -> {
            p.meter(Meter.audio(60_000));
            return "ok";
        });
        assertNull(s.cost());
        assertEquals(0, s.credits());
        assertNull(records.get(0).cost());
        assertEquals("mine", records.get(0).requestId(), "the body's request id is kept");
    }

    @Test
    void aSpeechModelIsNeverAChatModel() {
        World w = world();
        GatewayException e = assertThrows(GatewayException.class,
                () -> RouteFixtures.dispatch(w, RouteFixtures.req("stt-a").build()));
        assertEquals(ErrorKind.CALLER_INVALID_REQUEST, e.kind());
        assertEquals("The model 'stt-a' is a speech-to-text model; it does not serve chat completions.", e.getMessage());
        assertNull(w.router().planService("stt-a", "stt").candidates().get(0).chat());
    }

    @Test
    void anyChatModelServesTextCompletionsButOnlyModelsWithFimServeFim() {
        World w = world();
        assertEquals("pa/chat", w.router().planService("chat", "completions").candidates().get(0).id());
        GatewayException e = assertThrows(GatewayException.class, () -> w.router().planService("chat", "fim"));
        assertEquals("The model 'chat' does not support fill-in-the-middle; no model on this gateway does.", e.getMessage());
        Plan adHoc = w.router().planService("pb/some-instruct-model", "completions");
        assertEquals("pb/some-instruct-model", adHoc.candidates().get(0).id());
        assertTrue(adHoc.candidates().get(0).model().has("completions"));
        // An ad-hoc route has no catalog entry: the provider says what it serves (the fake: chat only).
        e = assertThrows(GatewayException.class, () -> w.router().planService("pb/whisper-large", "stt"));
        assertEquals(400, e.httpStatus());
        assertEquals("Provider 'pb' (fake) does not serve speech-to-text.", e.getMessage());
    }

    @Test
    void theRecordOfATextCallKeepsItsTokens() {
        World w = world();
        ServiceRequest fim = new ServiceRequest("completions", "chat", "completions", true, 10, m -> Meter.tokens(10, 100), null, false);
        Served<Object> s = services(w).dispatch(caller(), fim, (d, p) -> {
            p.meter(Meter.tokens(7, 3));
            return null;
        });
        assertEquals(new BigDecimal("0.000013"), s.cost());
        UsageRecord r = records.get(0);
        assertEquals(List.of(7L, 3L, 0L, 0L), List.of(r.promptTokens(), r.completionTokens(), r.audioMs(), r.characters()));
        assertTrue(r.stream());
    }

    @Test
    void aLedgerThatCannotRecord_makesAnAnswerA500_andLeavesAFailuresOwnError() {
        World w = world();
        ServiceDispatcher broken = new Dispatcher(w.router(), null, w.clock, new Random(2), r -> {
            throw new java.io.UncheckedIOException(new java.io.IOException("disk full"));
        }).services();
        GatewayException e = assertThrows(GatewayException.class, () -> broken.dispatch(caller(), stt("stt-b"), (d, p) -> "ok"));
        assertEquals(500, e.httpStatus());
        assertEquals("The usage ledger could not record this request, so it was not answered and not charged; retry later.",
                e.getMessage());
        GatewayException own = assertThrows(GatewayException.class, () -> broken.dispatch(caller(), stt("chat"), (d, p) -> "never"));
        assertEquals(400, own.httpStatus(), "a failed call keeps its own error when the ledger fails too");
    }
}
