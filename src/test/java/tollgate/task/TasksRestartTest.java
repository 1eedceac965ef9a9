package tollgate.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tollgate.account.Accounts;
import tollgate.account.KeyStore;
import tollgate.config.KeyConfig;
import tollgate.json.Json;

/** What a gateway restart does to tasks: running ones go on from their last checkpoint; a key gone or revoked fails them. */
class TasksRestartTest extends TasksTestBase {

    @Test
    void aTaskCutByAStop_goesOnAtTheNextStart_fromItsLastCompletedStep() throws Exception {
        CountDownLatch twoSteps = new CountDownLatch(1);
        engine.then((ex, cancel, l) -> {
            ScriptedEngine.step(ex, l, "one");
            ScriptedEngine.step(ex, l, "two");
            twoSteps.countDown();
            return ScriptedEngine.untilCancelled(new CountDownLatch(1)).run(ex, cancel, l); // the third step is in flight
        });
        Tasks first = open();
        String id = id(create(first, alice, "long job"));
        assertTrue(twoSteps.await(10, TimeUnit.SECONDS));
        first.stop();
        opened.remove(first);
        assertEquals(TaskStatus.RUNNING, new TaskStore(dataDir, 100).read(new TaskEntry(id, alice.id(), 0, TaskStatus.RUNNING)).task().status(),
                "a stop leaves a running task running on disk");

        ScriptedEngine after = new ScriptedEngine().then(ScriptedEngine.steps(1, ScriptedEngine.answered("finished")));
        Tasks second = open(config(4, 100, List.of(), null), after, accounts);
        Map<String, Object> done = awaitStatus(second, id, alice, "succeeded");
        assertEquals(2, ((List<?>) after.runs.get(0).get("steps")).size(), "the restarted run starts after the two completed steps");
        assertEquals(3, ((List<?>) done.get("steps")).size());
        assertEquals("{\"prompt_tokens\":30,\"completion_tokens\":15,\"total_tokens\":45}", Json.toString(done.get("usage")));

        List<String> ev = events(second, id, alice, 0);
        assertEquals(List.of(
                "1 status {\"status\":\"queued\"}",
                "2 status {\"status\":\"running\"}",
                "3 step {\"index\":0,\"step\":{\"type\":\"model\",\"what\":\"one\"}}",
                "4 step {\"index\":1,\"step\":{\"type\":\"model\",\"what\":\"two\"}}",
                "5 status {\"status\":\"queued\",\"reason\":\"restart\"}",
                "6 status {\"status\":\"running\"}",
                "7 step {\"index\":2,\"step\":{\"type\":\"model\",\"what\":\"step 3\"}}"), ev.subList(0, 7));
        assertEquals("9 status {\"status\":\"succeeded\"}", ev.get(8));
    }

    @Test
    void aStepThatFailsBecauseTheGatewayIsStopping_leavesTheTaskToTheNextStart_notFailed() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        engine.then((ex, cancel, l) -> {
            ScriptedEngine.step(ex, l, "one");
            CountDownLatch cut = new CountDownLatch(1);
            cancel.onCancel(cut::countDown);
            started.countDown();
            assertTrue(cut.await(10, TimeUnit.SECONDS));
            // What a model call in flight can end with as the gateway closes its upstream client.
            throw new tollgate.error.GatewayException(tollgate.error.ErrorKind.PROVIDER_ERROR, "Provider 'openai' closed the connection");
        });
        Tasks first = open();
        String id = id(create(first, alice, "long job"));
        assertTrue(started.await(10, TimeUnit.SECONDS));
        first.stop();
        opened.remove(first);
        assertEquals(TaskStatus.RUNNING, new TaskStore(dataDir, 100).read(new TaskEntry(id, alice.id(), 0, TaskStatus.RUNNING)).task().status(),
                "cut by the stop: it goes on at the next start");

