package tollgate.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** {@code server.cors}: off by default, origins normalised as browsers send them, bad values named at start-up. */
class CorsConfigTest {
    static CorsConfig cors(String json) {
        return ConfigLoader.parse(("{\"server\": {\"cors\": " + json + "}}").getBytes(StandardCharsets.UTF_8), "config", Path.of("/tmp"),
                Map.of(), ConfigLoader.Overrides.NONE, line -> { }).ops().cors();
    }

    static String error(String json) {
        return assertThrows(ConfigException.class, () -> cors(json)).getMessage();
    }

    @Test
    void offByDefault() {
        CorsConfig c = ConfigLoader.parse("{}".getBytes(StandardCharsets.UTF_8), "config", Path.of("/tmp"), Map.of(),
                ConfigLoader.Overrides.NONE, line -> { }).ops().cors();
        assertEquals(CorsConfig.DEFAULTS, c);
        assertFalse(c.enabled());
        assertFalse(cors("{\"allow_origins\": []}").enabled());
    }

    @Test
    void originsAreReadAsBrowsersSerialiseThem() {
        CorsConfig c = cors("{\"allow_origins\": [\"https://App.Example\", \"http://localhost:5173\", \"https://app.example:443\","
                + " \"http://[::1]:8080\", \"http://x.test:80\"], \"allow_headers\": [\"Authorization\", \"content-type\"],"
                + " \"max_age_s\": 60}");
        assertTrue(c.enabled());
        assertFalse(c.anyOrigin());
        assertEquals(List.of("https://app.example", "http://localhost:5173", "http://[::1]:8080", "http://x.test"), c.allowOrigins());
        assertEquals(List.of("authorization", "content-type"), c.allowHeaders());
        assertEquals(Duration.ofSeconds(60), c.maxAge());
        assertFalse(c.allowCredentials());
        assertEquals(Duration.ofSeconds(600), cors("{\"allow_origins\": [\"*\"]}").maxAge());
        assertTrue(cors("{\"allow_origins\": [\"*\"]}").anyOrigin());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "https://app.example/ | \"https://app.example/\"",
            "https://app.example/path | \"https://app.example/path\"",
            "app.example | \"app.example\"",
            "ftp://app.example | \"ftp://app.example\"",
            "https://user@app.example | \"https://user@app.example\"",
            "https://app.example:99999 | \"https://app.example:99999\"",
            "null | \"null\"",
    })
    void aBadOrigin_isNamed(String origin, String shown) {
        assertEquals("config: server.cors.allow_origins[0]: expected an origin such as \"https://app.example\" or "
                + "\"http://localhost:5173\" (scheme, host and port; no path), got " + shown,
                error("{\"allow_origins\": [\"" + origin + "\"]}"));
    }

    @Test
    void theWildcard_standsAlone_andNeverWithCredentials() {
        assertEquals("config: server.cors.allow_origins[1]: \"*\" allows every origin, so it must be the only entry",
                error("{\"allow_origins\": [\"https://a.example\", \"*\"]}"));
        assertEquals("config: server.cors.allow_credentials: cannot be true with allow_origins [\"*\"]; list the origins instead",
                error("{\"allow_origins\": [\"*\"], \"allow_credentials\": true}"));
        assertTrue(cors("{\"allow_origins\": [\"https://a.example\"], \"allow_credentials\": true}").allowCredentials());
    }

    @Test
    void otherBadValues_areNamed() {
        assertEquals("config: server.cors.max_age_s: expected an integer 0-86400, got 86401",
                error("{\"allow_origins\": [\"*\"], \"max_age_s\": 86401}"));
        assertEquals("config: server.cors.allow_headers[0]: expected a header name such as \"authorization\", got \"x y\"",
                error("{\"allow_origins\": [\"*\"], \"allow_headers\": [\"x y\"]}"));
        assertEquals("config: server.cors.allow_headers[1]: \"*\" does not allow Authorization, which carries the keys; "
                + "leave allow_headers out to allow the headers each preflight asks for, or list them",
                error("{\"allow_origins\": [\"*\"], \"allow_headers\": [\"content-type\", \"*\"]}"));
        assertEquals("config: server.cors: unknown key \"allow_origin\" (known keys: allow_origins, allow_headers, max_age_s, "
                + "allow_credentials)", error("{\"allow_origin\": [\"*\"]}"));
        assertEquals("config: server.cors.allow_origins: expected an array, got \"*\"", error("{\"allow_origins\": \"*\"}"));
    }
}
