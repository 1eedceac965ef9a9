package tollgate.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static tollgate.gateway.FakeUpstream.DONE;
import static tollgate.gateway.FakeUpstream.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;
import tollgate.account.Ledger;
import tollgate.account.UsageRecord;
import tollgate.json.Json;
import tollgate.tool.GatewayTool;
import tollgate.tool.ToolInvocation;
import tollgate.tool.ToolOutput;

/**
 * The fixture of the agent loop's gateway tests (issue 12): a fake upstream scripted per model
 * call of an execution (which call it is: the assistant messages in the conversation it is
 * sent), gateway tools scripted in the test ({@link TestTool}), and builders for the upstream's
 * answers. At gpt-4o-mini's prices each model call of 100 prompt and 20 completion tokens costs
 * 0.000027 USD: 1 credit.
 */
abstract class AgentTestBase extends GatewayTestBase {
    static final String UPSTREAM_MODEL = GatewayHarness.UPSTREAM_MODEL;
    static final String STEP_COST = "0.000027";

    /** The gateway tools of the test's gateway. */
    List<GatewayTool> tools() { return List.of(); }

    /** The {@code agent} section, or null for the defaults. */
    String agentSection() { return null; }

    GatewayHarness.Builder builder(FakeUpstream upstream) {
        GatewayHarness.Builder b = GatewayHarness.builder(upstream.url(), dataDir).tools(tools());
        if (agentSection() != null) b.top("agent", agentSection());
        return b;
    }

    @Override
    GatewayHarness startGateway(FakeUpstream upstream) throws Exception {
        return builder(upstream).start();
    }

    // ------------------------------------------------------------------ tools

    /** A gateway tool whose calls the test scripts. */
    static final class TestTool implements GatewayTool {
        final String name;
        final boolean approval;
        final List<String> keys;
        final Function<ToolInvocation, ToolOutput> run;
        final List<ToolInvocation> calls = java.util.Collections.synchronizedList(new ArrayList<>());

        TestTool(String name, boolean approval, List<String> keys, Function<ToolInvocation, ToolOutput> run) {
            this.name = name;
            this.approval = approval;
            this.keys = keys;
            this.run = run;
        }

        TestTool(String name, Function<ToolInvocation, ToolOutput> run) {
            this(name, false, List.of("*"), run);
        }

        @Override public String name() { return name; }
        @Override public String description() { return "The " + name + " tool"; }
        @Override public Map<String, Object> parameters() {
            return GatewayHarness.obj("{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\"}}}");
        }
        @Override public boolean requiresApproval() { return approval; }
        @Override public boolean allows(String keyName) { return keys.contains("*") || keys.contains(keyName); }

        @Override
        public ToolOutput run(ToolInvocation call) {
            calls.add(call);
            return run.apply(call);
        }
    }

    // ------------------------------------------------------------------ the upstream's answers

    /** Which model call of its execution a request is: the assistant messages it carries. */
    static int turn(FakeUpstream.Received r) {
        int n = 0;
        for (Object m : GatewayHarness.list(GatewayHarness.obj(r.bodyText()).get("messages"))) {
            if ("assistant".equals(GatewayHarness.obj(m).get("role"))) n++;
        }
        return n;
    }

    /** Answers each request with the behaviour {@code script} picks for it. */
    static FakeUpstream.Behaviour script(Function<FakeUpstream.Received, FakeUpstream.Behaviour> script) {
        return (ex, up) -> script.apply((FakeUpstream.Received) ex.getAttribute(FakeUpstream.RECEIVED)).respond(ex, up);
    }

    /** The {@code k}-th model call (0-based) of each execution gets {@code answers[k]} (the last one after). */
    static FakeUpstream.Behaviour turns(FakeUpstream.Behaviour... answers) {
        return script(r -> answers[Math.min(turn(r), answers.length - 1)]);
    }

    /** The first answer while {@code test} holds for the request, else the second. */
    static FakeUpstream.Behaviour when(Predicate<FakeUpstream.Received> test, FakeUpstream.Behaviour yes, FakeUpstream.Behaviour no) {
        return script(r -> test.test(r) ? yes : no);
    }

    /** {@code {"id": id, "type": "function", "function": {"name": fn, "arguments": args}}}. */
    static String call(String id, String fn, String args) {
        return "{\"id\":\"" + id + "\",\"type\":\"function\",\"function\":{\"name\":\"" + fn + "\",\"arguments\":" + Json.toString(args)
                + "}}";
    }

    static String toolCallsCompletion(String id, String... calls) {
        return "{\"id\":\"" + id + "\",\"object\":\"chat.completion\",\"created\":1700000000,\"model\":\"" + UPSTREAM_MODEL + "\","
                + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":["
                + String.join(",", calls) + "],\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"tool_calls\"}],"
                + "\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":20,\"total_tokens\":120}}";
    }

