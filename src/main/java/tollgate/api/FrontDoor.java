package tollgate.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tollgate.catalog.Catalog;
import tollgate.catalog.Model;
import tollgate.config.GatewayConfig;
import tollgate.config.ProviderConfig;
import tollgate.http.Endpoint;
import tollgate.http.HttpCall;
import tollgate.http.Router;
import tollgate.provider.Provider;

/**
 * {@code GET /} (and {@code HEAD /}): what a new user sees when they open the gateway's address
 * in a browser — that it runs, its version, the base URL to give an SDK, the enabled providers,
 * the models it serves and where to go next — as a small HTML page without script or anything
 * loaded from elsewhere, or as JSON for {@code Accept: application/json}.
 *
 * <p>Public, like {@code GET /v1/models} and {@code /v1/providers}: it shows nothing they do not
 * (model ids, provider ids, which are disabled), and no key, URL of an upstream or reason a
 * provider is disabled. The facts do not change while a config is in force, so they are
 * gathered once; only the base URL is per request (the {@code Host} the client used).
 */
public final class FrontDoor {
    private FrontDoor() { throw new AssertionError(); }

    /** Model ids listed on the page; the rest are counted and left to {@code /v1/models}. */
    public static final int MAX_LISTED_MODELS = 50;
    /** Where the quick start is: the README ships beside the image and in the source tree. */
    public static final String QUICK_START = "README.md, section \"Try it\"";
    static final String JSON = "application/json";
    static final String HTML = "text/html; charset=utf-8";

    /** What the page shows; rendered per request around the base URL. */
    record Facts(String version, List<String> providers, List<String> disabledProviders, int modelCount, List<String> models) {}

    /** Registers {@code GET /} and {@code HEAD /}. */
    public static void register(Router routes, String version, GatewayConfig config, Catalog catalog, Map<String, Provider> running) {
        Facts facts = facts(version, config, catalog, running);
        Endpoint page = call -> answer(call, facts);
        routes.exact("GET", "/", page);
        routes.exact("HEAD", "/", page);
    }

    static Facts facts(String version, GatewayConfig config, Catalog catalog, Map<String, Provider> running) {
        List<String> enabled = new ArrayList<>();
        List<String> disabled = new ArrayList<>();
        for (ProviderConfig pc : config.providers().values()) (running.containsKey(pc.id()) ? enabled : disabled).add(pc.id());
        // The models /v1/models lists first: those of an enabled provider, in config order.
        List<String> models = new ArrayList<>();
        int count = 0;
        for (Model m : catalog.models()) {
            if (!running.containsKey(m.provider())) continue;
            count++;
            if (models.size() < MAX_LISTED_MODELS) models.add(m.id());
        }
        return new Facts(version, List.copyOf(enabled), List.copyOf(disabled), count, List.copyOf(models));
    }

    private static void answer(HttpCall call, Facts facts) throws IOException {
        String base = call.serverUrl() + "/v1";
        boolean json = prefersJson(call.header("Accept"));
        byte[] body = json ? tollgate.json.Json.toBytes(json(facts, base)) : html(facts, base).getBytes(StandardCharsets.UTF_8);
        call.addResponseHeader("Vary", "Accept"); // the same URL answers HTML or JSON (RFC 9110 §12.5.5)
        call.setResponseHeader("Cache-Control", "no-cache");
        if (call.method().equals("HEAD")) {
            // The JDK sends no Content-Length for HEAD unless the handler sets it (HttpExchange#sendResponseHeaders).
            call.setResponseHeader("Content-Type", json ? JSON : HTML);
            call.setResponseHeader("Content-Length", Integer.toString(body.length));
            call.respondEmpty(200);
            return;
        }
        call.respond(200, json ? JSON : HTML, body, body.length);
    }

