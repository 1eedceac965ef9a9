package tollgate.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.config.ConfigLoader.Overrides;

/**
 * Every problem of a config file at once, each with the line of its key, without the cascade a
 * broken entry would cause; JSON syntax errors with line, column, an excerpt, a caret and a hint.
 */
class ConfigProblemsTest {
    @TempDir Path dir;

    private ConfigException load(String json) throws Exception {
        Path file = dir.resolve("t.json");
        Files.writeString(file, json);
        return assertThrows(ConfigException.class, () -> ConfigLoader.load(file, Map.of(), Overrides.NONE, line -> { }));
    }

    private String f() { return dir.resolve("t.json").toString(); }

    @Test
    void threeIndependentProblems_threeLines_inFileOrder() throws Exception {
        ConfigException e = load("""
                {
                  "fim": {"max_tokens": 0},
                  "keys": [
                    {"name": "a", "key": "0123456789abcdef0"},
                    {"name": "b", "sha256": "xyz"}
                  ],
                  "server": {
                    "port": 80800
                  }
                }
                """);
        assertEquals(List.of(
                f() + ":2: fim.max_tokens: expected an integer 1-1000000, got 0",
                f() + ":5: keys[1].sha256: expected 64 hex digits (a SHA-256), got \"xyz\"",
                f() + ":8: server.port: expected an integer 0-65535, got 80800"), e.problems());
        assertEquals(f() + ": 3 problems:\n" + String.join("\n", e.problems()), e.getMessage());
    }

    @Test
    void aBrokenProvider_isReportedOnce_notAgainForEveryModelAndGroupNamingIt() throws Exception {
        ConfigException e = load("""
                {
                  "providers": {
                    "echo": {"kind": "echo"},
                    "up": {"kind": "opneai", "base_url": "http://127.0.0.1:9/v1"}
                  },
                  "models": [
                    {"id": "a", "provider": "up"},
                    {"id": "b", "provider": "up"},
                    {"id": "c", "provider": "nowhere"},
                    {"id": "d", "provider": "echo", "context_length": "long"}
                  ],
                  "groups": [{"id": "123e4567-e89b-12d3-a456-426614174000", "deployments": [{"model": "a"}, {"model": "d"}]}],
                  "router": {"baseline_model": "b"}
                }
                """);
        assertEquals(List.of(
                f() + ":4: providers.up.kind: expected one of openai, anthropic, mistral, echo, deepgram, ollama, vllm, llamacpp, got \"opneai\"",
                // a provider that is not configured at all is still named
                f() + ":9: models[2].provider: no provider \"nowhere\" is configured (configured: echo)",
                f() + ":10: models[3].context_length: expected an integer 0-1000000000, got \"long\""), e.problems());
    }

    @Test
    void anUnknownSection_isReported_andTheOthersStillRead() throws Exception {
        ConfigException e = load("{\n  \"sever\": {},\n  \"server\": {\"port\": -1}\n}\n");
        assertEquals(List.of(
                f() + ": top level: unknown key \"sever\" (known keys: " + String.join(", ", List.of("server", "data_dir", "keys",
                        "providers", "models", "router", "groups", "accounts", "speech", "fim", "voice", "agent", "tools", "mcp_servers",
                        "metrics", "telemetry", "state", "responses")) + ")",
                f() + ":3: server.port: expected an integer 0-65535, got -1"), e.problems());
    }

    @Test
    void sectionsReadTogether_doNotHideEachOthersProblems() throws Exception {
        // agent and mcp_servers are read with the tools; metrics, server.cors and telemetry together:
        // a problem in the first must not hide those of the others.
        ConfigException e = load("""
                {
                  "agent": {"max_steps": 0},
                  "mcp_servers": [{"name": "bad name", "url": "http://127.0.0.1:9/mcp"}],
                  "metrics": {"enabled": "maybe"},
                  "server": {"cors": {"allow_origins": "everyone"}},
                  "telemetry": {"sample_ratio": 2}
                }
                """);
        List<String> lines = e.problems();
        assertEquals(5, lines.size(), String.join("\n", lines));
        for (String at : List.of(":2: agent.max_steps", ":3: mcp_servers[0].name", ":4: metrics.enabled", ":5: server.cors.allow_origins",
                ":6: telemetry.sample_ratio")) {
            assertEquals(1, lines.stream().filter(l -> l.startsWith(f() + at)).count(), at + " in " + lines);
        }
    }

    @Test
    void aMissingRequiredKey_pointsAtItsEntry() throws Exception {
        ConfigException e = load("{\n  \"providers\": {\n    // none has a base_url\n    \"o\": {\"kind\": \"openai\"}\n  }\n}\n");
        assertEquals(List.of(f() + ":4: providers.o.base_url: required for kind \"openai\""), e.problems());
    }

    @Test
    void trailingComma_lineColumnExcerptCaretAndHint() throws Exception {
        ConfigException e = load("{\n  \"server\": {\n    \"port\": 8080,\n  }\n}\n");
        assertEquals(f() + ":4:3: invalid JSON: Unexpected character '}'\n"
                + "  4 |   }\n"
                + "    |   ^\n"
                + "  hint: JSON allows no comma before '}': remove the one at line 3, column 17", e.getMessage());
        ConfigException inArray = load("{\"models\": [{\"id\": \"a\"}, ]}");
        assertEquals(f() + ":1:26: invalid JSON: Unexpected character ']'\n"
                + "  1 | {\"models\": [{\"id\": \"a\"}, ]}\n"
                + "    |                          ^\n"
                + "  hint: JSON allows no comma before ']': remove the one at line 1, column 24", inArray.getMessage());
    }

