package tollgate;

import java.io.IOException;
import java.net.BindException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import tollgate.config.ConfigException;
import tollgate.config.ConfigLoader;
import tollgate.config.GatewayConfig;
import tollgate.log.Log;

/**
 * Command line entry point: {@code tollgate [--config FILE] [--host H] [--port N] [--data-dir DIR]}.
 * Exit status (after jwebserver's {@code Startup} codes): 0 normal, 1 bad arguments or config,
 * 2 system error such as a port in use. SIGTERM (and Ctrl-C) drain and stop; SIGHUP reloads the config.
 */
public final class Main {
    /** Exit statuses. */
    enum Exit {
        OK(0), CMDERR(1), SYSERR(2);
        final int code;
        Exit(int code) { this.code = code; }
    }

    static final String VERSION = "0.1.0";
    private static final String USAGE = """
            Usage: tollgate [--config FILE] [--host HOST] [--port PORT] [--data-dir DIR]
                   tollgate keys create|list|show|revoke|topup|set ...   (managed client keys: tollgate keys --help)
              --config FILE    config file (default: $TOLLGATE_CONFIG, ./conf/tollgate.json,
                               or conf/tollgate.json of the installation)
              --host HOST      address to listen on (overrides server.host, $TOLLGATE_HOST)
              --port PORT      port to listen on, 0 for any free one (overrides server.port, $TOLLGATE_PORT)
              --data-dir DIR   where state is kept (overrides data_dir, $TOLLGATE_DATA_DIR)
              --help, --version
            """;

    private Main() { throw new AssertionError(); }

    public static void main(String[] args) {
        Exit exit = run(args, System.getenv());
        if (exit != Exit.OK) {
            Log.flush(1000);
            System.exit(exit.code);
        }
    }

    static Exit run(String[] args, Map<String, String> env) {
        if (args.length > 0 && args[0].equals("keys")) {
            return KeysCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length), env, System.out, System.err);
        }
        Path config = null;
        String host = null;
        Integer port = null;
        Path dataDir = null;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--config" -> config = Path.of(value(args, ++i, "--config"));
                    case "--host" -> host = value(args, ++i, "--host");
                    case "--port" -> port = parsePort(value(args, ++i, "--port"));
                    case "--data-dir" -> dataDir = Path.of(value(args, ++i, "--data-dir"));
                    case "--help", "-h" -> { System.out.print(USAGE); return Exit.OK; }
                    case "--version" -> { System.out.println("tollgate " + VERSION); return Exit.OK; }
                    default -> throw new IllegalArgumentException("unknown argument '" + args[i] + "'");
                }
            }
        } catch (IllegalArgumentException e) {
            System.err.println("tollgate: " + e.getMessage() + "\n" + USAGE);
            return Exit.CMDERR;
        }
        Path file = config != null ? config : defaultConfig(env);
        GatewayConfig cfg;
        ConfigLoader.Overrides overrides = new ConfigLoader.Overrides(host, port, dataDir);
        try {
            cfg = ConfigLoader.load(file, env, overrides);
        } catch (ConfigException e) {
            System.err.println("tollgate: " + e.getMessage());
            return Exit.CMDERR;
        }
        Gateway gateway;
        try {
            // A reload (SIGHUP, POST /admin/reload) reads the same file with the same environment and overrides.
            gateway = Gateway.start(cfg, java.util.List.of(), () -> ConfigLoader.load(file, env, overrides));
        } catch (BindException e) {
            String message = e.getMessage() != null && e.getMessage().startsWith(tollgate.voice.VoiceService.VOICE_PORT_PREFIX)
                    ? e.getMessage()
                    : "cannot listen on " + cfg.server().host() + ":" + cfg.server().port() + ": " + e.getMessage();
            System.err.println("tollgate: " + message);
            return Exit.SYSERR;
        } catch (ConfigException e) {
            // Found only when the parts are built (a python tool's interpreter or sandbox): as a config error.
            System.err.println("tollgate: " + file + ": " + e.getMessage());
            return Exit.CMDERR;
        } catch (IOException | RuntimeException e) {
            System.err.println("tollgate: start-up failed: " + e);
            return Exit.SYSERR;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(gateway::stop, "tollgate-shutdown"));
        Hangup.reloads(gateway);
        return Exit.OK; // the HTTP dispatcher thread keeps the process alive
    }

    /** The config file when none is given: also where {@code tollgate keys} looks for the data directory. */
    static Path defaultConfig(Map<String, String> env) {
        String fromEnv = env.get("TOLLGATE_CONFIG");
        if (fromEnv != null && !fromEnv.isEmpty()) return Path.of(fromEnv);
        Path local = Path.of("conf", "tollgate.json");
        if (Files.exists(local)) return local;
        String home = System.getProperty("tollgate.home");
        return home != null ? Path.of(home, "conf", "tollgate.json") : local;
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) throw new IllegalArgumentException(flag + " needs a value");
        return args[i];
    }

    private static int parsePort(String s) {
        try {
            int p = Integer.parseInt(s);
            if (p >= 0 && p <= 65535) return p;
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("--port: expected 0-65535, got '" + s + "'");
    }
}
