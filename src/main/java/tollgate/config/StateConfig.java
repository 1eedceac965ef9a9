package tollgate.config;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The {@code state} section (issue 14): state shared by several replicas of the gateway in Redis
 * or Valkey: rate-limit buckets, credit reservations and balances, breaker state, paused
 * approvals and task ownership. Without {@code redis_url} (or with it naming an unset variable)
 * nothing is shared: one process, local state, as before.
 *
 * <pre>
 *   "state": {"redis_url": "${TOLLGATE_REDIS_URL}", "replica_id": "gw-1"}
 * </pre>
 *
 * {@code redis_url} is {@code redis://[[user]:password@]host[:port][/db]}, or {@code rediss://}
 * for TLS (the JDK's trust store, or {@code tls_truststore}); port 6379 by default, db 0.
 *
 * @param host           Redis's host, or null when state is local
 * @param port           its port
 * @param tls            {@code rediss://}
 * @param user           the ACL user name, or null ({@code AUTH password} alone: the {@code default} user)
 * @param password       the password, or null (no {@code AUTH})
 * @param db             the database number ({@code SELECT}), 0 by default
 * @param replicaId      this replica's name in shared state (its per-replica records, e.g. what its journal charged);
 *                       stable across restarts: by default the host name and a digest of the data directory
 * @param keyPrefix      prefix of every key the gateway writes ({@code tollgate:} by default), so that
 *                       several gateways (or other programs) can share one Redis
 * @param poolSize       most connections open at once
 * @param timeout        most time one command (or pipeline) waits for its reply
 * @param connectTimeout most time connecting (TCP, TLS and the handshake) takes
 * @param truststore     PKCS#12 trust store for {@code rediss://}, or null for the JDK's default
 * @param truststorePassword its password, or null
 */
public record StateConfig(String host, int port, boolean tls, String user, String password, int db, String replicaId,
                          String keyPrefix, int poolSize, Duration timeout, Duration connectTimeout, Path truststore,
                          String truststorePassword) {
    static final List<String> KEYS = List.of("redis_url", "replica_id", "key_prefix", "pool_size", "timeout_ms",
            "connect_timeout_ms", "tls_truststore", "tls_truststore_password");
    public static final int DEFAULT_PORT = 6379;
    public static final int DEFAULT_POOL_SIZE = 8;
    public static final int MAX_POOL_SIZE = 256;
    public static final long DEFAULT_TIMEOUT_MS = 500;
    public static final long DEFAULT_CONNECT_TIMEOUT_MS = 1000;
    public static final String DEFAULT_KEY_PREFIX = "tollgate:";
    /** Databases Redis has by default ({@code databases 16}); a higher number is refused by SELECT. */
    static final int MAX_DB = 15;

    public static final StateConfig DEFAULTS = new StateConfig(null, DEFAULT_PORT, false, null, null, 0, null, DEFAULT_KEY_PREFIX,
            DEFAULT_POOL_SIZE, Duration.ofMillis(DEFAULT_TIMEOUT_MS), Duration.ofMillis(DEFAULT_CONNECT_TIMEOUT_MS), null, null);

    /** Whether state is shared in Redis. */
    public boolean shared() { return host != null; }

    /** The URL without its password, for logs and {@code check-config}. */
    public String safeUrl() {
        if (!shared()) return null;
        String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        String auth = password != null ? (user != null ? user : "") + ":" + EffectiveConfig.MASK + "@" : user != null ? user + "@" : "";
        return (tls ? "rediss://" : "redis://") + auth + h + ":" + port + (db != 0 ? "/" + db : "");
    }

    /** Without the passwords (a record's own toString would print them). */
    @Override
    public String toString() {
        return "StateConfig[url=" + safeUrl() + ", replicaId=" + replicaId + ", keyPrefix=" + keyPrefix + ", poolSize=" + poolSize
                + ", timeout=" + timeout + ", connectTimeout=" + connectTimeout + ", truststore=" + truststore
                + ", truststorePassword=" + (truststorePassword == null ? "null" : "(hidden)") + "]";
    }

    /**
     * @param dataDir what the default replica id is derived from (with the host name), so that a
     *                replica that restarts on the same directory is the same replica
     * @param baseDir what a relative {@code tls_truststore} resolves against
     */
    static StateConfig read(ConfigReader r, Map<String, Object> top, Path dataDir, Path baseDir) {
        if (top.get("state") == null) return DEFAULTS;
        String p = "state";
        Map<String, Object> s = r.object(p, top.get("state"), KEYS);
        String prefix = r.string(s, p, "key_prefix", DEFAULT_KEY_PREFIX);
        if (prefix.length() > 64 || prefix.chars().anyMatch(c -> c <= 0x20 || c == 0x7F)) {
            throw r.expected(p + ".key_prefix", "at most 64 characters without spaces or controls", prefix);
        }
        String replica = r.string(s, p, "replica_id", null);
        if (replica != null && (replica.isEmpty() || replica.length() > 64
                || !replica.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '-' || c == '_' || c == '.'))) {
            throw r.expected(p + ".replica_id", "1-64 letters, digits, '-', '_' or '.'", replica);
        }
        if (replica == null) replica = defaultReplicaId(dataDir);
        int pool = (int) r.integer(s, p, "pool_size", DEFAULT_POOL_SIZE, 1, MAX_POOL_SIZE);
        Duration timeout = r.millis(s, p, "timeout_ms", DEFAULT_TIMEOUT_MS, 1, 60_000);
        Duration connect = r.millis(s, p, "connect_timeout_ms", DEFAULT_CONNECT_TIMEOUT_MS, 1, 60_000);
        String store = r.string(s, p, "tls_truststore", null);
        Path truststore = store == null ? null : ConfigLoader.resolvePath(r, p + ".tls_truststore", store, baseDir);
        Object pw = s.get("tls_truststore_password");
        String storePassword = pw == null ? null : r.secret(p + ".tls_truststore_password", pw);
        if (truststore != null) checkTruststore(r, p + ".tls_truststore", truststore, storePassword);
        Substitution.Text url = r.secretText(s, p, "redis_url");
        if (url == null || url.hasUnset() || url.value().isEmpty()) {
            // "${TOLLGATE_REDIS_URL}" unset: local state, so that the shipped config can offer it.
            return new StateConfig(null, DEFAULT_PORT, false, null, null, 0, replica, prefix, pool, timeout, connect, truststore,
                    storePassword);
        }
        return parse(r, p + ".redis_url", url.value(), replica, prefix, pool, timeout, connect, truststore, storePassword);
    }

    private static StateConfig parse(ConfigReader r, String path, String url, String replica, String prefix, int pool,
                                     Duration timeout, Duration connect, Path truststore, String storePassword) {
        // The message never quotes the URL: it may hold the password.
        String shape = "redis://[[user]:password@]host[:port][/db] or rediss://… for TLS";
        URI u;
        try {
            u = new URI(url);
        } catch (java.net.URISyntaxException e) {
            throw r.fail(path, "is not a URL; expected " + shape);
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(java.util.Locale.ROOT);
        boolean tls = switch (scheme) {
            case "redis", "valkey" -> false;
            case "rediss", "valkeys" -> true;
            default -> throw r.fail(path, "has scheme '" + scheme + "'; expected " + shape);
        };
        String host = u.getHost();
        if (host == null || host.isEmpty()) throw r.fail(path, "names no host; expected " + shape);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        int port = u.getPort() < 0 ? DEFAULT_PORT : u.getPort();
        String user = null, password = null;
        String info = u.getRawUserInfo();
        if (info != null) {
            int colon = info.indexOf(':');
            String rawUser = colon < 0 ? info : info.substring(0, colon);
            String rawPw = colon < 0 ? null : info.substring(colon + 1);
            // redis://password@host is how some clients spell a password alone; redis://user:pw@ the ACL form.
            if (rawPw == null) {
                password = decode(rawUser);
            } else {
                user = rawUser.isEmpty() ? null : decode(rawUser);
                password = decode(rawPw);
            }
        }
        int db = 0;
        String dbPath = u.getPath() == null ? "" : u.getPath();
        if (!dbPath.isEmpty() && !dbPath.equals("/")) {
            String digits = dbPath.substring(1);
            if (digits.isEmpty() || digits.length() > 2 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')
                    || Integer.parseInt(digits) > MAX_DB) {
                throw r.fail(path, "has database '" + digits.replaceAll("[^0-9a-zA-Z_-]", "?") + "'; expected a number 0-" + MAX_DB);
            }
            db = Integer.parseInt(digits);
        }
        if (u.getRawQuery() != null || u.getRawFragment() != null) throw r.fail(path, "has a query or fragment; expected " + shape);
        return new StateConfig(host, port, tls, user, password, db, replica, prefix, pool, timeout, connect, truststore, storePassword);
    }

    /** A trust store that cannot be read fails at start-up, not at the first {@code rediss://} connection. */
    private static void checkTruststore(ConfigReader r, String path, Path store, String password) {
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(store)) {
            java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
            ks.load(in, password == null ? null : password.toCharArray());
            if (ks.size() == 0) throw r.fail(path, store + ": holds no certificate");
        } catch (java.nio.file.NoSuchFileException e) {
            throw r.fail(path, store + ": no such file");
        } catch (java.io.IOException | java.security.GeneralSecurityException e) {
            throw r.fail(path, store + ": not a PKCS#12 trust store, or tls_truststore_password does not open it");
        }
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** The host name and 8 hex digits of the data directory's absolute path. */
    static String defaultReplicaId(Path dataDir) {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "replica";
        }
        host = host.replaceAll("[^A-Za-z0-9._-]", "-");
        if (host.length() > 40) host = host.substring(0, 40);
        String dir = dataDir == null ? "" : dataDir.toAbsolutePath().normalize().toString();
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(dir.getBytes(StandardCharsets.UTF_8));
            return host + "-" + HexFormat.of().formatHex(d, 0, 4);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError("SHA-256 is in every JDK", e);
        }
    }
}
