package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The fixture of the Anthropic Messages surface tests ({@code POST /v1/messages}, issue 14): the
 * provider-kind gateway ({@link ProviderKindsTestBase}: a fake OpenAI and a fake Anthropic
 * upstream) plus the offline echo provider, and helpers to read Anthropic's named SSE events.
 */
abstract class MessagesTestBase extends ProviderKindsTestBase {
    static final String MESSAGES = "/v1/messages";
    static final Pattern MESSAGE_ID = Pattern.compile("msg_[0-9a-f]{32}");

    static final String CONFIG_WITH_ECHO = CONFIG
            .replace("\"providers\": {", "\"providers\": {\n    \"echo\": {\"kind\": \"echo\"},")
            .replace("\"models\": [", "\"models\": [\n    {\"id\": \"echo\", \"provider\": \"echo\", \"upstream\": \"echo\", "
                    + "\"context_length\": 131072, \"capabilities\": [\"tools\", \"json\", \"stream\"]},");

    @Override
    GatewayHarness startGateway(FakeUpstream upstream) throws Exception {
        return GatewayHarness.builder(upstream.url(), dataDir).config(CONFIG_WITH_ECHO).start();
    }

    /** One SSE event as the client read it: its {@code event:} name (null when none) and its data. */
    record Event(String name, String data) {
        @Override
        public String toString() { return "event: " + name + "\ndata: " + data + "\n"; }
    }

    /** Every event of {@code sse}, comments skipped; fails on a line that is neither a name nor data. */
    static List<Event> events(String sse) {
        List<Event> out = new ArrayList<>();
        for (String block : sse.split("\n\n")) {
            String name = null;
            StringBuilder data = null;
            for (String line : block.split("\n")) {
                if (line.isEmpty() || line.startsWith(":")) continue;
                if (line.startsWith("event: ")) name = line.substring(7);
                else if (line.startsWith("data: ")) data = (data == null ? new StringBuilder() : data.append('\n')).append(line.substring(6));
                else throw new AssertionError("not an SSE line: " + line + " in\n" + sse);
            }
            if (data != null) out.add(new Event(name, data.toString()));
        }
        return out;
    }

    /** The events' names, in order. */
    static List<String> names(List<Event> events) {
        return events.stream().map(Event::name).toList();
    }

    /** An Anthropic error body exactly as the gateway renders it, with the response's own request id. */
    static String anthropicErrorBody(HttpResponse<?> r, String type, String message) {
        String requestId = r.headers().firstValue("request-id").orElseThrow(() -> new AssertionError("no request-id header"));
        assertEquals(requestId, r.headers().firstValue("x-request-id").orElse(null));
        return "{\"type\":\"error\",\"error\":{\"type\":\"" + type + "\",\"message\":" + lit(message) + "},\"request_id\":"
                + lit(requestId) + "}";
    }

    /** Checks status, Content-Type and the whole Anthropic error body. */
    static void assertAnthropicError(HttpResponse<String> r, int status, String type, String message) {
        assertEquals(status, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null));
        assertEquals(anthropicErrorBody(r, type, message), r.body());
    }

    /** The message id of a translated answer: the gateway's own, {@code msg_} and 32 hex digits. */
    static String messageId(String id) {
        assertTrue(MESSAGE_ID.matcher(id).matches(), id);
        return id;
    }
}
