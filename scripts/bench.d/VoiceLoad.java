// Load generator for scripts/bench's voice part (not part of Tollgate): realtime voice sessions at
// real-time rate over WebSocket, each measuring the round trip of its own audio frames. Run with
// the source launcher:
//
//   java VoiceLoad.java --path NAME=WS_URL [--path ...] [options]
//
//   --path NAME=WS_URL     ws://127.0.0.1:PORT/v1/realtime?model=M (the gateway, the fake upstream of
//                          VoiceUpstream.java, or its floor relay); with several, they are measured
//                          interleaved (below)
//   --key NAME=K           Authorization: Bearer K on that path's handshakes
//   --steps N[,N...]       sessions to hold at each step (default 100; one path only); stepping stops
//                          at the first step that fails (a refused handshake, a session closed, an
//                          error event, the watched process gone or out of memory, or more than
//                          --max-late-pct late frames)
//   --seconds S            measured window of each step, per path (10)
//   --slot S               several paths: the window is cut into slots of S seconds (2), the paths
//                          taking turns (only one sends at a time; the others' sessions stay open,
//                          idle), so that all see the same machine: a fair comparison on a busy host
//   --warmup S             before the first window: rounds (each path S seconds in turn) until the JIT
//   --warmup-rounds R      compiler threads of every watched process and of this one used under 2 %
//                          of the round, at most R rounds (0: no warm-up)
//   --settle S             traffic before each window or slot (2; 0.5 between slots)
//   --connect-parallel P   handshakes in flight at once while ramping (32)
//   --watch NAME=PID       report this process's CPU % (utime+stime, /proc/PID/stat) over each
//                          window; the first one named is "the process in the middle": its RSS is
//                          reported, its life and --log files checked for OutOfMemoryError
//   --clk-tck T            clock ticks per second (getconf CLK_TCK; 100)
//   --jcmd PATH            after each window: jcmd PID GC.run, then GC.heap_info of the first
//                          watched process: the Java heap in use after a full GC (and once idle)
//   --histo PREFIX         with --jcmd: the top of GC.class_histogram after each step, PREFIX-<step>.txt
//   --log FILE             a log of the watched process (repeatable)
//   --max-late-pct X       a step with more late frames fails (1)
//
// Each session (its own TCP connection, a minimal RFC 6455 client written here: masked frames
// out, unmasked frames in, text messages) sends session.update, waits for session.updated, then
// sends {"type":"input_audio_buffer.append","event_id":"evt_b<10-digit seq>","audio":"<1,280
// base64 chars: 960 bytes, 20 ms of 24 kHz PCM16>"} every 20 ms on its own schedule (sessions'
// phases spread over the 20 ms). The fake upstream answers each append at once with an audio
// delta of the same size carrying that event_id last; the session's reader computes the round
// trip (System.nanoTime at the read - at the write, one clock on one machine). A frame is late
// when its delta arrives more than 100 ms after the frame's scheduled send time (so a sender held
// back by backpressure counts as late too); late share = 1 - frames on time / frames scheduled
// in the window. One virtual thread per session per direction; a session's latencies go to its
// own bucket array (log-linear, 32 buckets per power of two: values within ±1.6 %).
//
// Prints one line per path and step: "VOICE label=NAME step=N key=value ..." (see result()).
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

public class VoiceLoad {
    /**
     * One audio frame per 20 ms per direction (issue 11: 24 kHz PCM16 in 20 ms frames); another
     * period with -Dvoice.period.ms (what many sessions hold when the machine cannot carry their
     * full rate: the frames stay 20 ms of audio, sent less often).
     */
    static final long PERIOD_NS = Long.getLong("voice.period.ms", 20) * 1_000_000L;
    /** A frame answered later than this after its scheduled send time is late. */
    static final long LATE_NS = 100_000_000L;
    /** 20 ms of 24 kHz mono PCM16, in bytes. */
    static final int AUDIO_BYTES = 960;
    /** Send times kept per session (20 s of frames; an answer to an older frame is late anyway). */
    static final int RING = 1024;
    /** Longest server message we accept, in bytes. */
    static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
    static final int READ_BUFFER_BYTES = 8 * 1024;
    static final int HANDSHAKE_TIMEOUT_MS = 15_000;
    /** Wait for session.updated after the handshake. */
    static final long READY_TIMEOUT_MS = 15_000;
    static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"; // RFC 6455 §1.3
    static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    static final byte[] DELTA = ascii("{\"type\":\"response.output_audio.delta\"");
    static final byte[] EVENT_ID = ascii("\"event_id\":\"evt_b");
    static final byte[] UPDATED = ascii("\"type\":\"session.updated\"");
    static final byte[] ERROR = ascii("\"type\":\"error\"");

