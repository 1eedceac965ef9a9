package tollgate.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tollgate.json.Json;
import tollgate.provider.Upstream;

/** The web_search tool against a fake SearXNG: the request it makes and the trimmed list the model gets. */
class WebSearchToolTest {
    private final Upstream upstream = new Upstream(Duration.ofSeconds(5));
    private FakeEndpoint searx;

    /** A SearXNG answer with {@code n} results carrying all the fields SearXNG sends. */
    static String answer(int n) {
        List<Object> results = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            Map<String, Object> r = new java.util.LinkedHashMap<>();
            r.put("url", "https://example.org/" + i);
            r.put("title", "  Result " + i + "  ");
            r.put("content", i == 1 ? "ü".repeat(800) : "About " + i);
            r.put("engine", "duckduckgo");
            r.put("engines", List.of("duckduckgo", "brave"));
            r.put("score", 1.5);
            r.put("category", "general");
            r.put("parsed_url", List.of("https", "example.org", "/" + i, "", "", ""));
            r.put("publishedDate", null);
            r.put("thumbnail", "https://example.org/t.png");
            results.add(r);
        }
        return Json.toString(Map.of("query", "zurich weather", "results", results, "answers", List.of(), "suggestions", List.of("x"),
                "unresponsive_engines", List.of(List.of("google", "timeout"))));
    }

    @BeforeEach
    void start() throws IOException {
        searx = new FakeEndpoint(FakeEndpoint.fixed(200, "application/json", answer(8)));
    }

    @AfterEach
    void stop() {
        searx.close();
        upstream.close();
    }

    private WebSearchTool tool(String path, String extra) {
        return new WebSearchTool(Calls.tool("{\"name\": \"web_search\", \"type\": \"web_search\", \"url\": \"" + searx.url(path) + "\""
                + extra + "}"), upstream);
    }

    @Test
    void asksSearxngForJson_andGivesTheModelTitleUrlSnippet_forMaxResults() throws Exception {
        ToolOutput out = tool("", ", \"max_results\": 3").run(Calls.call("{\"query\": \"zürich weather & more\"}"));

        assertEquals(ToolOutput.Outcome.OK, out.outcome());
        List<?> results = (List<?>) Json.parse(out.content());
        assertEquals(3, results.size());
        assertEquals(Map.of("title", "Result 2", "url", "https://example.org/2", "snippet", "About 2"), results.get(1));
        Map<?, ?> first = (Map<?, ?>) results.get(0);
        assertEquals(List.of("title", "url", "snippet"), List.copyOf(first.keySet()));
        assertEquals("ü".repeat(WebSearchTool.MAX_SNIPPET_CHARS - 1) + "…", first.get("snippet"));
        FakeEndpoint.Received r = searx.received.poll(5, TimeUnit.SECONDS);
        assertEquals("GET", r.method());
        assertEquals("/search?q=z%C3%BCrich+weather+%26+more&format=json", r.uri());
        assertEquals("application/json", r.header("accept"));
    }

    @Test
    void theModelMayAskForFewer_butNotMore() {
        WebSearchTool t = tool("/searx/", ", \"max_results\": 4");
        assertEquals(2, ((List<?>) Json.parse(t.run(Calls.call("{\"query\": \"q\", \"max_results\": 2}")).content())).size());
        ToolOutput tooMany = t.run(Calls.call("{\"query\": \"q\", \"max_results\": 9}"));
        assertEquals(ToolOutput.Outcome.ERROR, tooMany.outcome());
        assertTrue(tooMany.content().contains("$.max_results"), tooMany.content());
    }

    @Test
    void aUrlEndingInSearch_isUsedAsIs_andItsQueryKept() throws Exception {
        tool("/searx/search?language=de", "").run(Calls.call("{\"query\": \"a b\"}"));
        assertEquals("/searx/search?language=de&q=a+b&format=json", searx.received.poll(5, TimeUnit.SECONDS).uri());
        assertEquals(URI.create("http://h:1/s/search"), WebSearchTool.searchUri("http://h:1/s"));
        assertEquals(URI.create("http://h:1/search"), WebSearchTool.searchUri("http://h:1"));
        assertEquals(URI.create("https://h/search"), WebSearchTool.searchUri("https://h/search"));
    }

    @Test
    void anHtmlAnswer_isAnErrorThatSaysWhatToEnable() {
        searx.answer(FakeEndpoint.fixed(200, "text/html; charset=utf-8", "<!DOCTYPE html><html>results</html>"));
        assertEquals(new ToolOutput("the search endpoint answered HTML, not JSON: SearXNG needs \"json\" in search.formats of its"
                + " settings.yml", ToolOutput.Outcome.ERROR, 0), tool("", "").run(Calls.call("{\"query\": \"q\"}")));
    }

    @Test
    void a403_isAnErrorThatSaysWhatToEnable() {
        searx.answer(FakeEndpoint.fixed(403, "text/html", "<html>Forbidden</html>"));
        ToolOutput out = tool("", "").run(Calls.call("{\"query\": \"q\"}"));
        assertEquals(ToolOutput.Outcome.ERROR, out.outcome());
        assertTrue(out.content().contains("HTTP 403") && out.content().contains("search.formats"), out.content());
    }

    @Test
    void jsonThatIsNotASearxngAnswer_isAnError() {
        searx.answer(FakeEndpoint.fixed(200, "application/json", "{\"error\": \"search error\"}"));
        assertEquals(ToolOutput.Outcome.ERROR, tool("", "").run(Calls.call("{\"query\": \"q\"}")).outcome());
        searx.answer(FakeEndpoint.fixed(500, "application/json", "{\"error\": \"search error\"}"));
        assertEquals("the search endpoint answered HTTP 500: {\"error\": \"search error\"}",
                tool("", "").run(Calls.call("{\"query\": \"q\"}")).content());
    }

    @Test
    void aContentTypeQuotedToTheModel_isScrubbed_andTheOutputKeepsItsCap() {
        String secret = "sk-search-0123456789abcdef";
        // An endpoint that reflects the request's credential into a long content type.
        searx.answer(FakeEndpoint.fixed(200, "application/x-" + secret + "-" + "y".repeat(20_000), "not json"));
        ToolOutput out = tool("", ", \"max_output_bytes\": 512, \"headers\": {\"X-Api-Key\": \"" + secret + "\"}")
                .run(Calls.call("{\"query\": \"q\"}"));
        assertEquals(ToolOutput.Outcome.ERROR, out.outcome());
        assertTrue(out.content().startsWith("the search endpoint answered something that is not JSON (application/x-[redacted]-yyy"),
                out.content());
        assertTrue(out.content().getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= 512, out.content().length() + " chars");
    }

    @Test
    void anAnswer_isParsedInTheGatewaysMemoryBudget_andOneThatDoesNotFit_isAnError() {
        // 2 MB of small numbers (under the 4 MiB read cap) is a tree of ~70 MB.
        StringBuilder big = new StringBuilder("{\"results\": [");
        while (big.length() < 2_000_000) big.append("0,");
        searx.answer(FakeEndpoint.fixed(200, "application/json", big.append("0]}").toString()));
        tollgate.memory.MemoryBudget budget = new tollgate.memory.MemoryBudget(16L * 1024 * 1024);
        WebSearchTool t = new WebSearchTool(Calls.tool("{\"name\": \"web_search\", \"type\": \"web_search\", \"url\": \""
                + searx.url("") + "\"}"), upstream, budget);

        assertEquals(new ToolOutput("the gateway is short of memory for the search endpoint's answer; try again shortly",
                ToolOutput.Outcome.ERROR, 0), t.run(Calls.call("{\"query\": \"q\"}")));
        assertEquals(0, budget.used(), "all given back");
    }

    @Test
    void aMissingQuery_isAnErrorNamingIt_andNothingIsAsked() throws Exception {
        ToolOutput out = tool("", "").run(Calls.call("{\"q\": \"x\"}"));
        assertEquals(ToolOutput.Outcome.ERROR, out.outcome());
        assertTrue(out.content().contains("query"), out.content());
        assertEquals(null, searx.received.poll(200, TimeUnit.MILLISECONDS));
    }

    @Test
    void resultsThatDoNotFitTheCap_areDroppedWhole_soTheArrayStaysJson() {
        String json = WebSearchTool.render(((List<?>) ((Map<?, ?>) Json.parse(answer(50))).get("results")), 50, 2000);
        List<?> kept = (List<?>) Json.parse(json);
        assertTrue(json.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= 2000, json);
        assertTrue(!kept.isEmpty() && kept.size() < 50, "kept " + kept.size());
    }
}