    @Test
    void missingComma_betweenMembersAndBetweenElements() throws Exception {
        assertEquals(f() + ":3:5: invalid JSON: Unexpected character '\"'\n"
                + "  3 |     \"host\": \"x\"\n"
                + "    |     ^\n"
                + "  hint: a ',' is missing between members: add one after the value that ends at line 2, column 22",
                load("{\n  \"server\": {\"port\": 1\n    \"host\": \"x\"\n  }\n}").getMessage());
        assertEquals(f() + ":2:26: invalid JSON: Unexpected character '{'\n"
                + "  2 |   \"keys\": [{\"name\": \"a\"} {\"name\": \"b\"}]\n"
                + "    |                          ^\n"
                + "  hint: a ',' is missing between elements: add one after the value that ends at line 2, column 24",
                load("{\n  \"keys\": [{\"name\": \"a\"} {\"name\": \"b\"}]\n}").getMessage());
    }

    @Test
    void otherSlips_haveHintsToo_andCommentsAreFine() throws Exception {
        assertHint("{\n  server: {}\n}", "keys take double quotes: write \"server\": ...");
        assertHint("{\"server\": {'host': \"x\"}}", "JSON strings and keys take double quotes (\"...\"), not single quotes");
        assertHint("{\"server\": {\"access_log\": True}}", "JSON's literals are true, false and null, in lower case");
        assertHint("{\"server\": {\"host\": localhost}}", "a string takes double quotes: write \"localhost\"");
        assertHint("{\"server\" {\"port\": 1}}", "a ':' is missing after the key that ends at line 1, column 9");
        assertHint("{\"server\": {\"port\": 1}", "the file ends before every '{', '[' and string is closed: a '}' or ']' is missing, "
                + "or the file was cut short");
        // A comma in a comment is not taken for one in the JSON.
        assertHint("{\"server\": {\"port\": 1 // , \n \"host\": \"x\"}}",
                "a ',' is missing between members: add one after the value that ends at line 1, column 21");
        Path file = dir.resolve("c.json");
        Files.writeString(file, "{\n  // a comment\n  \"server\": {\"port\": 1} /* another */\n}\n");
        assertEquals(1, ConfigLoader.load(file, Map.of(), Overrides.NONE, line -> { }).server().port());
    }

    @Test
    void aSyntaxErrorNeverQuotesASecretOfTheFile() throws Exception {
        // A trailing comma after a literal key: the excerpt shows the line with the value masked, same columns.
        assertEquals(f() + ":2:35: invalid JSON: Unexpected character '}'\n"
                + "  2 |   \"api_key\": \"******************\",}}}\n"
                + "    |                                   ^\n"
                + "  hint: JSON allows no comma before '}': remove the one at line 2, column 34",
                load("{\"providers\": {\"a\": {\"kind\": \"openai\",\n  \"api_key\": \"sk-live-SECRET1234\",}}}").getMessage());
        // Unquoted: neither the excerpt nor the hint repeats it.
        String bare = load("{\"accounts\": {\"admin_token\": adm-SECRET-5678, \"credits_per_usd\": 100}}").getMessage();
        assertTrue(!bare.contains("SECRET") && bare.contains("\"admin_token\": ***************, \"credits_per_usd\": 100"), bare);
        String header = load("{\"tools\": {\"Authorization\": \"Bearer SECRET-9\" \"x\": 1}}").getMessage();
        assertTrue(!header.contains("SECRET") && header.contains("hint: a ',' is missing between members"), header);
    }

    private void assertHint(String json, String hint) throws Exception {
        ConfigException e = load(json);
        String m = e.getMessage();
        int at = m.indexOf("\n  hint: ");
        assertEquals(hint, at < 0 ? null : m.substring(at + "\n  hint: ".length()), m);
    }

    @Test
    void sourceLines_followThePath_throughComments() {
        byte[] src = """
                {
                  // "server": {"port": 1},
                  "providers": {
                    "a.b": {"kind": "echo"},  /* a key with a dot */
                    "c": {"headers": {"X-Y": "z"}}
                  },
                  "models": [
                    {"id": "m0"},
                    {"id": "m1", "pricing": {
                      "prompt": "x"}}
                  ]
                }
                """.getBytes(StandardCharsets.UTF_8);
        assertEquals(3, SourceLines.line(src, "providers"));
        assertEquals(4, SourceLines.line(src, "providers.a.b.kind"));
        assertEquals(5, SourceLines.line(src, "providers.c.headers.X-Y"));
        assertEquals(10, SourceLines.line(src, "models[1].pricing.prompt"));
        assertEquals(8, SourceLines.line(src, "models[0].name")); // absent: its entry
        assertEquals(0, SourceLines.line(src, "server.port")); // only in a comment
        assertEquals(0, SourceLines.line(src, "keys (default: TOLLGATE_API_KEY)"));
    }
}
