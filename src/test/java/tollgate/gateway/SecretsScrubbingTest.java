package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static tollgate.gateway.ChatStreamTest.C1;
import static tollgate.gateway.ChatStreamTest.C2;
import static tollgate.gateway.ChatStreamTest.chunk;
import static tollgate.gateway.FakeUpstream.DONE;
import static tollgate.gateway.FakeUpstream.data;
import static tollgate.gateway.GatewayHarness.UPSTREAM_KEY;
import static tollgate.gateway.GatewayHarness.chat;
import static tollgate.gateway.GatewayHarness.errorJson;
import static tollgate.gateway.GatewayHarness.sseData;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The provider's key (and the upstream's address, in errors) never reaches a client, whichever
 * way the upstream relays it: an error body, an error event in a stream, a completion's content,
 * a stream chunk. An upstream that echoes the request's Authorization header is not far-fetched:
 * debugging proxies and some self-hosted servers do.
 */
class SecretsScrubbingTest extends GatewayTestBase {

    private String host() { return upstream.url().substring("http://".length()); }

    @Test
    void errorBody_keyAndHostAreReplaced() throws Exception {
        upstream.respondWith(FakeUpstream.json(400, "{\"error\":{\"message\":\"Header 'Authorization: Bearer " + UPSTREAM_KEY
                + "' not valid for " + host() + "\"}}"));

        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("gpt-4o-mini", false));

        assertEquals(400, r.statusCode());
        assertEquals(errorJson("Provider 'openai' rejected the request (HTTP 400): Header 'Authorization: Bearer [redacted]' "
                + "not valid for [upstream host]", "invalid_request_error", null, 400), r.body());
    }

    @Test
    void errorBody_piecesAndBase64FormsAreReplaced() throws Exception {
        String basic = Base64.getEncoder().encodeToString(UPSTREAM_KEY.getBytes(StandardCharsets.UTF_8));
        String piece = UPSTREAM_KEY.substring(0, 14);
        upstream.respondWith(FakeUpstream.json(400, "{\"error\":{\"message\":\"got " + basic + " and " + piece + "...\"}}"));

        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("gpt-4o-mini", false));

        assertEquals(errorJson("Provider 'openai' rejected the request (HTTP 400): got [redacted] and [redacted]...",
                "invalid_request_error", null, 400), r.body());
    }

    @Test
    void errorEventInAStream_keyIsReplaced() throws Exception {
        // After content (C2), so that the error reaches the client as an event rather than as
        // the HTTP error of an attempt that failed before any content.
        upstream.respondWith(FakeUpstream.sse(data(C1), data(C2),
                data("{\"error\":{\"message\":\"key " + UPSTREAM_KEY + " was revoked\",\"type\":\"server_error\"}}")));

        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("gpt-4o-mini", true));

        List<String> events = sseData(r.body());
        assertEquals(errorJson("Provider 'openai' reported an error: key [redacted] was revoked", "upstream_error", null, 502),
                events.get(events.size() - 1));
        assertFalse(r.body().contains(UPSTREAM_KEY));
    }

    @Test
    void completionContent_keyIsReplaced() throws Exception {
        upstream.respondWith(FakeUpstream.json(200, ChatPassThroughTest.UPSTREAM_COMPLETION.replace("\"content\":\"",
                "\"content\":\"your header was Bearer " + UPSTREAM_KEY + ". ")));

        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("gpt-4o-mini", false));

        assertEquals(200, r.statusCode());
        assertFalse(r.body().contains(UPSTREAM_KEY), r.body());
        assertEquals(1, r.body().split("your header was Bearer \\[redacted\\]\\. ", -1).length - 1, r.body());
    }

    @Test
    void streamChunk_keyIsReplaced() throws Exception {
        upstream.respondWith(FakeUpstream.sse(data(C1), data(chunk("{\"content\":\"echo: " + UPSTREAM_KEY + "\"}", "null")), DONE));

        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("gpt-4o-mini", true));

        assertFalse(r.body().contains(UPSTREAM_KEY), r.body());
        assertEquals(ChatStreamTest.relayed(chunk("{\"content\":\"echo: [redacted]\"}", "null"), false), sseData(r.body()).get(1));
    }
}
