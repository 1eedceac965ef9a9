package tollgate.api;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tollgate.account.Account;
import tollgate.account.Accounts;
import tollgate.account.KeyAdmin;
import tollgate.account.KeyRecord;
import tollgate.account.KeyView;
import tollgate.account.Ledger;
import tollgate.config.AccountsConfig;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.http.HttpCall;
import tollgate.http.Router;
import tollgate.json.Json;
import tollgate.json.JsonNumber;
import tollgate.log.Log;

/**
 * The admin API (issue 9), at the root only and behind the admin token ({@link AdminAuthenticated}):
 * <ul>
 *   <li>{@code GET /admin/keys}: the managed keys (those of {@code keys.json}) with their live
 *       state; {@code POST /admin/keys}: a new key, its secret in the 201 and never again;</li>
 *   <li>{@code GET /admin/keys/{id}}; {@code PATCH} (or {@code POST}) to change it;
 *       {@code POST /admin/keys/{id}/topup} ({@code {"credits": N}}); {@code POST /admin/keys/{id}/revoke}
 *       or {@code DELETE /admin/keys/{id}};</li>
 *   <li>{@code GET /admin/usage}: every key's usage, by day, model and key.</li>
 * </ul>
 * Changes go through {@link KeyAdmin} (the same fields and checks as {@code tollgate keys}), then
 * the keys are reloaded at once rather than left to the file watcher: the response already shows
 * the live account (a new key works, a revoked one is refused, from the next request on). A key of
 * the config file is not managed here: it is changed in the config.
 */
final class AdminEndpoints {
    static final String KEYS = "/admin/keys";
    static final String KEY = KEYS + "/{id}";
    static final String USAGE = "/admin/usage";
    static final List<String> USAGE_PARAMS = List.of("key", "from", "to", "model", "format");

    /** A store operation: reads or changes the keys file. */
    private interface StoreOp<T> {
        T run(KeyAdmin admin) throws IOException;
    }

    private final Accounts accounts;
    private final Ledger ledger;

    private AdminEndpoints(Accounts accounts, Ledger ledger) {
        this.accounts = accounts;
        this.ledger = ledger;
    }

    static void register(Router routes, AccountsConfig config, Accounts accounts, Ledger ledger) {
        AdminEndpoints a = new AdminEndpoints(accounts, ledger);
        byte[] token = config.adminTokenSha256();
        routes.template("GET", KEYS, AdminAuthenticated.require(token, (call, p) -> a.list(call)));
        routes.template("POST", KEYS, AdminAuthenticated.require(token, (call, p) -> a.create(call)));
        routes.template("GET", KEY, AdminAuthenticated.require(token, (call, p) -> a.get(call, p.get(0))));
        Router.Templated set = AdminAuthenticated.require(token, (call, p) -> a.set(call, p.get(0)));
        routes.template("PATCH", KEY, set);
        routes.template("POST", KEY, set); // for clients that cannot send PATCH
        Router.Templated revoke = AdminAuthenticated.require(token, (call, p) -> a.revoke(call, p.get(0)));
        routes.template("DELETE", KEY, revoke);
        routes.template("POST", KEY + "/revoke", revoke);
        routes.template("POST", KEY + "/topup", AdminAuthenticated.require(token, (call, p) -> a.topup(call, p.get(0))));
        routes.template("GET", USAGE, AdminAuthenticated.require(token, (call, p) -> a.usage(call)));
    }

    private void list(HttpCall call) throws IOException {
        List<Object> data = new ArrayList<>();
        for (Account a : accounts.all()) if (a.managed()) data.add(view(a, null));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("object", "list");
        body.put("data", data);
        call.respondJson(200, body);
    }

    private void get(HttpCall call, String id) throws IOException {
        call.respondJson(200, view(live(id), null));
    }

    private void create(HttpCall call) throws IOException {
        Map<String, Object> fields = fields(call);
        KeyAdmin.Created created = store(admin -> admin.create(fields), null);
        reload();
        call.setResponseHeader("Location", KEYS + "/" + created.key().id());
        call.respondJson(201, view(live(created.key().id()), created.secret()));
    }

    private void set(HttpCall call, String id) throws IOException {
        exists(id);
        Map<String, Object> fields = fields(call);
        change(call, id, admin -> admin.set(id, fields));
    }

    /** The body, if any, is not read: a revocation takes no fields. */
    private void revoke(HttpCall call, String id) throws IOException {
        exists(id);
        change(call, id, admin -> admin.revoke(id));
    }

