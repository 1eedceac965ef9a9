package tollgate.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tollgate.agent.Execution;
import tollgate.agent.Outcome;
import tollgate.agent.TaskHandoff;
import tollgate.call.Cancellation;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.json.Json;

/** A task's life: queued → running → an end, its events, approvals, cancellation, listing. */
class TasksLifecycleTest extends TasksTestBase {

    @Test
    void aTask_runsToSucceeded_withItsStepsUsageAndEvents() throws Exception {
        engine.then(ScriptedEngine.steps(2, ScriptedEngine.answered("Paris.")));
        Tasks tasks = open();
        Map<String, Object> created = create(tasks, alice, "Capital of France?");
        assertStatus("queued", created);
        assertEquals("neo.task", created.get("object"));
        assertTrue(id(created).matches("task_[0-9a-f-]{36}"));

        Map<String, Object> done = awaitStatus(tasks, id(created), alice, "succeeded");
        assertEquals(2, ((List<?>) done.get("steps")).size());
        Map<?, ?> result = (Map<?, ?>) done.get("result");
        assertEquals("Paris.", result.get("content"));
        assertEquals("stop", result.get("finish_reason"));
        assertEquals(Tasks.DEFAULT_MODEL, ((Map<?, ?>) result.get("completion")).get("model"));
        assertEquals("{\"prompt_tokens\":20,\"completion_tokens\":10,\"total_tokens\":30}", Json.toString(done.get("usage")));
        assertEquals(6L, ((Number) done.get("credits_charged")).longValue());
        assertNull(done.get("error"));
        assertTrue(done.get("ended_at") != null && done.get("started_at") != null);

        assertEquals(List.of(
                "1 status {\"status\":\"queued\"}",
                "2 status {\"status\":\"running\"}",
                "3 step {\"index\":0,\"step\":{\"type\":\"model\",\"what\":\"step 1\"}}",
                "4 step {\"index\":1,\"step\":{\"type\":\"model\",\"what\":\"step 2\"}}",
                "5 result " + Json.toString(result),
                "6 status {\"status\":\"succeeded\"}"), events(tasks, id(created), alice, 0));
        assertEquals(List.of("alice"), engine.accounts);
    }

    @Test
    void events_replayAfterAnId_thenFollowLiveUntilTheEnd() throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch stepped = new CountDownLatch(1);
        engine.then((ex, cancel, l) -> {
            ScriptedEngine.step(ex, l, "first");
            stepped.countDown();
            go.await(10, TimeUnit.SECONDS);
            ScriptedEngine.step(ex, l, "second");
            return ScriptedEngine.answered("ok");
        });
        Tasks tasks = open();
        String id = id(create(tasks, alice, "work"));
        assertTrue(stepped.await(10, TimeUnit.SECONDS));

