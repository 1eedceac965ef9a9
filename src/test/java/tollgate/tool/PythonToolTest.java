package tollgate.tool;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.abort;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.call.Cancellation;
import tollgate.config.ConfigException;
import tollgate.config.ToolConfig;
import tollgate.json.Json;

/**
 * The python tool's limits on this host, through the real sandbox: output, exit code, the
 * timeout killing the process tree, the output cap, no environment, the memory cap, the scratch
 * directory removed, and no network. Skipped (with the reason) where there is no python3, and
 * the network test where the host has no namespaces.
 */
class PythonToolTest {
    private static final Map<String, PythonSandbox> SANDBOXES = new ConcurrentHashMap<>();

    @BeforeAll
    static void pythonIsHere() {
        assumeTrue(PythonHost.find("python3", System.getenv("PATH")) != null, "no python3 on the PATH: the python tool is not tested here");
    }

    /** A python tool with {@code extra} settings; its sandbox probed once per setting. */
    private static PythonTool tool(String extra) {
        ToolConfig c = Calls.tool("{\"name\": \"py\", \"type\": \"python\", \"enabled\": true" + extra + "}");
        return new PythonTool(c, sandbox(c));
    }

    private static PythonSandbox sandbox(ToolConfig c) {
        return SANDBOXES.computeIfAbsent(c.denyNetwork() + " " + c.memoryMb() + " " + c.command(), k -> {
            try {
                return PythonHost.probe(c, "tools[0]");
            } catch (ConfigException e) {
                if (c.denyNetwork() && e.getMessage().startsWith("tools[0].network")) abort("no namespaces on this host: " + e.getMessage());
                throw e;
            }
        });
    }

    private static ToolOutput run(PythonTool t, String code) {
        return t.run(Calls.call(Json.toString(Map.of("code", code))));
    }

    private static Map<?, ?> result(ToolOutput out) {
        return (Map<?, ?>) Json.parse(out.content());
    }

    @Test
    void givesTheModelExitCodeStdoutAndStderr() {
        ToolOutput out = run(tool(""), "import sys\nprint('hello', 'wörld')\nsys.stderr.write('careful\\n')\nsys.exit(3)\n");
        assertEquals(new ToolOutput("{\"exit_code\":3,\"timed_out\":false,\"output_cut\":false,\"stdout\":\"hello wörld\\n\","
                + "\"stderr\":\"careful\\n\"}", ToolOutput.Outcome.ERROR, 0), out);
        ToolOutput ok = run(tool(""), "print(6 * 7)");
        assertEquals(ToolOutput.Outcome.OK, ok.outcome());
        assertEquals("42\n", result(ok).get("stdout"));
        assertEquals(0L, ((tollgate.json.JsonNumber) result(ok).get("exit_code")).longValue());
    }

    @Test
    void anException_showsItsTraceback_namingTheCodeAsMainPy() {
        Map<?, ?> r = result(run(tool(""), "x = 1\ny = x / 0\n"));
        assertEquals("1", r.get("exit_code").toString());
        String err = (String) r.get("stderr");
        assertTrue(err.contains("File \"main.py\", line 2") && err.contains("ZeroDivisionError"), err);
        assertFalse(err.contains("tollgate-python-"), "no scratch path: " + err);
    }

    @Test
    void theTimeout_killsTheLoopAndTheProcessItStarted() throws Exception {
        String marker = "tollgate-test-" + UUID.randomUUID();
        String code = """
                import subprocess, sys
                subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", "%s"], start_new_session=True)
                print("started", flush=True)
                while True:
                    pass
                """.formatted(marker);
        AtomicBoolean sawChild = new AtomicBoolean();
        Thread watcher = Thread.ofVirtual().start(() -> {
            try {
                while (!sawChild.get()) {
                    sawChild.set(running(marker));
                    Thread.sleep(50);
                }
            } catch (InterruptedException e) {
                // the run is over
            }
        });
        long t0 = System.nanoTime();
        ToolOutput out = run(tool(", \"timeout_ms\": 2000"), code);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        watcher.interrupt();
        watcher.join();

        assertEquals(ToolOutput.Outcome.TIMEOUT, out.outcome());
        assertEquals("{\"exit_code\":null,\"timed_out\":true,\"output_cut\":false,\"stdout\":\"started\\n\",\"stderr\":\"\"}", out.content());
        assertTrue(ms >= 1900 && ms < 20_000, "took " + ms + " ms");
        assertTrue(sawChild.get(), "the child ran (so that its absence below means something)");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (running(marker) && System.nanoTime() < deadline) Thread.sleep(50); // a kill is asynchronous: poll with a deadline
        assertFalse(running(marker), "the child was killed with its parent");
    }

