package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.GatewayHarness.AUTH;
import static tollgate.gateway.GatewayHarness.chat;
import static tollgate.gateway.GatewayHarness.errorJson;
import static tollgate.gateway.GatewayHarness.obj;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The admin API seen from outside: keys created, listed, changed, topped up and revoked over
 * HTTP take effect on the very next client request; the admin token guards it all and nothing
 * else opens it; {@code GET /admin/usage} reports every key's usage by day, model and key.
 */
class AdminApiTest extends GatewayTestBase {
    static final String ADMIN_TOKEN = "admin-token-0123456789abcdef";
    static final String ADMIN = "Bearer " + ADMIN_TOKEN;
    static final String ADMIN_CONFIG = "{\n  \"accounts\": {\"admin_token\": \"" + ADMIN_TOKEN + "\"},"
            + GatewayHarness.STANDARD_CONFIG.substring(GatewayHarness.STANDARD_CONFIG.indexOf('{') + 1);
    static final String SET_FIELDS = "allow, credits, deny, disabled, expires, max_streams, metadata, name, rpm, tpm";
    /** A key's state as created with {@code "credits": null}: unlimited, no limits. */
    static final String FRESH_UNLIMITED = "\"expires\":null,\"credits\":null,\"spent\":0,\"balance\":null,\"held\":0,"
            + "\"streams\":0,\"rpm\":0,\"tpm\":0,\"max_streams\":0,\"allow\":[],\"deny\":[],\"metadata\":{}";

    @Override
    GatewayHarness startGateway(FakeUpstream upstream) throws Exception {
        return GatewayHarness.builder(upstream.url(), dataDir).config(ADMIN_CONFIG).start();
    }