        List<String> seen = new CopyOnWriteArrayList<>();
        CountDownLatch replayed = new CountDownLatch(2);
        Thread follower = Thread.ofVirtual().start(() -> tasks.follow(id, alice.id(), 1, (n, type, data) -> {
            seen.add(n + " " + type);
            replayed.countDown();
        }, new Cancellation()));
        assertTrue(replayed.await(10, TimeUnit.SECONDS));
        assertEquals(List.of("2 status", "3 step"), seen, "replayed: the events after id 1");
        go.countDown(); // the rest happens while it follows
        follower.join(10_000);
        assertTrue(!follower.isAlive(), "the follower returns once the task has ended");
        assertEquals(List.of("2 status", "3 step", "4 step", "5 result", "6 status"), seen);
    }

    @Test
    void aFollowerLeaving_isWokenAndReturns() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        engine.then(ScriptedEngine.untilCancelled(started));
        Tasks tasks = open();
        String id = id(create(tasks, alice, "long"));
        assertTrue(started.await(10, TimeUnit.SECONDS));
        Cancellation gone = new Cancellation();
        CountDownLatch caughtUp = new CountDownLatch(2);
        Thread follower = Thread.ofVirtual().start(() -> tasks.follow(id, alice.id(), 0, (n, t, d) -> caughtUp.countDown(), gone));
        assertTrue(caughtUp.await(10, TimeUnit.SECONDS));
        gone.cancel();
        follower.join(10_000);
        assertTrue(!follower.isAlive());
    }

    @Test
    void aPause_waitsForApproval_andTheResumeRunsItAgainFromTheDecidedState() throws Exception {
        long expires = clock.millis() + 60_000;
        List<Map<String, Object>> calls = List.of(Map.of("id", "call_1", "type", "function",
                "function", Map.of("name", "create_ticket", "arguments", "{\"priority\":\"high\"}")));
        engine.then((ex, cancel, l) -> {
            ScriptedEngine.step(ex, l, "asks for a ticket");
            return new Outcome.Paused(ScriptedEngine.answered(null).completion(),
                    new Outcome.Approval("86dd028d-6f5c-4f13-83db-d4fe9bc5b865", ex.id(), expires, calls));
        });
        engine.then((ex, cancel, l) -> {
            ScriptedEngine.step(ex, l, "after approval");
            return ScriptedEngine.answered("Ticket created.");
        });
        Tasks tasks = open();
        String id = id(create(tasks, alice, "open a ticket"));
        Map<String, Object> waiting = awaitStatus(tasks, id, alice, "waiting_approval");
        assertEquals("{\"approval_id\":\"86dd028d-6f5c-4f13-83db-d4fe9bc5b865\",\"execution_id\":\"exec-" + id.substring(5)
                + "\",\"expires_at\":\"" + TaskView.iso(expires) + "\",\"calls\":" + Json.toString(calls) + "}", Json.toString(waiting.get("approval")));

        // What POST /v1/chat/resume hands over after claiming the approval and applying the decision.
        TaskStore.Stored s = new TaskStore(dataDir, 100).read(new TaskEntry(id, alice.id(), 0, TaskStatus.WAITING_APPROVAL));
        Execution decided = Execution.fromJson(s.execution());
        decided.messages().add(Map.of("role", "tool", "tool_call_id", "call_1", "content", "{\"ticket\":42}"));
        Map<String, Object> answer = tasks.resumed(decided, new TaskHandoff.Decision(true, null));
        assertEquals(id, answer.get("id"));
        assertTrue(List.of("queued", "running", "succeeded").contains(answer.get("status")), Json.toString(answer));

        Map<String, Object> done = awaitStatus(tasks, id, alice, "succeeded");
        assertEquals(2, ((List<?>) done.get("steps")).size());
        assertNull(done.get("approval"));
        assertTrue(Json.toString(engine.runs.get(1).get("messages")).contains("\"tool_call_id\":\"call_1\""),
                "the second run starts from the decided state");
        assertEquals(1, ((List<?>) engine.runs.get(1).get("steps")).size());
        List<String> types = new ArrayList<>();
        for (String e : events(tasks, id, alice, 0)) types.add(e.split(" ", 3)[1] + (e.contains("\"status\"") ? ":" + e.split("\"status\":\"")[1].split("\"")[0] : ""));
        assertEquals(List.of("status:queued", "status:running", "step", "approval", "status:waiting_approval", "status:queued", "status:running",
                "step", "result", "status:succeeded"), types);

        GatewayException again = assertThrows(GatewayException.class, () -> tasks.resumed(decided, new TaskHandoff.Decision(true, null)));
        assertEquals(409, again.httpStatus());
    }

    @Test
    void anApprovalThatExpires_failsTheTask_whenItIsRead() throws Exception {
        long expires = clock.millis() + 1_000;
        engine.then((ex, cancel, l) -> new Outcome.Paused(ScriptedEngine.answered(null).completion(),
                new Outcome.Approval("a-1", ex.id(), expires, List.of())));
        Tasks tasks = open();
        String id = id(create(tasks, alice, "x"));
        awaitStatus(tasks, id, alice, "waiting_approval");
        clock.advanceMillis(1_000);
        assertStatus("waiting_approval", tasks.get(id, alice.id()));
        clock.advanceMillis(1);
        Map<String, Object> failed = tasks.get(id, alice.id());
        assertStatus("failed", failed);
        assertEquals("{\"message\":\"The approval a-1 expired at " + TaskView.iso(expires) + " before anyone decided on it.\","
                + "\"type\":\"approval_expired\",\"param\":null,\"code\":410}", Json.toString(failed.get("error")));
        List<String> ev = events(tasks, id, alice, 3);
        assertEquals("5 error {\"error\":" + Json.toString(failed.get("error")) + "}", ev.get(ev.size() - 2));
        assertEquals("6 status {\"status\":\"failed\"}", ev.get(ev.size() - 1));
    }

    @Test
    void aFailure_endsTheTaskWithItsErrorObject() throws Exception {
        engine.then((ex, cancel, l) -> {
            throw new GatewayException(ErrorKind.POLICY_INSUFFICIENT_CREDITS, "Insufficient credits.");
        });
        Tasks tasks = open();
        String id = id(create(tasks, alice, "x"));
        Map<String, Object> failed = awaitStatus(tasks, id, alice, "failed");
        assertEquals("{\"message\":\"Insufficient credits.\",\"type\":\"insufficient_quota\",\"param\":null,\"code\":402}",
                Json.toString(failed.get("error")));
        assertNull(failed.get("result"));
    }

    @Test
    void aTaskWhoseStateOutgrowsTheFileCap_failsSayingSo_keepingItsLastCheckpoint_andStaysReadable() throws Exception {
        maxFileBytes = 64 * 1024;
        engine.then((ex, cancel, l) -> {
            ScriptedEngine.step(ex, l, "small");
            ScriptedEngine.step(ex, l, "x".repeat(100 * 1024)); // say, a tool's images: past the cap
            ScriptedEngine.step(ex, l, "never reached");
            return ScriptedEngine.answered("done");
        });
        Tasks tasks = open();
        String id = id(create(tasks, alice, "draw a lot"));
        Map<String, Object> failed = awaitStatus(tasks, id, alice, "failed");
        assertEquals("{\"message\":\"The task's state (its conversation, its steps and their results) grew past 65536 bytes, "
                + "the most a task may keep; it was stopped after its last step that fitted.\",\"type\":\"invalid_request_error\","
                + "\"param\":null,\"code\":413}", Json.toString(failed.get("error")));
        assertEquals(1, ((List<?>) failed.get("steps")).size(), "the last checkpoint that fitted");
        List<String> ev = events(tasks, id, alice, 0);
        assertEquals("{\"status\":\"failed\"}", ev.get(ev.size() - 1).split(" ", 3)[2]);

        tasks.stop();
        opened.remove(tasks);
        Tasks again = open();
        assertStatus("failed", again.get(id, alice.id()));
    }

    @Test
    void cancel_queuedAtOnce_runningStopsMidStep_endedIs409() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        engine.then(ScriptedEngine.untilCancelled(started));
        Tasks tasks = open(config(1, 100, List.of(), null), engine, accounts); // one slot: the second waits
        String running = id(create(tasks, alice, "long"));
        assertTrue(started.await(10, TimeUnit.SECONDS));
        String queued = id(create(tasks, alice, "next"));

        assertStatus("cancelled", tasks.cancel(queued, alice.id()));
        assertStatus("cancelled", tasks.cancel(running, alice.id()));
        assertEquals(1, engine.runs.size(), "the queued task never ran");

        GatewayException e = assertThrows(GatewayException.class, () -> tasks.cancel(running, alice.id()));
        assertEquals(409, e.httpStatus());
        assertEquals("Task " + running + " has already ended (cancelled); only a queued, running or waiting task can be cancelled.", e.getMessage());
        List<String> ev = events(tasks, running, alice, 0);
        assertEquals("3 status {\"status\":\"cancelled\"}", ev.get(ev.size() - 1));
    }

    @Test
    void list_isTheKeysTasksNewestFirst_inPages_andAnotherKeysTaskIsNotFound() throws Exception {
        Tasks tasks = open();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(id(create(tasks, alice, "t" + i)));
            clock.advanceMillis(1);
        }
        String bobs = id(create(tasks, bob, "bob's"));

        Map<String, Object> page1 = tasks.list(alice.id(), null, 2);
        assertEquals(List.of(ids.get(4), ids.get(3)), ids(page1));
        assertEquals(true, page1.get("has_more"));
        assertEquals("list", page1.get("object"));
        Map<String, Object> page2 = tasks.list(alice.id(), (String) page1.get("last_id"), 2);
        assertEquals(List.of(ids.get(2), ids.get(1)), ids(page2));
        Map<String, Object> page3 = tasks.list(alice.id(), (String) page2.get("last_id"), 2);
        assertEquals(List.of(ids.get(0)), ids(page3));
        assertEquals(false, page3.get("has_more"));
        assertEquals(List.of(bobs), ids(tasks.list(bob.id(), null, 20)));

        for (Runnable r : List.<Runnable>of(() -> tasks.get(bobs, alice.id()), () -> tasks.cancel(bobs, alice.id()),
                () -> events(tasks, bobs, alice, 0), () -> tasks.get("task_00000000-0000-4000-8000-000000000000", alice.id()))) {
            GatewayException e = assertThrows(GatewayException.class, r::run);
            assertEquals(404, e.httpStatus());
            assertTrue(e.getMessage().startsWith("No task '"), e.getMessage());
        }
        assertEquals(400, assertThrows(GatewayException.class, () -> tasks.list(alice.id(), bobs, 2)).httpStatus());
    }

    @Test
    void aListPage_readsAtMostItsByteBudgetOfTaskFiles_andSaysThereIsMore() throws Exception {
        Tasks tasks = open();
        List<String> ids = new ArrayList<>();
        String big = "x".repeat((int) (TaskPage.MAX_LIST_BYTES / 2) + 1); // a conversation with, say, images in it
        for (int i = 0; i < 3; i++) {
            ids.add(id(create(tasks, alice, big)));
            clock.advanceMillis(1);
        }
        for (String id : ids) awaitStatus(tasks, id, alice, "succeeded");

        Map<String, Object> page1 = tasks.list(alice.id(), null, 100);
        assertEquals(List.of(ids.get(2)), ids(page1), "the second would take the page past its budget");
        assertEquals(true, page1.get("has_more"));
        Map<String, Object> page2 = tasks.list(alice.id(), (String) page1.get("last_id"), 100);
        assertEquals(List.of(ids.get(1)), ids(page2));
        assertEquals(true, page2.get("has_more"));
        Map<String, Object> page3 = tasks.list(alice.id(), (String) page2.get("last_id"), 100);
        assertEquals(List.of(ids.get(0)), ids(page3));
        assertEquals(false, page3.get("has_more"));
    }

    @Test
    void endedTasks_pastTheirRetention_areSweptAway() throws Exception {
        Tasks tasks = open();
        String id = id(create(tasks, alice, "x"));
        awaitStatus(tasks, id, alice, "succeeded");
        clock.advanceMillis(tollgate.config.AgentConfig.DEFAULT_TASK_RETENTION.toMillis() - 1);
        tasks.sweep();
        assertStatus("succeeded", tasks.get(id, alice.id()));
        clock.advanceMillis(1);
        tasks.sweep();
        assertEquals(404, assertThrows(GatewayException.class, () -> tasks.get(id, alice.id())).httpStatus());
        assertTrue(!java.nio.file.Files.exists(dataDir.resolve(TaskStore.DIR).resolve(id)));
    }

    @SuppressWarnings("unchecked")
    private static List<String> ids(Map<String, Object> page) {
        List<String> out = new ArrayList<>();
        for (Object o : (List<Object>) page.get("data")) out.add((String) ((Map<String, Object>) o).get("id"));
        return out;
    }
}
