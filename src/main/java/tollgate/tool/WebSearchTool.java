package tollgate.tool;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tollgate.config.ToolConfig;
import tollgate.json.Json;
import tollgate.json.JsonException;
import tollgate.json.JsonNumber;
import tollgate.memory.BudgetExceededException;
import tollgate.memory.MemoryBudget;
import tollgate.memory.Reservation;
import tollgate.provider.Secrets;
import tollgate.provider.Upstream;
import tollgate.schema.SchemaValidator;

/**
 * A tool of type {@code web_search}: asks a SearXNG instance's JSON API
 * ({@code GET /search?q=...&format=json}, SearXNG {@code docs/dev/search_api.rst}) and gives the
 * model a JSON array of at most {@code max_results} results, each trimmed to
 * {@code {title, url, snippet}} (the snippet is SearXNG's {@code content}) and each string clipped,
 * so that a search costs the next prompt a bounded number of tokens.
 *
 * <p>SearXNG answers 403 to {@code format=json} unless its {@code settings.yml} lists {@code json}
 * under {@code search.formats} (the stock file lists only {@code html}); a 403 or an HTML answer
 * is an error output saying so.
 */
final class WebSearchTool extends ConfiguredTool {

    /** Longest title given to the model, in chars. */
    static final int MAX_TITLE_CHARS = 200;
    /** Longest snippet given to the model, in chars: about two sentences. */
    static final int MAX_SNIPPET_CHARS = 500;
    /** Longest URL given to the model, in chars; a result with a longer one is dropped (a clipped URL is a wrong URL). */
    static final int MAX_URL_CHARS = 2048;
    /** Longest piece of an answer's header quoted to the model, in chars. */
    static final int MAX_QUOTE_CHARS = 100;
    /** Longest query sent, in chars. */
    static final int MAX_QUERY_CHARS = 500;
    /** Most bytes of a SearXNG answer read: a page of results with all their fields is ~100 KiB. */
    static final int MAX_ANSWER_BYTES = 4 * 1024 * 1024;
    static final String WHAT = "the search endpoint";

    private final Upstream upstream;
    private final URI search;
    private final Secrets secrets;
    private final MemoryBudget budget;

    /** Without a memory budget (tests). */
    WebSearchTool(ToolConfig config, Upstream upstream) {
        this(config, upstream, MemoryBudget.unlimited());
    }

    /** @param budget the gateway's memory budget, which each answer and its parsed tree are held in */
    WebSearchTool(ToolConfig config, Upstream upstream, MemoryBudget budget) {
        super(config, "Searches the web. Returns a JSON array of results, each {title, url, snippet}.", schema(config.maxResults()));
        this.upstream = upstream;
        this.search = searchUri(config.url());
        this.secrets = Secrets.ofHeaders(config.headers());
        this.budget = budget;
    }

    static Map<String, Object> schema(int maxResults) {
        Map<String, Object> query = Map.of("type", "string", "description", "What to search for, as you would type it into a search engine.");
        Map<String, Object> max = Map.of("type", "integer", "minimum", JsonNumber.of(1), "maximum", JsonNumber.of(maxResults),
                "description", "How many results to return (at most " + maxResults + ", the default).");
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("query", query);
        props.put("max_results", max);
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("type", "object");
        s.put("properties", props);
        s.put("required", List.of("query"));
        return java.util.Collections.unmodifiableMap(s);
    }

    /** {@code {url}/search} unless the configured URL already ends with {@code /search}; its own query kept. */
    static URI searchUri(String url) {
        URI u = URI.create(url);
        String path = u.getRawPath() == null ? "" : u.getRawPath();
        if (!path.endsWith("/search")) path = (path.endsWith("/") ? path : path + "/") + "search";
        String s = u.getScheme() + "://" + u.getRawAuthority() + path + (u.getRawQuery() != null ? "?" + u.getRawQuery() : "");
        return URI.create(s);
    }

