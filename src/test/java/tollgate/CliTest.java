package tollgate;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.log.Log;

/** The command line: both option forms, --help, messages in words and the exit statuses. */
class CliTest {
    @TempDir Path dir;

    /** Main.run sets the process's log level and format: put back what the other tests expect. */
    @AfterEach
    void resetLog() { Log.configure(Log.Level.INFO, Log.Format.JSON); }

    /** A Java class name as it would leak from an exception's toString(): "java.net.SocketException", "tollgate.x.Y". */
    static final Pattern CLASS_NAME = Pattern.compile("\\b(java|javax|sun|jdk|tollgate)\\.[a-z]+\\.[A-Za-z.]*[A-Z]\\w*(Exception|Error)\\b|Exception:");

    record Result(Main.Exit exit, String out, String err) {}

    static Result run(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Main.Exit exit = Main.run(args, env, new PrintStream(out, true, UTF_8), new PrintStream(err, true, UTF_8));
        return new Result(exit, out.toString(UTF_8), err.toString(UTF_8));
    }

    @Test
    void bothOptionForms_giveTheSameOptions() {
        Cli.Options spaced = Cli.parse(List.of("--config", "a.json", "--host", "0.0.0.0", "--port", "9000", "--data-dir", "/d",
                "--log-level", "warn", "--log-format", "human"));
        Cli.Options joined = Cli.parse(List.of("--config=a.json", "--host=0.0.0.0", "--port=9000", "--data-dir=/d",
                "--log-level=warn", "--log-format=human"));
        assertEquals(spaced, joined);
        assertEquals(Path.of("a.json"), joined.config());
        assertEquals("0.0.0.0", joined.host());
        assertEquals(9000, joined.port());
        assertEquals(Path.of("/d"), joined.dataDir());
        assertEquals(Log.Level.WARN, joined.logLevel());
        assertEquals(Log.Format.HUMAN, joined.logFormat());
        // A value may itself contain '=': only the first one splits.
        assertEquals(Path.of("x=y.json"), Cli.parse(List.of("--config=x=y.json")).config());
        Cli.Options none = Cli.parse(List.of());
        assertNull(none.config());
        assertNull(none.logLevel());
    }

    @Test
    void keysCommand_takesBothFormsToo() {
        KeysCommand.Args joined = KeysCommand.parse(new String[] {"create", "--name=ci", "--credits=5", "--meta=team=a", "--json"});
        KeysCommand.Args spaced = KeysCommand.parse(new String[] {"create", "--name", "ci", "--credits", "5", "--meta", "team=a", "--json"});
        assertEquals(spaced.flags(), joined.flags());
        assertEquals(List.of("team=a"), joined.all("--meta"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KeysCommand.parse(new String[] {"list", "--json=yes"}));
        assertEquals("--json takes no value (got '--json=yes')", e.getMessage());
    }

    @Test
    void badOptions_areNamedInWords() {
        String[][] cases = {
                {"unknown option '--bogus'", "--bogus"},
                {"unknown option '--bogus'", "--bogus=1"},
                {"unknown option 'serve' (options start with --; commands: check-config, keys)", "serve"},
                {"--port needs a value", "--port"},
                {"--port: expected 0-65535, got '70000'", "--port=70000"},
                {"--port: expected 0-65535, got 'http'", "--port", "http"},
                {"--log-level: expected debug, info, warn or error, got 'verbose'", "--log-level=verbose"},
                {"--log-format: expected json or human, got 'xml'", "--log-format", "xml"},
                {"--help takes no value", "--help=yes"},
                {"--host: expected a value, got nothing", "--host="},
        };
        for (String[] c : cases) {
            String[] args = java.util.Arrays.copyOfRange(c, 1, c.length);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Cli.parse(List.of(args)), c[1]);
            assertEquals(c[0], e.getMessage());
            Result r = run(Map.of(), args);
            assertEquals(new Result(Main.Exit.CMDERR, "", "tollgate: " + c[0] + "\n" + Main.HELP_HINT + "\n"), r);
        }
    }

