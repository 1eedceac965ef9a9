package tollgate.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static tollgate.gateway.GatewayHarness.CLIENT_KEY;
import static tollgate.gateway.GatewayHarness.obj;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tollgate.account.Journal;
import tollgate.account.KeyAdmin;
import tollgate.account.KeyStore;
import tollgate.account.Ledger;
import tollgate.account.UsageRecord;
import tollgate.json.JsonNumber;

/**
 * Issue 9's proof, ledger part: the gateway runs as its own process under concurrent load
 * (non-streamed, streamed, and slow streams that a kill lands in the middle of), is killed with
 * SIGKILL at a random moment, and is restarted on the same data directory, several rounds. Then:
 * <ul>
 *   <li>every request the client saw complete (a 200 with the whole JSON body; a stream that
 *       ended with {@code data: [DONE]}) has exactly one record, with the execution id the client
 *       was given and the client's {@code x-request-id}, status 200, and the tokens the client
 *       was told;</li>
 *   <li>no execution id and no request id appears twice in the journal, and every record is of a
 *       request that was sent; requests that failed or were cut have at most one record;</li>
 *   <li>the balance of the clients' key, rebuilt from the ledger at every restart, is its starting
 *       credits minus the credits of all its records (a credit per token here, so a completed
 *       request is charged exactly its tokens, a cut stream what it delivered);</li>
 *   <li>every restart is clean: it starts, logs {@code ledger_open} with exactly the records of
 *       the rounds before it, and cuts at most a torn tail (at most one batch, reported by a
 *       {@code journal_tail_cut} line of the same size).</li>
 * </ul>
 *
 * <p>Why it can fail: if the Dispatcher recorded after answering (or the ledger appended on
 * another thread instead of writing before it returns), each request would have a window, from
 * the last byte of its answer or its {@code [DONE]} to the journal's {@code write}, in which the
 * client holds a completed request that is nowhere in the file. With sixteen clients getting
 * hundreds to thousands of fast answers a second, some request is in that window when the
 * SIGKILL lands in most rounds, and it shows up as "completed for the client but not in the
 * ledger". (Checked on a copy of the project whose {@code Ledger.record} appended on a virtual
 * thread: it failed that way in 7 runs out of 7.) A SIGKILL keeps what was written but not yet
 * fsynced (the page cache survives the process), so this proves the order "written, then
 * answer"; the fsync a non-streamed answer also waits for needs a power cut to prove. A
 * Dispatcher that recorded twice (say on the way out and again on a late error) fails the
 * duplicate checks; a recovery that lost records or refused a torn tail fails the
 * {@code ledger_open} checks or the restart; a balance not rebuilt from the ledger at a restart,
 * or moved without a record, fails the balance check.
 */
@Timeout(120)
class LedgerCrashTest {
    static final int CLIENTS = 16;
    /**
     * Clients that send only echo-slow streams (half a second each), so that every kill lands in
     * the middle of some; the others alternate at random between fast answers and fast streams,
     * as many as the gateway serves, so that many requests are near their end when it dies.
     */
    static final int SLOW_CLIENTS = 4;
    static final int ROUNDS = 5;
    static final int MIN_KILL_MS = 300;
    static final int MAX_KILL_MS = 1500;
    /** Requests sent to the last gateway, one after the other, which must all complete. */
    static final int FINAL_REQUESTS = 6;
    /** Six words: ten chunks of echo-slow, 50 ms apart, so a kill often lands mid-stream. */
    static final String SLOW_TEXT = "one two three four five six";

    static final String CONFIG = """
            {"server": {"access_log": false},
             "keys": [{"name": "t", "key": "%s"}],
             "providers": {"echo": {"kind": "echo"}},
             "models": [{"id": "echo", "provider": "echo", "pricing": {"prompt": "0.001", "completion": "0.001"}},
                        {"id": "echo-slow", "provider": "echo", "upstream": "echo-slow",
                         "pricing": {"prompt": "0.001", "completion": "0.001"}}]}
            """.formatted(CLIENT_KEY);
    /** The managed key the clients use: a balance that the load cannot exhaust; a credit per token. */
    static final long STARTING_CREDITS = 100_000_000L;
    static final List<String> JVM = List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    @TempDir Path dir;

    enum Kind {
        PLAIN("echo", false), STREAM("echo", true), SLOW_STREAM("echo-slow", true);

        final String model;
        final boolean stream;

        Kind(String model, boolean stream) {
            this.model = model;
            this.stream = stream;
        }
    }

