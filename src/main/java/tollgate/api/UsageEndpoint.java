package tollgate.api;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import tollgate.account.Charge;
import tollgate.account.Ledger;
import tollgate.error.GatewayException;
import tollgate.http.HttpCall;
import tollgate.json.JsonNumber;

/**
 * {@code GET /usage}: the calling key's usage from the ledger, by day (UTC) and model asked, with
 * tokens, cost, savings and credits. Query: {@code from}, {@code to} (YYYY-MM-DD, inclusive),
 * {@code model}, {@code format=json|csv}. Unknown parameters are a 400, so a misspelt filter does
 * not silently return everything.
 *
 * <p>The query parsing and the rendering are shared with {@code GET /admin/usage}
 * ({@link AdminEndpoints}), which reports over every key and adds the key's columns.
 */
final class UsageEndpoint implements Authenticated.Inner {
    static final List<String> PARAMS = List.of("from", "to", "model", "format");
    /** Longest query string read, in chars: filters are short. */
    static final int MAX_QUERY_CHARS = 1024;
    /** Longest value quoted back in an error message, in chars. */
    static final int MAX_QUOTED_CHARS = 64;
    static final String CSV_TOTALS = "requests,errors,prompt_tokens,completion_tokens,cost_usd,savings_usd,credits\n";
    static final Ledger.Totals ZERO = new Ledger.Totals(0, 0, 0, 0, BigDecimal.ZERO, BigDecimal.ZERO, 0);

    /**
     * A usage query.
     *
     * @param key   the {@code key} parameter (an id), or null when absent (or not taken)
     * @param from  first day included, or null
     * @param to    last day included, or null
     * @param model only this model (as asked), or null
     * @param csv   CSV rather than JSON
     */
    record Query(String key, LocalDate from, LocalDate to, String model, boolean csv) {}

    private final Ledger ledger;

    UsageEndpoint(Ledger ledger) {
        this.ledger = ledger;
    }

    @Override
    public void handle(HttpCall call, Charge charge) throws IOException {
        String keyId = charge.account().id();
        Query q = query(call.query(), "GET /usage", PARAMS);
        respond(call, q, keyId, ledger.usage(keyId, q.from(), q.to(), q.model()), null);
    }

    /**
     * Answers with {@code rows} as JSON ({@code {"object":"list","key":..,"data":[..],"totals":{..}}})
     * or CSV.
     *
     * @param key   the JSON body's {@code key}: whose usage it is, or null for every key's
     * @param names a key id's name, for reports over several keys: each row then has the key's
     *              id and name ({@code key}, {@code key_name}); null for one key's report
     */
    static void respond(HttpCall call, Query q, String key, List<Map.Entry<Ledger.Key, Ledger.Totals>> rows,
                        Function<String, String> names) throws IOException {
        if (q.csv()) {
            StringBuilder b = new StringBuilder("day,model,").append(names == null ? "" : "key,key_name,").append(CSV_TOTALS);
            for (Map.Entry<Ledger.Key, Ledger.Totals> r : rows) {
                Ledger.Key k = r.getKey();
                Ledger.Totals t = r.getValue();
                b.append(k.day()).append(',').append(csv(k.model())).append(',');
                if (names != null) b.append(csv(k.key())).append(',').append(csv(name(names, k.key()))).append(',');
                b.append(t.requests()).append(',').append(t.errors()).append(',').append(t.promptTokens()).append(',')
                        .append(t.completionTokens()).append(',').append(plain(t.cost())).append(',').append(plain(t.savings()))
                        .append(',').append(t.credits()).append('\n');
            }
            byte[] bytes = b.toString().getBytes(StandardCharsets.UTF_8);
            call.respond(200, "text/csv; charset=utf-8", bytes, bytes.length);
            return;
        }
        List<Object> data = new ArrayList<>(rows.size());
        Ledger.Totals all = ZERO;
        for (Map.Entry<Ledger.Key, Ledger.Totals> r : rows) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("day", r.getKey().day().toString());
            row.put("model", r.getKey().model());
            if (names != null) {
                row.put("key", r.getKey().key());
                row.put("key_name", name(names, r.getKey().key()));
            }
            totals(row, r.getValue());
            data.add(row);
            all = all.plus(r.getValue());
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("object", "list");
        body.put("key", key);
        body.put("data", data);
        Map<String, Object> sum = new LinkedHashMap<>();
        totals(sum, all);
        body.put("totals", sum);
        call.respondJson(200, body);
    }

    /** Requests recorded without a key (none through the HTTP API) have no name either. */
    private static String name(Function<String, String> names, String keyId) {
        return keyId == null ? null : names.apply(keyId);
    }

    private static void totals(Map<String, Object> into, Ledger.Totals t) {
        into.put("requests", t.requests());
        into.put("errors", t.errors());
        into.put("prompt_tokens", t.promptTokens());
        into.put("completion_tokens", t.completionTokens());
        into.put("cost", new JsonNumber(plain(t.cost())));
        into.put("savings", new JsonNumber(plain(t.savings())));
        into.put("credits", t.credits());
    }

    private static String plain(BigDecimal v) {
        return v.signum() == 0 ? "0" : v.stripTrailingZeros().toPlainString();
    }

    /** RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. */
    private static String csv(String s) {
        if (s == null) return "";
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) return s;
        return '"' + s.replace("\"", "\"\"") + '"';
    }

    /**
     * Parses a usage query string strictly: only {@code params}, each a valid value.
     *
     * @param route the route as the client should read it in an error ({@code GET /usage})
     */
    static Query query(String raw, String route, List<String> params) {
        Map<String, String> q = new LinkedHashMap<>();
        if (raw != null && raw.length() > MAX_QUERY_CHARS) {
            throw GatewayException.invalid(null, "The query string is longer than " + MAX_QUERY_CHARS + " characters.");
        }
        for (String pair : raw == null ? new String[0] : raw.split("&")) {
            if (pair.isEmpty()) continue;
            int eq = pair.indexOf('=');
            String name, value;
            try {
                name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw GatewayException.invalid(null, "The query string is not valid percent-encoding.");
            }
            if (!params.contains(name)) {
                throw GatewayException.invalid(name, "Unknown query parameter '" + clip(name) + "'; " + route + " takes: "
                        + String.join(", ", params) + ".");
            }
            q.put(name, value);
        }
        LocalDate from = day(q, "from"), to = day(q, "to");
        String format = q.getOrDefault("format", "json");
        if (!format.equals("json") && !format.equals("csv")) {
            throw GatewayException.invalid("format", "Invalid 'format': expected 'json' or 'csv', got '" + clip(format) + "'.");
        }
        String key = q.get("key");
        if (key != null && key.isEmpty()) throw GatewayException.invalid("key", "Invalid 'key': expected a key id, got ''.");
        return new Query(key, from, to, q.get("model"), format.equals("csv"));
    }

    private static LocalDate day(Map<String, String> q, String name) {
        String v = q.get(name);
        if (v == null) return null;
        try {
            return LocalDate.parse(v);
        } catch (DateTimeParseException e) {
            throw GatewayException.invalid(name, "Invalid '" + name + "': expected a date like 2026-12-01, got '" + clip(v) + "'.");
        }
    }

    static String clip(String s) {
        return s.length() <= MAX_QUOTED_CHARS ? s : s.substring(0, MAX_QUOTED_CHARS) + "…";
    }
}
