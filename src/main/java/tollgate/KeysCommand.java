package tollgate;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tollgate.account.KeyAdmin;
import tollgate.account.KeyRecord;
import tollgate.account.KeyView;
import tollgate.account.KeyStore;
import tollgate.account.Ledger;
import tollgate.call.Clock;
import tollgate.config.ConfigException;
import tollgate.config.ConfigLoader;
import tollgate.json.Json;
import tollgate.json.JsonException;

/**
 * {@code tollgate keys ...} (issue 9): the managed keys of a data directory, from the shell, with
 * the gateway stopped or running. Changes go through {@link KeyAdmin} (the admin API's fields and
 * checks) and {@link KeyStore} (locked read-modify-write, atomic rename), which a running gateway
 * watches and applies at once; balances read the ledger's files without locking them.
 *
 * <p>The data directory is found as the gateway finds it: {@code --data-dir}, else
 * {@code $TOLLGATE_DATA_DIR}, else the {@code data_dir} of the config ({@code --config}, else the
 * gateway's default config). Only {@code data_dir} is taken from the config: loading all of it
 * would log skipped keys and disabled providers on stdout, in the middle of {@code --json} output.
 */
final class KeysCommand {
    static final String ERROR_PREFIX = "tollgate keys: ";
    static final String USAGE = """
            Usage: tollgate keys [--data-dir DIR | --config FILE] COMMAND [ARGS] [--json]
              create --name NAME [--credits N | --unlimited] [--rpm N] [--tpm N] [--max-streams N]
                     [--allow GLOB]... [--deny GLOB]... [--expires DATE|INSTANT] [--meta K=V]...
                                  new key; the key itself is printed this once only
              list                every key with its balance and status
              show ID             one key, every field
              revoke ID           refuse the key from now on (it stays listed)
              topup ID CREDITS    add CREDITS to what the key was granted
              hash [--name NAME] [--generate]
                                  a {"name", "sha256"} entry for the config's "keys", for the key on
                                  standard input (or a new one): tollgate keys hash --help
              set ID [--name NAME] [--credits N | --unlimited] [--rpm N] [--tpm N] [--max-streams N]
                     [--allow GLOB]... [--deny GLOB]... [--clear-allow] [--clear-deny]
                     [--expires DATE|INSTANT|never] [--meta K=V]... [--clear-meta] [--enable | --disable]
                                  change a key; --allow, --deny and --meta replace the lists
              Credits default to unlimited; 0 for --rpm, --tpm or --max-streams means no limit.
              --json prints one JSON object (an array for list) instead of text.
              The data directory: --data-dir, else $TOLLGATE_DATA_DIR, else data_dir of the config
              (--config, $TOLLGATE_CONFIG, ./conf/tollgate.json, conf/tollgate.json of the installation).
            """;
    /** Widest name in the list table; show prints it whole. */
    static final int MAX_NAME_COLUMN = 32;
    /** Between the list table's columns. */
    static final String COLUMN_GAP = "  ";
    /** Width of the labels of {@code show}. */
    static final int LABEL_WIDTH = 13;
    /** What the table shows for a limit of 0. */
    static final String NO_LIMIT = "-";
    static final String DATA_DIR_ENV = "TOLLGATE_DATA_DIR";
    /**
     * The one key of the config the data directory is resolved with: a digest no key has, so that
     * the loader neither skips a key nor warns that {@code TOLLGATE_API_KEY} goes unused.
     */
    private static final Map<String, Object> PLACEHOLDER_KEY = Map.of("name", "keys-command", "sha256", "0".repeat(64));

