package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.GatewayHarness.errorJson;
import static tollgate.gateway.GatewayHarness.list;
import static tollgate.gateway.GatewayHarness.obj;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.json.Json;

/**
 * Two in-process gateways (two replicas, each its own data directory) on one real redis-server
 * (issue 14): a response stored on one is continued, read and deleted on the other; another key
 * gets the same 400/404 as on one replica; with Redis gone, the other replica simply does not know
 * the response (400 previous_response_not_found), never a 5xx.
 */
class ResponsesSharedGatewayTest extends TwoReplicasTestBase {
    static final String OTHER_KEY = ResponsesGatewayTest.OTHER_KEY;

    @Override
    GatewayHarness.Builder replica(Path dir) {
        return GatewayHarness.builder(upstream.url(), dir)
                .top("keys", "[{\"name\": \"t\", \"key\": \"" + GatewayHarness.CLIENT_KEY + "\"}, {\"name\": \"o\", \"key\": \"" + OTHER_KEY + "\"}]");
    }

    static HttpResponse<String> as(GatewayHarness gw, String key, String method, String path) throws Exception {
        return gw.send(gw.request(path).header("Authorization", "Bearer " + key).method(method, HttpRequest.BodyPublishers.noBody()).build());
    }

    static HttpResponse<String> continued(GatewayHarness gw, String key, String id, String input) throws Exception {
        return gw.postAs("/v1/responses", "{\"model\":\"gpt-4o-mini\",\"previous_response_id\":\"" + id + "\",\"input\":\"" + input + "\"}",
                "Authorization", "Bearer " + key);
    }