    @Test
    void logSettings_fromTheEnvironment_whenNoOptionGivesThem() {
        Cli.Options none = Cli.parse(List.of());
        assertEquals(Log.Level.INFO, Cli.logLevel(none, Map.of()));
        assertEquals(Log.Level.DEBUG, Cli.logLevel(none, Map.of("TOLLGATE_LOG_LEVEL", "debug")));
        assertEquals(Log.Level.ERROR, Cli.logLevel(Cli.parse(List.of("--log-level", "error")), Map.of("TOLLGATE_LOG_LEVEL", "debug")));
        assertEquals(Log.Format.JSON, Cli.logFormat(none, Map.of("TOLLGATE_LOG_FORMAT", "json")));
        assertEquals(Log.Format.HUMAN, Cli.logFormat(none, Map.of("TOLLGATE_LOG_FORMAT", "human")));
        Result r = run(Map.of("TOLLGATE_LOG_LEVEL", "loud"));
        assertEquals(Main.Exit.CMDERR, r.exit());
        assertEquals("tollgate: TOLLGATE_LOG_LEVEL: expected debug, info, warn or error, got 'loud'\n" + Main.HELP_HINT + "\n", r.err());
    }

    @Test
    void help_listsOptionsEnvironmentExitCodesAndTheReadme() {
        Result r = run(Map.of(), "--help");
        assertEquals(new Result(Main.Exit.OK, Cli.USAGE, ""), r);
        for (String s : List.of("--config FILE", "--host HOST", "--port PORT", "--data-dir DIR", "--log-level LEVEL",
                "--log-format FORMAT", "--opt=VALUE", "check-config", "keys hash", "TOLLGATE_CONFIG", "TOLLGATE_HOST", "TOLLGATE_PORT",
                "TOLLGATE_DATA_DIR", "TOLLGATE_API_KEY", "TOLLGATE_ADMIN_TOKEN", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "MISTRAL_API_KEY",
                "DEEPGRAM_API_KEY", "OLLAMA_URL", "VLLM_URL", "LLAMACPP_URL", "OLLAMA_HOST", "TOLLGATE_OTLP_ENDPOINT",
                "TOLLGATE_LOG_LEVEL", "TOLLGATE_LOG_FORMAT", "Exit status: 0",
                "1 bad arguments or config", "2 system error", "README.md")) {
            assertTrue(r.out().contains(s), () -> "--help lacks '" + s + "'");
        }
        assertEquals(new Result(Main.Exit.OK, Cli.USAGE, ""), run(Map.of(), "-h"));
        assertEquals(new Result(Main.Exit.OK, "tollgate " + Main.VERSION + "\n", ""), run(Map.of(), "--version"));
    }

    @Test
    void everyConfigProblem_exit1_oneLineEach() throws Exception {
        Path file = dir.resolve("bad.json");
        Files.writeString(file, """
                {
                  "server": {"port": "x"},
                  "providers": {"p": {"kind": "nope"}},
                  "fim": {"max_tokens": 0}
                }
                """);
        Result r = run(Map.of(), "--config=" + file);
        assertEquals(new Result(Main.Exit.CMDERR, "", "tollgate: " + file + ": 3 problems:\n"
                + file + ":2: server.port: expected an integer 0-65535, got \"x\"\n"
                + file + ":3: providers.p.kind: expected one of openai, anthropic, mistral, echo, deepgram, ollama, vllm, llamacpp, got \"nope\"\n"
                + file + ":4: fim.max_tokens: expected an integer 1-1000000, got 0\n"), r);
    }

    @Test
    void missingConfigFile_exit1_namesIt() {
        Path file = dir.resolve("nope.json");
        assertEquals(new Result(Main.Exit.CMDERR, "", "tollgate: " + file + ": no such file\n"), run(Map.of(), "--config", file.toString()));
    }

    @Test
    void aHostThatDoesNotResolve_exit2_namesTheHostNotAClass() throws Exception {
        Path file = dir.resolve("c.json");
        Files.writeString(file, "{\"keys\": [], \"providers\": {\"echo\": {\"kind\": \"echo\"}}, \"voice\": {\"port\": 0}}");
        Result r = run(Map.of(), "--config", file.toString(), "--data-dir", dir.resolve("data").toString(), "--host", "256.1.1.1",
                "--port", "0", "--log-level", "error");
        assertEquals(new Result(Main.Exit.SYSERR, "", "tollgate: cannot listen on 256.1.1.1:0: no such host or address\n"), r);
        assertFalse(CLASS_NAME.matcher(r.err()).find(), r.err());
    }
}