    /** Flags with one value, given at most once. */
    private static final Set<String> VALUE_FLAGS = Set.of("--data-dir", "--config", "--name", "--credits", "--rpm", "--tpm",
            "--max-streams", "--expires");
    /** Flags with a value, given any number of times. */
    private static final Set<String> LIST_FLAGS = Set.of("--allow", "--deny", "--meta");
    private static final Set<String> SWITCHES = Set.of("--json", "--unlimited", "--clear-allow", "--clear-deny", "--clear-meta",
            "--enable", "--disable");
    /** Flags every command takes. */
    private static final Set<String> GLOBAL_FLAGS = Set.of("--data-dir", "--config", "--json");
    private static final Set<String> CREATE_FLAGS = Set.of("--name", "--credits", "--unlimited", "--rpm", "--tpm", "--max-streams",
            "--allow", "--deny", "--expires", "--meta");
    private static final Set<String> SET_FLAGS = Set.of("--name", "--credits", "--unlimited", "--rpm", "--tpm", "--max-streams",
            "--allow", "--deny", "--expires", "--meta", "--clear-allow", "--clear-deny", "--clear-meta", "--enable", "--disable");

    /** A command: its positional arguments (by name, for messages) and the flags it takes besides the global ones. */
    private record Command(String name, List<String> operands, Set<String> flags) {}

    private static final Map<String, Command> COMMANDS = Map.of(
            "create", new Command("create", List.of(), CREATE_FLAGS),
            "list", new Command("list", List.of(), Set.of()),
            "show", new Command("show", List.of("ID"), Set.of()),
            "revoke", new Command("revoke", List.of("ID"), Set.of()),
            "topup", new Command("topup", List.of("ID", "CREDITS"), Set.of()),
            "set", new Command("set", List.of("ID"), SET_FLAGS));

    /** A parsed command line; a switch maps to an empty list. */
    record Args(Command command, List<String> operands, Map<String, List<String>> flags) {
        boolean has(String flag) { return flags.containsKey(flag); }
        String one(String flag) { return has(flag) ? flags.get(flag).get(0) : null; }
        List<String> all(String flag) { return flags.getOrDefault(flag, List.of()); }
    }

    private KeysCommand() { throw new AssertionError(); }