    /**
     * What the client saw of one request.
     *
     * @param completed   a 200 with the whole JSON body, or a stream that ended with [DONE]
     * @param executionId from the answer (a stream's first chunk), or null when none arrived
     * @param promptTokens     prompt tokens the client was told (when completed), else -1
     * @param completionTokens completion tokens the client was told (when completed), else -1
     * @param failure     why it did not complete, or null
     */
    record Seen(String requestId, int round, Kind kind, boolean completed, String executionId, long promptTokens,
                long completionTokens, String failure) {}

    /** One start of the gateway: what its ledger_open line said. */
    record Opened(long records, long cutBytes) {}

    /** Client-side observations that are bugs whatever the kill did (e.g. a 200 body that is not JSON). */
    final ConcurrentLinkedQueue<String> anomalies = new ConcurrentLinkedQueue<>();
    /** The managed key's Authorization header. */
    volatile String auth;
    /** The balance in the last non-streamed answer received. */
    volatile long lastBalance = -1;

    @Test
    void everyCompletedRequest_hasExactlyOneRecord_whateverMomentTheGatewayIsKilled() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        long t0 = System.nanoTime();
        List<Seen> seen = new ArrayList<>();
        List<Opened> opened = new ArrayList<>();
        List<Integer> killAfter = new ArrayList<>();

        KeyAdmin.Created key = new KeyAdmin(new KeyStore(dir.resolve("data")), tollgate.call.Clock.SYSTEM)
                .create(Map.of("name", "crash", "credits", STARTING_CREDITS));
        auth = "Bearer " + key.secret();
        GatewayProcess gw = GatewayProcess.start(dir, CONFIG, JVM, Map.of());
        HttpClient last = null;
        long balanceSeen;
        try {
            opened.add(checkStart(gw, 0));
            for (int round = 1; round <= ROUNDS; round++) {
                int ms = MIN_KILL_MS + random.nextInt(MAX_KILL_MS - MIN_KILL_MS + 1);
                killAfter.add(ms);
                List<Seen> r = loadAndKill(gw, round, ms);
                seen.addAll(r);
                gw = GatewayProcess.start(dir, CONFIG, JVM, Map.of()); // same data dir, port 0: a new port
                opened.add(checkStart(gw, round));
            }
            // The last gateway serves: these must all complete (and be recorded).
            last = client();
            for (int i = 0; i < FINAL_REQUESTS; i++) {
                Kind kind = Kind.values()[i % Kind.values().length];
                Seen s = send(last, gw.port(), requestId(ROUNDS + 1, 0, i), ROUNDS + 1, kind);
                assertTrue(s.completed(), "after the last restart: " + s + "\n" + gw.describe());
                seen.add(s);
            }
            Seen s = send(last, gw.port(), requestId(ROUNDS + 1, 0, FINAL_REQUESTS), ROUNDS + 1, Kind.PLAIN);
            assertTrue(s.completed(), s.toString());
            seen.add(s);
            balanceSeen = lastBalance; // after every record, this request's included
        } finally {
            // SIGTERM: the graceful drain. Before the client closes its connections, as
            // GatewayHarness does: the JDK server can wait out its whole stop time otherwise.
            gw.close();
            if (last != null) last.shutdownNow();
        }
        assertTrue(gw.describe().startsWith("exited 143"), "not stopped by the SIGTERM alone: " + gw.describe());
        assertNoErrorsLogged(gw, ROUNDS);

        // ------------------------------------------------------------------ the journal
        List<UsageRecord> records = new ArrayList<>();
        Ledger.readAll(dir.resolve("data"), p -> records.add(UsageRecord.fromJson(p))); // every segment, oldest first
        assertEquals(List.of(), List.copyOf(anomalies), "what the clients saw");

        Map<String, Seen> byRequestId = new HashMap<>();
        for (Seen s : seen) assertEquals(null, byRequestId.put(s.requestId(), s), "request id sent twice: " + s.requestId());

        Map<String, UsageRecord> recordByExecution = new HashMap<>();
        Map<String, UsageRecord> recordByRequest = new HashMap<>();
        int lastRound = 0;
        int maxPayload = 0;
        for (UsageRecord r : records) {
            UsageRecord dup = recordByExecution.put(r.executionId(), r);
            assertEquals(null, dup, "execution_id " + r.executionId() + " recorded twice:\n" + dup + "\n" + r);
            dup = recordByRequest.put(r.requestId(), r);
            assertEquals(null, dup, "request " + r.requestId() + " recorded twice:\n" + dup + "\n" + r);
            Seen s = byRequestId.get(r.requestId());
            assertNotNull(s, "a record of a request that was never sent: " + r);
            assertTrue(s.round() >= lastRound, "a record of round " + s.round() + " after one of round " + lastRound + ": " + r);
            lastRound = s.round();
            assertEquals(s.kind().model, r.model(), r.toString());
            assertEquals(s.kind().stream, r.stream(), r.toString());
            assertEquals(key.key().id(), r.key(), r.toString());
            if (s.executionId() != null) assertEquals(s.executionId(), r.executionId(), "the execution id the client was given: " + r);
            maxPayload = Math.max(maxPayload, r.toJson().length);
        }