    HttpResponse<String> admin(String method, String path, String body) throws Exception {
        return gw.send(gw.request(path, "Authorization", ADMIN).method(method, body == null
                ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build());
    }

    /** Creates a key; checks the 201 and returns its body. */
    Map<String, Object> create(String fields) throws Exception {
        HttpResponse<String> r = admin("POST", "/admin/keys", fields);
        assertEquals(201, r.statusCode(), r.body());
        Map<String, Object> key = obj(r.body());
        assertEquals("/admin/keys/" + key.get("id"), r.headers().firstValue("location").orElseThrow());
        return key;
    }

    /**
     * A key as the admin API shows it ({@link tollgate.account.KeyView}): {@code created}'s identity, {@code status}
     * ({@code active}, {@code revoked} or {@code expired}), then {@code state} (from {@code expires} on).
     */
    static String keyJson(Map<String, Object> created, String name, String status, String state) {
        return keyJson(created, false, name, status, state);
    }

    /** As {@link #keyJson(Map, String, String, String)}, with the secret when {@code withSecret} (the creation's answer). */
    static String keyJson(Map<String, Object> created, boolean withSecret, String name, String status, String state) {
        return "{\"id\":\"" + created.get("id") + (withSecret ? "\",\"key\":\"" + created.get("key") : "") + "\",\"name\":\"" + name
                + "\",\"prefix\":\"" + created.get("prefix") + "\",\"status\":\"" + status + "\",\"created\":\"" + created.get("created")
                + "\"," + state + "}";
    }

    static String clientAuth(Map<String, Object> created) {
        return "Bearer " + created.get("key");
    }

    @Test
    void aCreatedKey_worksAtOnce_andItsSecretIsShownOnlyInTheCreation() throws Exception {
        Instant before = Instant.now().minusSeconds(1);
        HttpResponse<String> r = admin("POST", "/admin/keys", "{\"name\":\"alice\",\"credits\":1000,\"metadata\":{\"team\":\"a\"}}");

        assertEquals(201, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        assertEquals("no-store", r.headers().firstValue("cache-control").orElseThrow());
        Map<String, Object> created = obj(r.body());
        String id = (String) created.get("id"), secret = (String) created.get("key");
        assertTrue(id.matches("key_[0-9a-f]{16}"), id);
        assertTrue(secret.matches("sk-tollgate-[0-9a-f]{64}"), secret);
        assertEquals(secret.substring(0, "sk-tollgate-".length() + 6), created.get("prefix"));
        Instant at = Instant.parse((String) created.get("created"));
        assertTrue(!at.isBefore(before) && !at.isAfter(Instant.now()), at.toString());
        assertEquals("/admin/keys/" + id, r.headers().firstValue("location").orElseThrow());
        String state = "\"expires\":null,\"credits\":1000,\"spent\":0,\"balance\":1000,\"held\":0,\"streams\":0,"
                + "\"rpm\":0,\"tpm\":0,\"max_streams\":0,\"allow\":[],\"deny\":[],\"metadata\":{\"team\":\"a\"}";
        assertEquals(keyJson(created, true, "alice", "active", state), r.body());

        HttpResponse<String> chat = gw.postAs("/v1/chat/completions", chat("echo", false), "Authorization", "Bearer " + secret);
        assertEquals(200, chat.statusCode(), chat.body());

        HttpResponse<String> one = admin("GET", "/admin/keys/" + id, null);
        assertEquals(200, one.statusCode());
        assertEquals("no-store", one.headers().firstValue("cache-control").orElseThrow());
        assertEquals(keyJson(created, "alice", "active", state), one.body(), "echo costs nothing: the balance is unchanged");
        HttpResponse<String> all = admin("GET", "/admin/keys", null);
        assertEquals(200, all.statusCode());
        assertEquals("{\"object\":\"list\",\"data\":[" + keyJson(created, "alice", "active", state) + "]}", all.body(),
                "the config's key \"t\" is not managed here");
        String file = Files.readString(dataDir.resolve("keys.json"), StandardCharsets.UTF_8);
        assertTrue(file.contains(id), file);
        assertFalse(file.contains(secret), "the keys file holds the digest only");
        assertFalse(one.body().contains("sha256") || all.body().contains("sha256"));
    }

    @Test
    void changes_topUps_andRevocations_areLiveOnTheNextRequest() throws Exception {
        Map<String, Object> k = create("{\"name\":\"bob\",\"credits\":10}");
        String id = (String) k.get("id");

        HttpResponse<String> patched = admin("PATCH", "/admin/keys/" + id, "{\"rpm\":5,\"name\":\"bobby\"}");
        assertEquals(200, patched.statusCode(), patched.body());
        assertEquals(keyJson(k, "bobby", "active", "\"expires\":null,\"credits\":10,\"spent\":0,\"balance\":10,\"held\":0,"
                + "\"streams\":0,\"rpm\":5,\"tpm\":0,\"max_streams\":0,\"allow\":[],\"deny\":[],\"metadata\":{}"), patched.body());
        HttpResponse<String> limited = gw.postAs("/v1/chat/completions", chat("echo", false), "Authorization", clientAuth(k));
        assertEquals(200, limited.statusCode(), limited.body());
        assertEquals("5", limited.headers().firstValue("x-ratelimit-limit-requests").orElseThrow());

        HttpResponse<String> posted = admin("POST", "/admin/keys/" + id, "{\"expires\":\"2099-01-31\",\"deny\":[\"gpt-*\"]}");
        assertEquals(200, posted.statusCode(), posted.body());
        HttpResponse<String> topup = admin("POST", "/admin/keys/" + id + "/topup", "{\"credits\":5}");
        assertEquals(200, topup.statusCode(), topup.body());
        assertEquals(keyJson(k, "bobby", "active", "\"expires\":\"2099-01-31T00:00:00Z\",\"credits\":15,\"spent\":0,"
                + "\"balance\":15,\"held\":0,\"streams\":0,\"rpm\":5,\"tpm\":0,\"max_streams\":0,\"allow\":[],\"deny\":[\"gpt-*\"],"
                + "\"metadata\":{}"), topup.body());

        HttpResponse<String> revoked = admin("POST", "/admin/keys/" + id + "/revoke", null);
        assertEquals(200, revoked.statusCode(), revoked.body());
        assertEquals(topup.body().replace("\"status\":\"active\"", "\"status\":\"revoked\""), revoked.body());
        HttpResponse<String> refused = gw.postAs("/v1/chat/completions", chat("echo", false), "Authorization", clientAuth(k));
        assertEquals(401, refused.statusCode());
        assertEquals(errorJson("This API key has been revoked.", "authentication_error", null, 401), refused.body());

        Map<String, Object> other = create("{\"name\":\"carol\",\"credits\":\"unlimited\"}");
        HttpResponse<String> deleted = admin("DELETE", "/admin/keys/" + other.get("id"), null);
        assertEquals(200, deleted.statusCode(), deleted.body());
        assertEquals(keyJson(other, "carol", "revoked", FRESH_UNLIMITED), deleted.body());
        assertEquals(401, gw.postAs("/v1/chat/completions", chat("echo", false), "Authorization", clientAuth(other)).statusCode());
    }

    @Test
    void aPricedRequest_isChargedToTheKeysBalance() throws Exception {
        upstream.respondWith(FakeUpstream.json(200, ChatPassThroughTest.UPSTREAM_COMPLETION));
        Map<String, Object> k = create("{\"name\":\"dave\",\"credits\":5}");

        // 9 prompt and 12 completion tokens of gpt-4o-mini: 0.00000855 USD, one credit rounded up.
        String body = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
        HttpResponse<String> r = gw.postAs("/v1/chat/completions", body, "Authorization", clientAuth(k));
        assertEquals(200, r.statusCode(), r.body());

        assertEquals(keyJson(k, "dave", "active", "\"expires\":null,\"credits\":5,\"spent\":1,\"balance\":4,\"held\":0,"
                + "\"streams\":0,\"rpm\":0,\"tpm\":0,\"max_streams\":0,\"allow\":[],\"deny\":[],\"metadata\":{}"),
                admin("GET", "/admin/keys/" + k.get("id"), null).body());
        assertEquals("day,model,key,key_name,requests,errors,prompt_tokens,completion_tokens,cost_usd,savings_usd,credits\n"
                + UsageLedgerTest.today() + ",gpt-4o-mini," + k.get("id") + ",dave,1,0,9,12,0.00000855,0,1\n",
                admin("GET", "/admin/usage?format=csv&key=" + k.get("id"), null).body());
    }

    @Test
    void onlyTheAdminToken_opensTheAdminApi() throws Exception {
        Map<String, Object> k = create("{\"name\":\"eve\"}");
        String[][] refused = {
                {null, "Missing admin token: send it as \"Authorization: Bearer <admin token>\"."},
                {AUTH, "Invalid admin token."},
                {clientAuth(k), "Invalid admin token."},
                {"Bearer " + ADMIN_TOKEN + "x", "Invalid admin token."},
                {"Basic " + ADMIN_TOKEN, "Malformed Authorization header: expected \"Bearer <admin token>\"."},
        };
        for (String[] c : refused) {
            for (String path : new String[] {"/admin/keys", "/admin/usage"}) {
                HttpResponse<String> r = c[0] == null ? gw.get(path) : gw.get(path, "Authorization", c[0]);
                assertEquals(401, r.statusCode(), c[0]);
                assertEquals("Bearer", r.headers().firstValue("www-authenticate").orElseThrow());
                assertEquals(errorJson(c[1], "authentication_error", null, 401), r.body());
            }
        }
        assertEquals(200, gw.get("/admin/keys", "Authorization", "bearer " + ADMIN_TOKEN).statusCode());
        HttpResponse<String> notHere = gw.get("/v1/admin/keys", "Authorization", ADMIN);
        assertEquals(404, notHere.statusCode());
        assertEquals(errorJson("Unknown path GET /v1/admin/keys. Did you mean /admin/keys?", "not_found_error", null, 404), notHere.body());
    }

    @Test
    void withoutAnAdminToken_theAdminApiIsOff() throws Exception {
        gw.close();
        gw = GatewayHarness.start(upstream, dataDir); // the standard config: no "accounts" section
        String off = errorJson("The admin API is off: set the TOLLGATE_ADMIN_TOKEN environment variable (read by \"accounts\": "
                + "{\"admin_token\": \"${TOLLGATE_ADMIN_TOKEN}\"} in the config), or accounts.admin_token_sha256, and restart the "
                + "gateway.", "permission_error", null, 403);
        for (String path : new String[] {"/admin/keys", "/admin/keys/key_0123456789abcdef", "/admin/usage"}) {
            HttpResponse<String> r = gw.get(path, "Authorization", ADMIN);
            assertEquals(403, r.statusCode(), path);
            assertEquals(off, r.body());
            assertEquals(off, gw.get(path).body(), "with no token at all either");
        }
    }

    @Test
    void unknownIds_badFields_andWrongMethods_areOpenAIErrors() throws Exception {
        String nope = errorJson("No key with id 'key_nope'.", "not_found_error", null, 404);
        for (String[] c : new String[][] {{"GET", "/admin/keys/key_nope", null}, {"PATCH", "/admin/keys/key_nope", "{\"rpm\":1}"},
                {"POST", "/admin/keys/key_nope/topup", "{\"credits\":1}"}, {"POST", "/admin/keys/key_nope/revoke", null},
                {"PATCH", "/admin/keys/key_nope", "{not json"}, {"POST", "/admin/keys/key_nope/topup", "{\"credits\":0}"},
                {"DELETE", "/admin/keys/key_nope", null}, {"GET", "/admin/keys/t", null}, {"PATCH", "/admin/keys/t", "{\"rpm\":-1}"}}) {
            HttpResponse<String> r = admin(c[0], c[1], c[2]);
            assertEquals(404, r.statusCode(), c[0] + " " + c[1]);
            assertEquals(c[1].endsWith("/t") ? nope.replace("key_nope", "t") : nope, r.body());
        }

        Map<String, Object> k = create("{\"name\":\"frank\",\"credits\":null}");
        String path = "/admin/keys/" + k.get("id");
        assertBad(admin("PATCH", path, "{\"rpm\":-5}"), "rpm: expected a whole number ≥ 0, got -5", "rpm");
        assertBad(admin("PATCH", path, "{\"colour\":\"red\"}"), "unknown field 'colour'; allowed: " + SET_FIELDS, "colour");
        assertBad(admin("POST", "/admin/keys", "{\"disabled\":true}"),
                "unknown field 'disabled'; allowed: allow, credits, deny, expires, max_streams, metadata, name, rpm, tpm", "disabled");
        assertBad(admin("POST", "/admin/keys", "{\"metadata\":{\"team\":7}}"), "metadata.team: expected a string", "metadata.team");
        assertBad(admin("PATCH", path, "[1]"), "The request body must be a JSON object of key fields.", null);
        assertBad(admin("POST", path + "/topup", "{\"credits\":0}"), "credits: a top-up must be a whole number ≥ 1, got 0", "credits");
        assertBad(admin("POST", path + "/topup", "{\"credits\":1.5}"), "credits: a top-up must be a whole number ≥ 1, got 1.5",
                "credits");
        assertBad(admin("POST", path + "/topup", "{\"credits\":1,\"note\":\"x\"}"), "unknown field 'note'; allowed: credits", "note");
        assertBad(admin("POST", path + "/topup", "{\"credits\":1}"),
                "key '" + k.get("id") + "' has unlimited credits; set \"credits\" to give it a balance", null);
        HttpResponse<String> badJson = admin("PATCH", path, "{\"rpm\":");
        assertEquals(400, badJson.statusCode());
        assertTrue(badJson.body().startsWith("{\"error\":{\"message\":\"The request body is not valid JSON: "), badJson.body());
        assertEquals(keyJson(k, "frank", "active", FRESH_UNLIMITED), admin("GET", path, null).body(), "nothing was changed");

        String[][] wrong = {{"PUT", "/admin/keys", "GET, POST", "GET or POST"}, {"PUT", path, "DELETE, GET, PATCH, POST",
                "DELETE or GET or PATCH or POST"}, {"GET", path + "/topup", "POST", "POST"}, {"DELETE", "/admin/usage", "GET", "GET"}};
        for (String[] c : wrong) {
            HttpResponse<String> r = admin(c[0], c[1], null);
            assertEquals(405, r.statusCode(), c[0] + " " + c[1]);
            assertEquals(c[2], r.headers().firstValue("allow").orElseThrow());
            assertEquals(errorJson("Method " + c[0] + " is not allowed on " + c[1] + "; use " + c[3] + ".", "invalid_request_error",
                    null, 405), r.body());
        }
    }

    static void assertBad(HttpResponse<String> r, String message, String param) {
        assertEquals(400, r.statusCode(), r.body());
        assertEquals(errorJson(message, "invalid_request_error", param, 400), r.body());
    }

    static String row(String model, String keyId, String keyName, int requests, int errors, int prompt, int completion, String savings) {
        return "{\"day\":\"" + UsageLedgerTest.today() + "\",\"model\":\"" + model + "\",\"key\":\"" + keyId + "\",\"key_name\":\""
                + keyName + "\",\"requests\":" + requests + ",\"errors\":" + errors + ",\"prompt_tokens\":" + prompt
                + ",\"completion_tokens\":" + completion + ",\"cost\":0,\"savings\":" + savings + ",\"credits\":0}";
    }

    @Test
    void adminUsage_isEveryKeysUsage_byDayModelAndKey() throws Exception {
        Map<String, Object> k = create("{\"name\":\"alice\",\"credits\":100}");
        String id = (String) k.get("id"), day = UsageLedgerTest.today();
        assertEquals(200, gw.post("/v1/chat/completions", chat("echo", false)).statusCode());
        assertEquals(200, gw.post("/v1/chat/completions", chat("echo", true)).statusCode());
        assertEquals(200, gw.postAs("/v1/chat/completions", chat("echo", false), "Authorization", clientAuth(k)).statusCode());
        assertEquals(400, gw.postAs("/v1/chat/completions", chat("no-such-model", false), "Authorization", clientAuth(k)).statusCode());

        HttpResponse<String> r = admin("GET", "/admin/usage", null);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        assertEquals("{\"object\":\"list\",\"key\":null,\"data\":[" + row("echo", id, "alice", 1, 0, 1, 2, "0.00000135") + ","
                + row("echo", "t", "t", 2, 0, 2, 4, "0.0000027") + "," + row("no-such-model", id, "alice", 1, 1, 0, 0, "0") + "],"
                + "\"totals\":{\"requests\":4,\"errors\":1,\"prompt_tokens\":3,\"completion_tokens\":6,\"cost\":0,"
                + "\"savings\":0.00000405,\"credits\":0}}", r.body());

        HttpResponse<String> csv = admin("GET", "/admin/usage?format=csv&from=" + day + "&to=" + day, null);
        assertEquals(200, csv.statusCode(), csv.body());
        assertEquals("text/csv; charset=utf-8", csv.headers().firstValue("content-type").orElseThrow());
        assertEquals("day,model,key,key_name,requests,errors,prompt_tokens,completion_tokens,cost_usd,savings_usd,credits\n"
                + day + ",echo," + id + ",alice,1,0,1,2,0,0.00000135,0\n"
                + day + ",echo,t,t,2,0,2,4,0,0.0000027,0\n"
                + day + ",no-such-model," + id + ",alice,1,1,0,0,0,0,0\n", csv.body());

        assertEquals("{\"object\":\"list\",\"key\":\"t\",\"data\":[" + row("echo", "t", "t", 2, 0, 2, 4, "0.0000027") + "],"
                + "\"totals\":{\"requests\":2,\"errors\":0,\"prompt_tokens\":2,\"completion_tokens\":4,\"cost\":0,"
                + "\"savings\":0.0000027,\"credits\":0}}", admin("GET", "/admin/usage?key=t", null).body());
        assertEquals("day,model,key,key_name,requests,errors,prompt_tokens,completion_tokens,cost_usd,savings_usd,credits\n"
                + day + ",echo," + id + ",alice,1,0,1,2,0,0.00000135,0\n",
                admin("GET", "/admin/usage?format=csv&model=echo&key=" + id, null).body());
        assertEquals("{\"object\":\"list\",\"key\":\"" + id + "\",\"data\":[" + UsageLedgerTest.row("echo", 1, 0, 1, 2, "0", "0.00000135")
                + "," + UsageLedgerTest.row("no-such-model", 1, 1, 0, 0, "0", "0") + "],\"totals\":{\"requests\":2,\"errors\":1,"
                + "\"prompt_tokens\":1,\"completion_tokens\":2,\"cost\":0,\"savings\":0.00000135,\"credits\":0}}",
                gw.get("/api/gateway/usage", "Authorization", clientAuth(k)).body(), "a managed key's own usage, by its id");

        assertBad(admin("GET", "/admin/usage?keys=t", null),
                "Unknown query parameter 'keys'; GET /admin/usage takes: key, from, to, model, format.", "keys");
        assertBad(admin("GET", "/admin/usage?key=", null), "Invalid 'key': expected a key id, got ''.", "key");
        assertBad(admin("GET", "/admin/usage?to=31.12.2026", null),
                "Invalid 'to': expected a date like 2026-12-01, got '31.12.2026'.", "to");
    }
}
