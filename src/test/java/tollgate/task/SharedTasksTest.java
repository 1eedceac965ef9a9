package tollgate.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.agent.Execution;
import tollgate.agent.Outcome;
import tollgate.agent.TaskHandoff;
import tollgate.call.Cancellation;
import tollgate.config.AgentConfig;
import tollgate.error.GatewayException;
import tollgate.json.Json;
import tollgate.state.RedisServer;
import tollgate.state.SharedState;

/**
 * Tasks of two replicas (own data directories) sharing one real redis-server (issue 14): a task
 * created on A is read and cancelled on B, its approval's decision taken on B runs on A, its
 * events are A's; Redis gone: each replica answers for its own tasks, no 5xx.
 */
class SharedTasksTest extends TasksTestBase {
    @TempDir Path dataB;

    /** A started replica on {@code dir} sharing {@code state}. */
    Tasks replica(Path dir, SharedState state) throws IOException {
        AgentConfig config = config(4, 100, List.of(), null);
        TaskStore store = new TaskStore(dir, config.maxTasksPerKey(), maxFileBytes);
        Webhooks webhooks = new Webhooks(() -> http, config.webhookAllow(), config.webhookSecret(), clock);
        Tasks t = new Tasks(store, engine, accounts, config, webhooks, clock);
        t.share(state);
        t.recovered = store.open(clock);
        t.start();
        opened.add(t);
        return t;
    }

    @Test
    void aTaskCreatedOnA_isReadAndCancelledOnB_itsEventsAreA_s_andAnotherKeySees404() throws Exception {
        try (RedisServer r = RedisServer.start();
             SharedState sa = SharedState.open(r.stateConfig("replica-a"));
             SharedState sb = SharedState.open(r.stateConfig("replica-b"))) {
            Tasks a = replica(dataDir, sa), b = replica(dataB, sb);
            CountDownLatch started = new CountDownLatch(1);
            engine.then(ScriptedEngine.untilCancelled(started));
            String id = id(create(a, alice, "long"));
            assertTrue(started.await(10, TimeUnit.SECONDS));
            assertEquals("replica-a", r.command("GET", "tollgate:task:{" + id + "}:lease"), "A runs it, holding its lease");

            Map<String, Object> onB = b.get(id, alice.id());
            assertEquals(Json.toString(a.get(id, alice.id())), Json.toString(onB), "B answers A's view");
            assertStatus("running", onB);
            assertEquals(404, assertThrows(GatewayException.class, () -> b.get(id, bob.id())).httpStatus());
            GatewayException follow = assertThrows(GatewayException.class,
                    () -> b.follow(id, alice.id(), 0, (n, type, data) -> { }, new Cancellation()));
            assertEquals(409, follow.httpStatus());
            assertEquals("Task " + id + " runs on the gateway replica 'replica-a', which streams its events; GET /neo/tasks/" + id
                    + " answers on every replica.", follow.getMessage());
            assertEquals(404, assertThrows(GatewayException.class, () -> b.cancel(id, bob.id())).httpStatus());

            assertStatus("cancelled", b.cancel(id, alice.id()));
            assertStatus("cancelled", a.get(id, alice.id()));
            assertEquals(0L, r.command("EXISTS", "tollgate:task:{" + id + "}:lease"), "an ended task's lease is let go");
            GatewayException again = assertThrows(GatewayException.class, () -> b.cancel(id, alice.id()));
            assertEquals(409, again.httpStatus());
            assertEquals("Task " + id + " has already ended (cancelled); only a queued, running or waiting task can be cancelled.",
                    again.getMessage());
        }
    }

    @Test
    void anApprovalDecidedOnB_runsTheTaskOnItsOwnerA() throws Exception {
        try (RedisServer r = RedisServer.start();
             SharedState sa = SharedState.open(r.stateConfig("replica-a"));
             SharedState sb = SharedState.open(r.stateConfig("replica-b"))) {
            Tasks a = replica(dataDir, sa), b = replica(dataB, sb);
            engine.then((ex, cancel, l) -> {
                ScriptedEngine.step(ex, l, "asks for a ticket");
                return new Outcome.Paused(ScriptedEngine.answered(null).completion(),
                        new Outcome.Approval("86dd028d-6f5c-4f13-83db-d4fe9bc5b865", ex.id(), clock.millis() + 60_000, List.of()));
            });
            engine.then((ex, cancel, l) -> {
                ScriptedEngine.step(ex, l, "after approval");
                return ScriptedEngine.answered("Ticket created.");
            });
            String id = id(create(a, alice, "open a ticket"));
            awaitStatus(a, id, alice, "waiting_approval");
            assertStatus("waiting_approval", b.get(id, alice.id()));

            // What POST /v1/chat/resume on B hands over after claiming the approval and applying the decision.
            Execution decided = Execution.fromJson(new TaskStore(dataDir, 100)
                    .read(new TaskEntry(id, alice.id(), 0, TaskStatus.WAITING_APPROVAL)).execution());
            decided.messages().add(Map.of("role", "tool", "tool_call_id", "call_1", "content", "{\"ticket\":42}"));
            Map<String, Object> answer = b.resumed(decided, new TaskHandoff.Decision(true, null));
            assertEquals(id, answer.get("id"));
            assertStatus("queued", answer);
            assertNull(answer.get("approval"));

            Map<String, Object> done = awaitStatus(a, id, alice, "succeeded");
            assertEquals(2, ((List<?>) done.get("steps")).size());
            assertTrue(Json.toString(engine.runs.get(1).get("messages")).contains("\"tool_call_id\":\"call_1\""),
                    "A's second run starts from the state decided on B");
            awaitStatus(b, id, alice, "succeeded");
        }
    }

    @Test
    void redisGone_eachReplicaAnswersForItsOwnTasks_without5xx() throws Exception {
        try (RedisServer r = RedisServer.start();
             SharedState sa = SharedState.open(r.stateConfig("replica-a"));
             SharedState sb = SharedState.open(r.stateConfig("replica-b"))) {
            Tasks a = replica(dataDir, sa), b = replica(dataB, sb);
            r.kill();
            String id = id(create(a, alice, "short"));
            awaitStatus(a, id, alice, "succeeded");
            GatewayException onB = assertThrows(GatewayException.class, () -> b.get(id, alice.id()));
            assertEquals(404, onB.httpStatus());
            assertEquals(404, assertThrows(GatewayException.class, () -> b.cancel(id, alice.id())).httpStatus());
        }
    }
}
