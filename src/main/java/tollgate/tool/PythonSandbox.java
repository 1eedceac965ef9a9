package tollgate.tool;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import tollgate.call.Cancellation;

/**
 * How the python tool runs code: one subprocess per call, from a fresh {@link ScratchDir}, with
 * no inherited environment, stdin closed, limits set by a prelude, a wall-clock deadline that
 * kills the whole process tree, and stdout and stderr read up to a cap.
 *
 * <p><b>Isolation</b> (what the host gives is found by {@link PythonHost#probe} at start-up):
 * with {@code unshare}, {@code setpriv} and unprivileged user namespaces (Linux), the interpreter runs as
 * {@code unshare --user --map-root-user --pid --fork --kill-child --mount-proc [--net] -- setpriv
 * --bounding-set=-all ... -- python -I ...} ({@link PythonHost#namespaces}):
 * <ul>
 *   <li>{@code --net} (with {@code network: deny}): a network namespace with only a loopback that
 *       is down, so no TCP or UDP connection leaves the sandbox, not even to the gateway's own
 *       port (Unix sockets bound in the file system are not the namespace's: reachable as the
 *       gateway's user may, a Docker socket included);</li>
 *   <li>{@code --pid --fork --kill-child}: the code is process 1 of its own PID namespace; when
 *       it dies, the kernel kills every process it started, so a timeout leaves nothing behind
 *       (also a daemonised grandchild, which {@link ProcessHandle#descendants()} would miss);</li>
 *   <li>{@code --mount-proc}: a {@code /proc} of that PID namespace only: the host's would list
 *       every process of the host with its command line;</li>
 *   <li>{@code --user}: makes the above possible without privileges, and makes the process limit
 *       count only the sandbox's own processes; from a child user namespace the kernel refuses
 *       the gateway's {@code /proc/<pid>/environ} however it is reached;</li>
 *   <li>{@code setpriv --bounding-set=-all}: the code is root of its namespace without any
 *       capability, so it cannot unmount its {@code /proc} (uncovering the host's) nor mount
 *       anything.</li>
 * </ul>
 * Not isolated: the file system. The code runs as the gateway's user and can read what it can
 * read. Without namespaces ({@code network: allow} on a host without them) the code also has the
 * host's network, sees the host's processes and can read the gateway's environment (its keys)
 * in {@code /proc/<pid>/environ} (same user), and a process it detaches from its parent can
 * outlive the timeout.
 *
 * <p><b>Limits</b> are set by a prelude the interpreter runs before the code
 * ({@code resource.setrlimit}, soft and hard, so the code cannot raise them again): address space
 * ({@code memory_mb}: an allocation past it raises MemoryError), file size ({@link #MAX_FILE_BYTES}),
 * processes ({@link #MAX_PROCESSES}, only inside a user namespace: outside one the count would
 * include the gateway's own threads) and no core dumps. A prelude rather than {@code prlimit}: one
 * dependency less (prlimit is Linux-only util-linux), and the limits are set where they are
 * documented. The kernel does not apply the process limit to a gateway running as root.
 * These limits are per process and per file, not totals (those need cgroups): code that forks
 * may take {@link #MAX_PROCESSES} × {@code memory_mb}, and write any number of files, in the
 * scratch directory or wherever the gateway's user may write ({@code /dev/shm}: memory), until
 * its deadline; only the scratch directory is removed afterwards (README, "Gateway tools").
 */
final class PythonSandbox {

    /** PATH of the code's environment: the system's directories only (the gateway's PATH may name private ones). */
    static final String SAFE_PATH = "/usr/local/bin:/usr/bin:/bin";
    /** Largest file the code may write, in bytes. */
    static final long MAX_FILE_BYTES = 64L * 1024 * 1024;
    /** Most processes (and threads) the code may run at once, inside its user namespace. */
    static final int MAX_PROCESSES = 64;
    /** How long the output readers may take after the process ended, before their pipes are closed. */
    static final Duration DRAIN_GRACE = Duration.ofSeconds(1);
    /** Rounds of killing descendants before the process itself: a forking loop may add children during one. */
    static final int KILL_ROUNDS = 3;
    /** The code's file in the scratch directory, as tracebacks name it. */
    static final String CODE_FILE = "main.py";

