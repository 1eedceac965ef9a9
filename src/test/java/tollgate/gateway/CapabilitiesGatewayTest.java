package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static tollgate.gateway.GatewayHarness.errorJson;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * A request that uses what its model's configured {@code capabilities} lack is refused with a
 * 400 naming the field, before anything is sent, whichever provider serves the model.
 */
class CapabilitiesGatewayTest extends ProviderKindsTestBase {
    static final String IMAGE_MESSAGES = "[{\"role\":\"system\",\"content\":\"Describe images.\"},{\"role\":\"user\",\"content\":["
            + "{\"type\":\"text\",\"text\":\"What is in this picture?\"},"
            + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://upload.example.org/cat.png\",\"detail\":\"low\"}}]}]";

    @Test
    void imageToAModelWithoutVision_is400NamingThePart() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions",
                "{\"model\":\"gpt-text\",\"messages\":" + IMAGE_MESSAGES + "}");

        assertEquals(400, r.statusCode(), r.body());
        assertEquals(errorJson("The model 'gpt-text' does not accept images (its capabilities are: tools, json, stream). "
                + "Send text only, or choose a model with vision.", "invalid_request_error", "messages[1].content[1]", 400), r.body());
        assertEquals(0, upstream.requests().size());
    }

    @Test
    void imageToAnAnthropicModelWithoutVision_isRefusedTheSameWay() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions",
                "{\"model\":\"claude-haiku\",\"stream\":true,\"messages\":" + IMAGE_MESSAGES + "}");

        assertEquals(400, r.statusCode(), r.body());
        assertEquals(errorJson("The model 'claude-haiku' does not accept images (its capabilities are: tools, json, stream). "
                + "Send text only, or choose a model with vision.", "invalid_request_error", "messages[1].content[1]", 400), r.body());
        assertEquals(0, upstream.requests().size());
    }

    @Test
    void imageToAModelWithVision_isSent() throws Exception {
        upstream.respondWith(FakeUpstream.json(200, ChatPassThroughTest.UPSTREAM_COMPLETION));

        HttpResponse<String> r = gw.post("/v1/chat/completions",
                "{\"model\":\"gpt-4o-mini\",\"messages\":" + IMAGE_MESSAGES + "}");

        assertEquals(200, r.statusCode(), r.body());
        assertEquals("{\"model\":\"gpt-4o-mini-2024-07-18\",\"messages\":" + IMAGE_MESSAGES + "}", upstream.takeRequest().bodyText());
    }

    @Test
    void toolsToAModelWithoutTools_is400NamingTools() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions", "{\"model\":\"gpt-plain\",\"messages\":"
                + messages(user("Weather?")) + ",\"tools\":" + TOOLS + "}");

        assertEquals(400, r.statusCode(), r.body());
        assertEquals(errorJson("The model 'gpt-plain' does not support tools (its capabilities are: stream). Send the request "
                + "without 'tools', or choose a model with tools.", "invalid_request_error", "tools", 400), r.body());
        assertEquals(0, upstream.requests().size());
    }

    @Test
    void jsonResponseFormatToAModelWithoutJson_is400NamingResponseFormat() throws Exception {
        for (String format : new String[] {"{\"type\":\"json_object\"}",
                "{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"r\",\"schema\":{\"type\":\"object\"}}}"}) {
            HttpResponse<String> r = gw.post("/v1/chat/completions", "{\"model\":\"gpt-plain\",\"messages\":"
                    + messages(user("JSON please")) + ",\"response_format\":" + format + "}");

            assertEquals(400, r.statusCode(), r.body());
            String type = format.contains("json_object") ? "json_object" : "json_schema";
            assertEquals(errorJson("The model 'gpt-plain' does not support JSON output (response_format '" + type + "') "
                    + "(its capabilities are: stream). Use response_format 'text', or choose a model with json.",
                    "invalid_request_error", "response_format", 400), r.body());
        }
        assertEquals(0, upstream.requests().size());
    }
}
