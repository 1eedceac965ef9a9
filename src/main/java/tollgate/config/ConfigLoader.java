package tollgate.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import tollgate.config.Substitution.Text;
import tollgate.json.Json;
import tollgate.log.Log;
import tollgate.json.JsonException;

/**
 * Reads {@code conf/tollgate.json} (JSON with comments) into a checked {@link GatewayConfig}, or
 * fails with a {@link ConfigException} naming the path and the offending value.
 *
 * <p>String values may reference environment variables, see {@link Substitution}. Integers may
 * also be written as strings of digits, so {@code "port": "${PORT:-8080}"} works. Unknown keys
 * are errors. A provider whose {@code api_key} or {@code base_url} references an unset variable
 * is kept but disabled; a {@code keys[]} entry whose {@code key} does is skipped. Each prints one
 * JSON line to stdout (never the secret itself).
 *
 * <p>Precedence for host, port and data directory: {@link Overrides} &gt; the environment
 * ({@code TOLLGATE_HOST}, {@code TOLLGATE_PORT}, {@code TOLLGATE_DATA_DIR}; empty counts as unset)
 * &gt; the file &gt; the defaults in {@link ServerConfig}.
 *
 * <p>{@code data_dir} and {@code voice.tls.keystore}: a leading {@code ~/} is the {@code user.home}
 * directory; a relative path is resolved against the process's working directory (not against the
 * config file's directory), so that {@code --data-dir ./x} and {@code TOLLGATE_DATA_DIR=./x} mean what a shell user expects.
 */
public final class ConfigLoader {
    private ConfigLoader() { throw new AssertionError(); }

    /** Command-line overrides; a null component leaves that setting alone. */
    public record Overrides(String host, Integer port, Path dataDir) {
        public static final Overrides NONE = new Overrides(null, null, null);
    }

    public static final String DEFAULT_DATA_DIR = "~/.local/share/tollgate";
    /** Client keys shorter than this are rejected as guessable. */
    public static final int MIN_KEY_CHARS = 16;
    /** Upper bound for every {@code *_ms} setting: one day. */
    static final long MAX_MILLIS = 86_400_000;