    @Override
    public ToolOutput run(ToolInvocation call) {
        List<String> violations = SchemaValidator.validate(parameters(), call.arguments());
        if (!violations.isEmpty()) return ToolOutput.error(capped("invalid arguments for " + name() + ": " + String.join("; ", violations)));
        if (!(call.arguments().get("query") instanceof String query) || query.isBlank()) {
            return ToolOutput.error("invalid arguments for " + name() + ": $.query: expected a non-empty string");
        }
        int max = config.maxResults();
        if (call.arguments().get("max_results") instanceof JsonNumber n && n.isInteger()) {
            max = (int) Math.max(1, Math.min(max, n.doubleValue()));
        }
        query = ToolText.prefix(query.strip(), MAX_QUERY_CHARS);
        String sep = search.getRawQuery() == null ? "?" : "&";
        URI uri = URI.create(search + sep + "q=" + URLEncoder.encode(query, StandardCharsets.UTF_8) + "&format=json");
        HttpRequest.Builder b = upstream.request(uri).GET();
        config.headers().forEach(b::header);
        b.setHeader("accept", "application/json");
        if (call.requestId() != null) b.setHeader("x-request-id", call.requestId());
        // The answer (up to 4 MiB) and its tree (tens of times its bytes for small numbers) are held in the gateway's budget.
        try (Reservation memory = budget.open()) {
            return answer(b, call, memory, max);
        } catch (BudgetExceededException e) {
            return ToolOutput.error("the gateway is short of memory for " + WHAT + "'s answer; try again shortly");
        }
    }

    private ToolOutput answer(HttpRequest.Builder b, ToolInvocation call, Reservation memory, int max) {
        ToolHttp.Answer a;
        try {
            a = ToolHttp.exchange(upstream.client(), b.build(), MAX_ANSWER_BYTES, call, deadline(call), WHAT);
        } catch (ToolHttp.Failed f) {
            return f.output();
        }
        memory.reserve(a.body().length);
        if (a.status() == 403) {
            return ToolOutput.error(WHAT + " refused the JSON format (HTTP 403): SearXNG needs \"json\" in search.formats of its settings.yml");
        }
        if (!a.ok()) {
            String excerpt = ToolText.cap(secrets.forLog(a.text()), HttpTool.ERROR_EXCERPT_BYTES);
            return ToolOutput.error(capped(WHAT + " answered HTTP " + a.status() + (excerpt.isBlank() ? "" : ": " + excerpt)));
        }
        if (a.mediaType().equals("text/html")) {
            return ToolOutput.error(WHAT + " answered HTML, not JSON: SearXNG needs \"json\" in search.formats of its settings.yml");
        }
        if (a.cut()) return ToolOutput.error(WHAT + " answered more than " + MAX_ANSWER_BYTES + " bytes");
        Object parsed;
        try {
            parsed = Json.parse(a.body(), 0, a.body().length, memory);
        } catch (JsonException e) {
            return ToolOutput.error(capped(WHAT + " answered something that is not JSON (" + quoted(a.mediaType()) + ")"));
        }
        if (!(Json.asObject(parsed) instanceof Map<String, Object> top) || !(top.get("results") instanceof List<?> results)) {
            return ToolOutput.error(WHAT + " answered JSON without a \"results\" array: is it a SearXNG instance?");
        }
        return ToolOutput.ok(secrets.forLog(render(results, max, config.maxOutputBytes())));
    }

    /**
     * The results as the model gets them: at most {@code max}, trimmed, and as many as fit in
     * {@code maxBytes} (whole results dropped from the end, so that the array stays valid JSON).
     */
    static String render(List<?> results, int max, int maxBytes) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object o : results) {
            if (out.size() >= max) break;
            if (!(o instanceof Map<?, ?> r) || !(r.get("url") instanceof String url) || url.length() > MAX_URL_CHARS) continue;
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("title", clip(r.get("title"), MAX_TITLE_CHARS));
            t.put("url", url);
            t.put("snippet", clip(r.get("content"), MAX_SNIPPET_CHARS));
            out.add(t);
        }
        String json = Json.toString(out);
        while (!out.isEmpty() && ToolText.utf8Length(json, maxBytes + 1) > maxBytes) {
            out.remove(out.size() - 1);
            json = Json.toString(out);
        }
        return json;
    }

    /**
     * A value of the endpoint's quoted to the model: a header is up to hundreds of KiB and may
     * reflect what it was sent (a configured credential), so scrubbed and clipped.
     */
    private String quoted(String value) {
        return clip(secrets.forLog(value), MAX_QUOTE_CHARS);
    }

    /** A string clipped to {@code max} chars with "…", or "" for a missing one. */
    static String clip(Object value, int max) {
        if (!(value instanceof String s)) return "";
        s = s.strip();
        return s.length() <= max ? s : ToolText.prefix(s, max - 1) + "…";
    }
}