    /**
     * A killed run's stderr is the code's alone. util-linux unshare, when it sees its child die of
     * SIGKILL, writes "sigprocmask unblock failed" to the stderr it shares with the code (on
     * hosts whose kernel refuses to unblock SIGKILL); a kill that reached the child before the
     * wrapper let it do so now and then (once in CI). As many runs at once as the gateway allows
     * make the window likelier; the order itself is checked in PythonSandboxKillTest. Killing the
     * wrapper through Process rather than ProcessHandle closed the pipes under their readers:
     * "Stream closed" here.
     */
    @Test
    void aKilledRun_hasNoWordOfTheSandboxInItsStderr() throws Exception {
        PythonSandbox sandbox = sandbox(Calls.tool("{\"name\": \"py\", \"type\": \"python\", \"enabled\": true}"));
        List<Thread> runs = new java.util.ArrayList<>();
        List<String> stderrs = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        for (int i = 0; i < PythonTool.MAX_CONCURRENT_RUNS; i++) {
            runs.add(Thread.ofVirtual().start(() -> {
                for (int j = 0; j < 12; j++) {
                    try {
                        PythonSandbox.Result r = sandbox.run("while True:\n    pass\n", System.nanoTime() + 100_000_000L, null, 4096);
                        stderrs.add(r.timedOut() + " " + new String(r.stderr().bytes(), UTF_8));
                    } catch (IOException e) {
                        stderrs.add(e.toString());
                    }
                }
            }));
        }
        for (Thread r : runs) r.join();
        assertEquals(PythonTool.MAX_CONCURRENT_RUNS * 12, stderrs.size());
        assertEquals(List.of(), stderrs.stream().filter(e -> !e.equals("true ")).toList());
    }

    private static boolean running(String marker) {
        return ProcessHandle.allProcesses().anyMatch(h -> h.isAlive() && h.info().commandLine().map(c -> c.contains(marker)).orElse(false));
    }

