package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.GatewayHarness.obj;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.account.UsageRecord;
import tollgate.tool.GatewayTool;
import tollgate.tool.ToolOutput;

/**
 * Each model call of the loop is its own charged request (issue 9's key limits): the credits
 * running out mid-loop end it with 402 after the steps made were charged and recorded, and the
 * key's rate-limit headers reach the response.
 */
class AgentCreditsTest extends AgentTestBase {
    final TestTool lookup = new TestTool("lookup", call -> ToolOutput.ok("42"));

    @Override
    List<GatewayTool> tools() { return List.of(lookup); }

    @Override
    FakeUpstream newUpstream() throws Exception {
        return new FakeUpstream().respondWith(turns(toolCalls("chatcmpl-u1", call("call_l", "lookup", "{}")), text("chatcmpl-u2", "42.")));
    }

    /** A managed key (the gateway watches the keys file), its Authorization header once the gateway knows it. */
    String key(Map<String, Object> fields) throws Exception {
        return new AccountsKeys(gw, dataDir).create(fields);
    }

    /** {@code max_tokens: 100} keeps a call's worst case at 1 credit. */
    static final String ASK = ask(gatewayTool("lookup"), "\"max_tokens\":100");

    @Test
    void creditsRunningOutMidLoop_end402_afterTheStepsMadeWereCharged() throws Exception {
        String auth = key(AccountsGatewayTest.fields("name", "alice", "credits", 1L));

        HttpResponse<String> r = gw.post("/v1/chat/completions", ASK, "Authorization", auth);

        assertEquals(402, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
        assertEquals("insufficient_quota", obj(obj(r.body()).get("error")).get("type"));
        assertEquals(1, upstream.requests().size());
        assertEquals(1, lookup.calls.size(), "the tool of the charged step ran");
        List<UsageRecord> records = ledger();
        assertEquals(2, records.size());
        assertEquals(records.get(0).executionId(), records.get(1).executionId());
        assertEquals(200, records.get(0).status());
        assertEquals(1, records.get(0).credits());
        assertEquals(402, records.get(1).status());
        assertEquals(0, records.get(1).credits());
    }

    @Test
    void streamed_theSame402EndsTheStreamAsAnErrorEvent() throws Exception {
        String auth = key(AccountsGatewayTest.fields("name", "bob", "credits", 1L));

        upstream.respondWith(turns(streamedToolCall("chatcmpl-s1", "call_l", "lookup", "{}"), streamedText("chatcmpl-s2", "x")));
        var response = gw.postStream("/v1/chat/completions", ask(gatewayTool("lookup"), "\"max_tokens\":100,\"stream\":true"),
                "Authorization", auth);
        String text = GatewayHarness.readAll(response.body());

        // The first call's reply was already streaming: the 402 arrives as the stream's error event.
        List<String> events = GatewayHarness.sseData(text);
        Map<String, Object> error = obj(obj(events.get(events.size() - 1)).get("error"));
        assertEquals("insufficient_quota", error.get("type"), text);
        assertTrue(events.stream().noneMatch("[DONE]"::equals));
    }

    @Test
    void streamed_aFirstCallThatCannotBePaid_isAPlain402() throws Exception {
        String auth = key(AccountsGatewayTest.fields("name", "dave", "credits", 0L));

        HttpResponse<String> r = gw.post("/v1/chat/completions", ask(gatewayTool("lookup"), "\"max_tokens\":100,\"stream\":true"),
                "Authorization", auth);

        assertEquals(402, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        assertEquals("insufficient_quota", obj(obj(r.body()).get("error")).get("type"));
        assertEquals(0, upstream.requests().size());
    }

    @Test
    void aKeysRateLimitHeaders_reachTheResponse_andEveryCallCountsAgainstIt() throws Exception {
        String auth = key(AccountsGatewayTest.fields("name", "carol", "rpm", 10L));

        HttpResponse<String> r = gw.post("/v1/chat/completions", ASK, "Authorization", auth);

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
        assertNotNull(r.headers().firstValue("x-ratelimit-limit-requests").orElse(null));
        assertEquals("8", r.headers().firstValue("x-ratelimit-remaining-requests").orElseThrow(), "two model calls were admitted");
    }
}
