package tollgate.state;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import tollgate.config.StateConfig;

/**
 * A real redis-server for a test, on a free loopback port (never 6379), without persistence;
 * skipped (a JUnit assumption, with the reason) where there is no redis-server.
 *
 * <pre>
 *   try (RedisServer r = RedisServer.start()) {
 *       SharedState s = SharedState.open(r.stateConfig());   // or r.url() in a gateway config
 *       r.command("FLUSHALL");                                // straight to the server
 *       r.kill(); … r.restart();                              // Redis goes away, comes back on the same port
 *   }
 * </pre>
 *
 * The executable is {@code $TOLLGATE_REDIS_SERVER} (scripts/ensure-redis prints one), else
 * {@code redis-server} on the PATH, else /usr/bin/redis-server.
 */
public final class RedisServer implements AutoCloseable {
    /** Longest wait for a started server to answer PING. */
    static final Duration START_TIMEOUT = Duration.ofSeconds(10);
    /** Longest wait for a server to exit when stopped. */
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);
    /** Attempts at starting on a free port (another process may take the port between our probe and the start). */
    static final int START_ATTEMPTS = 3;

    private final Path executable;
    private final Path dir;
    private final String password;
    private final List<String> extra;
    /** The TLS certificate and key (PEM) when the server also listens for TLS, else null. */
    private final Path[] tls;
    private int port;
    private int tlsPort;
    private Process process;

    private RedisServer(Path executable, Path dir, String password, List<String> extra, Path[] tls) {
        this.executable = executable;
        this.dir = dir;
        this.password = password;
        this.extra = extra;
        this.tls = tls;
    }

    /** A server without a password. */
    public static RedisServer start() {
        return start(null);
    }

    /**
     * A server with {@code --requirepass password} (when not null) and {@code extraArgs} appended
     * to its command line (e.g. {@code "--maxmemory", "10mb"}).
     */
    public static RedisServer start(String password, String... extraArgs) {
        return start(null, password, extraArgs);
    }

    /**
     * A server that also listens for TLS on {@link #tlsPort()} with this certificate and key (PEM;
     * the certificate is its CA too, client certificates are not asked for). Skipped where
     * redis-server was built without TLS.
     */
    public static RedisServer startTls(Path certPem, Path keyPem) {
        return start(new Path[] {certPem, keyPem}, null);
    }

    private static RedisServer start(Path[] tls, String password, String... extraArgs) {
        Path exe = executable();
        String env = System.getenv("TOLLGATE_REDIS_SERVER");
        Assumptions.assumeTrue(exe != null, env != null && !env.isBlank()
                ? "redis-server not found: TOLLGATE_REDIS_SERVER=" + env + " is not an executable file"
                : "redis-server not found: set TOLLGATE_REDIS_SERVER, put redis-server on the PATH or install it (scripts/ensure-redis)");
        Path dir;
        try {
            dir = Files.createTempDirectory("tollgate-redis-");
        } catch (IOException e) {
            throw new IllegalStateException("cannot make a directory for redis-server", e);
        }
        RedisServer r = new RedisServer(exe, dir, password, List.of(extraArgs), tls);
        IllegalStateException last = null;
        for (int i = 0; i < START_ATTEMPTS; i++) {
            try {
                r.port = freePort();
                if (tls != null) r.tlsPort = freePort();
                r.launch();
                return r;
            } catch (IllegalStateException e) {
                last = e;
            }
        }
        r.close();
        throw last;
    }

    /** The redis-server to run, or null when there is none. */
    public static Path executable() {
        String env = System.getenv("TOLLGATE_REDIS_SERVER");
        if (env != null && !env.isBlank()) {
            Path p = Path.of(env);
            return Files.isExecutable(p) ? p : null;
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String d : path.split(java.io.File.pathSeparator)) {
                if (d.isEmpty()) continue;
                Path p = Path.of(d, "redis-server");
                if (Files.isExecutable(p)) return p;
            }
        }
        Path usr = Path.of("/usr/bin/redis-server");
        return Files.isExecutable(usr) ? usr : null;
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free loopback port", e);
        }
    }

    private void launch() {
        List<String> cmd = new ArrayList<>(List.of(executable.toString(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", dir.toString()));
        if (password != null) cmd.addAll(List.of("--requirepass", password));
        if (tls != null) {
            cmd.addAll(List.of("--tls-port", Integer.toString(tlsPort), "--tls-cert-file", tls[0].toString(), "--tls-key-file",
                    tls[1].toString(), "--tls-ca-cert-file", tls[0].toString(), "--tls-auth-clients", "no"));
        }
        cmd.addAll(extra);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile()));
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + executable, e);
        }
        long end = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < end) {
            if (!process.isAlive()) {
                String log = log();
                String l = log.toLowerCase(java.util.Locale.ROOT);
                Assumptions.assumeFalse(tls != null && (l.contains("not supported") || l.contains("bad directive")),
                        "redis-server cannot serve TLS here: " + log);
                throw new IllegalStateException("redis-server exited at start: " + log);
            }
            if (answers()) return;
            sleep(20);
        }
        process.destroyForcibly();
        throw new IllegalStateException("redis-server did not answer PING within " + START_TIMEOUT + ": " + log());
    }

    /** Whether something on the port answers PING (with PONG, or NOAUTH when a password is set). */
    private boolean answers() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            s.setSoTimeout(500);
            s.getOutputStream().write("*1\r\n$4\r\nPING\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            int c = s.getInputStream().read();
            return c == '+' || c == '-';
        } catch (IOException e) {
            return false;
        }
    }

    private String log() {
        try {
            String l = Files.readString(dir.resolve("redis.log"));
            return l.length() > 2000 ? l.substring(l.length() - 2000) : l;
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    public String host() { return "127.0.0.1"; }

    public int port() { return port; }

    /** The TLS port ({@link #startTls}), else 0. */
    public int tlsPort() { return tlsPort; }

    /** The password given at start, or null. */
    public String password() { return password; }

    /** {@code redis://[:password@]127.0.0.1:port} (for a gateway config's state.redis_url). */
    public String url() {
        return "redis://" + (password != null ? ":" + java.net.URLEncoder.encode(password, java.nio.charset.StandardCharsets.UTF_8)
                .replace("+", "%20") + "@" : "") + host() + ":" + port;
    }

    /** A {@code state} section for this server: pool of 8, timeout 500 ms, connect 1 s, prefix {@code tollgate:}. */
    public StateConfig stateConfig() {
        return stateConfig("test-replica");
    }

    /** As {@link #stateConfig()} with this replica id. */
    public StateConfig stateConfig(String replicaId) {
        return new StateConfig(host(), port, false, null, password, 0, replicaId, StateConfig.DEFAULT_KEY_PREFIX,
                StateConfig.DEFAULT_POOL_SIZE, Duration.ofMillis(StateConfig.DEFAULT_TIMEOUT_MS),
                Duration.ofMillis(StateConfig.DEFAULT_CONNECT_TIMEOUT_MS), null, null);
    }

    /** A new client of this server ({@link #stateConfig()}); close it. */
    public Redis client() {
        return RedisClient.open(stateConfig());
    }

    /**
     * Runs one command on a connection of its own (authenticated when a password is set) and
     * returns its decoded reply (RESP2), an error reply as a {@link RedisException}: for a test
     * to set up or inspect the server without the client under test.
     */
    public Object command(String... command) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            s.setSoTimeout(5000);
            OutputStream out = new BufferedOutputStream(s.getOutputStream());
            Resp.Reader in = new Resp.Reader(new BufferedInputStream(s.getInputStream()));
            if (password != null) {
                Resp.write(out, new String[] {"AUTH", password});
            }
            Resp.write(out, command);
            out.flush();
            if (password != null) {
                Object auth = in.reply();
                if (auth instanceof RedisException e) throw new IllegalStateException("AUTH failed: " + e.getMessage());
            }
            return in.reply();
        } catch (IOException e) {
            throw new IllegalStateException("redis-server on port " + port + " did not answer " + command[0], e);
        }
    }

    /** Whether the server process is running. */
    public boolean running() { return process != null && process.isAlive(); }

    /** Kills the server at once (SIGKILL), as a crash: clients see their connections reset. */
    public void kill() {
        if (process == null) return;
        process.destroyForcibly();
        waitExit();
    }

    /** Stops the server (SIGTERM) and waits for it to exit. */
    public void stop() {
        if (process == null) return;
        process.destroy();
        if (!waitExit()) {
            process.destroyForcibly();
            waitExit();
        }
    }

    private boolean waitExit() {
        try {
            return process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Starts the server again on the same port (killing it first if it runs); its data is gone. */
    public void restart() {
        kill();
        IllegalStateException last = null;
        // The port was ours a moment ago; retry briefly in case the kernel still holds it.
        for (int i = 0; i < START_ATTEMPTS; i++) {
            try {
                launch();
                return;
            } catch (IllegalStateException e) {
                last = e;
                sleep(200);
            }
        }
        throw last;
    }

    /** Stops the server and deletes its directory. */
    @Override
    public void close() {
        stop();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // A temporary directory left behind is harmless.
        }
    }
}
