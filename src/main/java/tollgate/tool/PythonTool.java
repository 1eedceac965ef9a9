package tollgate.tool;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import tollgate.config.ToolConfig;
import tollgate.json.Json;
import tollgate.log.Log;

/**
 * A tool of type {@code python} (off unless {@code enabled}): runs the model's {@code code} in a
 * {@link PythonSandbox} and gives the model
 * {@code {"exit_code", "timed_out", "output_cut", "stdout", "stderr"}} as JSON, at most
 * {@code max_output_bytes} of it ({@code exit_code} null when the sandbox killed the code).
 * Outcome: ok for exit code 0, timeout or cancelled when so stopped, error otherwise (a
 * non-zero exit, output past the cap).
 *
 * <p>At most {@link #MAX_CONCURRENT_RUNS} run at once in the whole gateway (each is a process with
 * up to {@code memory_mb} of memory); a call waits for a slot within its own deadline.
 */
final class PythonTool extends ConfiguredTool {

    /** Python processes running at once, across all python tools: each may take memory_mb and a core. */
    static final int MAX_CONCURRENT_RUNS = 4;
    /** Longest code accepted, in bytes of UTF-8. */
    static final int MAX_CODE_BYTES = 256 * 1024;
    /** Marks stdout or stderr cut (by the reading cap, or to fit the JSON in max_output_bytes). */
    static final String CUT = "\n[output cut]";

    private static final Semaphore RUNS = new Semaphore(MAX_CONCURRENT_RUNS, true);

    private final PythonSandbox sandbox;

    PythonTool(ToolConfig config, PythonSandbox sandbox) {
        super(config, description(config), schema());
        this.sandbox = sandbox;
    }

    private static String description(ToolConfig c) {
        return "Runs Python 3 code in a fresh process and returns its exit code, stdout and stderr as JSON: print what you need to"
                + " see. Limits: " + c.timeout().toMillis() / 1000.0 + " s, " + c.memoryMb() + " MiB of memory, "
                + (c.denyNetwork() ? "no network" : "network allowed") + ", no input; files written go away after the run.";
    }

    private static Map<String, Object> schema() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("type", "object");
        s.put("properties", Map.of("code", Map.of("type", "string", "description", "A complete Python 3 program.")));
        s.put("required", List.of("code"));
        return java.util.Collections.unmodifiableMap(s);
    }

    @Override
    public ToolOutput run(ToolInvocation call) {
        if (!(call.arguments().get("code") instanceof String code)) {
            return ToolOutput.error("invalid arguments for " + name() + ": $.code: expected a string (the program)");
        }
        if (ToolText.utf8Length(code, MAX_CODE_BYTES + 1) > MAX_CODE_BYTES) {
            return ToolOutput.error("invalid arguments for " + name() + ": $.code: longer than " + MAX_CODE_BYTES + " bytes");
        }
        long deadline = deadline(call);
        try {
            if (!acquire(call, deadline)) {
                return call.cancellation() != null && call.cancellation().isCancelled()
                        ? ToolOutput.cancelled("cancelled while waiting for a free python slot")
                        : ToolOutput.timeout("no free python slot within the time limit (" + MAX_CONCURRENT_RUNS + " run at once)");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ToolOutput.cancelled("interrupted while waiting for a free python slot");
        }
        PythonSandbox.Result r;
        try {
            r = sandbox.run(code, deadline, call.cancellation(), config.maxOutputBytes());
        } catch (IOException e) {
            Log.warn("python_failed", "tool", name(), "error", e.toString());
            return ToolOutput.error("the python sandbox could not run the code (" + e.getClass().getSimpleName() + ")");
        } finally {
            RUNS.release();
        }
        String content = render(r, config.maxOutputBytes());
        ToolOutput.Outcome outcome = r.cancelled() ? ToolOutput.Outcome.CANCELLED
                : r.timedOut() ? ToolOutput.Outcome.TIMEOUT
                : r.exitCode() != null && r.exitCode() == 0 && !r.cut() ? ToolOutput.Outcome.OK
                : ToolOutput.Outcome.ERROR;
        return new ToolOutput(content, outcome, 0);
    }

    /** A slot, waiting until the deadline and looking at the cancellation meanwhile; false if none came. */
    private static boolean acquire(ToolInvocation call, long deadline) throws InterruptedException {
        long slice = ToolHttp.CANCEL_CHECK.toNanos();
        while (true) {
            if (call.cancellation() != null && call.cancellation().isCancelled()) return false;
            long left = deadline - System.nanoTime();
            if (left <= 0) return RUNS.tryAcquire();
            if (RUNS.tryAcquire(Math.min(left, slice), TimeUnit.NANOSECONDS)) return true;
        }
    }

    /**
     * The result as JSON of at most {@code maxBytes}: when it is longer, the longer of stdout and
     * stderr loses as many characters from its end as make up the excess in JSON (and is marked
     * {@link #CUT}), until it fits: one round, or a second when the first cut a little short.
     */
    static String render(PythonSandbox.Result r, int maxBytes) {
        String out = r.stdout().text();
        String err = r.stderr().text();
        boolean outCut = r.stdout().cut();
        boolean errCut = r.stderr().cut();
        while (true) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("exit_code", r.exitCode());
            m.put("timed_out", r.timedOut());
            m.put("output_cut", outCut || errCut);
            m.put("stdout", outCut ? out + CUT : out);
            m.put("stderr", errCut ? err + CUT : err);
            String json = Json.toString(m);
            int excess = ToolText.utf8Length(json, Integer.MAX_VALUE) - maxBytes;
            if (excess <= 0 || (out.isEmpty() && err.isEmpty())) return json; // the second cannot happen: caps are >= 256
            int drop = excess + 2 * CUT.length(); // room for a marker, escaped
            if (out.length() >= err.length()) {
                out = withoutJsonBytes(out, drop);
                outCut = true;
            } else {
                err = withoutJsonBytes(err, drop);
                errCut = true;
            }
        }
    }

    /** {@code s} without the shortest tail that takes at least {@code bytes} of JSON (as {@code JsonWriter} escapes it). */
    static String withoutJsonBytes(String s, int bytes) {
        int end = s.length();
        int removed = 0;
        while (end > 0 && removed < bytes) {
            char c = s.charAt(end - 1);
            if (Character.isLowSurrogate(c) && end > 1 && Character.isHighSurrogate(s.charAt(end - 2))) {
                removed += 4;
                end -= 2;
                continue;
            }
            removed += c == '"' || c == '\\' || c == '\n' || c == '\t' || c == '\r' || c == '\b' || c == '\f' ? 2
                    : c < 0x20 || c == 0x2028 || c == 0x2029 ? 6
                    : c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
            end--;
        }
        return s.substring(0, end);
    }
}
