import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import tollgate.account.Account;
import tollgate.account.Accounts;
import tollgate.account.Charge;
import tollgate.account.KeyAdmin;
import tollgate.account.KeyStore;
import tollgate.account.Ledger;
import tollgate.account.Recorder;
import tollgate.api.ChatRequestValidator;
import tollgate.call.Cancellation;
import tollgate.call.Clock;
import tollgate.catalog.Catalog;
import tollgate.catalog.Model;
import tollgate.config.ModelConfig;
import tollgate.config.RouterConfig;
import tollgate.json.Json;
import tollgate.memory.MemoryBudget;
import tollgate.memory.Reservation;
import tollgate.provider.ChatCall;
import tollgate.provider.ChatProvider;
import tollgate.provider.ChatResult;
import tollgate.provider.ChunkSink;
import tollgate.provider.Provider;
import tollgate.provider.Usage;
import tollgate.route.Caller;
import tollgate.route.ChatRequest;
import tollgate.route.ChatSink;
import tollgate.route.Dispatcher;
import tollgate.route.Router;

/**
 * Part (m) of scripts/bench: what accounting adds to a request on the hot path (issue 9; target
 * 10 us or less), in one thread, in-process, no network. Three cases, each a whole
 * {@code Dispatcher.dispatch} against a provider in the same process that streams three chunks
 * at once:
 * <ul>
 *   <li>bare: no key, no ledger ({@code Charge.none()}, {@code Recorder.NONE});</li>
 *   <li>accounted: the key looked up from its Authorization header ({@code Accounts.authenticate}:
 *       SHA-256 and a map), its rules (allow and deny globs), requests and tokens per minute,
 *       a credit hold, the charge, and the record written to a real journal in a temporary
 *       directory ({@code write(2)}; a stream's record does not wait for the fsync);</li>
 *   <li>durable: the same for a non-streamed request, whose record waits for its fsync: this
 *       is the price of durability on this disk, a wait rather than work (thread CPU shows it).</li>
 * </ul>
 * Measured in BATCHES interleaved batches of BATCH_OPS (DURABLE_OPS for durable) after a warm-up:
 * median wall ns, thread CPU ns and bytes allocated per request, and the medians of the paired
 * differences against bare. One JSON line per figure on stdout.
 *
 * <pre>java -cp target/tollgate.jar scripts/bench.d/AccountingCost.java [BATCH_OPS]</pre>
 */
public final class AccountingCost {
    static int BATCH_OPS = 5_000;
    static final int DURABLE_OPS = 300;
    static final int BATCHES = 15;
    static final int WARMUP = 50_000;
    static final String MESSAGES = "\"messages\":[{\"role\":\"user\",\"content\":\"Summarise the plot of Hamlet in two lines.\"}]";
    static final MemoryBudget BUDGET = MemoryBudget.unlimited();
    static long sink;

