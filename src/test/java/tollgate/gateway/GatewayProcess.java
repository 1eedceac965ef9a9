package tollgate.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tollgate.Main;

/**
 * The gateway as its own process (the JVM running the tests, with the compiled classes and
 * chosen JVM options): for the hostile-client tests, which need limits the JDK server reads once
 * per process, and a heap small enough that an unbounded allocation would end the process
 * ({@code -XX:+ExitOnOutOfMemoryError}) rather than pass unnoticed. Its stdout (JSON lines) and
 * stderr are collected.
 */
final class GatewayProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("\"event\":\"listening\",\"url\":\"http://[^\"]*:(\\d+)\"");

    private final Process process;
    private final List<String> stdout = new CopyOnWriteArrayList<>();
    private final List<String> stderr = new CopyOnWriteArrayList<>();
    private final int port;

    private GatewayProcess(Process process) throws IOException, InterruptedException {
        this.process = process;
        Thread.ofVirtual().start(() -> drain(new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8)), stdout));
        Thread.ofVirtual().start(() -> drain(new BufferedReader(new InputStreamReader(process.getErrorStream(), UTF_8)), stderr));
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        int found = -1;
        while (found < 0) {
            for (String line : stdout) {
                Matcher m = LISTENING.matcher(line);
                if (m.find()) found = Integer.parseInt(m.group(1));
            }
            if (found >= 0) break;
            if (!process.isAlive() || System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new AssertionError("the gateway did not start: " + stdout + " " + stderr);
            }
            Thread.sleep(20);
        }
        this.port = found;
    }

    /**
     * Starts {@code tollgate.Main --config <file> --port 0} with {@code jvmOptions} and the
     * environment {@code env} added to this one's.
     */
    static GatewayProcess start(Path dir, String configJson, List<String> jvmOptions, Map<String, String> env)
            throws IOException, InterruptedException {
        Path config = dir.resolve("gateway.json");
        Files.writeString(config, configJson, UTF_8);
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(classes().toString());
        command.add(Main.class.getName());
        command.addAll(List.of("--config", config.toString(), "--port", "0", "--data-dir", dir.resolve("data").toString()));
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
        pb.environment().remove("TOLLGATE_API_KEY");
        pb.environment().putAll(env);
        return new GatewayProcess(pb.start());
    }

    private static Path classes() {
        try {
            return Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new AssertionError(e);
        }
    }

    private static void drain(BufferedReader in, List<String> into) {
        try (in) {
            String line;
            while ((line = in.readLine()) != null) into.add(line);
        } catch (IOException ignored) {
            // the process ended
        }
    }

    int port() { return port; }

    boolean alive() { return process.isAlive(); }

    /** The process id (to send it a signal). */
    long pid() { return process.pid(); }

    /** Lines written to stdout so far. */
    List<String> stdout() { return List.copyOf(stdout); }

    List<String> stderr() { return List.copyOf(stderr); }

    /** Why the process is not alive, for assertion messages. */
    String describe() {
        // Snapshots first: the reader threads append while this runs, and a live subList throws.
        List<String> out = stdout();
        return (process.isAlive() ? "alive" : "exited " + process.exitValue()) + "; stderr: " + String.join("\n", stderr())
                + "\nlast stdout: " + String.join("\n", out.subList(Math.max(0, out.size() - 5), out.size()));
    }

    /** Ends the process at once (SIGKILL: no drain, no shutdown hook), as a crash would, and waits for it. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        process.destroy(); // SIGTERM: the gateway's own drain
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