    static String textCompletion(String id, String text) {
        return "{\"id\":\"" + id + "\",\"object\":\"chat.completion\",\"created\":1700000001,\"model\":\"" + UPSTREAM_MODEL + "\","
                + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":" + Json.toString(text)
                + ",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":20,\"total_tokens\":120}}";
    }

    static FakeUpstream.Behaviour toolCalls(String id, String... calls) {
        return FakeUpstream.json(200, toolCallsCompletion(id, calls));
    }

    static FakeUpstream.Behaviour text(String id, String text) {
        return FakeUpstream.json(200, textCompletion(id, text));
    }

    static String chunk(String id, String delta, String finish) {
        return "{\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"created\":1700000002,\"model\":\"" + UPSTREAM_MODEL
                + "\",\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"logprobs\":null,\"finish_reason\":" + finish + "}],\"usage\":null}";
    }

    static String usageChunk(String id) {
        return "{\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"created\":1700000002,\"model\":\"" + UPSTREAM_MODEL
                + "\",\"choices\":[],\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":20,\"total_tokens\":120}}";
    }

    /** A streamed answer: a tool call whose arguments come in two pieces. */
    static FakeUpstream.Behaviour streamedToolCall(String id, String callId, String fn, String args) {
        int half = args.length() / 2;
        return FakeUpstream.sse(
                data(chunk(id, "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"index\":0,\"id\":\"" + callId + "\","
                        + "\"type\":\"function\",\"function\":{\"name\":\"" + fn + "\",\"arguments\":\"\"}}]}", "null")),
                data(chunk(id, "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":" + Json.toString(args.substring(0, half))
                        + "}}]}", "null")),
                data(chunk(id, "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":" + Json.toString(args.substring(half))
                        + "}}]}", "null")),
                data(chunk(id, "{}", "\"tool_calls\"")),
                data(usageChunk(id)),
                DONE);
    }

    /** A streamed text answer, one chunk per piece. */
    static FakeUpstream.Behaviour streamedText(String id, String... pieces) {
        List<String> events = new ArrayList<>();
        events.add(data(chunk(id, "{\"role\":\"assistant\",\"content\":\"\"}", "null")));
        for (String p : pieces) events.add(data(chunk(id, "{\"content\":" + Json.toString(p) + "}", "null")));
        events.add(data(chunk(id, "{}", "\"stop\"")));
        events.add(data(usageChunk(id)));
        events.add(DONE);
        return FakeUpstream.sse(events.toArray(String[]::new));
    }

    /** An answer that is an upstream error. */
    static FakeUpstream.Behaviour status(int code) {
        return (ex, up) -> {
            byte[] b = "{\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}".getBytes(UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(code, b.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(b);
            }
        };
    }

    // ------------------------------------------------------------------ reading answers

    /**
     * A streamed answer's text, once its status and Content-Type are what a client's SSE reader
     * needs: a 200 {@code text/event-stream} (an error sent before the stream starts is JSON).
     */
    static String readStream(HttpResponse<InputStream> r) throws IOException {
        String text = GatewayHarness.readAll(r.body());
        assertEquals(200, r.statusCode(), text);
        assertEquals("text/event-stream", r.headers().firstValue("content-type").orElse(null), text);
        return text;
    }

    static Map<String, Object> ext(String body) {
        return GatewayHarness.obj(GatewayHarness.obj(body).get("tollgate"));
    }

    static Map<String, Object> message(String body) {
        return GatewayHarness.obj(GatewayHarness.obj(GatewayHarness.list(GatewayHarness.obj(body).get("choices")).get(0)).get("message"));
    }

    static List<Object> messages(FakeUpstream.Received r) {
        return GatewayHarness.list(GatewayHarness.obj(r.bodyText()).get("messages"));
    }

    /** The ledger's records, in order; the gateway is stopped first (the ledger must not be open). */
    List<UsageRecord> ledger() throws IOException {
        gw.close();
        return ledger(dataDir);
    }

    static List<UsageRecord> ledger(Path dataDir) throws IOException {
        List<UsageRecord> records = new ArrayList<>();
        Ledger.readAll(dataDir, p -> records.add(UsageRecord.fromJson(p)));
        return records;
    }

    /** A chat request for {@code gpt-4o-mini} with these {@code tools} (a JSON array's items). */
    static String ask(String tools, String extra) {
        return "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Go\"}],\"tools\":[" + tools + "]"
                + (extra.isEmpty() ? "" : "," + extra) + "}";
    }

    static String gatewayTool(String name) { return "{\"type\":\"gateway\",\"name\":\"" + name + "\"}"; }

    static String clientFunction(String name) {
        return "{\"type\":\"function\",\"function\":{\"name\":\"" + name + "\",\"parameters\":{\"type\":\"object\"}}}";
    }
}