    static volatile boolean running = true;
    static final Map<String, String> examples = new ConcurrentHashMap<>();

    // options
    static int seconds, warmup, warmupRounds, parallel;
    static double slot, settle, maxLate;
    static long clk;
    static String jcmd, histo;
    static final Map<String, Long> watch = new LinkedHashMap<>();
    static long mid;
    static List<Path> logs;

    public static void main(String[] args) throws Exception {
        Map<String, List<String>> o = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) o.computeIfAbsent(args[i], k -> new ArrayList<>()).add(args[i + 1]);
        Map<String, String> keys = pairs(o.getOrDefault("--key", List.of()));
        List<Group> groups = new ArrayList<>();
        pairs(o.getOrDefault("--path", List.of())).forEach((name, u) -> groups.add(new Group(name, URI.create(u), keys.get(name))));
        for (Group g : groups) {
            if (!"ws".equals(g.url.getScheme()) || g.url.getHost() == null || g.url.getPort() <= 0) {
                System.err.println("VoiceLoad: expected --path NAME=ws://HOST:PORT/PATH[?QUERY], got " + g.url);
                System.exit(2);
            }
        }
        if (groups.isEmpty()) throw new IllegalArgumentException("no --path");
        int[] steps = java.util.Arrays.stream(one(o, "--steps", "100").split(",")).mapToInt(Integer::parseInt).toArray();
        seconds = Integer.parseInt(one(o, "--seconds", "10"));
        slot = Double.parseDouble(one(o, "--slot", "2"));
        warmup = Integer.parseInt(one(o, "--warmup", "0"));
        warmupRounds = Integer.parseInt(one(o, "--warmup-rounds", "8"));
        settle = Double.parseDouble(one(o, "--settle", groups.size() > 1 ? "0.5" : "2"));
        parallel = Integer.parseInt(one(o, "--connect-parallel", "32"));
        clk = Long.parseLong(one(o, "--clk-tck", "100"));
        jcmd = one(o, "--jcmd", null);
        histo = one(o, "--histo", null);
        maxLate = Double.parseDouble(one(o, "--max-late-pct", "1"));
        pairs(o.getOrDefault("--watch", List.of())).forEach((n, pid) -> watch.put(n, Long.parseLong(pid)));
        watch.put("self", ProcessHandle.current().pid());
        mid = watch.values().iterator().next();
        logs = o.getOrDefault("--log", List.of()).stream().map(Path::of).toList();