    static Map<String, Object> json(Facts f, String base) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("object", "gateway");
        m.put("name", "Tollgate");
        m.put("version", f.version());
        m.put("status", "ok");
        m.put("base_url", base);
        m.put("auth", "Authorization: Bearer <key>");
        m.put("providers", f.providers());
        m.put("disabled_providers", f.disabledProviders());
        Map<String, Object> models = new LinkedHashMap<>();
        models.put("count", f.modelCount());
        models.put("ids", f.models());
        models.put("more", f.modelCount() - f.models().size());
        m.put("models", models);
        Map<String, Object> links = new LinkedHashMap<>();
        links.put("models", "/v1/models");
        links.put("providers", "/v1/providers");
        links.put("dashboard", "/dashboard");
        links.put("health", "/healthz");
        m.put("links", links);
        m.put("quick_start", QUICK_START);
        return m;
    }

    static String html(Facts f, String base) {
        String b = escape(base);
        StringBuilder h = new StringBuilder(4096);
        h.append("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>Tollgate ").append(escape(f.version())).append("</title>\n")
                .append("<style>body{font:15px/1.5 system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f}")
                .append("code,pre{font:13px ui-monospace,monospace;background:#f2f2f4;border-radius:4px}code{padding:0 .3em}")
                .append("pre{padding:.6em .8em;overflow-x:auto}h1 small{color:#777;font-weight:normal}.muted{color:#666}</style>\n")
                .append("</head>\n<body>\n<h1>Tollgate <small>").append(escape(f.version())).append("</small></h1>\n")
                .append("<p>This OpenAI-compatible gateway is running. This page is public: it shows what ")
                .append("<a href=\"/v1/models\">/v1/models</a> and <a href=\"/v1/providers\">/v1/providers</a> show, and no keys.</p>\n")
                .append("<h2>Connect</h2>\n<p>Base URL for OpenAI SDKs: <code id=\"base-url\">").append(b).append("</code>, ")
                .append("with a gateway key as the API key (<code>Authorization: Bearer &lt;key&gt;</code>).</p>\n");
        String example = f.models().contains("echo") ? "echo" : f.models().isEmpty() ? null : f.models().get(0);
        if (example != null) {
            h.append("<pre>curl ").append(b).append("/chat/completions \\\n  -H \"Authorization: Bearer $TOLLGATE_API_KEY\" \\\n")
                    .append("  -H 'Content-Type: application/json' \\\n  -d '{\"model\": \"").append(escape(example))
                    .append("\", \"messages\": [{\"role\": \"user\", \"content\": \"Hello\"}]}'</pre>\n");
        }
        h.append("<h2>Providers</h2>\n");
        if (f.providers().isEmpty()) h.append("<p>No provider is enabled.</p>\n");
        else h.append("<p>Enabled: ").append(codes(f.providers())).append(".</p>\n");
        if (!f.disabledProviders().isEmpty()) {
            h.append("<p class=\"muted\">Configured but disabled: ").append(codes(f.disabledProviders()))
                    .append(" (<a href=\"/v1/providers\">/v1/providers</a> says why).</p>\n");
        }
        h.append("<h2>Models (").append(f.modelCount()).append(")</h2>\n");
        if (f.models().isEmpty()) {
            h.append("<p>No model is usable: every model's provider is disabled.</p>\n");
        } else {
            h.append("<ul id=\"models\">\n");
            for (String id : f.models()) h.append("<li><code>").append(escape(id)).append("</code></li>\n");
            h.append("</ul>\n");
            int more = f.modelCount() - f.models().size();
            if (more > 0) h.append("<p>and ").append(more).append(" more: <a href=\"/v1/models\">/v1/models</a> lists them all.</p>\n");
        }
        h.append("<p class=\"muted\">Groups and <code>neo-mode</code> routing are listed in <a href=\"/v1/models\">/v1/models</a> too.</p>\n")
                .append("<h2>Next</h2>\n<ul>\n")
                .append("<li><a href=\"/dashboard\">Dashboard</a> (admin token)</li>\n")
                .append("<li><a href=\"/v1/models\">/v1/models</a>: the models with their prices and capabilities</li>\n")
                .append("<li><a href=\"/v1/providers\">/v1/providers</a>: the providers and their health</li>\n")
                .append("<li>Quick start: ").append(escape(QUICK_START)).append("</li>\n")
                .append("</ul>\n</body>\n</html>\n");
        return h.toString();
    }

    private static String codes(List<String> ids) {
        StringBuilder b = new StringBuilder();
        for (String id : ids) b.append(b.isEmpty() ? "" : ", ").append("<code>").append(escape(id)).append("</code>");
        return b.toString();
    }

    /** Text for HTML content and attribute values (HTML §13.1.2.6: the five characters that matter). */
    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /**
     * Whether {@code Accept} prefers JSON to HTML (RFC 9110 §12.5.1): each is weighed by the most
     * specific range that matches it ({@code application/json} before {@code application/*} before
     * {@code *}{@code /*}); JSON wins on a higher weight, or on the same weight from a more
     * specific range ({@code application/json, text/plain, *}{@code /*}, as axios sends). No
     * {@code Accept}, or a tie: HTML, the page a browser opens.
     */
    static boolean prefersJson(String accept) {
        if (accept == null) return false;
        double[] json = {-1, -1}; // weight, specificity
        double[] html = {-1, -1};
        for (String range : accept.split(",")) {
            String[] parts = range.split(";");
            String type = parts[0].trim().toLowerCase(Locale.ROOT);
            double q = 1;
            for (int i = 1; i < parts.length; i++) {
                String param = parts[i].trim();
                if (param.length() > 2 && (param.startsWith("q=") || param.startsWith("Q="))) {
                    try {
                        q = Double.parseDouble(param.substring(2));
                    } catch (NumberFormatException e) {
                        q = 0;
                    }
                }
            }
            weigh(json, type, "application", "json", q);
            weigh(html, type, "text", "html", q);
        }
        return json[0] > 0 && (json[0] > html[0] || (json[0] == html[0] && json[1] > html[1]));
    }

    private static void weigh(double[] best, String range, String type, String subtype, double q) {
        int specificity = range.equals(type + "/" + subtype) ? 3 : range.equals(type + "/*") ? 2 : range.equals("*/*") ? 1 : 0;
        if (specificity > best[1]) {
            best[0] = q;
            best[1] = specificity;
        }
    }
}
