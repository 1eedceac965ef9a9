package tollgate;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tollgate.config.ConfigLoader;
import tollgate.config.GatewayConfig;
import tollgate.json.Json;

/** {@code tollgate keys hash}: a {"name","sha256"} entry the config accepts, for a key from stdin or a new one. */
class KeysHashTest {
    record Result(Main.Exit exit, String out, String err) {}

    static Result hash(String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Main.Exit exit = KeysHash.run(List.of(args), new ByteArrayInputStream(stdin.getBytes(UTF_8)),
                new PrintStream(out, true, UTF_8), new PrintStream(err, true, UTF_8));
        return new Result(exit, out.toString(UTF_8), err.toString(UTF_8));
    }

    static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(UTF_8)));
    }

    @Test
    void keyFromStdin_printsTheEntry_whichTheConfigAccepts() throws Exception {
        String key = "sk-my-own-key-0123456789";
        Result r = hash(key + "\n", "--name", "ci-bot");
        assertEquals(new Result(Main.Exit.OK, "{\"name\": \"ci-bot\", \"sha256\": \"" + sha256(key) + "\"}\n", ""), r);
        assertEquals(r, hash(key + "\r\n", "--name=ci-bot"));
        assertEquals("{\"name\": \"client\", \"sha256\": \"" + sha256(key) + "\"}\n", hash(key).out()); // the default name
        GatewayConfig c = ConfigLoader.parse(("{\"keys\": [" + r.out().strip() + "]}").getBytes(UTF_8), Path.of("/tmp"), Map.of(),
                ConfigLoader.Overrides.NONE);
        assertEquals("ci-bot", c.keys().get(0).name());
        assertEquals(sha256(key), HexFormat.of().formatHex(c.keys().get(0).sha256()));
    }

    @Test
    void generate_showsTheKeyOnceOnStderr_andItsEntryOnStdout() throws Exception {
        Result r = hash("", "--generate", "--name", "gen");
        assertEquals(Main.Exit.OK, r.exit());
        Matcher m = Pattern.compile("\n    (sk-tollgate-[0-9a-f]{64})\n").matcher(r.err());
        assertTrue(m.find(), r.err());
        assertEquals("{\"name\": \"gen\", \"sha256\": \"" + sha256(m.group(1)) + "\"}\n", r.out());
        assertTrue(Json.parse(r.out()) instanceof Map<?, ?>);
    }

    @Test
    void badKeysAndNames_exit1_neverEchoingTheKey() {
        String[][] cases = {
                {"short-key-12345", "the key is too short (15 characters, at least 16 required: a short key can be guessed)"},
                {"", "no key on standard input (or give --generate)"},
                {"first-line-key-0123\nsecond-line-key-0123\n", "the key contains spaces, line breaks or control characters; "
                        + "expected one line with the key"},
                {"a key with spaces 0123456", "the key contains spaces, line breaks or control characters; expected one line with the key"},
        };
        for (String[] c : cases) {
            assertEquals(new Result(Main.Exit.CMDERR, "", KeysCommand.ERROR_PREFIX + c[1] + "\n"), hash(c[0]), c[1]);
        }
        assertEquals(new Result(Main.Exit.CMDERR, "", KeysCommand.ERROR_PREFIX + "--name: expected a name matching "
                + ConfigLoader.KEY_NAME_RULE + ", got 'bad name'\n"), hash("sk-fine-key-0123456789", "--name", "bad name"));
        assertEquals(new Result(Main.Exit.CMDERR, "", KeysCommand.ERROR_PREFIX + "hash: unknown option '--json' (tollgate keys hash --help)\n"),
                hash("sk-fine-key-0123456789", "--json"));
        assertEquals(Main.Exit.CMDERR, hash("x".repeat(KeysHash.MAX_INPUT_BYTES + 10)).exit());
    }

    @Test
    void reachedThroughMain() {
        assertEquals(Main.Exit.OK, Main.run(new String[] {"keys", "hash", "--help"}, Map.of()));
    }
}
