package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.GatewayHarness.obj;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.tool.GatewayTool;
import tollgate.tool.ToolOutput;

/** A background task runs inside the gateway's memory budget, as a chat request does. */
class TaskMemoryTest extends TaskTestBase {
    /** 1 MB for every request and task at once. */
    static final long BUDGET_BYTES = 1_000_000;
    /** An answer of 2 MB of text: what the loop would add to the task's conversation. */
    final TestTool huge = new TestTool("huge", call -> ToolOutput.ok("z".repeat(2_000_000)));

    @Override
    List<GatewayTool> tools() { return List.of(huge); }

    @Override
    FakeUpstream newUpstream() throws Exception {
        return new FakeUpstream().respondWith(callsThenAnswers(call("call_h", "huge", "{}"), "Done."));
    }

    @Override
    GatewayHarness.Builder builder(FakeUpstream upstream) {
        return super.builder(upstream).server("memory_budget_bytes", BUDGET_BYTES);
    }

    @Test
    void aTaskOutgrowingTheMemoryBudget_failsBusy_andGivesTheBudgetBack() throws Exception {
        String id = createId(task(gatewayTool("huge"), ""));
        Map<String, Object> failed = awaitStatus(id, "failed");
        Map<String, Object> error = obj(failed.get("error"));
        assertEquals("503", String.valueOf(error.get("code")), failed.toString());
        assertTrue(((String) error.get("message")).startsWith("The gateway is busy"), error.toString());
        assertEquals(1, upstream.requests().size(), "the model is not called with what did not fit");

        // What the run held is given back: a request that fits is served.
        var r = gw.post("/v1/neo/tasks", task(gatewayTool("huge"), ""));
        assertEquals(202, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(null));
    }
}