    static void json(HttpResponse<String> r) {
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow(), r.body());
    }

    static String notFound(String id) {
        return errorJson("Response with id '" + id + "' not found.", "not_found_error", "response_id", 404);
    }

    static String previousNotFound(String id) {
        return "{\"error\":{\"message\":\"Previous response with id '" + id + "' not found.\",\"type\":\"invalid_request_error\","
                + "\"param\":\"previous_response_id\",\"code\":\"previous_response_not_found\"}}";
    }

    /** A response stored on A (its request drained from the upstream); its create answer. */
    HttpResponse<String> createOnA(String input) throws Exception {
        HttpResponse<String> r = gwA.post("/v1/responses", "{\"model\":\"gpt-4o-mini\",\"input\":\"" + input + "\"}");
        assertEquals(200, r.statusCode(), r.body());
        json(r);
        upstream.takeRequest();
        return r;
    }

    @Test
    void storedOnA_continuedReadAndDeletedOnB() throws Exception {
        HttpResponse<String> created = createOnA("first question");
        Map<String, Object> resp = obj(Json.parse(created.body()));
        String id = (String) resp.get("id");
        // In Redis: the owner's key id and the file, expiring with the store (30 days by default).
        String key = "tollgate:resp:{" + id + "}";
        assertNotEquals(null, redis.command("HGET", key, "body"));
        long pttl = (Long) redis.command("PTTL", key);
        assertTrue(pttl > 29L * 24 * 3600 * 1000 && pttl <= 30L * 24 * 3600 * 1000, "PTTL " + pttl);

        // Continued on B: the upstream sees the earlier turn (A's question and answer) before the new one.
        HttpResponse<String> cont = continued(gwB, GatewayHarness.CLIENT_KEY, id, "second question");
        assertEquals(200, cont.statusCode(), cont.body());
        json(cont);
        assertEquals(id, obj(Json.parse(cont.body())).get("previous_response_id"));
        String sent = upstream.takeRequest().bodyText();
        Map<String, Object> chat = obj(Json.parse(sent));
        var messages = list(chat.get("messages"));
        assertEquals(3, messages.size(), sent);
        assertEquals("{\"role\":\"user\",\"content\":\"first question\"}", Json.toString(messages.get(0)));
        assertEquals("assistant", obj(messages.get(1)).get("role"), sent);
        assertTrue(Json.toString(messages.get(1)).contains("Hello there"), sent);
        assertEquals("{\"role\":\"user\",\"content\":\"second question\"}", Json.toString(messages.get(2)));

        // Read on B: the very response A answered (without the gateway's per-request extension).
        HttpResponse<String> got = as(gwB, GatewayHarness.CLIENT_KEY, "GET", "/v1/responses/" + id);
        assertEquals(200, got.statusCode(), got.body());
        json(got);
        assertEquals(Json.toString(ResponsesGatewayTest.without(resp, "tollgate")), got.body());

        // Another key: the same answers as on one replica, on B, and nothing deleted.
        HttpResponse<String> other = as(gwB, OTHER_KEY, "GET", "/v1/responses/" + id);
        assertEquals(404, other.statusCode());
        json(other);
        assertEquals(notFound(id), other.body());
        HttpResponse<String> otherDelete = as(gwB, OTHER_KEY, "DELETE", "/v1/responses/" + id);
        assertEquals(404, otherDelete.statusCode());
        json(otherDelete);
        assertEquals(notFound(id), otherDelete.body());
        HttpResponse<String> otherCont = continued(gwB, OTHER_KEY, id, "x");
        assertEquals(400, otherCont.statusCode());
        json(otherCont);
        assertEquals(previousNotFound(id), otherCont.body());
        assertEquals(200, as(gwA, GatewayHarness.CLIENT_KEY, "GET", "/v1/responses/" + id).statusCode());

        // Deleted on B: gone on A too (whose file it was), and on B.
        HttpResponse<String> deleted = as(gwB, GatewayHarness.CLIENT_KEY, "DELETE", "/v1/responses/" + id);
        assertEquals(200, deleted.statusCode(), deleted.body());
        json(deleted);
        assertEquals("{\"id\":\"" + id + "\",\"object\":\"response\",\"deleted\":true}", deleted.body());
        HttpResponse<String> goneOnA = as(gwA, GatewayHarness.CLIENT_KEY, "GET", "/v1/responses/" + id);
        assertEquals(404, goneOnA.statusCode());
        json(goneOnA);
        assertEquals(notFound(id), goneOnA.body());
        assertEquals(notFound(id), as(gwB, GatewayHarness.CLIENT_KEY, "GET", "/v1/responses/" + id).body());
        HttpResponse<String> contOnA = continued(gwA, GatewayHarness.CLIENT_KEY, id, "x");
        assertEquals(400, contOnA.statusCode());
        assertEquals(previousNotFound(id), contOnA.body());
        assertEquals(404, as(gwA, GatewayHarness.CLIENT_KEY, "DELETE", "/v1/responses/" + id).statusCode());
        assertNull(redis.command("HGET", key, "body"), "a deleted response's conversation leaves Redis");
    }

    @Test
    void redisKilled_otherReplicaDoesNotKnowIt_noServerError() throws Exception {
        String id = (String) obj(Json.parse(createOnA("kept locally").body())).get("id");
        redis.kill();

        HttpResponse<String> cont = continued(gwB, GatewayHarness.CLIENT_KEY, id, "x");
        assertEquals(400, cont.statusCode(), cont.body());
        json(cont);
        assertEquals(previousNotFound(id), cont.body());
        HttpResponse<String> got = as(gwB, GatewayHarness.CLIENT_KEY, "GET", "/v1/responses/" + id);
        assertEquals(404, got.statusCode());
        assertEquals(notFound(id), got.body());
        // A still serves its own file, and still stores new ones (its files alone).
        HttpResponse<String> onA = as(gwA, GatewayHarness.CLIENT_KEY, "GET", "/v1/responses/" + id);
        assertEquals(200, onA.statusCode(), onA.body());
        assertEquals(id, obj(Json.parse(onA.body())).get("id"));
        HttpResponse<String> more = continued(gwA, GatewayHarness.CLIENT_KEY, id, "more");
        assertEquals(200, more.statusCode(), more.body());
        assertEquals(true, obj(Json.parse(more.body())).get("store"));
    }
}