    private static final List<String> ROOT_KEYS = List.of("server", "data_dir", "keys", "providers", "models", "router", "groups",
            "accounts", "speech", "fim", "voice", "agent", "tools", "mcp_servers", "metrics", "telemetry", "state",
            "responses");
    private static final List<String> ACCOUNTS_KEYS = List.of("credits_per_usd", "admin_token", "admin_token_sha256");
    private static final List<String> SERVER_KEYS = List.of("host", "port", "max_body_bytes", "drain_ms",
            "heartbeat_ms", "connect_timeout_ms", "extension_field", "access_log", "max_connections",
            "request_timeout_ms", "idle_timeout_ms", "write_timeout_ms", "memory_budget_bytes",
            "max_header_bytes", "max_headers", "max_url_bytes", "tls", "cors");
    /** Most client connections that may be configured (each takes a file descriptor and buffers). */
    static final long MAX_CONNECTIONS = 1_000_000;
    /** The JDK server counts its request and idle timeouts in whole seconds. */
    static final long MIN_JDK_TIMEOUT_MS = 1000;
    private static final List<String> KEY_KEYS = List.of("name", "key", "sha256");
    /** The variable the default key entry reads. */
    public static final String ENV_KEY = "TOLLGATE_API_KEY";
    /** {@code keys} when the config has none: the README's and conf/tollgate.json's default. */
    private static final List<Object> DEFAULT_KEYS = List.of(Map.of("name", "env", "key", "${" + ENV_KEY + "}"));
    private static final Pattern EXTENSION_FIELD = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]{0,63}");
    /** What a key's name must match, as messages state it. */
    public static final String KEY_NAME_RULE = "[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}";
    private static final Pattern KEY_NAME = Pattern.compile(KEY_NAME_RULE);
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-fA-F]{64}");

    /**
     * Loads the file. The file name as given is the prefix of error messages, followed by the line
     * of the offending key: {@code conf/tollgate.json:12: server.port: expected ...}. Every
     * problem of the file is reported, in one exception ({@link ConfigException#problems()}).
     *
     * @param file      the config file; null means no file (all defaults)
     * @param env       environment variables, normally {@code System.getenv()}
     * @param overrides command-line overrides, or {@link Overrides#NONE}
     */
    public static GatewayConfig load(Path file, Map<String, String> env, Overrides overrides) {
        return load(file, env, overrides, Log::writeRendered);
    }

    /**
     * As {@link #load(Path, Map, Overrides)}, with the notes reading the config gives (disabled
     * providers, skipped keys: each one JSON object) sent to {@code log} rather than to the log
     * ({@code tollgate check-config} prints them on stderr).
     */
    public static GatewayConfig load(Path file, Map<String, String> env, Overrides overrides, Consumer<String> log) {
        Path workingDir = Path.of("").toAbsolutePath();
        if (file == null) return parse("{}".getBytes(StandardCharsets.UTF_8), "defaults",
                workingDir, env, overrides, log, false);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ConfigException(file + ": " + (e instanceof NoSuchFileException ? "no such file"
                    : "cannot read: " + tollgate.log.Failures.describe(e).replace(file + ": ", "")), e);
        }
        return parse(bytes, file.toString(), workingDir, env, overrides, log, true);
    }

    /**
     * Parses config bytes; error messages start with {@code config:}.
     *
     * @param baseDir what a relative {@code data_dir} or {@code voice.tls.keystore} resolves against
     *                ({@link #load} passes the working directory)
     */
    public static GatewayConfig parse(byte[] json, Path baseDir, Map<String, String> env, Overrides overrides) {
        return parse(json, "config", baseDir, env, overrides, Log::writeRendered, false);
    }

    /** As {@link #parse(byte[], Path, Map, Overrides)}, with the message prefix and log sink chosen (tests). */
    static GatewayConfig parse(byte[] json, String source, Path baseDir, Map<String, String> env,
                               Overrides overrides, Consumer<String> log) {
        return parse(json, source, baseDir, env, overrides, log, false);
    }

    /** @param withLines name the line of each problem's key ({@code source} is a file) */
    private static GatewayConfig parse(byte[] json, String source, Path baseDir, Map<String, String> env,
                                       Overrides overrides, Consumer<String> log, boolean withLines) {
        Object root;
        try {
            root = Json.parseWithComments(json);
        } catch (JsonException e) {
            throw new ConfigException(JsonSlips.describe(source, json, e), e);
        }
        ConfigReader r = new ConfigReader(source, env, true);
        GatewayConfig config = null;
        try {
            config = read(r, root, baseDir, env, overrides == null ? Overrides.NONE : overrides, log);
        } catch (ConfigException e) {
            r.report(e); // the root is not an object: nothing else can be read
        }
        List<ConfigException> problems = r.problems();
        if (!problems.isEmpty()) throw SourceLines.collected(source, json, problems, withLines);
        return config;
    }

    /**
     * Every section and every entry of a list is read on its own ({@link ConfigReader#attempt}), so
     * that one problem does not hide the next; a section that fails leaves a fallback for the
     * sections that depend on it, whose references to a broken entry are not reported again.
     * Null when there were problems.
     */
    private static GatewayConfig read(ConfigReader r, Object root, Path baseDir, Map<String, String> env, Overrides o,
                                      Consumer<String> log) {
        Map<String, Object> top = r.object("", root, null);
        r.attempt(() -> r.object("", root, ROOT_KEYS), null); // an unknown section is reported, the others still read
        Map<String, Object> serverSection = r.attempt(() -> r.object(top, "", "server", SERVER_KEYS), Map.of());
        ServerConfig parsedServer = r.attempt(() -> server(r, serverSection, env, o), null);
        ServerConfig server = parsedServer != null ? parsedServer : server(r, Map.of(), Map.of(), Overrides.NONE);
        Path dataDir = r.attempt(() -> dataDir(r, top, baseDir, env, o), null);
        List<KeyConfig> keys = r.attempt(() -> keys(r, top, env, log), List.of());
        Map<String, ProviderConfig> providers = r.attempt("provider", null, () -> ProvidersSection.providers(r, top, log), Map.of());
        List<ModelConfig> models = r.attempt("model", null, () -> ProvidersSection.models(r, top, providers), List.of());
        RouterConfig router = r.attempt(() -> RouterSection.router(r, top, models), null);
        List<GroupConfig> groups = r.attempt(() -> RouterSection.groups(r, top, providers, models), List.of());
        AccountsConfig accounts = r.attempt(() -> accounts(r, top, keys, log), null);
        SpeechConfig speech = r.attempt(() -> SpeechConfig.read(r, top), null);
        FimConfig fim = r.attempt(() -> FimConfig.read(r, top), null);
        VoiceConfig voice = r.attempt(() -> VoiceConfig.read(r, top, server.port(), models, baseDir), null);
        ToolsConfig tools = r.attempt(() -> ToolsConfig.read(r, top, models), null);
        OpsConfig ops = r.attempt(() -> OpsConfig.read(r, top, serverSection, baseDir, dataDir), null);
        if (!r.problems().isEmpty()) return null;
        return new GatewayConfig(server, dataDir, keys, providers, models, router, groups, accounts, speech, fim, voice, tools, ops);
    }

    /**
     * {@code accounts}: {@code credits_per_usd}, and the admin token as {@code admin_token} (a
     * variable that is not set leaves the admin API off, logged) or its {@code admin_token_sha256}.
     */
    private static AccountsConfig accounts(ConfigReader r, Map<String, Object> top, List<KeyConfig> keys, Consumer<String> log) {
        String p = "accounts";
        Map<String, Object> a = r.object(top, "", p, ACCOUNTS_KEYS);
        if (a == null) return AccountsConfig.DEFAULTS;
        long perUsd = r.integer(a, p, "credits_per_usd", AccountsConfig.DEFAULT_CREDITS_PER_USD, 1,
                AccountsConfig.MAX_CREDITS_PER_USD);
        Text token = r.secretText(a, p, "admin_token");
        String sha = r.string(a, p, "admin_token_sha256", null);
        if (token != null && sha != null) throw r.fail(p, "needs at most one of \"admin_token\" or \"admin_token_sha256\"");
        byte[] hash = null;
        if (token != null) {
            if (token.hasUnset() || token.value().isEmpty()) {
                log.accept(logLine("admin_api_off", "field", "accounts.admin_token", token.hasUnset() ? token.unsetReason() : "admin_token is empty"));
            } else if (token.value().length() < MIN_KEY_CHARS) {
                throw r.fail(p + ".admin_token", "too short (" + token.value().length() + " characters, at least " + MIN_KEY_CHARS
                        + " required)");
            } else {
                hash = KeyConfig.hash(token.value());
            }
        } else if (sha != null) {
            if (!SHA256_HEX.matcher(sha).matches()) throw r.expected(p + ".admin_token_sha256", "64 hex digits (a SHA-256)", Text.literal(sha));
            hash = HexFormat.of().parseHex(sha.toLowerCase(Locale.ROOT));
        }
        if (hash != null) {
            for (KeyConfig k : keys) {
                if (java.util.Arrays.equals(k.sha256(), hash)) throw r.fail(p + ".admin_token", "is also the client key \"" + k.name()
                        + "\"; the admin token must be a secret of its own");
            }
        }
        return new AccountsConfig(perUsd, hash);
    }

    private static ServerConfig server(ConfigReader r, Map<String, Object> s, Map<String, String> env, Overrides o) {
        String p = "server";
        String host = r.string(s, p, "host", ServerConfig.DEFAULT_HOST);
        checkHost(r, "server.host", host);
        long port = r.integer(s, p, "port", ServerConfig.DEFAULT_PORT, 0, 65535);
        long maxBody = r.integer(s, p, "max_body_bytes", ServerConfig.DEFAULT_MAX_BODY_BYTES,
                ServerConfig.MIN_MAX_BODY_BYTES, ServerConfig.MAX_MAX_BODY_BYTES);
        Duration drain = r.millis(s, p, "drain_ms", ServerConfig.DEFAULT_DRAIN.toMillis(), 0, MAX_MILLIS);
        Duration heartbeat = r.millis(s, p, "heartbeat_ms", ServerConfig.DEFAULT_HEARTBEAT.toMillis(), 1, MAX_MILLIS);
        Duration connect = r.millis(s, p, "connect_timeout_ms",
                ServerConfig.DEFAULT_CONNECT_TIMEOUT.toMillis(), 1, MAX_MILLIS);
        String extension = r.string(s, p, "extension_field", ServerConfig.DEFAULT_EXTENSION_FIELD);
        if (!EXTENSION_FIELD.matcher(extension).matches()) {
            throw r.expected("server.extension_field",
                    "an identifier matching [a-zA-Z_][a-zA-Z0-9_]{0,63}", Text.literal(extension));
        }
        boolean accessLog = r.bool(s, p, "access_log", true);
        ServerLimits limits = limits(r, s, p);

        ConfigReader fromEnv = new ConfigReader("environment", Map.of());
        String envHost = nonEmpty(env.get("TOLLGATE_HOST"));
        if (envHost != null) host = envHost;
        String envPort = nonEmpty(env.get("TOLLGATE_PORT"));
        if (envPort != null) port = fromEnv.integer("TOLLGATE_PORT", Text.literal(envPort), 0, 65535);

        ConfigReader fromOverride = new ConfigReader("override", Map.of());
        if (o.host() != null) {
            host = o.host();
            checkHost(fromOverride, "host", host);
        } else if (envHost != null) {
            checkHost(fromEnv, "TOLLGATE_HOST", host);
        }
        if (o.port() != null) port = fromOverride.integer("port", o.port(), 0, 65535);
        return new ServerConfig(host, (int) port, maxBody, drain, heartbeat, connect, extension, accessLog, limits);
    }

    private static ServerLimits limits(ConfigReader r, Map<String, Object> s, String p) {
        ServerLimits d = ServerLimits.defaults();
        long connections = r.integer(s, p, "max_connections", d.maxConnections(), 1, MAX_CONNECTIONS);
        Duration request = r.millis(s, p, "request_timeout_ms", d.requestTimeout().toMillis(), MIN_JDK_TIMEOUT_MS, MAX_MILLIS);
        Duration idle = r.millis(s, p, "idle_timeout_ms", d.idleTimeout().toMillis(), MIN_JDK_TIMEOUT_MS, MAX_MILLIS);
        Duration write = r.millis(s, p, "write_timeout_ms", d.writeTimeout().toMillis(), 1, MAX_MILLIS);
        long budget = r.integer(s, p, "memory_budget_bytes", ServerLimits.AUTO_MEMORY_BUDGET, 0, Long.MAX_VALUE / 4);
        long headerBytes = r.integer(s, p, "max_header_bytes", d.maxHeaderBytes(), 1024, 1024 * 1024);
        long headers = r.integer(s, p, "max_headers", d.maxHeaders(), 8, 10_000);
        long urlBytes = r.integer(s, p, "max_url_bytes", d.maxUrlBytes(), 256, 1024 * 1024);
        return new ServerLimits((int) connections, request, idle, write, budget, (int) headerBytes,
                (int) headers, (int) urlBytes);
    }

    static void checkHost(ConfigReader r, String path, String host) {
        if (host.isEmpty() || host.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
            throw r.expected(path, "a host name or address", Text.literal(host));
        }
    }

    private static Path dataDir(ConfigReader r, Map<String, Object> top, Path baseDir,
                                Map<String, String> env, Overrides o) {
        if (o.dataDir() != null) return resolveDir(new ConfigReader("override", Map.of()), "data_dir",
                o.dataDir().toString(), baseDir);
        String envDir = nonEmpty(env.get("TOLLGATE_DATA_DIR"));
        if (envDir != null) return resolveDir(new ConfigReader("environment", Map.of()), "TOLLGATE_DATA_DIR",
                envDir, baseDir);
        return resolveDir(r, "data_dir", r.string(top, "", "data_dir", DEFAULT_DATA_DIR), baseDir);
    }

    /** {@code ~} and {@code ~/x} are under {@code user.home}; other relative paths under {@code baseDir}. */
    static Path resolveDir(ConfigReader r, String path, String dir, Path baseDir) {
        return resolve(r, path, dir, baseDir, "a directory");
    }

    /** A file's path, resolved as {@link #resolveDir} resolves a directory's. */
    static Path resolvePath(ConfigReader r, String path, String file, Path baseDir) {
        return resolve(r, path, file, baseDir, "a file path");
    }

    private static Path resolve(ConfigReader r, String path, String dir, Path baseDir, String what) {
        if (dir.isEmpty()) throw r.expected(path, what, Text.literal(dir));
        try {
            Path p;
            if (dir.equals("~") || dir.startsWith("~/")) {
                p = Path.of(System.getProperty("user.home")).resolve(dir.substring(Math.min(2, dir.length())));
            } else {
                p = Path.of(dir);
                if (!p.isAbsolute()) p = (baseDir == null ? Path.of("") : baseDir).resolve(p);
            }
            return p.toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw r.expected(path, what, Text.literal(dir));
        }
    }

    /**
     * {@code keys}; when the config has no {@code keys} at all, the documented default
     * {@link #DEFAULT_KEYS} (the key in {@code TOLLGATE_API_KEY}, if set). A set
     * {@code TOLLGATE_API_KEY} that no entry uses is logged, so an exported key that is refused
     * can be explained.
     */
    private static List<KeyConfig> keys(ConfigReader r, Map<String, Object> top, Map<String, String> env,
                                        Consumer<String> log) {
        List<Object> entries = r.array(top, "", "keys");
        boolean byDefault = entries == null;
        if (byDefault) entries = DEFAULT_KEYS;
        List<KeyConfig> keys = new ArrayList<>();
        Map<String, String> pathByName = new HashMap<>();
        Map<String, String> pathByHash = new HashMap<>();
        boolean envKeyUsed = false;
        for (int i = 0; i < entries.size(); i++) {
            String p = byDefault ? "keys (default: " + ENV_KEY + ")" : ConfigReader.index("keys", i);
            Object entry = entries.get(i);
            envKeyUsed |= entry instanceof Map<?, ?> m && m.get("key") instanceof String raw && raw.contains("${" + ENV_KEY);
            KeyConfig k = r.attempt(() -> key(r, p, entry, pathByName, pathByHash, log), null);
            if (k != null) keys.add(k);
        }
        if (!envKeyUsed && nonEmpty(env.get(ENV_KEY)) != null) {
            log.accept(logLine("warn", "env_key_unused", "variable", ENV_KEY,
                    "the config lists keys and none of them is ${" + ENV_KEY + "}, so clients sending it are refused"));
        }
        return List.copyOf(keys);
    }

    /** The entry {@code keys[i]} at {@code p}; null when its key comes from a variable that is not set (logged). */
    private static KeyConfig key(ConfigReader r, String p, Object entry, Map<String, String> pathByName,
                                 Map<String, String> pathByHash, Consumer<String> log) {
        Map<String, Object> k = r.object(p, entry, KEY_KEYS);
        String name = r.requiredString(k, p, "name");
        if (!KEY_NAME.matcher(name).matches()) {
            throw r.expected(p + ".name", "a name matching " + KEY_NAME_RULE, Text.literal(name));
        }
        String clash = pathByName.putIfAbsent(name, p);
        if (clash != null) throw r.fail(p + ".name", "duplicate key name " + ConfigReader.quote(name) + " (also " + clash + ")");
        Text key = r.secretText(k, p, "key");
        String sha = r.string(k, p, "sha256", null);
        if ((key == null) == (sha == null)) throw r.fail(p, "needs exactly one of \"key\" or \"sha256\"");
        byte[] hash;
        if (key != null) {
            // Never put the key itself in a message or a log line.
            if (key.hasUnset() || (key.value().isEmpty() && key.references())) {
                String reason = key.hasUnset() ? key.unsetReason() : "key is empty";
                log.accept(logLine("key_skipped", "name", name, reason));
                return null;
            }
            if (key.value().length() < MIN_KEY_CHARS) {
                throw r.fail(p + ".key", "too short for an API key (" + key.value().length()
                        + " characters, at least " + MIN_KEY_CHARS + " required)");
            }
            hash = KeyConfig.hash(key.value());
        } else {
            if (!SHA256_HEX.matcher(sha).matches()) throw r.expected(p + ".sha256", "64 hex digits (a SHA-256)", Text.literal(sha));
            hash = HexFormat.of().parseHex(sha.toLowerCase(Locale.ROOT));
        }
        String same = pathByHash.putIfAbsent(HexFormat.of().formatHex(hash), p);
        if (same != null) throw r.fail(p, "same key as " + same);
        return new KeyConfig(name, hash);
    }

    /** Whether {@code name} may name an entry of {@code keys} ({@link #KEY_NAME_RULE}). */
    public static boolean isKeyName(String name) { return KEY_NAME.matcher(name).matches(); }

    /** One {@code {"level":"info","event":...}} line; values here are names and reasons, never secrets. */
    static String logLine(String event, String field, String value, String reason) {
        return logLine("info", event, field, value, reason);
    }

    static String logLine(String level, String event, String field, String value, String reason) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("level", level);
        line.put("event", event);
        line.put(field, value);
        line.put("reason", reason);
        return Json.toString(line);
    }

    private static String nonEmpty(String s) { return s == null || s.isEmpty() ? null : s; }
}