        int completed = 0, completedStreams = 0, cutMidStream = 0, recordedNotCompleted = 0;
        List<Seen> unrecorded = seen.stream().filter(s -> s.completed() && !recordByRequest.containsKey(s.requestId())).toList();
        assertEquals(List.of(), unrecorded, unrecorded.size() + " requests completed for the client but not in the ledger");
        for (Seen s : seen) {
            UsageRecord r = recordByRequest.get(s.requestId());
            if (s.completed()) {
                completed++;
                if (s.kind().stream) completedStreams++;
                assertEquals(r, recordByExecution.get(s.executionId()), "the record of execution " + s.executionId());
                assertEquals(200, r.status(), r.toString());
                assertEquals(s.kind().model, r.deployment().substring("echo/".length()), r.toString());
                assertEquals(s.promptTokens(), r.promptTokens(), "prompt tokens of " + r);
                assertEquals(s.completionTokens(), r.completionTokens(), "completion tokens of " + r);
                assertEquals(s.promptTokens() + s.completionTokens(), r.credits(), "a credit per token: " + r);
            } else {
                if (r != null) recordedNotCompleted++;
                if (s.kind().stream && s.executionId() != null) cutMidStream++;
            }
        }
        assertTrue(cutMidStream > 0, "no kill landed in the middle of a stream");

        // Every restart: exactly the records of the rounds before it; at most a torn tail cut.
        for (int k = 0; k < opened.size(); k++) {
            int before = k;
            long expected = records.stream().filter(r -> byRequestId.get(r.requestId()).round() <= before).count();
            assertEquals(expected, opened.get(k).records(), "ledger_open records at start " + k + " (after round " + k + ")");
            long torn = opened.get(k).cutBytes();
            // A torn tail is the last write(2): each client has at most one record in flight.
            long oneBatch = (long) CLIENTS * (Journal.RECORD_HEADER_BYTES + maxPayload + 32);
            assertTrue(torn >= 0 && torn < oneBatch, "start " + k + " cut " + torn + " bytes, more than a batch of " + oneBatch);
        }
        assertEquals(opened.get(ROUNDS).records() + FINAL_REQUESTS + 1, records.size(), "records after the last start");

