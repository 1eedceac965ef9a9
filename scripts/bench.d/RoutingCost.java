import com.sun.management.ThreadMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import tollgate.api.ChatRequestValidator;
import tollgate.call.Cancellation;
import tollgate.call.Clock;
import tollgate.catalog.Catalog;
import tollgate.catalog.Model;
import tollgate.catalog.Task;
import tollgate.config.ModelConfig;
import tollgate.config.RouterConfig;
import tollgate.conversation.PromptEstimate;
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
import tollgate.route.Dispatched;
import tollgate.route.Dispatcher;
import tollgate.route.Plan;
import tollgate.route.Router;

/**
 * CPU cost of routing, in one thread, no network (scripts/bench.d/routing.sh runs it; not a test,
 * it asserts nothing).
 *
 * <p>(a) plan: {@code Router.plan(request, promptTokens)} for {@code neo-mode/balanced} over a
 * catalog of 500 models on 10 fake providers (qualities, prices, windows and capabilities varied
 * deterministically; the providers are never called), for a one-message request without
 * {@code taskHint} (task inference runs), the same with {@code taskHint}, and one with
 * {@code tools} (capability filtering), plus the first of them over 10 models for scale. Every case
 * is warmed with WARMUP calls (default 100,000; 400,000 plan calls in all, interleaved, long past
 * C2's thresholds), then CALLS calls each (default 200,000) are timed one by one with
 * {@code System.nanoTime} (in interleaved chunks of 1,000, so that the machine's drift hits every
 * case alike); the timer's own overhead (median of back-to-back reads) is measured, printed and
 * subtracted from every sample. Printed: p50, p99, p99.9, max and mean in ns.
 *
 * <p>(b) dispatch: the whole {@code Dispatcher.dispatch(caller, request, null)} with a provider
 * that answers at once (a small completion map built per call), the plain request with model
 * {@code neo-mode} against the same request with the model neo-mode picks asked for directly (so
 * that both end in the same call), over 10 and over 500 models. Measured in BATCHES interleaved
 * batches of BATCH_OPS dispatches (order rotated per batch): median wall ns per dispatch, thread
 * CPU ns and bytes allocated per dispatch, and what neo-mode adds (median over the batches of
 * neo - direct within the batch).
 *
 * <p>Output: one JSON line per measurement, then one human summary line starting with
 * {@code summary:}.
 *
 *   java -cp target/tollgate.jar scripts/bench.d/RoutingCost.java [CALLS [WARMUP]]
 *   java -cp target/tollgate.jar scripts/bench.d/RoutingCost.java --models-json [N]
 *
 * The second form prints the same catalog (default 500 models, on providers p0..p9) as the
 * gateway config's {@code models} array, for a gateway that serves it over HTTP.
 */
public final class RoutingCost {
    static int CALLS = 200_000;
    static int WARMUP = 100_000;
    static final int CHUNK = 1_000;
    static final int BATCHES = 21;
    static final int BATCH_OPS = 2_000;
    static final int DISPATCH_WARMUP = 60_000;
    static final int PROVIDERS = 10;

    static final String MESSAGES = "\"messages\":[{\"role\":\"user\",\"content\":"
            + "\"Give me three ideas for a weekend trip near Lyon, with a one-line reason for each.\"}],\"max_tokens\":64";
    static final String TOOLS = "\"messages\":[{\"role\":\"user\",\"content\":\"What will the weather be in Lyon tomorrow?\"}],"
            + "\"max_tokens\":64,\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
            + "\"description\":\"Get the weather forecast for a city\",\"parameters\":{\"type\":\"object\","
            + "\"properties\":{\"city\":{\"type\":\"string\"},\"day\":{\"type\":\"string\"}},\"required\":[\"city\"]}}}]";

