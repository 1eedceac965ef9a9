package tollgate.state;

import java.util.Arrays;
import java.util.List;

/**
 * A bare round-trip measure of the client (not a test): PING and a one-key EVALSHA against a
 * redis-server of its own, one thread, p50/p99 in microseconds. The gateway's benchmark of shared
 * state is scripts/bench (BENCH_ONLY=redis).
 *
 * <pre>
 *   java -cp $BUILD/test-classes:$BUILD/classes:$JUNIT tollgate.state.RedisRoundTrip [iterations]
 * </pre>
 */
public final class RedisRoundTrip {
    private RedisRoundTrip() { }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        Script bucket = Script.of("incr-expire",
                "local v = redis.call('INCRBY', KEYS[1], ARGV[1]) redis.call('PEXPIRE', KEYS[1], 60000) return v");
        try (RedisServer r = RedisServer.start(); Redis c = r.client()) {
            report("PING", n, () -> c.call("PING"));
            report("EVALSHA", n, () -> c.eval(bucket, List.of("tollgate:rl:{k}:rpm"), List.of("1")));
            report("pipeline of 2 (INCRBY, PEXPIRE NX)", n, () -> c.pipeline(List.of(new String[] {"INCRBY", "w", "1"},
                    new String[] {"PEXPIRE", "w", "60000", "NX"})));
        }
    }

    private interface Op {
        Object run() throws RedisException;
    }

    private static void report(String name, int n, Op op) throws RedisException {
        for (int i = 0; i < Math.min(n, 2000); i++) op.run(); // warm-up: JIT and the pooled connection
        long[] t = new long[n];
        for (int i = 0; i < n; i++) {
            long s = System.nanoTime();
            op.run();
            t[i] = System.nanoTime() - s;
        }
        Arrays.sort(t);
        System.out.printf("%-36s n=%d p50=%.1f us p99=%.1f us max=%.1f us%n", name, n, t[n / 2] / 1e3, t[(int) (n * 0.99)] / 1e3,
                t[n - 1] / 1e3);
    }
}
