package tollgate;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tollgate.log.Log;

/**
 * The options of {@code tollgate} (serve) and {@code tollgate check-config}: each written
 * {@code --opt VALUE} or {@code --opt=VALUE} (GNU style), the last one given winning. Bad input is an
 * {@link IllegalArgumentException} whose message is printed as is.
 */
final class Cli {
    private Cli() { throw new AssertionError(); }

    static final String LOG_LEVEL_ENV = "TOLLGATE_LOG_LEVEL";
    static final String LOG_FORMAT_ENV = "TOLLGATE_LOG_FORMAT";

    /** Options that take a value. */
    static final Set<String> VALUE_OPTIONS = Set.of("--config", "--host", "--port", "--data-dir", "--log-level", "--log-format");

    static final String USAGE = """
            Usage: tollgate [OPTIONS]                 run the gateway
                   tollgate check-config [OPTIONS]    check the config; print it as the gateway reads it, secrets masked
                   tollgate keys hash [--name NAME] [--generate]
                                                      a {"name", "sha256"} entry for the config's "keys" (key from stdin)
                   tollgate keys COMMAND ...          managed client keys: create, list, show, ... (tollgate keys --help)

            Options (--opt VALUE or --opt=VALUE):
              --config FILE        config file (default: $TOLLGATE_CONFIG, ./conf/tollgate.json,
                                   or conf/tollgate.json of the installation)
              --host HOST          address to listen on (overrides server.host and $TOLLGATE_HOST)
              --port PORT          port to listen on, 0 for any free one (overrides server.port and $TOLLGATE_PORT)
              --data-dir DIR       where keys, the ledger and tasks are kept (overrides data_dir and $TOLLGATE_DATA_DIR)
              --log-level LEVEL    debug, info, warn or error (default info; $TOLLGATE_LOG_LEVEL)
              --log-format FORMAT  json or human (default: human when standard output is a terminal,
                                   else json; $TOLLGATE_LOG_FORMAT)
              --help, -h           this text
              --version            the version

            Environment:
              TOLLGATE_CONFIG      the config file when --config is not given
              TOLLGATE_HOST, TOLLGATE_PORT, TOLLGATE_DATA_DIR
                                   as --host, --port and --data-dir, which win over them; empty = unset
              TOLLGATE_API_KEY     the client key of the default "keys" (clients send it as a Bearer token)
              TOLLGATE_ADMIN_TOKEN the admin token of the shipped config (admin API, /metrics, /dashboard)
              OPENAI_API_KEY, ANTHROPIC_API_KEY, MISTRAL_API_KEY, DEEPGRAM_API_KEY
                                   provider keys the shipped config reads; a provider whose key is
                                   not set is disabled (one log line says which), not an error
              OLLAMA_URL, VLLM_URL, LLAMACPP_URL, OLLAMA_HOST
                                   base URLs of the local kinds (ollama, vllm, llamacpp) given no base_url
              TOLLGATE_OTLP_ENDPOINT
                                   the shipped config sends request spans there (OTLP/HTTP JSON) when set
              Any string in the config may read a variable: "${NAME}" or "${NAME:-default}".

            Exit status: 0 success, 1 bad arguments or config (every problem is listed),
                         2 system error (port in use, unreadable data directory).
            Documentation: README.md at the top of the source tree (and of a release tarball):
                           "Two commands", "Configuration", "Running it on a host";
                           the shipped conf/tollgate.json is commented.
            """;

    /** Parsed options; null components were not given. */
    record Options(Path config, String host, Integer port, Path dataDir, Log.Level logLevel, Log.Format logFormat,
                   boolean help, boolean version) {}

    /** Parses the options of the gateway and of {@code check-config} (which takes the same ones). */
    static Options parse(List<String> args) {
        Path config = null;
        String host = null;
        Integer port = null;
        Path dataDir = null;
        Log.Level level = null;
        Log.Format format = null;
        boolean help = false;
        boolean version = false;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            String name = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 2) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            if (VALUE_OPTIONS.contains(name) && value == null) {
                if (i + 1 >= args.size()) throw new IllegalArgumentException(name + " needs a value");
                value = args.get(++i);
            } else if (!VALUE_OPTIONS.contains(name) && value != null) {
                if (name.equals("--help") || name.equals("--version")) throw new IllegalArgumentException(name + " takes no value");
                throw unknown(name);
            }
            switch (name) {
                case "--config" -> config = path(name, value);
                case "--host" -> host = nonEmpty(name, value);
                case "--port" -> port = port(value);
                case "--data-dir" -> dataDir = path(name, value);
                case "--log-level" -> level = level(name, value);
                case "--log-format" -> format = format(name, value);
                case "--help", "-h" -> help = true;
                case "--version" -> version = true;
                default -> throw unknown(name);
            }
        }
        return new Options(config, host, port, dataDir, level, format, help, version);
    }

    /** The log level: the option, else {@code $TOLLGATE_LOG_LEVEL}, else info. */
    static Log.Level logLevel(Options o, Map<String, String> env) {
        if (o.logLevel() != null) return o.logLevel();
        String v = env.get(LOG_LEVEL_ENV);
        return v == null || v.isEmpty() ? Log.Level.INFO : level(LOG_LEVEL_ENV, v);
    }

    /** The log format: the option, else {@code $TOLLGATE_LOG_FORMAT}, else by whether stdout is a terminal. */
    static Log.Format logFormat(Options o, Map<String, String> env) {
        if (o.logFormat() != null) return o.logFormat();
        String v = env.get(LOG_FORMAT_ENV);
        return v == null || v.isEmpty() ? Log.defaultFormat() : format(LOG_FORMAT_ENV, v);
    }

    private static IllegalArgumentException unknown(String name) {
        String hint = name.startsWith("--") ? "" : " (options start with --; commands: check-config, keys)";
        return new IllegalArgumentException("unknown option '" + name + "'" + hint);
    }

    private static String nonEmpty(String name, String value) {
        if (value.isEmpty()) throw new IllegalArgumentException(name + ": expected a value, got nothing");
        return value;
    }

    private static Path path(String name, String value) {
        try {
            return Path.of(nonEmpty(name, value));
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException(name + ": not a valid path: '" + value + "'");
        }
    }

    static int port(String s) {
        try {
            int p = Integer.parseInt(s);
            if (p >= 0 && p <= 65535) return p;
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("--port: expected 0-65535, got '" + s + "'");
    }

    private static Log.Level level(String name, String value) {
        Log.Level l = Log.Level.of(value);
        if (l == null) throw new IllegalArgumentException(name + ": expected debug, info, warn or error, got '" + value + "'");
        return l;
    }

    private static Log.Format format(String name, String value) {
        return switch (value) {
            case "json" -> Log.Format.JSON;
            case "human" -> Log.Format.HUMAN;
            default -> throw new IllegalArgumentException(name + ": expected json or human, got '" + value + "'");
        };
    }

    /**
     * {@code --opt=value} split into {@code --opt value} for a parser that reads them apart
     * ({@code tollgate keys}); only for the options in {@code valued}, so that a switch given a value is still refused.
     */
    static String[] splitEquals(String[] args, Set<String> valued) {
        List<String> out = new ArrayList<>(args.length + 4);
        for (String a : args) {
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 2) {
                String name = a.substring(0, eq);
                if (!valued.contains(name)) throw new IllegalArgumentException(name + " takes no value (got '" + a + "')");
                out.add(name);
                out.add(a.substring(eq + 1));
            } else {
                out.add(a);
            }
        }
        return out.toArray(String[]::new);
    }
}