    /** Runs {@code tollgate keys <args>}: output on {@code out}, errors on {@code err}. */
    static Main.Exit run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        if (args.length > 0 && args[0].equals("hash")) return KeysHash.run(List.of(args).subList(1, args.length), System.in, out, err);
        try {
            Args a = parse(args);
            if (a == null) {
                out.print(USAGE);
                return Main.Exit.OK;
            }
            Path dataDir = dataDir(a, env);
            execute(a, new KeyAdmin(new KeyStore(dataDir), Clock.SYSTEM), dataDir, out);
            return Main.Exit.OK;
        } catch (IllegalArgumentException | ConfigException e) {
            err.println(ERROR_PREFIX + e.getMessage());
            return Main.Exit.CMDERR;
        } catch (IOException e) {
            err.println(ERROR_PREFIX + tollgate.log.Failures.describe(e));
            return Main.Exit.SYSERR;
        } catch (UncheckedIOException e) {
            err.println(ERROR_PREFIX + tollgate.log.Failures.describe(e.getCause()));
            return Main.Exit.SYSERR;
        }
    }

    /** The command line, or null when it asks for help. */
    static Args parse(String[] given) {
        Set<String> valued = new java.util.HashSet<>(VALUE_FLAGS);
        valued.addAll(LIST_FLAGS);
        String[] args = Cli.splitEquals(given, valued); // --name=ci as well as --name ci
        Command command = null;
        List<String> operands = new ArrayList<>();
        Map<String, List<String>> flags = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) return null;
            if (!arg.startsWith("--")) {
                if (command != null) operands.add(arg);
                else if ((command = COMMANDS.get(arg)) == null) throw new IllegalArgumentException("unknown command '" + arg
                        + "'; commands: create, list, show, revoke, topup, set, hash (tollgate keys --help)");
                continue;
            }
            boolean single = VALUE_FLAGS.contains(arg);
            if (!single && !LIST_FLAGS.contains(arg) && !SWITCHES.contains(arg)) {
                throw new IllegalArgumentException("unknown flag '" + arg + "' (tollgate keys --help)");
            }
            List<String> values = flags.computeIfAbsent(arg, f -> new ArrayList<>());
            if (SWITCHES.contains(arg)) continue;
            if (single && !values.isEmpty()) throw new IllegalArgumentException(arg + " given twice");
            // A value that looks like a flag is a forgotten value, not a name such as "--json".
            if (++i >= args.length || args[i].startsWith("--")) throw new IllegalArgumentException(arg + " needs a value");
            values.add(args[i]);
        }
        if (command == null) throw new IllegalArgumentException("missing command; commands: create, list, show, revoke, topup, set, hash"
                + " (tollgate keys --help)");
        for (String flag : flags.keySet()) {
            if (!GLOBAL_FLAGS.contains(flag) && !command.flags().contains(flag)) {
                throw new IllegalArgumentException(command.name() + ": unknown flag '" + flag + "' (tollgate keys --help)");
            }
        }
        if (operands.size() != command.operands().size()) {
            throw new IllegalArgumentException(command.name() + ": expected " + (command.operands().isEmpty() ? "no arguments"
                    : String.join(" ", command.operands())) + ", got " + (operands.isEmpty() ? "none" : String.join(" ", operands)));
        }
        return new Args(command, operands, flags);
    }

    // ------------------------------------------------------------------ the data directory

    /** As the gateway resolves it (flag, environment, config), with the same {@code ~} and relative-path rules. */
    static Path dataDir(Args a, Map<String, String> env) {
        Path flag = a.has("--data-dir") ? Path.of(a.one("--data-dir")) : null;
        Map<String, Object> config = new LinkedHashMap<>();
        Path file = null;
        if (flag == null && isEmpty(env.get(DATA_DIR_ENV))) {
            file = a.has("--config") ? Path.of(a.one("--config")) : Main.defaultConfig(env);
            Object configured = configuredDataDir(file);
            if (configured != null) config.put("data_dir", configured);
        }
        config.put("keys", List.of(PLACEHOLDER_KEY));
        Map<String, String> quiet = new HashMap<>(env);
        quiet.remove(ConfigLoader.ENV_KEY); // nothing to warn about: no key of the config is used here
        try {
            return ConfigLoader.parse(Json.toBytes(config), Path.of("").toAbsolutePath(), quiet,
                    new ConfigLoader.Overrides(null, null, flag)).dataDir();
        } catch (ConfigException e) {
            String m = e.getMessage();
            throw new ConfigException(file != null && m.startsWith("config: ") ? file + ": " + m.substring(8) : m, e);
        }
    }

    /** The config file's {@code data_dir} as written (substitutions still to do), or null. */
    private static Object configuredDataDir(Path file) {
        try {
            Map<String, Object> top = Json.asObject(Json.parseWithComments(Files.readAllBytes(file)));
            if (top == null) throw new IllegalArgumentException(file + ": not a JSON object");
            return top.get("data_dir");
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file (give --data-dir DIR or --config FILE)");
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read: " + tollgate.log.Failures.describe(e).replace(file + ": ", ""));
        } catch (JsonException e) {
            throw new IllegalArgumentException(file + ": invalid JSON: " + e.getMessage());
        }
    }

    // ------------------------------------------------------------------ the commands

    private static void execute(Args a, KeyAdmin admin, Path dataDir, PrintStream out) throws IOException {
        boolean json = a.has("--json");
        switch (a.command().name()) {
            case "create" -> {
                if (!a.has("--name")) throw new IllegalArgumentException("create: --name is required");
                Map<String, Object> fields = fields(a);
                fields.putIfAbsent("credits", null); // unlimited unless told: the CLI is the operator's own tool
                KeyAdmin.Created c = admin.create(fields);
                KeyView v = view(c.key(), Map.of());
                out.println(json ? Json.toString(v.toJson(c.secret())) : created(v, c.secret()));
            }
            case "list" -> {
                Map<String, Long> spent = Ledger.spentByKey(dataDir);
                List<KeyView> views = new ArrayList<>();
                for (KeyRecord k : admin.list()) views.add(view(k, spent));
                if (json) out.println(Json.toString(views.stream().map(v -> v.toJson(null)).toList()));
                else out.print(views.isEmpty() ? "No managed keys in " + admin.store().file() + ".\n" : table(views));
            }
            case "show" -> print(out, json, view(admin.get(a.operands().get(0)), Ledger.spentByKey(dataDir)), "");
            case "revoke" -> {
                KeyView v = view(admin.revoke(a.operands().get(0)), Ledger.spentByKey(dataDir));
                print(out, json, v, "Revoked key " + v.key().id() + ": it is refused from now on, by a running gateway too.\n");
            }
            case "topup" -> {
                long credits = whole(a.operands().get(1), "CREDITS", 1);
                KeyRecord k = admin.topup(a.operands().get(0), credits); // refuses a grant that would overflow
                KeyView v = view(k, Ledger.spentByKey(dataDir));
                if (json) out.println(Json.toString(v.toJson(null)));
                else out.println("Topped up key " + k.id() + " by " + credits + ": granted " + k.credits() + ", balance " + v.balance() + ".");
            }
            case "set" -> {
                Map<String, Object> fields = fields(a);
                if (fields.isEmpty()) throw new IllegalArgumentException("set: nothing to change (tollgate keys --help)");
                KeyView v = view(admin.set(a.operands().get(0), fields), Ledger.spentByKey(dataDir));
                print(out, json, v, "Updated key " + v.key().id() + ".\n");
            }
            default -> throw new AssertionError(a.command());
        }
    }

    private static KeyView view(KeyRecord k, Map<String, Long> spent) {
        return new KeyView(k, spent.getOrDefault(k.id(), 0L), 0, 0, Clock.SYSTEM.millis());
    }

    /** The view as JSON, or {@code heading} and every field as text. */
    private static void print(PrintStream out, boolean json, KeyView v, String heading) {
        out.print(json ? Json.toString(v.toJson(null)) + "\n" : heading + details(v));
    }

    /** KeyAdmin's fields from the flags that set them; numbers are checked here to name the flag. */
    private static Map<String, Object> fields(Args a) {
        Map<String, Object> f = new LinkedHashMap<>();
        if (a.has("--name")) f.put("name", a.one("--name"));
        exclusive(a, "--credits", "--unlimited");
        if (a.has("--credits")) f.put("credits", whole(a.one("--credits"), "--credits", 0));
        if (a.has("--unlimited")) f.put("credits", null);
        for (String limit : List.of("--rpm", "--tpm", "--max-streams")) {
            if (a.has(limit)) f.put(limit.substring(2).replace('-', '_'), whole(a.one(limit), limit, 0));
        }
        for (String list : List.of("allow", "deny")) {
            exclusive(a, "--" + list, "--clear-" + list);
            if (a.has("--" + list) || a.has("--clear-" + list)) f.put(list, a.all("--" + list));
        }
        if (a.has("--expires")) f.put("expires", a.one("--expires"));
        exclusive(a, "--meta", "--clear-meta");
        if (a.has("--meta") || a.has("--clear-meta")) f.put("metadata", metadata(a.all("--meta")));
        exclusive(a, "--enable", "--disable");
        if (a.has("--enable") || a.has("--disable")) f.put("disabled", a.has("--disable"));
        return f;
    }

    private static void exclusive(Args a, String one, String other) {
        if (a.has(one) && a.has(other)) throw new IllegalArgumentException("give " + one + " or " + other + ", not both");
    }

    private static Map<String, String> metadata(List<String> pairs) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String p : pairs) {
            int eq = p.indexOf('=');
            if (eq < 1) throw new IllegalArgumentException("--meta: expected KEY=VALUE, got '" + p + "'");
            if (m.put(p.substring(0, eq), p.substring(eq + 1)) != null) {
                throw new IllegalArgumentException("--meta: '" + p.substring(0, eq) + "' given twice");
            }
        }
        return m;
    }

    private static long whole(String s, String what, long min) {
        try {
            long n = Long.parseLong(s);
            if (n >= min) return n;
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(what + ": expected a whole number ≥ " + min + ", got '" + s + "'");
    }

    // ------------------------------------------------------------------ text output

    private static String created(KeyView v, String secret) {
        return "Created key " + v.key().id() + " (" + clean(v.key().name()) + ").\n\n    " + secret + "\n\n"
                + "This is the only time the key is shown: only its SHA-256 is kept. Store it now.\n\n" + details(v).stripTrailing();
    }

    private static String details(KeyView v) {
        KeyRecord k = v.key();
        StringBuilder b = new StringBuilder();
        line(b, "id", k.id());
        line(b, "name", clean(k.name()));
        line(b, "prefix", clean(String.valueOf(k.prefix())));
        line(b, "status", v.status());
        line(b, "created", instant(k.createdMs()));
        line(b, "expires", k.expiresMs() == 0 ? "never" : instant(k.expiresMs()));
        line(b, "credits", k.unlimited() ? "unlimited" : k.credits() + " granted");
        line(b, "spent", Long.toString(v.spent()));
        line(b, "balance", k.unlimited() ? "unlimited" : Long.toString(v.balance()));
        line(b, "rpm", limit(k.rpm()));
        line(b, "tpm", limit(k.tpm()));
        line(b, "max streams", limit(k.maxStreams()));
        line(b, "allow", k.allow().isEmpty() ? "any model not denied" : clean(String.join(", ", k.allow())));
        line(b, "deny", k.deny().isEmpty() ? "none" : clean(String.join(", ", k.deny())));
        List<String> meta = new ArrayList<>();
        k.metadata().forEach((key, value) -> meta.add(clean(key + "=" + value)));
        line(b, "metadata", meta.isEmpty() ? "none" : String.join(", ", meta));
        return b.toString();
    }

    private static void line(StringBuilder b, String label, String value) {
        b.append(label).append(" ".repeat(LABEL_WIDTH - label.length())).append(value).append('\n');
    }

    private static String limit(long n) { return n == 0 ? "no limit" : Long.toString(n); }

    private static String table(List<KeyView> views) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"ID", "NAME", "PREFIX", "GRANTED", "BALANCE", "RPM", "TPM", "STREAMS", "STATUS", "CREATED"});
        for (KeyView v : views) {
            KeyRecord k = v.key();
            String name = clean(k.name());
            if (name.codePointCount(0, name.length()) > MAX_NAME_COLUMN) {
                name = name.substring(0, name.offsetByCodePoints(0, MAX_NAME_COLUMN - 1)) + "…";
            }
            rows.add(new String[] {k.id(), name, clean(String.valueOf(k.prefix())),
                    k.unlimited() ? "unlimited" : k.credits().toString(), k.unlimited() ? "unlimited" : v.balance().toString(),
                    cell(k.rpm()), cell(k.tpm()), cell(k.maxStreams()), v.status(), instant(k.createdMs())});
        }
        int[] width = new int[rows.get(0).length];
        for (String[] r : rows) for (int c = 0; c < r.length; c++) width[c] = Math.max(width[c], r[c].length());
        StringBuilder b = new StringBuilder();
        for (String[] r : rows) {
            for (int c = 0; c < r.length - 1; c++) b.append(r[c]).append(" ".repeat(width[c] - r[c].length())).append(COLUMN_GAP);
            b.append(r[r.length - 1]).append('\n');
        }
        return b.toString();
    }

    private static String cell(long n) { return n == 0 ? NO_LIMIT : Long.toString(n); }

    /**
     * KeyAdmin refuses control characters in names, globs and metadata, but keys.json may have been written
     * by hand or by another tool: none reaches the terminal all the same.
     */
    static String clean(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return b.toString();
    }

    private static String instant(long ms) {
        return Instant.ofEpochMilli(ms).truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static boolean isEmpty(String s) { return s == null || s.isEmpty(); }
}
