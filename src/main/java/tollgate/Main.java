package tollgate;

import java.io.IOException;
import java.io.PrintStream;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import tollgate.config.ConfigException;
import tollgate.config.ConfigLoader;
import tollgate.config.GatewayConfig;
import tollgate.log.Failures;
import tollgate.log.Log;

/**
 * Command line entry point: {@code tollgate [OPTIONS]}, {@code tollgate check-config [OPTIONS]},
 * {@code tollgate keys ...} ({@link Cli#USAGE}). Exit status (after jwebserver's {@code Startup}
 * codes): 0 normal, 1 bad arguments or config, 2 system error such as a port in use. SIGTERM (and
 * Ctrl-C) drain and stop; SIGHUP reloads the config ({@link Hangup}). What goes wrong is said in
 * words on stderr, never as an exception's class name ({@link Failures}).
 */
public final class Main {
    /** Exit statuses. */
    enum Exit {
        OK(0), CMDERR(1), SYSERR(2);
        final int code;
        Exit(int code) { this.code = code; }
    }

    static final String VERSION = "0.1.0";
    static final String PREFIX = "tollgate: ";
    /** Printed after a bad command line instead of the whole usage, which would bury the error. */
    static final String HELP_HINT = "Run 'tollgate --help' for the options, environment variables and exit codes.";

    private Main() { throw new AssertionError(); }

    public static void main(String[] args) {
        Exit exit = run(args, System.getenv());
        if (exit != Exit.OK) {
            Log.flush(1000);
            System.exit(exit.code);
        }
    }

    static Exit run(String[] args, Map<String, String> env) {
        return run(args, env, System.out, System.err);
    }

    static Exit run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        if (args.length > 0 && args[0].equals("keys")) return KeysCommand.run(Arrays.copyOfRange(args, 1, args.length), env, out, err);
        int check = commandAt(args, "check-config");
        if (check >= 0) {
            List<String> options = new java.util.ArrayList<>(Arrays.asList(args));
            options.remove(check); // its options may come before it too: tollgate --config x.json check-config
            return CheckConfig.run(options, env, out, err);
        }
        Cli.Options o;
        try {
            o = Cli.parse(Arrays.asList(args));
            if (o.help()) {
                out.print(Cli.USAGE);
                return Exit.OK;
            }
            if (o.version()) {
                out.println("tollgate " + VERSION);
                return Exit.OK;
            }
            Log.configure(Cli.logLevel(o, env), Cli.logFormat(o, env));
        } catch (IllegalArgumentException e) {
            err.println(PREFIX + e.getMessage() + "\n" + HELP_HINT);
            return Exit.CMDERR;
        }
        Path file = o.config() != null ? o.config() : defaultConfig(env);
        GatewayConfig cfg;
        ConfigLoader.Overrides overrides = new ConfigLoader.Overrides(o.host(), o.port(), o.dataDir());
        try {
            cfg = ConfigLoader.load(file, env, overrides);
        } catch (ConfigException e) {
            err.println(PREFIX + e.getMessage());
            return Exit.CMDERR;
        }
        Log.debug("config_loaded", "file", file.toAbsolutePath().normalize().toString(), "log_format", Log.format().name().toLowerCase(
                java.util.Locale.ROOT));
        Gateway gateway;
        try {
            // A reload (SIGHUP, POST /admin/reload) reads the same file with the same environment and overrides.
            gateway = Gateway.start(cfg, List.of(), () -> ConfigLoader.load(file, env, overrides));
        } catch (SocketException e) {
            // BindException (port in use) and an address that does not resolve, e.g. --host 256.1.1.1
            String message = e.getMessage() != null && e.getMessage().startsWith(tollgate.voice.VoiceService.VOICE_PORT_PREFIX)
                    ? e.getMessage()
                    : "cannot listen on " + cfg.server().host() + ":" + cfg.server().port() + ": " + Failures.describe(e);
            err.println(PREFIX + message);
            return Exit.SYSERR;
        } catch (ConfigException e) {
            // Found only when the parts are built (a python tool's interpreter or sandbox): as a config error.
            err.println(PREFIX + file + ": " + e.getMessage());
            return Exit.CMDERR;
        } catch (IOException | RuntimeException e) {
            err.println(PREFIX + "start-up failed: " + Failures.describe(e));
            if (Log.enabled(Log.Level.DEBUG)) e.printStackTrace(err);
            return Exit.SYSERR;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(gateway::stop, "tollgate-shutdown"));
        Hangup.reloads(gateway);
        return Exit.OK; // the HTTP dispatcher thread keeps the process alive
    }

    /** Where {@code command} is among the arguments that are not an option's value, or -1. */
    static int commandAt(String[] args, String command) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals(command)) return i;
            if (Cli.VALUE_OPTIONS.contains(args[i])) i++;
        }
        return -1;
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

}