    @Test
    void aFlood_isCutAtTheCap_andStopped() {
        long t0 = System.nanoTime();
        ToolOutput out = run(tool(", \"max_output_bytes\": 4096, \"timeout_ms\": 60000"), "while True:\n    print('x' * 1000)\n");
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(30).toNanos(), "stopped at the cap, not at the timeout");
        assertEquals(ToolOutput.Outcome.ERROR, out.outcome());
        assertTrue(out.content().getBytes(UTF_8).length <= 4096, "length " + out.content().length());
        Map<?, ?> r = result(out);
        assertEquals(true, r.get("output_cut"));
        assertEquals(false, r.get("timed_out"));
        assertNull(r.get("exit_code"));
        assertTrue(((String) r.get("stdout")).startsWith("x".repeat(1000) + "\n") && ((String) r.get("stdout")).endsWith("\n[output cut]"));
    }

    @Test
    void theCodeInheritsNoEnvironment() {
        Map<?, ?> r = result(run(tool(""), "import os, json\nprint(json.dumps(dict(os.environ)))\nprint(os.getcwd())"));
        String[] lines = ((String) r.get("stdout")).split("\n");
        Map<?, ?> env = (Map<?, ?>) Json.parse(lines[0]);
        assertEquals(List.of("HOME", "LANG", "PATH", "TMPDIR"), env.keySet().stream().map(Object::toString).sorted().toList());
        assertEquals(PythonSandbox.SAFE_PATH, env.get("PATH"));
        assertEquals("C.UTF-8", env.get("LANG"));
        assertEquals(lines[1], env.get("HOME"), "HOME is the scratch directory");
        assertEquals(lines[1], env.get("TMPDIR"));
        assertNotEquals(System.getProperty("user.home"), env.get("HOME"));
    }

    @Test
    void theCodeCannotSeeTheGatewaysProcess_norItsEnvironment_evenByUnmountingProc() {
        // The gateway's environment holds its keys (TOLLGATE_API_KEY, ${VAR} references); the
        // code runs as the gateway's user, so the host's /proc/<pid>/environ would be readable.
        long gateway = ProcessHandle.current().pid();
        String code = """
                import os, json
                pid = %d
                r = {"seen": os.path.exists(f"/proc/{pid}")}
                try:
                    r["environ"] = len(open(f"/proc/{pid}/environ", "rb").read())
                except OSError as e:
                    r["environ"] = e.errno
                try:
                    import ctypes
                    r["unmounted"] = ctypes.CDLL(None, use_errno=True).umount2(b"/proc", 2) == 0
                except Exception as e:
                    r["unmounted"] = repr(e)
                r["seen_after"] = os.path.exists(f"/proc/{pid}")
                r["pids"] = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
                print(json.dumps(r))
                """.formatted(gateway);
        Map<?, ?> r = (Map<?, ?>) Json.parse((String) result(run(tool(""), code)).get("stdout"));
        assertEquals(false, r.get("seen"), r.toString());
        assertEquals(false, r.get("seen_after"), "umount /proc must not uncover the host's: " + r);
        assertNotEquals(true, r.get("unmounted"), r.toString());
        assertTrue(((List<?>) r.get("pids")).size() <= 3, "only the sandbox's own processes: " + r);
    }

    @Test
    void theCodeInheritsNoOpenFileOfTheGateway(@TempDir Path dir) throws IOException {
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             var data = Files.newOutputStream(dir.resolve("ledger.jsonl"))) {
            data.write(1);
            String code = """
                    import os, json
                    fds = {}
                    for fd in os.listdir("/proc/self/fd"):
                        try:
                            fds[fd] = os.readlink("/proc/self/fd/" + fd)
                        except OSError:
                            pass
                    print(json.dumps(fds))
                    """;
            Map<?, ?> fds = (Map<?, ?>) Json.parse((String) result(run(tool(""), code)).get("stdout"));
            assertEquals("/dev/null", fds.get("0"), fds.toString());
            for (var e : fds.entrySet()) {
                if (List.of("0", "1", "2").contains(e.getKey())) continue;
                // The one the listing itself opened (/proc/<pid>/fd) may be there; nothing else.
                assertTrue(e.getValue().toString().startsWith("/proc/"), "an inherited descriptor: " + fds);
            }
        }
    }

    @Test
    void memoryPastTheCap_raisesMemoryError() {
        Map<?, ?> r = result(run(tool(", \"memory_mb\": 256"), "b = bytearray(1 << 30)\nprint('allocated')"));
        assertEquals("1", r.get("exit_code").toString());
        assertEquals("", r.get("stdout"));
        assertTrue(((String) r.get("stderr")).contains("MemoryError"), (String) r.get("stderr"));
        Map<?, ?> small = result(run(tool(", \"memory_mb\": 256"), "b = bytearray(64 << 20)\nprint(len(b))"));
        assertEquals(String.valueOf(64 << 20) + "\n", small.get("stdout"), "within the cap it works");
    }

    @Test
    void theScratchDirectory_isRemovedAfterwards_andLinksOutOfItNotFollowed(@TempDir Path outside) throws IOException {
        Path precious = Files.writeString(outside.resolve("precious.txt"), "keep me");
        String code = """
                import os
                print(os.getcwd())
                os.makedirs("a/b/c")
                open("a/b/c/data.bin", "wb").write(b"x" * 100000)
                os.symlink(%s, "link")
                """.formatted(Json.toString(precious.toString()));
        Map<?, ?> r = result(run(tool(""), code));
        assertEquals("0", r.get("exit_code").toString(), r.toString());
        Path scratch = Path.of(((String) r.get("stdout")).strip());
        assertTrue(scratch.getFileName().toString().startsWith("tollgate-python-"), scratch.toString());
        assertTrue(scratch.startsWith(Path.of(System.getProperty("java.io.tmpdir")).toRealPath()) || scratch.startsWith(
                Path.of(System.getProperty("java.io.tmpdir"))), scratch.toString());
        assertFalse(Files.exists(scratch), "removed: " + scratch);
        assertEquals("keep me", Files.readString(precious));
    }

    @Test
    void withNetworkDeny_noConnectionLeaves_andWithAllowItDoes() throws IOException {
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            listener.setSoTimeout(200);
            String code = """
                    import socket
                    try:
                        socket.create_connection(("127.0.0.1", %d), timeout=5).close()
                        print("connected")
                    except OSError as e:
                        print("blocked", e.errno)
                    """.formatted(listener.getLocalPort());
            String denied = (String) result(run(tool(""), code)).get("stdout");
            assertTrue(denied.startsWith("blocked"), denied);
            assertThrows(SocketTimeoutException.class, listener::accept, "nothing reached the listener");

            assertEquals("connected\n", result(run(tool(", \"network\": \"allow\""), code)).get("stdout"), "the test can see a connection");
        }
    }

    @Test
    void aCancelledCall_stopsTheCode() {
        Cancellation c = new Cancellation();
        Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(300); // whenever it comes, the run ends cancelled: no race to lose
            } catch (InterruptedException e) {
                return;
            }
            c.cancel();
        });
        long t0 = System.nanoTime();
        ToolOutput out = tool("").run(Calls.call(Json.toString(Map.of("code", "import time\ntime.sleep(600)")), Duration.ofSeconds(60), c));
        assertEquals(ToolOutput.Outcome.CANCELLED, out.outcome());
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(20).toNanos());
    }

    @Test
    void codeThatIsNotAString_isAnErrorNamingIt() {
        assertEquals(new ToolOutput("invalid arguments for py: $.code: expected a string (the program)", ToolOutput.Outcome.ERROR, 0),
                tool("").run(Calls.call("{\"source\": \"print(1)\"}")));
    }

    @Test
    void aHostWithoutUnshare_refusesNetworkDeny_andRunsAllowWithoutIsolation(@TempDir Path bin) throws IOException {
        Files.createSymbolicLink(bin.resolve("python3"), PythonHost.find("python3", System.getenv("PATH")));
        ToolConfig deny = Calls.tool("{\"name\": \"py\", \"type\": \"python\", \"enabled\": true}");
        ConfigException e = assertThrows(ConfigException.class, () -> PythonHost.probe(deny, "tools[3]", bin.toString()));
        assertTrue(e.getMessage().startsWith("tools[3].network: python tool \"py\": \"deny\" needs Linux user, pid, mount and network namespaces"),
                e.getMessage());
        assertTrue(e.getMessage().contains("unshare is not found") && e.getMessage().contains("set \"network\": \"allow\""), e.getMessage());

        ToolConfig allow = Calls.tool("{\"name\": \"py\", \"type\": \"python\", \"enabled\": true, \"network\": \"allow\"}");
        PythonSandbox direct = PythonHost.probe(allow, "tools[3]", bin.toString());
        assertFalse(direct.command().contains("--user"));
        ToolOutput out = run(new PythonTool(allow, direct), "import os\nprint(sorted(os.environ))");
        assertEquals("['HOME', 'LANG', 'PATH', 'TMPDIR']\n", result(out).get("stdout"));
    }

    @Test
    void unshareWithoutSetpriv_isNoIsolation_forTheCodeCouldUnmountItsProc(@TempDir Path bin) throws IOException {
        Path unshare = PythonHost.find("unshare", System.getenv("PATH"));
        assumeTrue(unshare != null, "no unshare here");
        Files.createSymbolicLink(bin.resolve("python3"), PythonHost.find("python3", System.getenv("PATH")));
        Files.createSymbolicLink(bin.resolve("unshare"), unshare);
        ToolConfig deny = Calls.tool("{\"name\": \"py\", \"type\": \"python\", \"enabled\": true}");
        ConfigException e = assertThrows(ConfigException.class, () -> PythonHost.probe(deny, "tools[0]", bin.toString()));
        assertTrue(e.getMessage().startsWith("tools[0].network: ") && e.getMessage().contains("(setpriv is not found on the gateway's PATH)"),
                e.getMessage());
    }

    @Test
    void anInterpreterThatDoesNotRun_stopsTheStart_namingTheTool() {
        ConfigException missing = assertThrows(ConfigException.class, () -> Tools.build(Calls.config(
                "{\"name\": \"h\", \"type\": \"http\", \"url\": \"http://127.0.0.1:1\"},"
                        + " {\"name\": \"py\", \"type\": \"python\", \"enabled\": true, \"command\": [\"/nonexistent/python3\"]}"),
                null, null, null, null));
        assertEquals("tools[1].command: python tool \"py\": \"/nonexistent/python3\" is not an executable file", missing.getMessage());
        ConfigException broken = assertThrows(ConfigException.class, () -> Tools.build(Calls.config(
                "{\"name\": \"py\", \"type\": \"python\", \"enabled\": true, \"network\": \"allow\", \"command\": [\"python3\", \"-c\","
                        + " \"raise SystemExit(5)\"]}"), null, null, null, null));
        assertTrue(broken.getMessage().startsWith("tools[0].command: python tool \"py\": \"python3 -c raise SystemExit(5)\" did not run a"
                + " probe: exit code 5"), broken.getMessage());
    }
}
