package tollgate;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tollgate.config.ConfigException;
import tollgate.config.ConfigLoader;
import tollgate.config.EffectiveConfig;
import tollgate.config.GatewayConfig;
import tollgate.json.Json;

/**
 * {@code tollgate check-config}: reads the config exactly as the gateway would (the same file
 * search, environment and overrides) and prints the result as indented JSON on stdout, secrets
 * masked ({@link EffectiveConfig}); or every problem on stderr. Binds no port, opens no data
 * directory, starts nothing. The notes reading gives (disabled providers, skipped keys) go to
 * stderr, so that stdout is the JSON alone.
 */
final class CheckConfig {
    private CheckConfig() { throw new AssertionError(); }

    static final String PREFIX = "tollgate check-config: ";
    static final String USAGE = """
            Usage: tollgate check-config [--config FILE] [--host HOST] [--port PORT] [--data-dir DIR]
              Reads the config as the gateway would (the same default file, environment variables and
              options: tollgate --help) and prints it as JSON, secrets masked, without starting anything.
              Exit status: 0 the config is valid, 1 it is not (every problem is listed on stderr).
            """;
    /** Spaces per nesting level of the printed JSON. */
    static final int INDENT = 2;

    static Main.Exit run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        Cli.Options o;
        try {
            o = Cli.parse(args);
        } catch (IllegalArgumentException e) {
            err.println(PREFIX + e.getMessage() + "\n" + Main.HELP_HINT);
            return Main.Exit.CMDERR;
        }
        if (o.help()) {
            out.print(USAGE);
            return Main.Exit.OK;
        }
        if (o.version()) {
            out.println("tollgate " + Main.VERSION);
            return Main.Exit.OK;
        }
        Path file = o.config() != null ? o.config() : Main.defaultConfig(env);
        List<String> notes = new ArrayList<>();
        GatewayConfig config;
        try {
            config = ConfigLoader.load(file, env, new ConfigLoader.Overrides(o.host(), o.port(), o.dataDir()), notes::add);
        } catch (ConfigException e) {
            err.println(Main.PREFIX + e.getMessage());
            return Main.Exit.CMDERR;
        }
        for (String note : notes) err.println(PREFIX + "note: " + note);
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("file", file.toAbsolutePath().normalize().toString());
        doc.putAll(EffectiveConfig.of(config, env));
        out.println(indent(Json.toString(doc)));
        return Main.Exit.OK;
    }

    /** Compact JSON indented for reading: a line per member and element, strings left as they are. */
    static String indent(String json) {
        StringBuilder b = new StringBuilder(json.length() * 2);
        int depth = 0;
        boolean inString = false;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (inString) {
                b.append(c);
                if (c == '\\') b.append(json.charAt(++i));
                else if (c == '"') inString = false;
                continue;
            }
            switch (c) {
                case '"' -> {
                    inString = true;
                    b.append(c);
                }
                case '{', '[' -> {
                    char close = c == '{' ? '}' : ']';
                    if (i + 1 < json.length() && json.charAt(i + 1) == close) {
                        b.append(c).append(close); // empty: {} or []
                        i++;
                    } else {
                        b.append(c).append('\n').append(" ".repeat(++depth * INDENT));
                    }
                }
                case '}', ']' -> b.append('\n').append(" ".repeat(--depth * INDENT)).append(c);
                case ',' -> b.append(",\n").append(" ".repeat(depth * INDENT));
                case ':' -> b.append(": ");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