        // Balances: every restart rebuilt the key's from the ledger, so the balance the last answer
        // showed is the starting credits minus the credits of every record, cut streams included.
        long charged = records.stream().mapToLong(UsageRecord::credits).sum();
        assertTrue(charged > 0, "nothing was charged");
        assertEquals(STARTING_CREDITS - charged, balanceSeen, "the balance after " + records.size() + " records");
        assertEquals(charged, Ledger.spentByKey(dir.resolve("data")).get(key.key().id()), "spent, from the snapshot of the clean stop");

        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("ledger-crash: rounds=" + ROUNDS + " kill_after_ms=" + killAfter + " requests=" + seen.size()
                + " completed=" + completed + " (streams " + completedStreams + ") cut_mid_stream=" + cutMidStream
                + " records=" + records.size() + " recorded_not_completed=" + recordedNotCompleted
                + " ledger_open_records=" + opened.stream().map(Opened::records).toList()
                + " cut_bytes_per_restart=" + opened.subList(1, opened.size()).stream().map(Opened::cutBytes).toList()
                + " seed=" + seed + " took_ms=" + ms);
    }

    // ------------------------------------------------------------------ one round

    /** Runs CLIENTS clients against {@code gw}, SIGKILLs it after {@code killAfterMs}, returns what they saw. */
    private List<Seen> loadAndKill(GatewayProcess gw, int round, int killAfterMs) throws Exception {
        ProcessHandle process = handleOf(gw);
        AtomicBoolean stop = new AtomicBoolean();
        ConcurrentLinkedQueue<Seen> out = new ConcurrentLinkedQueue<>();
        HttpClient http = client();
        // Counted down by the first completed answer and the first completed stream.
        CountDownLatch flowing = new CountDownLatch(2);
        AtomicBoolean answered = new AtomicBoolean(), streamed = new AtomicBoolean();
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            int client = c;
            clients.add(Thread.ofVirtual().name("crash-client-" + c).start(() -> {
                for (int n = 0; !stop.get(); n++) {
                    Kind kind = client < SLOW_CLIENTS ? Kind.SLOW_STREAM : ThreadLocalRandom.current().nextBoolean() ? Kind.PLAIN : Kind.STREAM;
                    Seen s = send(http, gw.port(), requestId(round, client, n), round, kind);
                    out.add(s);
                    if (s.completed() && !(s.kind().stream ? streamed : answered).getAndSet(true)) flowing.countDown();
                }
            }));
        }
        boolean alive;
        try {
            // The random moment is counted from when both kinds complete: a cold JVM's first
            // requests take a while, and a round in which nothing completed would prove nothing.
            assertTrue(flowing.await(20, TimeUnit.SECONDS), "round " + round + ": no answer or no stream completed; " + gw.describe());
            Thread.sleep(killAfterMs);
        } finally {
            alive = gw.alive();
            process.destroyForcibly(); // kill -9: no shutdown hook, no drain, no flush
            process.onExit().get(10, TimeUnit.SECONDS);
            stop.set(true);
            for (Thread t : clients) t.join(Duration.ofSeconds(20));
            http.shutdownNow();
        }
        assertTrue(alive, "the gateway died under load: " + gw.describe());
        for (Thread t : clients) assertFalse(t.isAlive(), "a client hangs after the kill: " + t);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (gw.alive() && System.nanoTime() < deadline) Thread.sleep(10);
        assertTrue(gw.describe().startsWith("exited 137"), "not ended by the SIGKILL: " + gw.describe());
        assertNoErrorsLogged(gw, round - 1);
        return List.copyOf(out);
    }

    /** Fixed width, unique per request: the round is read back from the records. */
    private static String requestId(int round, int client, int n) {
        return "lc-r%d-c%02d-%07d".formatted(round, client, n);
    }

    private static HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
    }

    /** The process behind {@code gw}: the one child of this JVM whose command line names our config. */
    private ProcessHandle handleOf(GatewayProcess gw) {
        String config = dir.resolve("gateway.json").toString();
        List<ProcessHandle> found = ProcessHandle.current().children().filter(ProcessHandle::isAlive)
                .filter(h -> h.info().arguments().map(a -> Arrays.asList(a).contains(config)).orElse(false)).toList();
        assertEquals(1, found.size(), "gateway processes with " + config + ": " + found + "; " + gw.describe());
        return found.get(0);
    }

    // ------------------------------------------------------------------ one request

    private Seen send(HttpClient http, int port, String rid, int round, Kind kind) {
        String text = kind == Kind.SLOW_STREAM ? SLOW_TEXT : "hello " + rid;
        String body = "{\"model\":\"" + kind.model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]"
                + (kind.stream ? ",\"stream\":true,\"stream_options\":{\"include_usage\":true}" : "") + "}";
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(10))
                .header("Authorization", auth)
                .header("Content-Type", "application/json")
                .header("x-request-id", rid)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        try {
            return kind.stream ? stream(http, request, rid, round, kind) : plain(http, request, rid, round, kind);
        } catch (IOException e) {
            return new Seen(rid, round, kind, false, null, -1, -1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Seen(rid, round, kind, false, null, -1, -1, e.toString());
        }
    }

    private Seen plain(HttpClient http, HttpRequest request, String rid, int round, Kind kind)
            throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) return new Seen(rid, round, kind, false, null, -1, -1, "status " + r.statusCode());
        // The client has the whole body (Content-Length or the last chunk arrived): it must be the answer.
        try {
            Map<String, Object> answer = obj(r.body());
            Map<String, Object> ext = obj(answer.get("tollgate"));
            Map<String, Object> usage = obj(answer.get("usage"));
            String executionId = (String) ext.get("execution_id");
            if (ext.get("balance") instanceof JsonNumber b) lastBalance = b.longValue();
            if (!rid.equals(ext.get("request_id")) || executionId == null) anomalies.add(rid + ": extension " + ext);
            return new Seen(rid, round, kind, true, executionId, num(usage, "prompt_tokens"), num(usage, "completion_tokens"), null);
        } catch (RuntimeException | AssertionError e) {
            anomalies.add(rid + ": a 200 whose body is not a whole answer: " + e + " " + r.body());
            return new Seen(rid, round, kind, false, null, -1, -1, e.toString());
        }
    }

    private Seen stream(HttpClient http, HttpRequest request, String rid, int round, Kind kind)
            throws IOException, InterruptedException {
        HttpResponse<InputStream> r = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        String executionId = null;
        long prompt = -1, completion = -1;
        boolean done = false, malformed = false, error = false;
        String failure = null;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), UTF_8))) {
            if (r.statusCode() != 200) return new Seen(rid, round, kind, false, null, -1, -1, "status " + r.statusCode());
            String line;
            while ((line = in.readLine()) != null) {
                if (!line.startsWith("data: ")) continue;
                String data = line.substring("data: ".length());
                if (done) anomalies.add(rid + ": an event after [DONE]: " + data);
                if (data.equals("[DONE]")) {
                    done = true;
                    continue;
                }
                Map<String, Object> chunk;
                try {
                    chunk = obj(data);
                } catch (RuntimeException | AssertionError e) {
                    malformed = true; // a line cut by the kill; the stream cannot have completed
                    continue;
                }
                if (chunk.containsKey("error")) error = true;
                if (executionId == null && chunk.get("tollgate") instanceof Map<?, ?> ext) {
                    executionId = (String) ext.get("execution_id");
                    if (!rid.equals(ext.get("request_id"))) anomalies.add(rid + ": extension " + ext);
                }
                if (chunk.get("usage") instanceof Map<?, ?> u) {
                    prompt = num(obj(u), "prompt_tokens");
                    completion = num(obj(u), "completion_tokens");
                }
            }
        } catch (IOException e) {
            failure = e.toString(); // the kill; after [DONE] it does not matter: the client saw the end
        }
        if (done) {
            if (malformed || error || executionId == null || prompt < 0) {
                anomalies.add(rid + ": a stream ended with [DONE] after malformed=" + malformed + " error=" + error
                        + " execution_id=" + executionId + " prompt_tokens=" + prompt);
                return new Seen(rid, round, kind, false, executionId, -1, -1, "anomalous");
            }
            return new Seen(rid, round, kind, true, executionId, prompt, completion, null);
        }
        return new Seen(rid, round, kind, false, executionId, -1, -1, failure != null ? failure : "ended without [DONE]");
    }

    private static long num(Map<String, Object> m, String key) {
        return m.get(key) instanceof JsonNumber n ? n.longValue() : -1;
    }

    // ------------------------------------------------------------------ the gateway's log

    /** The start's ledger_open line, checked against its journal_tail_cut line (start {@code k}: after round k). */
    private static Opened checkStart(GatewayProcess gw, int k) {
        List<Map<String, Object>> lines = events(gw);
        Map<String, Object> open = null, cut = null;
        for (Map<String, Object> l : lines) {
            if ("ledger_open".equals(l.get("event"))) {
                assertEquals(null, open, "two ledger_open lines at start " + k);
                open = l;
            }
            if ("journal_tail_cut".equals(l.get("event"))) cut = l;
            assertFalse("ledger_unreadable_records".equals(l.get("event")), "start " + k + ": " + l);
        }
        assertNotNull(open, "no ledger_open line at start " + k + ": " + gw.stdout());
        long records = num(open, "records");
        long cutBytes = num(open, "cut_bytes");
        assertTrue(records >= 0 && cutBytes >= 0, open.toString());
        if (k == 0) assertEquals(new Opened(0, 0), new Opened(records, cutBytes), "a new data directory");
        if (cutBytes > 0) {
            assertNotNull(cut, "start " + k + " cut " + cutBytes + " bytes without a journal_tail_cut line");
            assertEquals(cutBytes, num(cut, "bytes"), cut.toString());
        } else {
            assertEquals(null, cut, "start " + k + ": journal_tail_cut but ledger_open says 0 bytes cut");
        }
        assertTrue(gw.alive(), gw.describe());
        return new Opened(records, cutBytes);
    }

    private static void assertNoErrorsLogged(GatewayProcess gw, int k) {
        for (Map<String, Object> l : events(gw)) {
            if ("error".equals(l.get("level"))) fail("start " + k + " logged an error: " + l);
        }
    }

    /** The JSON lines of the gateway's stdout; the last may be cut by the SIGKILL, and is then skipped. */
    private static List<Map<String, Object>> events(GatewayProcess gw) {
        List<Map<String, Object>> out = new ArrayList<>();
        List<String> lines = gw.stdout();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (i == lines.size() - 1 && !gw.alive() && !line.endsWith("}")) break;
            if (line.startsWith("{")) out.add(obj(line));
        }
        return out;
    }
}