    private void topup(HttpCall call, String id) throws IOException {
        exists(id);
        Map<String, Object> fields = fields(call);
        for (String f : fields.keySet()) {
            if (!f.equals("credits")) throw GatewayException.invalid(f, "unknown field '" + f + "'; allowed: credits");
        }
        long credits;
        try {
            credits = fields.get("credits") instanceof JsonNumber n ? n.longValue() : 0;
        } catch (NumberFormatException e) {
            credits = 0; // a fraction, or beyond a long: refused below as any other non-whole number
        }
        if (credits < 1) {
            throw GatewayException.invalid("credits", "credits: a top-up must be a whole number ≥ 1, got " + fields.get("credits"));
        }
        long n = credits;
        change(call, id, admin -> admin.topup(id, n));
    }

    /**
     * A 404 unless the keys file has the key: checked first, so that an unknown id is a 404
     * whatever the body. (A key removed by hand right after is then a 400 from the change.)
     */
    private void exists(String id) {
        store(admin -> admin.get(id), id);
    }

    /** Applies a change to a managed key, reloads, and answers with the key as it now is. */
    private void change(HttpCall call, String id, StoreOp<KeyRecord> op) throws IOException {
        store(op, null);
        reload();
        call.respondJson(200, view(live(id), null));
    }

    private void usage(HttpCall call) throws IOException {
        UsageEndpoint.Query q = UsageEndpoint.query(call.query(), "GET " + USAGE, USAGE_PARAMS);
        UsageEndpoint.respond(call, q, q.key(), ledger.usage(q.key(), q.from(), q.to(), q.model()), id -> {
            Account a = accounts.get(id);
            return a == null ? null : a.name();
        });
    }

    /** The request's body: a JSON object (bad JSON or another value is a 400). */
    private static Map<String, Object> fields(HttpCall call) throws IOException {
        Map<String, Object> fields = Json.asObject(ChatCompletionsEndpoint.parse(call));
        if (fields == null) throw GatewayException.invalid(null, "The request body must be a JSON object of key fields.");
        return fields;
    }

    /**
     * Runs a store operation: its refusal (an IllegalArgumentException) is a 404 when it is
     * about {@code id} existing, else a 400 naming the field; a keys file that cannot be read or
     * written is a 500 (an IOException would otherwise pass for a client that went away).
     */
    private <T> T store(StoreOp<T> op, String id) {
        try {
            return op.run(accounts.admin());
        } catch (IllegalArgumentException e) {
            if (id != null) throw notFound(id);
            throw GatewayException.invalid(param(e.getMessage()), e.getMessage());
        } catch (IOException e) {
            throw keysFileFailed(e);
        }
    }

    private void reload() {
        try {
            accounts.reload();
        } catch (IOException e) {
            throw keysFileFailed(e);
        }
    }

    private static GatewayException keysFileFailed(IOException e) {
        Log.error("admin_keys_file_failed", "error", e.toString());
        return new GatewayException(ErrorKind.GATEWAY_INTERNAL, "The keys file could not be read or written: " + e.getMessage() + ".");
    }

    /** The live account of a managed key; otherwise a 404. */
    private Account live(String id) {
        Account a = accounts.get(id);
        if (a == null || !a.managed()) throw notFound(id);
        return a;
    }

    private static GatewayException notFound(String id) {
        return new GatewayException(ErrorKind.CALLER_NOT_FOUND, "No key with id '" + UsageEndpoint.clip(id) + "'.");
    }

    /**
     * The field a {@link KeyAdmin} message is about: they read {@code "<field>: ..."} or
     * {@code "unknown field '<field>'; ..."}.
     */
    static String param(String message) {
        String unknown = "unknown field '";
        if (message.startsWith(unknown)) {
            int end = message.indexOf('\'', unknown.length());
            return end < 0 ? null : message.substring(unknown.length(), end);
        }
        int colon = message.indexOf(':');
        if (colon < 0) return null;
        String head = message.substring(0, colon);
        if (KeyAdmin.SET_FIELDS.contains(head) || head.startsWith("metadata.")) return head;
        return head.startsWith("metadata") ? "metadata" : null;
    }

    /**
     * A managed key as the admin API shows it: its definition and live state, never its digest;
     * {@code secret} (the key itself, when just created) after the id, as {@code tollgate keys create} shows it.
     */
    static Map<String, Object> view(Account a, String secret) {
        return KeyView.of(a, System.currentTimeMillis()).toJson(secret);
    }
}
