package tollgate;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import tollgate.account.KeyAdmin;
import tollgate.config.ConfigLoader;
import tollgate.config.KeyConfig;
import tollgate.json.Json;

/**
 * {@code tollgate keys hash [--name NAME] [--generate]}: a client key's entry for the config's
 * {@code keys}, {@code {"name": "ci", "sha256": "..."}}, so that the config holds the key's
 * SHA-256 and never the key. The key is read from standard input (one line; without echo when
 * that is a terminal), or made with {@code --generate} and shown this once on stderr, so that
 * stdout is the entry alone and can be appended to a file.
 */
final class KeysHash {
    private KeysHash() { throw new AssertionError(); }

    static final String USAGE = """
            Usage: tollgate keys hash [--name NAME] [--generate]
              Prints {"name": NAME, "sha256": ...}, an entry for the config's "keys", for the key read from
              standard input (one line), or for a new random key with --generate (shown once, on stderr).
              NAME defaults to "client"; a key needs at least %d characters.
            """.formatted(ConfigLoader.MIN_KEY_CHARS);
    static final String DEFAULT_NAME = "client";
    /** Most bytes read from standard input: a key is a line, not a file. */
    static final int MAX_INPUT_BYTES = 4096;
    private static final Path STDIN_LINK = Path.of("/proc/self/fd/0");

    static Main.Exit run(List<String> args, InputStream in, PrintStream out, PrintStream err) {
        String name = DEFAULT_NAME;
        boolean generate = false;
        try {
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                if (a.startsWith("--name=")) {
                    name = a.substring("--name=".length());
                } else if (a.equals("--name")) {
                    if (++i >= args.size()) throw new IllegalArgumentException("--name needs a value");
                    name = args.get(i);
                } else if (a.equals("--generate")) {
                    generate = true;
                } else if (a.equals("--help") || a.equals("-h")) {
                    out.print(USAGE);
                    return Main.Exit.OK;
                } else {
                    throw new IllegalArgumentException("hash: unknown option '" + a + "' (tollgate keys hash --help)");
                }
            }
            if (!ConfigLoader.isKeyName(name)) {
                throw new IllegalArgumentException("--name: expected a name matching " + ConfigLoader.KEY_NAME_RULE + ", got '"
                        + KeysCommand.clean(name) + "'");
            }
            String key;
            if (generate) {
                key = KeyAdmin.newSecret(); // as tollgate keys create makes them
                err.println("New key (shown this once; only its SHA-256 goes into the config):\n\n    " + key + "\n");
            } else {
                key = readKey(in);
            }
            out.println("{\"name\": " + Json.toString(name) + ", \"sha256\": \"" + HexFormat.of().formatHex(KeyConfig.hash(key)) + "\"}");
            return Main.Exit.OK;
        } catch (IllegalArgumentException e) {
            err.println(KeysCommand.ERROR_PREFIX + e.getMessage());
            return Main.Exit.CMDERR;
        } catch (IOException e) {
            err.println(KeysCommand.ERROR_PREFIX + "cannot read the key: " + tollgate.log.Failures.describe(e));
            return Main.Exit.SYSERR;
        }
    }

    /** One line of standard input, its line end removed; checked as the config checks a key (never quoted back). */
    static String readKey(InputStream in) throws IOException {
        String key;
        java.io.Console console = System.console();
        if (console != null && stdinIsTerminal()) {
            char[] typed = console.readPassword("Key to hash (not shown): ");
            if (typed == null) throw new IllegalArgumentException("no key given");
            key = new String(typed);
        } else {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            byte[] chunk = new byte[512];
            for (int n; (n = in.read(chunk)) > 0; ) {
                buf.write(chunk, 0, n);
                if (buf.size() > MAX_INPUT_BYTES) throw new IllegalArgumentException("standard input: more than " + MAX_INPUT_BYTES
                        + " bytes; expected one line with the key");
            }
            key = buf.toString(StandardCharsets.UTF_8);
            if (key.endsWith("\n")) key = key.substring(0, key.length() - 1);
            if (key.endsWith("\r")) key = key.substring(0, key.length() - 1);
        }
        if (key.isEmpty()) throw new IllegalArgumentException("no key on standard input (or give --generate)");
        if (key.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
            throw new IllegalArgumentException("the key contains spaces, line breaks or control characters; expected one line with the key");
        }
        if (key.length() < ConfigLoader.MIN_KEY_CHARS) {
            throw new IllegalArgumentException("the key is too short (" + key.length() + " characters, at least "
                    + ConfigLoader.MIN_KEY_CHARS + " required: a short key can be guessed)");
        }
        return key;
    }

    private static boolean stdinIsTerminal() {
        try {
            return Files.isSymbolicLink(STDIN_LINK) && Files.readSymbolicLink(STDIN_LINK).toString().matches("/dev/(pts/.*|tty.*)");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