    /**
     * Sets the limits, then runs the code as {@code __main__}. argv: address space bytes, file
     * size bytes, process count (0: not set), the code's file.
     */
    static final String PRELUDE = """
            import resource, sys, types
            def _cap(which, value):
                hard = resource.getrlimit(which)[1]
                if hard != resource.RLIM_INFINITY: value = min(value, hard)
                resource.setrlimit(which, (value, value))
            _cap(resource.RLIMIT_AS, int(sys.argv[1]))
            _cap(resource.RLIMIT_FSIZE, int(sys.argv[2]))
            if int(sys.argv[3]) > 0: _cap(resource.RLIMIT_NPROC, int(sys.argv[3]))
            _cap(resource.RLIMIT_CORE, 0)
            sys.argv = sys.argv[4:]
            with open(sys.argv[0], encoding="utf-8") as _f: _source = _f.read()
            _main = types.ModuleType("__main__")
            _main.__file__ = sys.argv[0]
            sys.modules["__main__"] = _main
            del _cap, _f
            exec(compile(_source, sys.argv[0], "exec"), _main.__dict__)
            """;

    /** How one run ended; {@code exitCode} null when the sandbox killed it. */
    record Result(Integer exitCode, ToolText.Capped stdout, ToolText.Capped stderr, boolean timedOut, boolean cancelled) {
        boolean cut() { return stdout.cut() || stderr.cut(); }
    }

    private final List<String> prefix;
    private final List<String> interpreter;
    private final long memoryBytes;
    private final int processes;

    /**
     * @param prefix      the namespace wrapper ({@code unshare ... -- setpriv ... --}), or empty
     * @param interpreter the interpreter and its own options
     * @param processes   the process limit, 0 for none
     */
    PythonSandbox(List<String> prefix, List<String> interpreter, long memoryBytes, int processes) {
        this.prefix = List.copyOf(prefix);
        this.interpreter = List.copyOf(interpreter);
        this.memoryBytes = memoryBytes;
        this.processes = processes;
    }

    /** The command line for one run (in the scratch directory). */
    List<String> command() {
        List<String> c = new ArrayList<>(prefix);
        c.addAll(interpreter);
        // -I: isolated mode, no PYTHON* variables, no user site-packages, no script directory on sys.path.
        c.addAll(List.of("-I", "-c", PRELUDE, Long.toString(memoryBytes), Long.toString(MAX_FILE_BYTES),
                Integer.toString(processes), CODE_FILE));
        return c;
    }

    /**
     * Runs {@code code} until it exits, {@code deadlineNanos} ({@code System.nanoTime()}) passes,
     * {@code cancellation} fires, or stdout or stderr passes {@code capBytes}; the last three kill
     * the process tree. The scratch directory is gone when this returns, however it ended.
     */
    Result run(String code, long deadlineNanos, Cancellation cancellation, int capBytes) throws IOException {
        try (ScratchDir scratch = ScratchDir.create()) {
            Files.writeString(scratch.path.resolve(CODE_FILE), code, StandardCharsets.UTF_8);
            ProcessBuilder pb = new ProcessBuilder(command()).directory(scratch.path.toFile());
            Map<String, String> env = pb.environment();
            env.clear(); // nothing of the gateway's: its keys may be in it
            env.put("PATH", SAFE_PATH);
            env.put("HOME", scratch.path.toString());
            env.put("TMPDIR", scratch.path.toString());
            env.put("LANG", "C.UTF-8");
            pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            Process p = pb.start();
            Runnable kill = () -> killTree(p.toHandle(), !prefix.isEmpty());
            try {
                return supervise(p, kill, deadlineNanos, cancellation, capBytes);
            } finally {
                kill.run();
            }
        }
    }