    static long sink;

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("--models-json")) {
            System.out.println(modelsJson(catalog(args.length > 1 ? Integer.parseInt(args[1]) : 500)));
            return;
        }
        if (args.length > 0) CALLS = Integer.parseInt(args[0]);
        if (args.length > 1) WARMUP = Integer.parseInt(args[1]);
        List<ModelConfig> all = catalog(500);
        Catalog cat500 = Catalog.of(all);
        Catalog cat10 = Catalog.of(all.subList(0, 10));
        List<String> summary = new ArrayList<>();
        plans(cat10, cat500, summary);
        dispatches(cat10, cat500, summary);
        System.out.println("summary: " + String.join("; ", summary));
    }

    // ------------------------------------------------------------------ (a) plan

    record PlanCase(String name, int models, Router router, ChatRequest request, long promptTokens, long[] ns) {}

    static void plans(Catalog cat10, Catalog cat500, List<String> summary) {
        Router r500 = router(cat500, false), r10 = router(cat10, false);
        List<PlanCase> cases = List.of(
                planCase("neo-plain-inferred", 500, r500, "\"model\":\"neo-mode/balanced\"," + MESSAGES),
                planCase("neo-plain-hint", 500, r500, "\"model\":\"neo-mode/balanced\",\"taskHint\":\"writing\"," + MESSAGES),
                planCase("neo-tools-inferred", 500, r500, "\"model\":\"neo-mode/balanced\"," + TOOLS),
                planCase("neo-plain-inferred", 10, r10, "\"model\":\"neo-mode/balanced\"," + MESSAGES));
        for (int done = 0; done < WARMUP; done += CHUNK) {
            for (PlanCase c : cases) timePlans(c, 0, Math.min(CHUNK, WARMUP - done), false);
        }
        long overhead = timerOverhead();
        System.out.println("{\"part\":\"timer\",\"overhead_ns\":" + overhead + ",\"note\":\"median of back-to-back System.nanoTime() reads; subtracted from every plan sample\"}");
        long gc0 = gcCount(), gcMs0 = gcMillis();
        long cpu0 = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime(), wall0 = System.nanoTime();
        int round = 0;
        for (int done = 0; done < CALLS; done += CHUNK, round++) {
            int n = Math.min(CHUNK, CALLS - done);
            for (int k = 0; k < cases.size(); k++) timePlans(cases.get((k + round) % cases.size()), done, n, true);
        }
        long gcs = gcCount() - gc0, gcMs = gcMillis() - gcMs0;
        long cpu = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - cpu0, wall = System.nanoTime() - wall0;
        for (PlanCase c : cases) {
            long[] s = c.ns();
            long sum = 0;
            for (int i = 0; i < s.length; i++) {
                s[i] = Math.max(0, s[i] - overhead);
                sum += s[i];
            }
            Arrays.sort(s);
            Plan p = c.router().plan(c.request(), c.promptTokens());
            System.out.println("{\"part\":\"plan\",\"case\":\"" + c.name() + "\",\"catalog\":" + c.models() + ",\"pool\":"
                    + c.router().policyModels().size() + ",\"calls\":" + s.length + ",\"p50_ns\":" + pct(s, 0.50)
                    + ",\"p90_ns\":" + pct(s, 0.90) + ",\"p99_ns\":" + pct(s, 0.99) + ",\"p999_ns\":" + pct(s, 0.999) + ",\"max_ns\":" + s[s.length - 1]
                    + ",\"mean_ns\":" + sum / s.length + ",\"task\":\"" + p.task().wire() + "\",\"task_source\":\"" + p.taskSource()
                    + "\",\"capable\":" + capable(c) + ",\"candidates\":" + p.candidates().size() + ",\"chosen\":\"" + p.candidates().get(0).model().id() + "\"}");
            if (c.models() == 500) summary.add("plan " + c.name() + " (500 models) p50/p99/p99.9 " + us(pct(s, 0.50)) + "/"
                    + us(pct(s, 0.99)) + "/" + us(pct(s, 0.999)) + " us");
        }
        // Below 100 %: the thread waited for a core (other processes, GC) during the timed calls.
        System.out.println("{\"part\":\"plan_gc\",\"collections\":" + gcs + ",\"gc_ms\":" + gcMs + ",\"warmup_calls\":" + WARMUP
                + ",\"thread_cpu_percent\":" + String.format("%.1f", 100.0 * cpu / wall) + "}");
    }

    /** Pool models that can take the case's request (what the filter keeps). */
    static int capable(PlanCase c) {
        boolean tools = c.request().body().get("tools") != null;
        int n = 0;
        for (Model m : c.router().policyModels()) {
            if ((!tools || m.has("tools")) && (m.contextLength() == 0 || c.promptTokens() <= m.contextLength())) n++;
        }
        return n;
    }

    static PlanCase planCase(String name, int models, Router router, String json) {
        ChatRequest request = request(json);
        return new PlanCase(name, models, router, request, PromptEstimate.tokens(request.body()), new long[CALLS]);
    }

    static void timePlans(PlanCase c, int from, int n, boolean record) {
        Router router = c.router();
        ChatRequest request = c.request();
        long tokens = c.promptTokens();
        long[] ns = c.ns();
        long s = 0;
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            Plan p = router.plan(request, tokens);
            long t1 = System.nanoTime();
            s += p.candidates().size();
            if (record) ns[from + i] = t1 - t0;
        }
        sink += s;
    }

    static long timerOverhead() {
        long[] d = new long[1_000_000];
        for (int round = 0; round < 2; round++) { // the first round warms the loop
            for (int i = 0; i < d.length; i++) {
                long t0 = System.nanoTime();
                long t1 = System.nanoTime();
                d[i] = t1 - t0;
            }
        }
        Arrays.sort(d);
        return d[d.length / 2];
    }

    // ------------------------------------------------------------------ (b) dispatch

    record DispatchCase(String label, int models, Dispatcher dispatcher, ChatRequest request,
                        long[] ns, long[] cpu, long[] bytes) {}

    static final MemoryBudget BUDGET = MemoryBudget.unlimited();

    static void dispatches(Catalog cat10, Catalog cat500, List<String> summary) {
        List<DispatchCase> cases = new ArrayList<>();
        for (Catalog cat : List.of(cat10, cat500)) {
            Router router = router(cat, true);
            Dispatcher dispatcher = new Dispatcher(router, baseline(cat), Clock.SYSTEM, new SplittableRandom(2));
            ChatRequest neo = request("\"model\":\"neo-mode\"," + MESSAGES);
            String chosen = dispatch(dispatcher, neo).chosen().model().id();
            ChatRequest direct = request("\"model\":\"" + chosen + "\"," + MESSAGES);
            cases.add(new DispatchCase("direct", cat.models().size(), dispatcher, direct, new long[BATCHES], new long[BATCHES], new long[BATCHES]));
            cases.add(new DispatchCase("neo-mode", cat.models().size(), dispatcher, neo, new long[BATCHES], new long[BATCHES], new long[BATCHES]));
        }
        for (int done = 0; done < DISPATCH_WARMUP; done += CHUNK) {
            for (DispatchCase c : cases) runDispatches(c, CHUNK);
        }
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long me = Thread.currentThread().threadId();
        for (int b = 0; b < BATCHES; b++) {
            for (int k = 0; k < cases.size(); k++) {
                DispatchCase c = cases.get((k + b) % cases.size());
                long a0 = threads.getThreadAllocatedBytes(me);
                long c0 = threads.getCurrentThreadCpuTime();
                long t0 = System.nanoTime();
                runDispatches(c, BATCH_OPS);
                long t1 = System.nanoTime();
                long c1 = threads.getCurrentThreadCpuTime();
                long a1 = threads.getThreadAllocatedBytes(me);
                c.ns()[b] = (t1 - t0) / BATCH_OPS;
                c.cpu()[b] = (c1 - c0) / BATCH_OPS;
                c.bytes()[b] = (a1 - a0) / BATCH_OPS;
            }
        }
        for (int i = 0; i < cases.size(); i += 2) {
            DispatchCase direct = cases.get(i), neo = cases.get(i + 1);
            long[] added = new long[BATCHES], addedCpu = new long[BATCHES];
            for (int b = 0; b < BATCHES; b++) {
                added[b] = neo.ns()[b] - direct.ns()[b];
                addedCpu[b] = neo.cpu()[b] - direct.cpu()[b];
            }
            Dispatched d = dispatch(neo.dispatcher(), neo.request());
            for (DispatchCase c : List.of(direct, neo)) {
                long[] ns = c.ns().clone();
                Arrays.sort(ns);
                System.out.println("{\"part\":\"dispatch\",\"catalog\":" + c.models() + ",\"model\":\"" + c.request().model()
                        + "\",\"kind\":\"" + c.label() + "\",\"ns_per_op\":" + median(c.ns()) + ",\"min\":" + ns[0] + ",\"max\":"
                        + ns[BATCHES - 1] + ",\"cpu_ns_per_op\":" + median(c.cpu()) + ",\"bytes_per_op\":" + median(c.bytes())
                        + ",\"batches\":" + BATCHES + ",\"ops_per_batch\":" + BATCH_OPS + "}");
            }
            System.out.println("{\"part\":\"dispatch_added\",\"catalog\":" + neo.models() + ",\"direct_model\":\""
                    + direct.request().model() + "\",\"neo_chosen\":\"" + d.chosen().model().id() + "\",\"added_ns\":" + median(added)
                    + ",\"added_cpu_ns\":" + median(addedCpu) + ",\"added_bytes\":" + (median(neo.bytes()) - median(direct.bytes()))
                    + ",\"rounds_ns\":" + Arrays.toString(added).replace(" ", "") + "}");
            summary.add("neo-mode adds " + us(median(added)) + " us per dispatch over " + neo.models() + " models (direct "
                    + us(median(direct.ns())) + " us, neo-mode " + us(median(neo.ns())) + " us)");
        }
    }

    static void runDispatches(DispatchCase c, int n) {
        Dispatcher dispatcher = c.dispatcher();
        ChatRequest request = c.request();
        long s = 0;
        for (int i = 0; i < n; i++) s += dispatch(dispatcher, request).usage().totalTokens();
        sink += s;
    }

    static Dispatched dispatch(Dispatcher dispatcher, ChatRequest request) {
        try (Reservation memory = BUDGET.open()) {
            return dispatcher.dispatch(new Caller("bench", "req", new Cancellation(), memory), request, null);
        }
    }

    // ------------------------------------------------------------------ fixtures

    /** {@code n} models on PROVIDERS providers, everything varied deterministically. */
    static List<ModelConfig> catalog(int n) {
        SplittableRandom rnd = new SplittableRandom(42);
        long[] windows = {8_192, 32_768, 128_000, 200_000, 0};
        List<ModelConfig> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String id = String.format("bench-m%03d", i);
            Set<String> caps = new LinkedHashSet<>();
            if (rnd.nextInt(100) < 70) caps.add("tools");
            if (rnd.nextInt(100) < 30) caps.add("vision");
            if (rnd.nextInt(100) < 80) caps.add("json");
            if (rnd.nextInt(100) < 95) caps.add("stream");
            boolean priced = i % 37 != 5; // a few unpriced (local) models, scored low below
            String prompt = null, completion = null;
            if (priced) {
                long microCentsPrompt = 5 + rnd.nextInt(1_500); // 0.00000005 .. 0.0000150 USD per token
                prompt = decimal(microCentsPrompt);
                completion = decimal(microCentsPrompt * (2 + rnd.nextInt(4)));
            }
            Map<String, Integer> quality = new LinkedHashMap<>();
            for (String task : ModelConfig.TASKS) quality.put(task, priced ? 40 + rnd.nextInt(56) : 30 + rnd.nextInt(30));
            out.add(new ModelConfig(id, "p" + (i % PROVIDERS), "up-m" + i, "Bench model " + i, windows[rnd.nextInt(windows.length)],
                    prompt, completion, caps, 1_700_000_000L + i, 0, quality));
        }
        return out;
    }

    /** The catalog as the config's {@code models} array. */
    static String modelsJson(List<ModelConfig> models) {
        List<Object> out = new ArrayList<>();
        for (ModelConfig c : models) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", c.id());
            m.put("provider", c.provider());
            m.put("upstream", c.upstreamModel());
            m.put("name", c.name());
            if (c.contextLength() > 0) m.put("context_length", c.contextLength());
            if (c.promptPrice() != null) m.put("pricing", Map.of("prompt", c.promptPrice(), "completion", c.completionPrice()));
            m.put("capabilities", List.copyOf(c.capabilities()));
            m.put("created", c.created());
            m.put("quality", c.quality());
            out.add(m);
        }
        return Json.toString(out);
    }

    /** {@code units} x 1e-8 USD as decimal text. */
    static String decimal(long units) {
        return new java.math.BigDecimal(units).movePointLeft(8).toPlainString();
    }

    static Router router(Catalog catalog, boolean answers) {
        Map<String, Provider> running = new LinkedHashMap<>();
        for (int p = 0; p < PROVIDERS; p++) running.put("p" + p, new FakeProvider("p" + p, answers));
        return new Router(catalog, running, Map.of(), List.of(), RouterConfig.defaults(), Map.of(), Clock.SYSTEM, new SplittableRandom(1));
    }

    /** As the gateway chooses it without router.baseline_model: the priced model with the best general quality. */
    static Model baseline(Catalog catalog) {
        Model best = null;
        for (Model m : catalog.models()) {
            if (!m.pricing().known()) continue;
            if (best == null || m.quality().of(Task.GENERAL) > best.quality().of(Task.GENERAL)) best = m;
        }
        return best;
    }

    static ChatRequest request(String members) {
        return ChatRequestValidator.validate(Json.parse("{" + members + "}"));
    }

    /** A provider in the same process: answers at once with a small completion built per call, or never called at all. */
    record FakeProvider(String id, boolean answers) implements ChatProvider {
        @Override public String kind() { return "bench"; }
        @Override public Set<String> capabilities() { return Set.of("chat"); }

        @Override public ChatResult chat(ChatCall call) {
            if (!answers) throw new AssertionError("this provider is never called");
            Map<String, Object> message = new LinkedHashMap<>();
            message.put("role", "assistant");
            message.put("content", "Hello! This is a fixed answer from the bench provider.");
            Map<String, Object> choice = new LinkedHashMap<>();
            choice.put("index", 0);
            choice.put("message", message);
            choice.put("finish_reason", "stop");
            List<Object> choices = new ArrayList<>(1);
            choices.add(choice);
            Map<String, Object> usage = new LinkedHashMap<>();
            usage.put("prompt_tokens", 12);
            usage.put("completion_tokens", 11);
            usage.put("total_tokens", 23);
            Map<String, Object> completion = new LinkedHashMap<>();
            completion.put("id", "chatcmpl-bench");
            completion.put("object", "chat.completion");
            completion.put("created", 1_700_000_000L);
            completion.put("model", call.upstreamModel());
            completion.put("choices", choices);
            completion.put("usage", usage);
            return new ChatResult(completion, new Usage(12, 11, 23));
        }

        @Override public Usage stream(ChatCall call, ChunkSink sink) {
            throw new UnsupportedOperationException("not measured");
        }
    }

    // ------------------------------------------------------------------ figures

    /** The q-quantile of sorted samples (nearest rank). */
    static long pct(long[] sorted, double q) {
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    static long median(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    static String us(long ns) { return String.format("%.1f", ns / 1000.0); }

    static long gcCount() {
        long n = 0;
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) n += Math.max(0, b.getCollectionCount());
        return n;
    }

    static long gcMillis() {
        long n = 0;
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) n += Math.max(0, b.getCollectionTime());
        return n;
    }
}
