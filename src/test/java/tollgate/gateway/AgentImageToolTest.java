package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static tollgate.gateway.GatewayHarness.list;
import static tollgate.gateway.GatewayHarness.obj;

import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.account.UsageRecord;

/**
 * The configured {@code image_generation} tool inside the agent loop (the seam between the
 * images part and the loop): what its images cost is in the answer's {@code cost} as its
 * credits are in {@code credits_charged}, and in the ledger, once.
 */
class AgentImageToolTest extends AgentTestBase {
    /** 0.04 USD an image: 40 credits at the default 1000 credits per USD. */
    static final String MODELS = """
            [{"id": "gpt-4o-mini", "provider": "openai", "upstream": "gpt-4o-mini-2024-07-18",
              "pricing": {"prompt": "0.00000015", "completion": "0.0000006"}, "capabilities": ["tools", "stream"]},
             {"id": "echo-image", "provider": "echo", "pricing": {"image": "0.04"}, "capabilities": ["images"]}]
            """;

    @Override
    GatewayHarness.Builder builder(FakeUpstream upstream) {
        return super.builder(upstream).top("models", MODELS)
                .top("tools", "[{\"name\": \"image_generation\", \"type\": \"image_generation\", \"model\": \"echo-image\"}]");
    }

    @Override
    FakeUpstream newUpstream() throws Exception {
        return new FakeUpstream().respondWith(turns(
                toolCalls("chatcmpl-i1", call("call_img", "image_generation", "{\"prompt\":\"a red fox\"}")),
                text("chatcmpl-i2", "Here is your fox.")));
    }

    @Test
    void theImagesCost_isInTheAnswersCost_asItsCreditsAreInCreditsCharged() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions", ask(gatewayTool("image_generation"), ""));

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(null), r.body());
        Map<String, Object> ext = ext(r.body());
        List<Object> steps = list(ext.get("steps"));
        Map<String, Object> tool = obj(steps.get(1));
        assertEquals("tool", tool.get("type"), r.body());
        assertEquals("ok", tool.get("outcome"), r.body());
        assertEquals(40L, Long.parseLong(tool.get("credits").toString()), r.body());
        assertEquals(42L, Long.parseLong(ext.get("credits_charged").toString()), "two model calls at 1 credit and one image at 40");
        assertEquals(0, new BigDecimal("0.040054").compareTo(new BigDecimal(ext.get("cost").toString())),
                "two model calls at " + STEP_COST + " USD and one image at 0.04: " + ext.get("cost"));

        List<UsageRecord> records = ledger();
        assertEquals(3, records.size(), "two model calls and the image generation, each recorded once");
        long credits = 0;
        for (UsageRecord u : records) credits += u.credits();
        assertEquals(42, credits);
    }
}
