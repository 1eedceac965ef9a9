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
import tollgate.account.Ledger;
import tollgate.error.GatewayException;
import tollgate.http.Endpoint;
import tollgate.http.HttpCall;
import tollgate.json.JsonNumber;

/**
 * {@code GET /usage}: the calling key's usage from the ledger, by day (UTC) and model asked, with
 * tokens, cost and savings. Query: {@code from}, {@code to} (YYYY-MM-DD, inclusive),
 * {@code model}, {@code format=json|csv}. Unknown parameters are a 400, so a misspelt filter does
 * not silently return everything.
 */
final class UsageEndpoint implements Endpoint {
    static final List<String> PARAMS = List.of("from", "to", "model", "format");
    /** Longest query string read, in chars: filters are short. */
    static final int MAX_QUERY_CHARS = 1024;
    static final String CSV_HEADER = "day,model,requests,errors,prompt_tokens,completion_tokens,cost_usd,savings_usd\n";

    private final Ledger ledger;

    UsageEndpoint(Ledger ledger) {
        this.ledger = ledger;
    }

    @Override
    public void handle(HttpCall call) throws IOException {
        Map<String, String> q = query(call.query());
        LocalDate from = day(q, "from"), to = day(q, "to");
        String format = q.getOrDefault("format", "json");
        if (!format.equals("json") && !format.equals("csv")) {
            throw GatewayException.invalid("format", "Invalid 'format': expected 'json' or 'csv', got '" + clip(format) + "'.");
        }
        List<Map.Entry<Ledger.Key, Ledger.Totals>> rows = ledger.usage(call.keyName(), from, to, q.get("model"));
        if (format.equals("csv")) {
            StringBuilder b = new StringBuilder(CSV_HEADER);
            for (Map.Entry<Ledger.Key, Ledger.Totals> r : rows) {
                Ledger.Totals t = r.getValue();
                b.append(r.getKey().day()).append(',').append(csv(r.getKey().model())).append(',').append(t.requests()).append(',')
                        .append(t.errors()).append(',').append(t.promptTokens()).append(',').append(t.completionTokens()).append(',')
                        .append(plain(t.cost())).append(',').append(plain(t.savings())).append('\n');
            }
            byte[] bytes = b.toString().getBytes(StandardCharsets.UTF_8);
            call.respond(200, "text/csv; charset=utf-8", bytes, bytes.length);
            return;
        }
        List<Object> data = new ArrayList<>(rows.size());
        Ledger.Totals all = null;
        for (Map.Entry<Ledger.Key, Ledger.Totals> r : rows) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("day", r.getKey().day().toString());
            row.put("model", r.getKey().model());
            totals(row, r.getValue());
            data.add(row);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("object", "list");
        body.put("key", call.keyName());
        body.put("data", data);
        Map<String, Object> sum = new LinkedHashMap<>();
        totals(sum, rows.stream().map(Map.Entry::getValue).reduce(Ledger.Totals::plus).orElse(null));
        body.put("totals", sum);
        call.respondJson(200, body);
    }

    private static void totals(Map<String, Object> into, Ledger.Totals t) {
        into.put("requests", t == null ? 0 : t.requests());
        into.put("errors", t == null ? 0 : t.errors());
        into.put("prompt_tokens", t == null ? 0 : t.promptTokens());
        into.put("completion_tokens", t == null ? 0 : t.completionTokens());
        into.put("cost", new JsonNumber(t == null ? "0" : plain(t.cost())));
        into.put("savings", new JsonNumber(t == null ? "0" : plain(t.savings())));
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

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) return q;
        if (raw.length() > MAX_QUERY_CHARS) throw GatewayException.invalid(null, "The query string is longer than " + MAX_QUERY_CHARS + " characters.");
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) continue;
            int eq = pair.indexOf('=');
            String name, value;
            try {
                name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw GatewayException.invalid(null, "The query string is not valid percent-encoding.");
            }
            if (!PARAMS.contains(name)) {
                throw GatewayException.invalid(name, "Unknown query parameter '" + clip(name) + "'; GET /usage takes: "
                        + String.join(", ", PARAMS) + ".");
            }
            q.put(name, value);
        }
        return q;
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

    private static String clip(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "…";
    }
}