        long idleHeap = jcmd != null && mid != ProcessHandle.current().pid() ? Procs.heapKb(jcmd, mid) : -1;
        if (groups.size() == 1) {
            Group g = groups.get(0);
            for (int step : steps) {
                g.failures.clear();
                long c0 = System.nanoTime();
                connect(g, step);
                g.connectSeconds = (System.nanoTime() - c0) / 1e9;
                if (step == steps[0]) warmUp(groups);
                g.reset();
                measure(g, settle, seconds);
                if (!result(g, step, idleHeap, true)) break;
            }
        } else {
            for (Group g : groups) {
                long c0 = System.nanoTime();
                connect(g, steps[0]);
                g.connectSeconds = (System.nanoTime() - c0) / 1e9;
                g.pause();
            }
            warmUp(groups);
            for (Group g : groups) g.reset();
            int slots = Math.max(1, (int) Math.round(seconds / slot));
            for (int i = 0; i < slots; i++) {
                // the order turns every slot, so that no path always follows the same one
                for (int j = 0; j < groups.size(); j++) measure(groups.get((i + j) % groups.size()), settle, seconds / (double) slots);
            }
            for (Group g : groups) result(g, steps[0], idleHeap, false);
        }
        running = false;
        // Closes in parallel, bounded: a session whose peer stopped reading must not hold up the rest.
        List<Thread> closers = new ArrayList<>();
        for (Group g : groups) {
            g.activate();
            for (Session s : g.sessions) closers.add(Thread.ofVirtual().start(s::close));
        }
        long deadline = System.nanoTime() + 3_000_000_000L;
        for (Thread t : closers) t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        System.exit(0);
    }

    /** Warm-up rounds: each group sends for --warmup seconds in turn, until the JIT threads are quiet. */
    static void warmUp(List<Group> groups) throws InterruptedException {
        if (warmup <= 0) return;
        Group first = groups.get(0);
        first.settled = "no";
        for (int r = 1; r <= warmupRounds; r++) {
            Map<String, Long> j0 = Procs.jitTicks(watch);
            for (Group g : groups) {
                g.activate();
                sleep(warmup * 1000L);
                if (groups.size() > 1) g.pause();
            }
            Map<String, Long> j1 = Procs.jitTicks(watch);
            long roundSeconds = (long) warmup * groups.size();
            for (Group g : groups) g.warmed += warmup;
            boolean quiet = true;
            for (String n : j0.keySet()) quiet &= (j1.get(n) - j0.get(n)) * 50 < roundSeconds * clk;
            if (quiet) {
                for (Group g : groups) g.settled = "yes";
                return;
            }
        }
        for (Group g : groups) g.settled = "no";
    }

    /**
     * One measured window of group g: it sends (the others idle), the window opens after the
     * settle time; frames scheduled in it are recorded, their answers waited for up to 100 ms +
     * a margin after it closes. Counts, CPU and frames expected add up over a group's windows.
     */
    static void measure(Group g, double settleSeconds, double windowSeconds) throws InterruptedException {
        g.activate();
        long ws = System.nanoTime() + (long) (settleSeconds * 1e9);
        long we = ws + (long) (windowSeconds * 1e9);
        g.windowEnd = we;
        g.windowStart = ws;
        sleepUntil(ws);
        Map<String, Long> cpu0 = Procs.cpuTicks(watch);
        long sent0 = 0, recv0 = 0;
        for (Session s : g.sessions) {
            sent0 += s.sent;
            recv0 += s.received;
        }
        long t0 = System.nanoTime();
        sleepUntil(we);
        Map<String, Long> cpu1 = Procs.cpuTicks(watch);
        long sent1 = 0, recv1 = 0;
        for (Session s : g.sessions) {
            sent1 += s.sent;
            recv1 += s.received;
            g.expected += s.expectedIn(ws, we);
        }
        g.spanNanos += System.nanoTime() - t0;
        g.sent += sent1 - sent0;
        g.received += recv1 - recv0;
        cpu1.forEach((n, t) -> g.cpu.merge(n, t - cpu0.get(n), Long::sum));
        g.rss = Procs.statusKb(mid, "VmRSS");
        if (g.interleaved) g.pause();
        sleep(LATE_NS / 1_000_000 + 400); // frames of the window still in flight: late or not, counted now
        g.windowStart = Long.MAX_VALUE;
    }

    /** Prints the group's VOICE line for this step; returns whether the step held. */
    static boolean result(Group g, int step, long idleHeap, boolean memory) throws IOException, InterruptedException {
        long[] hist = new long[Hist.SIZE];
        long max = 0, onTime = 0, closed = 0, keepingUp = 0;
        for (Session s : g.sessions) {
            for (int i = 0; i < Hist.SIZE; i++) hist[i] += s.hist[i];
            max = Math.max(max, s.max);
            onTime += s.onTime;
            // a session keeps up when no more than the step's limit of its frames is late
            if (!s.dead && s.expected > 0 && 100.0 * (s.expected - s.onTime) / s.expected <= maxLate) keepingUp++;
            if (s.dead) closed++;
        }
        boolean alive = Files.exists(Path.of("/proc/" + mid));
        boolean oom = Procs.logsMention(logs, "OutOfMemoryError");
        long heap = memory && jcmd != null && alive && mid != ProcessHandle.current().pid() ? Procs.heapKb(jcmd, mid) : -1;
        if (memory && histo != null && jcmd != null && alive) {
            String h = Procs.run(jcmd, String.valueOf(mid), "GC.class_histogram");
            Files.writeString(Path.of(histo + "-" + step + ".txt"), h.lines().limit(60).collect(java.util.stream.Collectors.joining("\n", "", "\n")));
        }
        double span = g.spanNanos / 1e9;
        double latePct = g.expected == 0 ? 100 : 100.0 * (g.expected - onTime) / g.expected;
        StringBuilder line = new StringBuilder("VOICE label=" + g.name + " step=" + step);
        long up = g.sessions.stream().filter(s -> !s.dead).count();
        kv(line, "sessions_up", up);
        kv(line, "connect_s", String.format("%.1f", g.connectSeconds));
        kv(line, "closed", closed);
        kv(line, "keeping_up", keepingUp);
        kv(line, "window_s", String.format("%.2f", span));
        kv(line, "up_msgs_per_s", Math.round(g.sent / span));
        kv(line, "down_msgs_per_s", Math.round(g.received / span));
        kv(line, "frames_expected", g.expected);
        kv(line, "frames_on_time", onTime);
        kv(line, "late_pct", String.format("%.2f", latePct));
        long count = 0;
        for (long c : hist) count += c;
        kv(line, "rtt_count", count);
        for (double p : new double[] {50, 90, 99}) kv(line, "p" + (int) p + "_us", Hist.percentileUs(hist, p));
        kv(line, "max_us", count == 0 ? -1 : max / 1000);
        for (String n : watch.keySet()) kv(line, "cpu_" + n + "_pct", String.format("%.0f", g.cpu.getOrDefault(n, 0L) * 100.0 / clk / span));
        kv(line, "rss_kb", g.rss);
        kv(line, "heap_kb", heap);
        kv(line, "idle_heap_kb", idleHeap);
        kv(line, "warmed_s", g.warmed);
        kv(line, "jit_settled", g.settled);
        kv(line, "alive", alive ? 1 : 0);
        kv(line, "oom", oom ? 1 : 0);
        kv(line, "error_events", g.errorEvents.get());
        kv(line, "other_events", g.otherEvents.get());
        StringBuilder f = new StringBuilder();
        new TreeMap<>(g.failures).forEach((k, v) -> f.append(f.isEmpty() ? "" : ",").append(k).append(':').append(v));
        kv(line, "failures", f.isEmpty() ? "none" : f);
        boolean held = up == step && closed == 0 && g.failures.isEmpty() && alive && !oom && latePct <= maxLate;
        kv(line, "held", held ? "yes" : "no");
        System.out.println(line);
        examples.forEach((k, v) -> System.out.println("EXAMPLE " + k + ": " + (v.length() > 300 ? v.substring(0, 300) : v)));
        examples.clear();
        System.out.flush();
        return held;
    }

    static Map<String, String> pairs(List<String> items) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String w : items) m.put(w.substring(0, w.indexOf('=')), w.substring(w.indexOf('=') + 1));
        return m;
    }

    /** The sessions of one path; with several paths only the active one sends. */
    static final class Group {
        final String name;
        final URI url;
        final String key;
        final List<Session> sessions = new ArrayList<>();
        final Map<String, AtomicLong> failures = new ConcurrentHashMap<>();
        final AtomicLong errorEvents = new AtomicLong(), otherEvents = new AtomicLong();
        volatile boolean active = true, interleaved;
        volatile CountDownLatch resume = new CountDownLatch(0);
        // the measured window, by scheduled send time; recording is off outside it
        volatile long windowStart = Long.MAX_VALUE, windowEnd = Long.MIN_VALUE;
        // over the group's measured windows (main thread only)
        long expected, sent, received, spanNanos, rss = -1, warmed;
        String settled = "n/a";
        double connectSeconds;
        final Map<String, Long> cpu = new LinkedHashMap<>();

        Group(String name, URI url, String key) {
            this.name = name;
            this.url = url;
            this.key = key;
        }

        void pause() {
            interleaved = true;
            resume = new CountDownLatch(1); // before active = false: a sender that sees it false waits on this one
            active = false;
        }

        void activate() {
            active = true;
            resume.countDown();
        }

        void reset() {
            expected = sent = received = spanNanos = 0;
            cpu.clear();
            for (Session s : sessions) s.resetWindow();
        }

        void fail(String reason, String example) {
            failures.computeIfAbsent(reason, k -> new AtomicLong()).incrementAndGet();
            if (example != null) examples.putIfAbsent(name + " " + reason, example.replaceAll("\\s+", " "));
        }
    }

    static void kv(StringBuilder b, String k, Object v) { b.append(' ').append(k).append('=').append(v); }

    static String one(Map<String, List<String>> o, String k, String dflt) {
        List<String> v = o.get(k);
        return v == null ? dflt : v.get(v.size() - 1);
    }

    /** Opens sessions up to `target`, `parallel` handshakes at a time; returns when each is up or failed. */
    static void connect(Group g, int target) throws InterruptedException {
        Semaphore slots = new Semaphore(parallel);
        List<Thread> threads = new ArrayList<>();
        List<Session> added = new ArrayList<>();
        for (int i = g.sessions.size(); i < target; i++) {
            Session s = new Session(g, i);
            added.add(s);
            slots.acquire();
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    s.open();
                } finally {
                    slots.release();
                }
            }));
        }
        for (Thread t : threads) t.join();
        for (Session s : added) if (s.up) g.sessions.add(s);
    }

    static void sleep(long ms) throws InterruptedException { Thread.sleep(ms); }

    static void sleepUntil(long nanos) throws InterruptedException {
        for (long now; (now = System.nanoTime()) < nanos; ) Thread.sleep(Math.max(1, (nanos - now) / 1_000_000));
    }

    static byte[] ascii(String s) { return s.getBytes(StandardCharsets.US_ASCII); }

    /** One realtime session: its socket, its sender and reader threads, its own figures. */
    static final class Session {
        final Group group;
        final int index;
        Socket socket;
        BufferedInputStream in;
        OutputStream out;
        final ReentrantLock writeLock = new ReentrantLock();
        byte[] template; // the append's payload; the sender patches the sequence digits
        int seqAt;
        byte[] frame;
        final byte[] control = new byte[8 + 125];
        final long[] sentAt = new long[RING], schedAt = new long[RING]; // by sequence number
        volatile long base; // the schedule: frame k of the current run is due at base + k * PERIOD_NS
        volatile boolean up, dead;
        volatile long sent, received;
        // written by the reader thread only; read by main after the window
        final long[] hist = new long[Hist.SIZE];
        long max, onTime, expected; // expected: main thread only
        int rng;
        byte[] msg = new byte[4096];
        int msgLen, opcode;
        final byte[] head = new byte[10];
        final CountDownLatch ready = new CountDownLatch(1);

        Session(Group group, int index) {
            this.group = group;
            this.index = index;
            this.rng = 0x9E3779B9 * (index + 1) | 1;
        }

        void open() {
            URI url = group.url;
            try {
                socket = new Socket();
                socket.setTcpNoDelay(true);
                socket.connect(new InetSocketAddress(url.getHost(), url.getPort()), HANDSHAKE_TIMEOUT_MS);
                socket.setSoTimeout(HANDSHAKE_TIMEOUT_MS);
                in = new BufferedInputStream(socket.getInputStream(), READ_BUFFER_BYTES);
                out = socket.getOutputStream();
                if (!handshake(url, group.key)) {
                    socket.close();
                    return;
                }
                socket.setSoTimeout(0);
                Thread.ofVirtual().start(this::readLoop);
                String update = "{\"type\":\"session.update\",\"session\":{\"type\":\"realtime\",\"output_modalities\":[\"audio\"],"
                        + "\"audio\":{\"input\":{\"format\":{\"type\":\"audio/pcm\",\"rate\":24000},\"turn_detection\":null},"
                        + "\"output\":{\"format\":{\"type\":\"audio/pcm\",\"rate\":24000},\"voice\":\"alloy\"}}}}";
                byte[] u = update.getBytes(StandardCharsets.UTF_8);
                frame = new byte[14 + u.length];
                write(1, u, u.length);
                if (!ready.await(READY_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                    group.fail(dead ? "closed_before_ready" : "no_session_updated", null);
                    socket.close();
                    return;
                }
                template = ascii("{\"type\":\"input_audio_buffer.append\",\"event_id\":\"evt_b0000000000\",\"audio\":\""
                        + Audio.BASE64 + "\"}");
                seqAt = indexOf(template, template.length, EVENT_ID, 0) + EVENT_ID.length;
                frame = new byte[14 + template.length];
                up = true;
                Thread.ofVirtual().start(this::sendLoop);
            } catch (Exception e) {
                group.fail("connect_" + e.getClass().getSimpleName(), e.getMessage());
                close();
            }
        }

        boolean handshake(URI url, String key) throws IOException {
            byte[] nonce = new byte[16];
            new java.util.Random(index * 31L + System.nanoTime()).nextBytes(nonce);
            String k = Base64.getEncoder().encodeToString(nonce);
            String path = url.getRawPath() + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
            out.write(ascii("GET " + path + " HTTP/1.1\r\nHost: " + url.getHost() + ":" + url.getPort()
                    + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + k
                    + "\r\nSec-WebSocket-Version: 13\r\n" + (key == null ? "" : "Authorization: Bearer " + key + "\r\n") + "\r\n"));
            out.flush();
            StringBuilder head = new StringBuilder(256);
            int last4 = 0;
            while (last4 != 0x0d0a0d0a) {
                int b = in.read();
                if (b < 0 || head.length() > 16 * 1024) {
                    group.fail("handshake_eof", head.toString());
                    return false;
                }
                head.append((char) b);
                last4 = (last4 << 8) | b;
            }
            String[] lines = head.toString().split("\r\n");
            String[] status = lines[0].split(" ", 3);
            if (status.length < 2 || !status[1].equals("101")) {
                int length = 0;
                for (String l : lines) {
                    if (l.toLowerCase().startsWith("content-length:")) length = Integer.parseInt(l.substring(15).trim());
                }
                byte[] body = in.readNBytes(Math.min(length, 4096));
                group.fail("refused_" + (status.length > 1 ? status[1] : "?"), new String(body, StandardCharsets.UTF_8));
                return false;
            }
            String accept;
            try {
                accept = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                        .digest((k + GUID).getBytes(StandardCharsets.ISO_8859_1)));
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
            for (String l : lines) {
                int c = l.indexOf(':');
                if (c > 0 && l.substring(0, c).trim().equalsIgnoreCase("sec-websocket-accept") && l.substring(c + 1).trim().equals(accept)) return true;
            }
            group.fail("bad_accept", head.toString());
            return false;
        }

        /** One masked frame (RFC 6455 §5.2, §5.3); the mask is from a per-session xorshift (a load generator, not a browser). */
        void write(int op, byte[] payload, int len) throws IOException {
            writeLock.lock();
            try {
                byte[] f = op >= 8 ? control : frame;
                int h = len < 126 ? 2 : len < 65536 ? 4 : 10;
                f[0] = (byte) (0x80 | op);
                if (h == 2) {
                    f[1] = (byte) (0x80 | len);
                } else if (h == 4) {
                    f[1] = (byte) (0x80 | 126);
                    f[2] = (byte) (len >>> 8);
                    f[3] = (byte) len;
                } else {
                    f[1] = (byte) (0x80 | 127);
                    for (int i = 0; i < 8; i++) f[2 + i] = (byte) ((long) len >>> (56 - 8 * i));
                }
                rng ^= rng << 13;
                rng ^= rng >>> 17;
                rng ^= rng << 5;
                int m = rng;
                f[h] = (byte) (m >>> 24);
                f[h + 1] = (byte) (m >>> 16);
                f[h + 2] = (byte) (m >>> 8);
                f[h + 3] = (byte) m;
                for (int i = 0; i < len; i++) f[h + 4 + i] = (byte) (payload[i] ^ f[h + (i & 3)]);
                out.write(f, 0, h + 4 + len);
            } finally {
                writeLock.unlock();
            }
        }

        void sendLoop() {
            try {
                long k = 0;
                for (long seq = 1; running && !dead; ) {
                    if (!group.active) {
                        group.resume.await();
                        k = -1;
                        continue;
                    }
                    if (k < 0 || seq == 1 && k == 0) {
                        // (re)starts on a common 20 ms grid, the phases spread (golden-ratio steps)
                        base = (System.nanoTime() / PERIOD_NS + 2) * PERIOD_NS + (long) (((index * 0.6180339887) % 1.0) * PERIOD_NS);
                        k = 0;
                    }
                    long sched = base + k * PERIOD_NS;
                    for (long now; (now = System.nanoTime()) < sched; ) LockSupport.parkNanos(sched - now);
                    if (!group.active) continue; // paused while waiting: restarts on the grid when resumed
                    k++;
                    long v = seq;
                    for (int i = seqAt + 9; i >= seqAt; i--, v /= 10) template[i] = (byte) ('0' + v % 10);
                    LONGS.setRelease(schedAt, (int) (seq % RING), sched);
                    LONGS.setRelease(sentAt, (int) (seq % RING), System.nanoTime());
                    write(1, template, template.length);
                    sent = sent + 1; // one writer: a plain increment of a volatile is exact
                    seq++;
                }
            } catch (Exception e) { // not IOException: see readLoop
                if (running) died("send_" + e.getClass().getSimpleName(), e.getMessage());
            }
        }

        void readLoop() {
            try {
                while (readFrame()) {
                    // one frame at a time
                }
            } catch (Exception e) {
                // Exception, not IOException: on Temurin 25.0.3, C2's on-stack-replaced loop let a
                // SocketException (a socket closed by another virtual thread) pass a catch of
                // IOException on a virtual thread; a catch of Exception holds
                if (running) died("read_" + e.getClass().getSimpleName(), e.getMessage());
            }
        }

        /** Reads one frame (RFC 6455 §5.2), handling it; false once the session has ended. */
        boolean readFrame() throws IOException {
            byte[] head = this.head;
            if (in.readNBytes(head, 0, 2) < 2) return died("eof", null);
            boolean fin = (head[0] & 0x80) != 0;
            int op = head[0] & 0x0f;
            // a server never masks (§5.1), and no extension was agreed (§5.2: RSV bits 0)
            if ((head[1] & 0x80) != 0 || (head[0] & 0x70) != 0) return died("bad_server_frame", null);
            long len = head[1] & 0x7f;
            if (len == 126) {
                if (in.readNBytes(head, 2, 2) < 2) return died("eof", null);
                len = ((head[2] & 0xff) << 8) | (head[3] & 0xff);
            } else if (len == 127) {
                if (in.readNBytes(head, 2, 8) < 8) return died("eof", null);
                len = 0;
                for (int i = 2; i < 10; i++) len = (len << 8) | (head[i] & 0xff);
            }
            if (op >= 8) {
                byte[] p = in.readNBytes((int) Math.min(len, 125));
                if (op == 8) {
                    int code = p.length >= 2 ? ((p[0] & 0xff) << 8) | (p[1] & 0xff) : 1005;
                    if (running) {
                        died("closed_" + code, new String(p, Math.min(2, p.length), Math.max(0, p.length - 2), StandardCharsets.UTF_8));
                        try {
                            write(8, p, Math.min(2, p.length)); // the close handshake's answer (§5.5.1)
                        } catch (IOException e) {
                            // gone already
                        }
                    }
                    socket.close();
                    return false;
                }
                if (op == 9) write(10, p, p.length);
                return true;
            }
            if (op != 0) opcode = op;
            if (msgLen + len > MAX_MESSAGE_BYTES) return died("message_too_big", null);
            if (msg.length < msgLen + len) msg = java.util.Arrays.copyOf(msg, (int) Math.max(msgLen + len, 2L * msg.length));
            if (in.readNBytes(msg, msgLen, (int) len) < len) return died("eof", null);
            msgLen += (int) len;
            if (fin) {
                if (opcode == 1) onText(msg, msgLen);
                msgLen = 0;
            }
            return true;
        }

        void onText(byte[] m, int n) {
            long now = System.nanoTime();
            if (startsWith(m, n, DELTA)) {
                int at = lastIndexOf(m, n, EVENT_ID);
                if (at >= 0) {
                    long seq = 0;
                    for (int i = at + EVENT_ID.length; i < n && m[i] >= '0' && m[i] <= '9'; i++) seq = seq * 10 + (m[i] - '0');
                    received = received + 1;
                    long sched = (long) LONGS.getAcquire(schedAt, (int) (seq % RING));
                    if (sched >= group.windowStart && sched < group.windowEnd && sched <= now) {
                        long rtt = now - (long) LONGS.getAcquire(sentAt, (int) (seq % RING));
                        if (now - sched <= LATE_NS) onTime++;
                        // an answer older than the ring of send times is late, its send time overwritten
                        if (now - sched < RING * PERIOD_NS) {
                            hist[Hist.index(rtt)]++;
                            if (rtt > max) max = rtt;
                        }
                    }
                    return;
                }
            }
            if (ready.getCount() > 0 && indexOf(m, n, UPDATED, 0) >= 0) {
                ready.countDown();
            } else if (indexOf(m, n, ERROR, 0) >= 0) {
                group.errorEvents.incrementAndGet();
                group.fail("error_event", new String(m, 0, Math.min(n, 400), StandardCharsets.UTF_8));
            } else {
                group.otherEvents.incrementAndGet();
            }
        }

        void resetWindow() {
            java.util.Arrays.fill(hist, 0);
            max = 0;
            onTime = 0;
            expected = 0;
        }

        /** Adds the frames this session was to send with a scheduled time in [from, to) to its count; returns them. */
        long expectedIn(long from, long to) {
            long b = base;
            if (!up || b == 0) return 0;
            long n = Math.max(0, Math.ceilDiv(to - b, PERIOD_NS)) - Math.max(0, Math.ceilDiv(from - b, PERIOD_NS));
            expected += Math.max(0, n);
            return Math.max(0, n);
        }

        /** Marks the session ended (once) and counts why; returns false, for readFrame. */
        boolean died(String reason, String example) {
            if (dead) return false;
            dead = true;
            ready.countDown();
            group.fail(reason, example);
            return false;
        }

        /** Sends close 1000 unless the session is dead or its writer is stuck (RFC 6455 §7.1.2), then drops TCP. */
        void close() {
            Socket s = socket;
            if (s == null) return;
            try {
                if (!dead && writeLock.tryLock(100, TimeUnit.MILLISECONDS)) {
                    try {
                        write(8, new byte[] {0x03, (byte) 0xe8}, 2); // 1000, written under the held (reentrant) lock
                    } finally {
                        writeLock.unlock();
                    }
                }
            } catch (IOException | InterruptedException e) {
                // closing anyway
            }
            try {
                s.close();
            } catch (IOException e) {
                // nothing to do
            }
        }
    }

    /** Log-linear latency buckets in ns: exact below 64, then 32 buckets per power of two up to 2^36 ns. */
    static final class Hist {
        static final int SUB = 32, MAX_EXP = 35, SIZE = 64 + (MAX_EXP - 5) * SUB;

        static int index(long v) {
            if (v < 64) return (int) Math.max(0, v);
            int e = 63 - Long.numberOfLeadingZeros(v);
            if (e > MAX_EXP) return SIZE - 1;
            return 64 + (e - 6) * SUB + (int) ((v >>> (e - 5)) & (SUB - 1));
        }

        /** The middle of bucket i, in ns. */
        static long value(int i) {
            if (i < 64) return i;
            int e = (i - 64) / SUB + 6, sub = (i - 64) % SUB;
            return ((SUB + (long) sub) << (e - 5)) + (1L << (e - 5)) / 2;
        }

        static long percentileUs(long[] h, double p) {
            long total = 0;
            for (long c : h) total += c;
            if (total == 0) return -1;
            long rank = (long) Math.ceil(total * p / 100), seen = 0;
            for (int i = 0; i < h.length; i++) {
                seen += h[i];
                if (seen >= rank) return Math.round(value(i) / 1000.0);
            }
            return -1;
        }
    }

    /** What /proc says about the watched processes, and the heap from jcmd. */
    static final class Procs {
        static Map<String, Long> cpuTicks(Map<String, Long> pids) {
            Map<String, Long> r = new LinkedHashMap<>();
            pids.forEach((n, pid) -> r.put(n, ticks(Path.of("/proc/" + pid + "/stat"))));
            return r;
        }

        static long ticks(Path stat) {
            try {
                String s = Files.readString(stat);
                String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
                return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (proc(5) fields 14, 15)
            } catch (IOException | RuntimeException e) {
                return 0;
            }
        }

        /** CPU ticks of each process's JIT compiler threads (C1/C2 CompilerThread*). */
        static Map<String, Long> jitTicks(Map<String, Long> pids) {
            Map<String, Long> r = new LinkedHashMap<>();
            pids.forEach((n, pid) -> {
                long sum = 0;
                try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
                    for (Path t : tasks.toList()) {
                        String comm;
                        try {
                            comm = Files.readString(t.resolve("comm")).trim();
                        } catch (IOException e) {
                            continue;
                        }
                        if (comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler")) sum += ticks(t.resolve("stat"));
                    }
                } catch (IOException e) {
                    // gone: counts as quiet
                }
                r.put(n, sum);
            });
            return r;
        }

        static long statusKb(long pid, String field) {
            try {
                for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                    if (l.startsWith(field + ":")) return Long.parseLong(l.substring(field.length() + 1).trim().split("\\s+")[0]);
                }
            } catch (IOException | RuntimeException e) {
                // gone
            }
            return -1;
        }

        static boolean logsMention(List<Path> logs, String text) {
            for (Path p : logs) {
                try {
                    if (Files.exists(p) && Files.readString(p, StandardCharsets.ISO_8859_1).contains(text)) return true;
                } catch (IOException e) {
                    // unreadable: not evidence
                }
            }
            return false;
        }

        /** Heap in use after a full GC (jcmd GC.run, then GC.heap_info's "used NK"), in kB; -1 if jcmd fails. */
        static long heapKb(String jcmd, long pid) {
            try {
                run(jcmd, String.valueOf(pid), "GC.run");
                String info = run(jcmd, String.valueOf(pid), "GC.heap_info");
                var m = java.util.regex.Pattern.compile(" used (\\d+)K").matcher(info);
                return m.find() ? Long.parseLong(m.group(1)) : -1;
            } catch (IOException | InterruptedException e) {
                return -1;
            }
        }

        static String run(String... cmd) throws IOException, InterruptedException {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(30, TimeUnit.SECONDS);
            return out;
        }
    }

    static final class Audio {
        /** 960 bytes of a 440 Hz PCM16 tone at 24 kHz, little-endian: 1,280 base64 chars. */
        static final String BASE64;

        static {
            byte[] pcm = new byte[AUDIO_BYTES];
            for (int i = 0; i < AUDIO_BYTES / 2; i++) {
                short v = (short) (8000 * Math.sin(2 * Math.PI * 440 * i / 24000.0));
                pcm[2 * i] = (byte) v;
                pcm[2 * i + 1] = (byte) (v >> 8);
            }
            BASE64 = Base64.getEncoder().encodeToString(pcm);
        }
    }

    static boolean startsWith(byte[] m, int n, byte[] p) {
        if (n < p.length) return false;
        for (int i = 0; i < p.length; i++) if (m[i] != p[i]) return false;
        return true;
    }

    static int indexOf(byte[] m, int n, byte[] p, int from) {
        outer:
        for (int i = from; i + p.length <= n; i++) {
            for (int j = 0; j < p.length; j++) if (m[i + j] != p[j]) continue outer;
            return i;
        }
        return -1;
    }

    static int lastIndexOf(byte[] m, int n, byte[] p) {
        outer:
        for (int i = n - p.length; i >= 0; i--) {
            for (int j = 0; j < p.length; j++) if (m[i + j] != p[j]) continue outer;
            return i;
        }
        return -1;
    }
}
