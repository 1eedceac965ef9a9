package tollgate.task;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import tollgate.account.Account;
import tollgate.account.Accounts;
import tollgate.account.KeyStore;
import tollgate.call.Cancellation;
import tollgate.call.ManualClock;
import tollgate.config.AgentConfig;
import tollgate.config.KeyConfig;
import tollgate.json.Json;
import tollgate.route.ChatRequest;

/** Tasks over a {@link ScriptedEngine}, two keys (alice, bob), a manual wall clock. */
abstract class TasksTestBase {
    @TempDir Path dataDir;
    final ManualClock clock = new ManualClock();
    final ScriptedEngine engine = new ScriptedEngine();
    final List<Tasks> opened = new ArrayList<>();
    final HttpClient http = HttpClient.newHttpClient();
    /** The task file's cap for the stores {@link #open} makes (a test may lower it). */
    long maxFileBytes = TaskStore.MAX_FILE_BYTES;
    Accounts accounts;
    Account alice;
    Account bob;

    @BeforeEach
    void keys() throws IOException {
        accounts = Accounts.open(List.of(new KeyConfig("alice", KeyConfig.hash("sk-alice")), new KeyConfig("bob", KeyConfig.hash("sk-bob"))),
                new KeyStore(dataDir), 1_000_000, Map.of(), clock);
        alice = accounts.authenticateKey("sk-alice");
        bob = accounts.authenticateKey("sk-bob");
    }

    @AfterEach
    void stopAll() {
        for (Tasks t : opened) t.stop();
        http.shutdownNow();
    }

    static AgentConfig config(int maxRunning, int maxPerKey, List<String> webhookAllow, String secret) {
        AgentConfig d = AgentConfig.DEFAULTS;
        return new AgentConfig(d.maxSteps(), d.maxWall(), d.approvalTtl(), d.maxParallelTools(), d.taskMaxSteps(), d.taskMaxWall(),
                maxRunning, maxPerKey, d.taskRetention(), webhookAllow, secret);
    }

    /** A started Tasks on the data directory (what it finds there queued runs). */
    Tasks open(AgentConfig config, TaskEngine engine, Accounts accounts) throws IOException {
        TaskStore store = new TaskStore(dataDir, config.maxTasksPerKey(), maxFileBytes);
        Webhooks webhooks = new Webhooks(() -> http, config.webhookAllow(), config.webhookSecret(), clock);
        Tasks t = new Tasks(store, engine, accounts, config, webhooks, clock);
        t.recovered = store.open(clock);
        t.start();
        opened.add(t);
        return t;
    }

    Tasks open() throws IOException { return open(config(4, 100, List.of(), null), engine, accounts); }

    static ChatRequest request(String goal) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", Tasks.DEFAULT_MODEL);
        body.put("messages", new ArrayList<>(List.of(Map.of("role", "user", "content", goal))));
        return new ChatRequest(Tasks.DEFAULT_MODEL, body, false, false, null, null, null, null, List.of());
    }

    Map<String, Object> create(Tasks tasks, Account who, String goal) {
        return tasks.create(request(goal), who, "req_test", 8, null, null);
    }

    /** Polls (10 ms) until the task has {@code status}, for at most 10 s. */
    static Map<String, Object> awaitStatus(Tasks tasks, String id, Account who, String status) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        Map<String, Object> t;
        while (!status.equals((t = tasks.get(id, who.id())).get("status"))) {
            if (System.nanoTime() > deadline) throw new AssertionError("task " + id + " is " + t.get("status") + ", not " + status);
            Thread.sleep(10);
        }
        return t;
    }

    /** The events after {@code after} of a task that has ended (follow returns at its end), as {@code id type data}. */
    static List<String> events(Tasks tasks, String id, Account who, long after) {
        List<String> out = new ArrayList<>();
        tasks.follow(id, who.id(), after, (n, type, data) -> out.add(n + " " + type + " " + Json.toString(data)), new Cancellation());
        return out;
    }

    static String id(Map<String, Object> task) { return (String) task.get("id"); }

    static void assertStatus(String status, Map<String, Object> task) { assertEquals(status, task.get("status"), () -> Json.toString(task)); }
}