    record Case(String label, Dispatcher dispatcher, ChatRequest request, boolean accounted, int ops, long[] ns, long[] cpu, long[] bytes) {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0) BATCH_OPS = Integer.parseInt(args[0]);
        Path dir = Files.createTempDirectory("tollgate-accounting-bench");
        try {
            run(dir);
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    static Accounts accounts;
    static String authorization;

    static void run(Path dir) throws Exception {
        List<ModelConfig> models = List.of(new ModelConfig("bench-model", "p0", "up-bench", "Bench", 128_000, "0.0000025", "0.00001",
                Set.of("tools", "json", "stream"), 1_700_000_000L, 0, Map.of()));
        Catalog catalog = Catalog.of(models);
        Map<String, Provider> running = new LinkedHashMap<>();
        running.put("p0", new FakeProvider());
        Router router = new Router(catalog, running, Map.of(), List.of(), RouterConfig.defaults(), Map.of(), Clock.SYSTEM, new SplittableRandom(1));
        Model baseline = catalog.get("bench-model");
        Dispatcher bare = new Dispatcher(router, baseline, Clock.SYSTEM, new SplittableRandom(2), Recorder.NONE);
        KeyStore store = new KeyStore(dir);
        KeyAdmin.Created key = new KeyAdmin(store, Clock.SYSTEM).create(Map.of("name", "bench", "credits", Long.MAX_VALUE / 4,
                "rpm", 1_000_000_000L, "tpm", 1_000_000_000_000L, "allow", List.of("bench-*", "neo-mode/*"), "deny", List.of("bench-x*")));
        authorization = "Bearer " + key.secret();
        try (Ledger ledger = Ledger.open(dir)) {
            accounts = Accounts.open(List.of(), store, 1000, ledger.spentByKey(), Clock.SYSTEM);
            Dispatcher accounted = new Dispatcher(router, baseline, Clock.SYSTEM, new SplittableRandom(2), ledger);
            ChatRequest stream = request("\"model\":\"bench-model\",\"stream\":true,\"max_tokens\":256," + MESSAGES);
            ChatRequest plain = request("\"model\":\"bench-model\",\"max_tokens\":256," + MESSAGES);
            List<Case> cases = List.of(
                    new Case("bare", bare, stream, false, BATCH_OPS, new long[BATCHES], new long[BATCHES], new long[BATCHES]),
                    new Case("accounted", accounted, stream, true, BATCH_OPS, new long[BATCHES], new long[BATCHES], new long[BATCHES]),
                    new Case("bare_non_stream", bare, plain, false, DURABLE_OPS, new long[BATCHES], new long[BATCHES], new long[BATCHES]),
                    new Case("durable_non_stream", accounted, plain, true, DURABLE_OPS, new long[BATCHES], new long[BATCHES], new long[BATCHES]));
            for (int done = 0; done < WARMUP; done += 1000) {
                for (Case c : cases) runCase(c, c.ops() == DURABLE_OPS ? 20 : 1000);
            }
            ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
            long me = Thread.currentThread().threadId();
            for (int b = 0; b < BATCHES; b++) {
                for (int k = 0; k < cases.size(); k++) {
                    Case c = cases.get((k + b) % cases.size());
                    long a0 = threads.getThreadAllocatedBytes(me);
                    long c0 = threads.getCurrentThreadCpuTime();
                    long t0 = System.nanoTime();
                    runCase(c, c.ops());
                    long t1 = System.nanoTime();
                    long c1 = threads.getCurrentThreadCpuTime();
                    long a1 = threads.getThreadAllocatedBytes(me);
                    c.ns()[b] = (t1 - t0) / c.ops();
                    c.cpu()[b] = (c1 - c0) / c.ops();
                    c.bytes()[b] = (a1 - a0) / c.ops();
                }
            }
            for (Case c : cases) {
                System.out.println("{\"part\":\"accounting\",\"case\":\"" + c.label() + "\",\"ns_per_op\":" + median(c.ns())
                        + ",\"cpu_ns_per_op\":" + median(c.cpu()) + ",\"bytes_per_op\":" + median(c.bytes()) + ",\"batches\":" + BATCHES
                        + ",\"ops_per_batch\":" + c.ops() + "}");
            }
            added(cases.get(0), cases.get(1));
            added(cases.get(2), cases.get(3));
            concurrent(bare, accounted, stream);
            Account a = accounts.get(key.key().id());
            System.out.println("{\"part\":\"accounting_check\",\"records\":" + ledger.records() + ",\"spent_credits\":" + a.spent()
                    + ",\"held\":" + a.held() + ",\"sink\":" + (sink & 1) + "}");
        }
    }

    /** Virtual threads dispatching streams at once, as the gateway does under load. */
    static final int THREADS = 32;
    static final int CONCURRENT_ROUNDS = 7;
    static final long ROUND_NANOS = 1_000_000_000L;

    /**
     * THREADS virtual threads dispatching streams for ROUND_NANOS, bare and accounted in
     * alternating rounds: requests per second and process CPU per request. Under concurrency
     * what every request shares (the journal, the key's account, the totals) is contended.
     */
    static void concurrent(Dispatcher bare, Dispatcher accounted, ChatRequest stream) throws Exception {
        var os = ManagementFactory.getPlatformMXBean(com.sun.management.OperatingSystemMXBean.class);
        long[][] rps = new long[2][CONCURRENT_ROUNDS], cpu = new long[2][CONCURRENT_ROUNDS];
        for (int round = -1; round < CONCURRENT_ROUNDS; round++) {
            for (int k = 0; k < 2; k++) {
                Case c = new Case(k == 0 ? "bare" : "accounted", k == 0 ? bare : accounted, stream, k == 1, 1, null, null, null);
                java.util.concurrent.atomic.LongAdder done = new java.util.concurrent.atomic.LongAdder();
                long deadline = System.nanoTime() + ROUND_NANOS;
                long c0 = os.getProcessCpuTime(), t0 = System.nanoTime();
                try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                    for (int t = 0; t < THREADS; t++) {
                        pool.submit(() -> {
                            while (System.nanoTime() < deadline) {
                                runCase(c, 1);
                                done.increment();
                            }
                        });
                    }
                }
                long took = System.nanoTime() - t0, used = os.getProcessCpuTime() - c0;
                if (round >= 0) {
                    rps[k][round] = done.sum() * 1_000_000_000L / took;
                    cpu[k][round] = used / Math.max(1, done.sum());
                }
            }
        }
        for (int k = 0; k < 2; k++) {
            System.out.println("{\"part\":\"accounting_concurrent\",\"case\":\"" + (k == 0 ? "bare" : "accounted") + "\",\"threads\":"
                    + THREADS + ",\"requests_per_s\":" + median(rps[k]) + ",\"process_cpu_ns_per_op\":" + median(cpu[k]) + "}");
        }
    }