    private static Result supervise(Process p, Runnable kill, long deadlineNanos, Cancellation cancellation, int capBytes)
            throws IOException {
        AtomicBoolean overflow = new AtomicBoolean();
        Reader out = new Reader(p.getInputStream(), capBytes, kill, overflow);
        Reader err = new Reader(p.getErrorStream(), capBytes, kill, overflow);
        boolean timedOut = false;
        boolean cancelled = false;
        long slice = ToolHttp.CANCEL_CHECK.toNanos();
        try {
            while (!p.waitFor(Math.max(0, Math.min(slice, deadlineNanos - System.nanoTime())), TimeUnit.NANOSECONDS)) {
                if (cancellation != null && cancellation.isCancelled()) {
                    cancelled = true;
                    break;
                }
                if (deadlineNanos - System.nanoTime() <= 0) {
                    timedOut = true;
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cancelled = true;
        }
        boolean killed = timedOut || cancelled || overflow.get();
        if (killed) kill.run();
        ToolText.Capped stdout = out.finish(p);
        ToolText.Capped stderr = err.finish(p);
        killed |= overflow.get(); // a reader may have hit its cap as the process ended
        Integer exit = killed || p.isAlive() ? null : p.exitValue();
        return new Result(exit, stdout, stderr, timedOut, cancelled);
    }

    /**
     * Kills the process tree of one run. With the namespace wrapper, the wrapper first: SIGKILL
     * leaves it no moment to write about its child's death to the stderr it shares with the code
     * (util-linux unshare prints "sigprocmask unblock failed" where the kernel refuses to unblock
     * SIGKILL, as one CI host did), and {@code --kill-child} makes the kernel kill the code, process
     * 1 of its PID namespace, which takes every process of the namespace with it. The processes
     * listed before are killed as well, in case the wrapper died before passing on the kill.
     * Without the wrapper, children first: a dead parent's children are re-parented out of reach.
     *
     * <p>Through the {@link ProcessHandle}: {@link Process#destroyForcibly()} would also close the
     * output pipes under their readers, losing what the code wrote last.
     */
    static void killTree(ProcessHandle p, boolean wrapped) {
        if (wrapped) {
            List<ProcessHandle> tree = p.descendants().toList();
            p.destroyForcibly();
            tree.forEach(ProcessHandle::destroyForcibly);
            return;
        }
        for (int round = 0; round < KILL_ROUNDS; round++) {
            List<ProcessHandle> children = p.descendants().toList();
            if (children.isEmpty() && !p.isAlive()) return;
            children.forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    /** Reads one of the process's outputs up to the cap in a virtual thread; past the cap, kills the tree. */
    private static final class Reader {
        private final InputStream in;
        private final Thread thread;
        private volatile ToolText.Capped result;
        private volatile IOException failure;

        Reader(InputStream in, int cap, Runnable kill, AtomicBoolean overflow) {
            this.in = in;
            this.thread = Thread.ofVirtual().name("tollgate-python-output").start(() -> {
                try {
                    ToolText.Capped c = ToolText.read(in, cap);
                    result = c;
                    if (c.cut()) {
                        overflow.set(true);
                        kill.run();
                    }
                } catch (IOException e) {
                    failure = e;
                }
            });
        }

        /** What was read, once the stream ended or {@link #DRAIN_GRACE} passed (then the pipe is closed). */
        ToolText.Capped finish(Process p) throws IOException {
            try {
                if (!thread.join(DRAIN_GRACE)) {
                    // Something still holds the pipe open (a process outside the kill's reach).
                    in.close();
                    thread.join(DRAIN_GRACE);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                in.close();
            }
            ToolText.Capped c = result;
            if (c != null) return c;
            if (failure != null && p.isAlive()) throw failure;
            return new ToolText.Capped(new byte[0], false);
        }
    }
}
