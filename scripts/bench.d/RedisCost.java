import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import tollgate.account.Account;
import tollgate.account.Accounts;
import tollgate.account.Charge;
import tollgate.account.KeyAdmin;
import tollgate.account.KeyStore;
import tollgate.call.Clock;
import tollgate.config.StateConfig;
import tollgate.state.SharedState;

/**
 * Part (r) of scripts/bench: the latency a Redis-backed limit check adds (issue 14; target
 * 150 us p99 on loopback). One admission of a key with requests- and tokens-per-minute limits
 * ({@code Charge.admit}: the rpm and tpm buckets in one EVALSHA, time from Redis's TIME) against
 * the redis-server on 127.0.0.1:PORT that scripts/bench.d/redis.sh started, over the gateway's own
 * client (default pool, timeout 500 ms); the same admission on local buckets for reference. Each
 * case: WARMUP admissions, then CHECKS timed one by one (System.nanoTime around admit alone;
 * settle corrects nothing and close gives nothing back, so no other Redis call is made), by 1
 * caller and by 8 at once (virtual threads, as the gateway's requests; -Dthreads=platform for
 * platform threads; CHECKS in all). One JSON line per case on stdout:
 * p50, p99, p999 and max in microseconds, and refusals (must be 0: the limits are set high).
 *
 * <pre>java -cp tollgate.jar scripts/bench.d/RedisCost.java PORT [CHECKS] [WARMUP]</pre>
 */
public class RedisCost {
    static final long RPM = 1_000_000_000L, TPM = 1_000_000_000_000L, TOKENS = 100;
    /** -Dthreads=platform: callers on platform threads (the gateway's requests run on virtual ones), to see what scheduling adds. */
    static final boolean PLATFORM = "platform".equals(System.getProperty("threads"));

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int checks = args.length > 1 ? Integer.parseInt(args[1]) : 40_000;
        int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 20_000;
        Path dir = Files.createTempDirectory("tollgate-redis-cost");
        KeyStore store = new KeyStore(dir);
        String id = new KeyAdmin(store, Clock.SYSTEM).create(Map.of("name", "bench", "rpm", RPM, "tpm", TPM)).key().id();
        StateConfig config = new StateConfig("127.0.0.1", port, false, null, null, 0, "bench", "tollgate-bench:",
                StateConfig.DEFAULT_POOL_SIZE, Duration.ofMillis(StateConfig.DEFAULT_TIMEOUT_MS),
                Duration.ofMillis(StateConfig.DEFAULT_CONNECT_TIMEOUT_MS), null, null);
        try (SharedState state = SharedState.open(config);
             Accounts shared = Accounts.open(List.of(), store, 1000, Map.of(), Clock.SYSTEM);
             Accounts local = Accounts.open(List.of(), store, 1000, Map.of(), Clock.SYSTEM)) {
            shared.share(state);
            if (!shared.shared() || shared.degraded()) throw new IllegalStateException("redis-server on port " + port + " is not reachable");
            for (int callers : new int[] {1, 8}) {
                run("local", local, id, callers, warmup);
                report("local", callers, run("local", local, id, callers, checks));
                run("redis", shared, id, callers, warmup);
                report("redis", callers, run("redis", shared, id, callers, checks));
            }
            if (shared.stateFallbacks() != 0) throw new IllegalStateException(shared.stateFallbacks() + " checks fell back to local state");
        }
    }

    record Result(long[] nanos, long refused) {}

    static Result run(String name, Accounts accounts, String id, int callers, int total) throws Exception {
        Account a = accounts.get(id);
        long[] nanos = new long[total];
        AtomicLong next = new AtomicLong(), refused = new AtomicLong();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < callers; t++) {
            threads.add((PLATFORM ? Thread.ofPlatform() : Thread.ofVirtual()).start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                List<String> models = List.of("m");
                for (long i; (i = next.getAndIncrement()) < total; ) {
                    Charge c = accounts.charge(a);
                    long t0 = System.nanoTime();
                    try {
                        c.admit(models, false, TOKENS);
                    } catch (RuntimeException e) {
                        refused.incrementAndGet();
                    }
                    nanos[(int) i] = System.nanoTime() - t0;
                    c.settle(0, TOKENS);
                    c.close();
                }
            }));
        }
        go.countDown();
        for (Thread t : threads) t.join();
        return new Result(nanos, refused.get());
    }

    static void report(String name, int callers, Result r) {
        long[] s = r.nanos().clone();
        Arrays.sort(s);
        System.out.printf("{\"part\":\"redis_admit\",\"case\":\"%s\",\"callers\":%d,\"checks\":%d,\"p50_us\":%.1f,\"p99_us\":%.1f,"
                + "\"p999_us\":%.1f,\"max_us\":%.1f,\"refused\":%d}%n", name, callers, s.length, at(s, 0.50), at(s, 0.99), at(s, 0.999),
                s[s.length - 1] / 1000.0, r.refused());
    }

    static double at(long[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1000.0;
    }
}