    static void added(Case base, Case with) {
        long[] ns = new long[BATCHES], cpu = new long[BATCHES];
        for (int b = 0; b < BATCHES; b++) {
            ns[b] = with.ns()[b] - base.ns()[b];
            cpu[b] = with.cpu()[b] - base.cpu()[b];
        }
        System.out.println("{\"part\":\"accounting_added\",\"case\":\"" + with.label() + "\",\"added_ns\":" + median(ns)
                + ",\"added_cpu_ns\":" + median(cpu) + ",\"added_bytes\":" + (median(with.bytes()) - median(base.bytes()))
                + ",\"rounds_ns\":" + Arrays.toString(ns).replace(" ", "") + "}");
    }

    static final ChatSink NOWHERE = new ChatSink() {
        @Override public void begin(Begin begin) { }
        @Override public void chunk(Map<String, Object> chunk) { sink += chunk.size(); }
    };

    static void runCase(Case c, int n) {
        for (int i = 0; i < n; i++) {
            try (Reservation memory = BUDGET.open()) {
                Charge charge = c.accounted() ? accounts.charge(accounts.authenticate(authorization)) : Charge.none();
                try (charge) {
                    sink += c.dispatcher().dispatch(new Caller("bench", "req", "exec", new Cancellation(), memory, charge), c.request(),
                            c.request().stream() ? NOWHERE : null).credits();
                }
            }
        }
    }

    static ChatRequest request(String members) {
        return ChatRequestValidator.validate(Json.parse("{" + members + "}"));
    }

    static long median(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    /** Answers at once: a completion, or a stream of three chunks with usage. */
    static final class FakeProvider implements ChatProvider {
        @Override public String id() { return "p0"; }
        @Override public String kind() { return "bench"; }
        @Override public Set<String> capabilities() { return Set.of("chat"); }

        @Override public ChatResult chat(ChatCall call) {
            Map<String, Object> message = new LinkedHashMap<>();
            message.put("role", "assistant");
            message.put("content", "Hamlet avenges his father; nearly everyone dies.");
            Map<String, Object> choice = new LinkedHashMap<>();
            choice.put("index", 0);
            choice.put("message", message);
            choice.put("finish_reason", "stop");
            List<Object> choices = new ArrayList<>(1);
            choices.add(choice);
            Map<String, Object> completion = new LinkedHashMap<>();
            completion.put("id", "chatcmpl-bench");
            completion.put("object", "chat.completion");
            completion.put("model", call.upstreamModel());
            completion.put("choices", choices);
            return new ChatResult(completion, new Usage(20, 12, 32));
        }

        @Override public Usage stream(ChatCall call, ChunkSink out) {
            out.chunk(chunk(Map.of("role", "assistant", "content", ""), null));
            out.chunk(chunk(Map.of("content", "Hamlet avenges his father; nearly everyone dies."), null));
            out.chunk(chunk(Map.of(), "stop"));
            return new Usage(20, 12, 32);
        }

        static Map<String, Object> chunk(Map<String, Object> delta, String finish) {
            Map<String, Object> choice = new LinkedHashMap<>();
            choice.put("index", 0);
            choice.put("delta", delta);
            choice.put("finish_reason", finish);
            List<Object> choices = new ArrayList<>(1);
            choices.add(choice);
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("id", "chatcmpl-bench");
            c.put("object", "chat.completion.chunk");
            c.put("choices", choices);
            return c;
        }
    }
}
