package tollgate.tool;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import tollgate.config.ConfigException;
import tollgate.config.ToolConfig;
import tollgate.log.Log;

/**
 * Finds out once, at start-up, how a python tool can run on this host: whether its interpreter
 * runs at all, and whether {@code unshare} can give it user, PID, mount and network namespaces (see
 * {@link PythonSandbox}). It runs a probe through the very sandbox the calls will use, so that a
 * gateway that starts has a python tool that works.
 *
 * <p>{@code network: deny} on a host without namespaces (no {@code unshare} or {@code setpriv}, unprivileged user
 * namespaces disabled, or forbidden by AppArmor as on Ubuntu 24.04) refuses to start: the config
 * asked for no network, and running anyway would be a silent lie. {@code network: allow} on such a
 * host runs the interpreter directly, with a warning in the log.
 */
final class PythonHost {
    private PythonHost() { throw new AssertionError(); }

    /** Longest the probe may take, per attempt. */
    static final Duration PROBE_TIMEOUT = Duration.ofSeconds(15);
    /** Bytes of the probe's output kept (and quoted in a start-up error). */
    static final int PROBE_OUTPUT_BYTES = 2048;
    static final String PROBE_CODE = "import sys\nprint(sys.version_info[0], sys.executable)\n";

    /** What a probe saw: null {@code error} when it worked, then the interpreter's own path. */
    private record Probe(String error, String executable) { }

    /**
     * The sandbox for the python tool {@code t}, declared at {@code where} ({@code tools[2]}).
     *
     * @throws ConfigException naming {@code where} when the interpreter does not run, or when
     *         {@code network: deny} cannot be honoured here
     */
    static PythonSandbox probe(ToolConfig t, String where) {
        return probe(t, where, System.getenv("PATH"));
    }

    /** As {@link #probe(ToolConfig, String)}, looking for the interpreter, {@code unshare} and {@code setpriv} in {@code searchPath} (tests). */
    static PythonSandbox probe(ToolConfig t, String where, String searchPath) {
        String first = t.command().get(0);
        Path exe = find(first, searchPath);
        if (exe == null) {
            throw new ConfigException(where + ".command: python tool " + quote(t.name()) + ": " + quote(first)
                    + (first.contains("/") ? " is not an executable file" : " is not found on the gateway's PATH"));
        }
        List<String> interpreter = new ArrayList<>(t.command());
        interpreter.set(0, exe.toString());
        long memory = t.memoryMb() * 1024L * 1024;
        Path unshare = find("unshare", searchPath);
        Path setpriv = find("setpriv", searchPath);
        List<String> ns = unshare == null || setpriv == null ? List.of() : namespaces(unshare, setpriv, t.denyNetwork());
        Probe isolated = unshare == null ? new Probe("unshare is not found on the gateway's PATH", null)
                : setpriv == null ? new Probe("setpriv is not found on the gateway's PATH", null)
                : attempt(new PythonSandbox(ns, interpreter, memory, PythonSandbox.MAX_PROCESSES));
        if (isolated.error() == null) {
            List<String> pinned = pin(t, interpreter, isolated.executable());
            Log.info("python_sandbox", "tool", t.name(), "interpreter", pinned.get(0), "network", t.denyNetwork() ? "deny" : "allow",
                    "isolation", t.denyNetwork() ? "user, pid, mount (own /proc) and network namespaces" : "user, pid and mount (own /proc) namespaces");
            return new PythonSandbox(ns, pinned, memory, PythonSandbox.MAX_PROCESSES);
        }
        Probe direct = attempt(new PythonSandbox(List.of(), interpreter, memory, 0));
        if (direct.error() != null) {
            throw new ConfigException(where + ".command: python tool " + quote(t.name()) + ": " + quote(String.join(" ", t.command()))
                    + " did not run a probe: " + direct.error());
        }
        if (t.denyNetwork()) {
            throw new ConfigException(where + ".network: python tool " + quote(t.name()) + ": \"deny\" needs Linux user, pid, mount and"
                    + " network namespaces (util-linux's unshare --user --map-root-user --mount-proc --net, and setpriv), which this host"
                    + " does not give (" + isolated.error()
                    + "); set \"network\": \"allow\" to run it with the host's network, or \"enabled\": false");
        }
        List<String> pinned = pin(t, interpreter, direct.executable());
        Log.warn("python_sandbox", "tool", t.name(), "interpreter", pinned.get(0), "network", "allow", "isolation", "none",
                "why", isolated.error(), "effect", "the code has the host's network, sees the host's processes and can read the"
                        + " gateway's environment (its keys) in /proc, and a process it detaches can outlive the timeout");
        return new PythonSandbox(List.of(), pinned, memory, 0);
    }

    /**
     * The wrapper that runs the interpreter in its own namespaces: user (unprivileged), PID (the
     * code is process 1, its processes die with it), mount with a {@code /proc} of that PID
     * namespace (the host's would show every process of the host with its command line), and
     * network with {@code deny}; then {@code setpriv} empties the capability bounding set before
     * the interpreter runs, so that the code, root of its user namespace but with no
     * capabilities, cannot unmount that {@code /proc} to uncover the host's beneath it.
     */
    static List<String> namespaces(Path unshare, Path setpriv, boolean denyNetwork) {
        List<String> ns = new ArrayList<>(List.of(unshare.toString(), "--user", "--map-root-user", "--pid", "--fork", "--kill-child",
                "--mount-proc"));
        if (denyNetwork) ns.add("--net");
        ns.addAll(List.of("--", setpriv.toString(), "--bounding-set=-all", "--inh-caps=-all", "--no-new-privs", "--"));
        return List.copyOf(ns);
    }

    /**
     * A command of the interpreter alone runs the executable the probe found rather than a
     * launcher (a pyenv shim would look up its version on every call); one with options is kept
     * as written.
     */
    private static List<String> pin(ToolConfig t, List<String> interpreter, String executable) {
        if (t.command().size() != 1 || executable == null) return interpreter;
        Path p = Path.of(executable);
        return p.isAbsolute() && Files.isExecutable(p) ? List.of(executable) : interpreter;
    }

    private static Probe attempt(PythonSandbox sandbox) {
        PythonSandbox.Result r;
        try {
            r = sandbox.run(PROBE_CODE, System.nanoTime() + PROBE_TIMEOUT.toNanos(), null, PROBE_OUTPUT_BYTES);
        } catch (IOException e) {
            return new Probe("could not start it: " + e.getMessage(), null);
        }
        String out = r.stdout().text().strip();
        if (r.timedOut()) return new Probe("it did not finish within " + PROBE_TIMEOUT.toSeconds() + " s", null);
        if (r.exitCode() == null || r.exitCode() != 0 || !out.startsWith("3 ")) {
            String err = r.stderr().text().strip();
            return new Probe("exit code " + r.exitCode() + (err.isEmpty() ? "" : ": " + ToolText.cap(err, 300))
                    + (out.isEmpty() ? "" : "; printed " + quote(ToolText.cap(out, 300))), null);
        }
        return new Probe(null, out.substring(2));
    }

    /** {@code name} itself if it has a slash, else the first executable file of that name in {@code searchPath}; null if none. */
    static Path find(String name, String searchPath) {
        if (name.contains("/")) {
            Path p = Path.of(name).toAbsolutePath();
            return Files.isRegularFile(p) && Files.isExecutable(p) ? p : null;
        }
        if (searchPath == null) return null;
        for (String dir : searchPath.split(File.pathSeparator)) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return p;
        }
        return null;
    }

    private static String quote(String s) {
        return "\"" + s + "\"";
    }
}