        ScriptedEngine after = new ScriptedEngine();
        Tasks second = open(config(4, 100, List.of(), null), after, accounts);
        Map<String, Object> done = awaitStatus(second, id, alice, "succeeded");
        assertEquals(1, ((List<?>) after.runs.get(0).get("steps")).size(), "from its last completed step");
        assertEquals(1, ((List<?>) done.get("steps")).size());
    }

    @Test
    void aTaskWhoseKeyIsGone_fails_saying_so() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        engine.then(ScriptedEngine.untilCancelled(started));
        Tasks first = open();
        String id = id(create(first, alice, "x"));
        assertTrue(started.await(10, TimeUnit.SECONDS));
        first.stop();
        opened.remove(first);

        Accounts onlyBob = Accounts.open(List.of(new KeyConfig("bob", KeyConfig.hash("sk-bob"))), new KeyStore(dataDir), 1_000_000,
                Map.of(), clock);
        Tasks second = open(config(4, 100, List.of(), null), new ScriptedEngine(), onlyBob);
        Map<String, Object> failed = awaitStatus(second, id, alice, "failed");
        assertEquals("{\"message\":\"The API key that created this task no longer exists.\",\"type\":\"authentication_error\","
                + "\"param\":null,\"code\":401}", Json.toString(failed.get("error")));
    }

    @Test
    void aKeyRevokedWhileItsTaskRuns_stopsTheTaskAtItsNextStep_noFurtherModelCall() throws Exception {
        tollgate.account.KeyAdmin.Created made = accounts.admin().create(Map.of("name", "carol"));
        accounts.reload();
        tollgate.account.Account carol = accounts.authenticateKey(made.secret());
        CountDownLatch firstStep = new CountDownLatch(1);
        CountDownLatch revoked = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger modelCalls = new java.util.concurrent.atomic.AtomicInteger();
        engine.then((ex, cancel, l) -> {
            modelCalls.incrementAndGet();
            ScriptedEngine.step(ex, l, "one");
            firstStep.countDown();
            assertTrue(revoked.await(10, TimeUnit.SECONDS));
            for (int i = 0; i < 6; i++) { // the first was in flight while the key was revoked: the last one
                modelCalls.incrementAndGet();
                ScriptedEngine.step(ex, l, "more");
            }
            return ScriptedEngine.answered("all done on a revoked key");
        });
        Tasks tasks = open();
        String id = id(tasks.create(request("long job"), carol, "req_1", 8, null, null));
        assertTrue(firstStep.await(10, TimeUnit.SECONDS));
        accounts.admin().revoke(made.key().id());
        accounts.reload();
        revoked.countDown();

        Map<String, Object> failed = awaitStatus(tasks, id, carol, "failed");
        assertEquals("{\"message\":\"This API key has been revoked.\",\"type\":\"authentication_error\",\"param\":null,"
                + "\"code\":401}", Json.toString(failed.get("error")));
        assertEquals(2, modelCalls.get(), "no model call after the step that saw the key revoked");
        assertEquals(2, ((List<?>) failed.get("steps")).size());
    }

    @Test
    void aTaskWaitingForApproval_goesOnWaitingAfterARestart() throws Exception {
        long expires = clock.millis() + 60_000;
        engine.then((ex, cancel, l) -> new tollgate.agent.Outcome.Paused(ScriptedEngine.answered(null).completion(),
                new tollgate.agent.Outcome.Approval("a-9", ex.id(), expires, List.of())));
        Tasks first = open();
        String id = id(create(first, alice, "x"));
        awaitStatus(first, id, alice, "waiting_approval");
        first.stop();
        opened.remove(first);
        ScriptedEngine after = new ScriptedEngine();
        Tasks second = open(config(4, 100, List.of(), null), after, accounts);
        assertStatus("waiting_approval", second.get(id, alice.id()));
        assertEquals(0, after.runs.size());
        clock.advanceMillis(60_001);
        second.sweep();
        assertStatus("failed", second.get(id, alice.id()));
    }
}
