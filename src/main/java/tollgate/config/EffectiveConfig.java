package tollgate.config;

import java.lang.reflect.RecordComponent;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The checked config as JSON, for {@code tollgate check-config}: every record component of
 * {@link GatewayConfig}, named in snake_case as in the file, durations in milliseconds
 * ({@code drain} → {@code drain_ms}), with every secret masked. Read by reflection over the records,
 * so that a setting added to a config record is shown without this class knowing it.
 *
 * <p>Masked ({@link #MASK}): every string (or char array) whose component or map key names a
 * secret ({@link #SECRET_NAME}: api keys, tokens, passwords, secrets, Authorization and the like),
 * every value of a {@code headers} map (upstream headers carry credentials), and any string
 * equal to the value of a secret-looking environment variable, and the user info and query
 * values of a URL ({@link #maskUrl}). Hashes (key SHA-256s, the admin
 * token's) show their first {@link #HASH_PREFIX_HEX} hex digits only: enough to tell keys apart.
 * Values of types this class does not know (a TLS context, say) are shown as {@link #NOT_SHOWN}.
 */
public final class EffectiveConfig {
    private EffectiveConfig() { throw new AssertionError(); }

    public static final String MASK = "********";
    static final String NOT_SHOWN = "(not shown)";
    /** Hex digits of a hash that are shown. */
    static final int HASH_PREFIX_HEX = 8;
    /** Environment values shorter than this are not masked wherever they appear (they would mask "true", ports...). */
    static final int MIN_MASKED_ENV_CHARS = 8;
    /** Names (of components, map keys, variables) whose values are secrets. */
    static final Pattern SECRET_NAME = Pattern.compile(
            "(?i).*(api_?key|apikey|secret|token|password|passwd|passphrase|authorization|credential|cookie|private_?key|x-api-key).*");
    /** A name that contains "token" but counts tokens or times a token: not a secret. */
    private static final Pattern NOT_SECRET = Pattern.compile("(?i).*(max_?tokens|tokens$|token_?ttl|_tokens|tokenttl).*");

    /**
     * The config as a JSON-ready tree (maps, lists, strings, numbers, booleans).
     *
     * @param env the environment the config was read with: values of its secret-looking variables are masked wherever they appear
     */
    public static Map<String, Object> of(GatewayConfig config, Map<String, String> env) {
        Set<String> secrets = new java.util.HashSet<>();
        for (Map.Entry<String, String> e : env.entrySet()) {
            if (isSecretName(e.getKey()) && e.getValue() != null && e.getValue().length() >= MIN_MASKED_ENV_CHARS) {
                secrets.add(e.getValue());
            }
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> tree = (Map<String, Object>) value(config, false, secrets);
        placeOps(tree, value(config.ops().metrics().listen(), false, secrets));
        tree.put("state", state(config.ops().state()));
        tree.put("responses", Map.of("store_ttl_ms", config.ops().responses().storeTtl().toMillis()));
        return tree;
    }

    /**
     * The {@code state} section under the file's keys: {@code redis_url} as {@link StateConfig#safeUrl()}
     * gives it (the password masked; null when state is local), not host, port and password apart.
     */
    private static Map<String, Object> state(StateConfig s) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("redis_url", s.safeUrl());
        out.put("replica_id", s.replicaId());
        out.put("key_prefix", s.keyPrefix());
        out.put("pool_size", s.poolSize());
        out.put("timeout_ms", s.timeout().toMillis());
        out.put("connect_timeout_ms", s.connectTimeout().toMillis());
        out.put("tls_truststore", s.truststore() == null ? null : s.truststore().toString());
        out.put("tls_truststore_password", s.truststorePassword() == null ? null : MASK);
        return out;
    }

    /**
     * Issue 13's sections where the file has them and under its keys: {@link GatewayConfig#ops()}
     * groups them in one record, but a reader of the output looks for {@code metrics},
     * {@code telemetry}, {@code server.tls} and {@code server.cors} (README, Configuration).
     */
    @SuppressWarnings("unchecked")
    private static void placeOps(Map<String, Object> tree, Object metricsListen) {
        if (!(tree.remove("ops") instanceof Map<?, ?> o) || !(tree.get("server") instanceof Map<?, ?> s)) return;
        Map<String, Object> ops = (Map<String, Object>) o;
        Map<String, Object> server = (Map<String, Object>) s;
        Map<String, Object> metrics = (Map<String, Object>) ops.get("metrics");
        metrics.remove("listen_host");
        metrics.remove("listen_port");
        metrics.put("listen", metricsListen);
        Map<String, Object> cors = (Map<String, Object>) ops.get("cors");
        if (cors.remove("max_age_ms") instanceof Number ms) cors.put("max_age_s", ms.longValue() / 1000);
        Map<String, Object> telemetry = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : ((Map<String, Object>) ops.get("telemetry")).entrySet()) {
            telemetry.put(e.getKey().equals("endpoint") ? "otlp_endpoint" : e.getKey(), e.getValue());
        }
        server.put("tls", ops.get("tls"));
        server.put("cors", cors);
        tree.put("metrics", metrics);
        tree.put("telemetry", telemetry);
    }

    static boolean isSecretName(String name) {
        return SECRET_NAME.matcher(name).matches() && !NOT_SECRET.matcher(name).matches();
    }

    /** {@code v} as JSON; {@code secret}: the name it is under says it is one. */
    private static Object value(Object v, boolean secret, Set<String> secrets) {
        return switch (v) {
            case null -> null;
            case String s -> secret || secrets.contains(s) ? MASK : maskUrl(maskWithin(s, secrets));
            case char[] c -> MASK;
            case byte[] b -> "sha256:" + HexFormat.of().formatHex(b).substring(0, Math.min(2 * b.length, HASH_PREFIX_HEX)) + "...";
            case Boolean b -> b;
            case Number n -> n;
            case Enum<?> e -> e.name().toLowerCase(Locale.ROOT);
            case Duration d -> d.toMillis();
            case Path p -> p.toString();
            case URI u -> maskUrl(maskWithin(u.toString(), secrets));
            case Pattern p -> p.pattern();
            case tollgate.json.JsonNumber n -> n; // written as the number it is
            case Record r -> record(r, secrets);
            case Map<?, ?> m -> map(m, secret, secrets);
            case Collection<?> c -> {
                List<Object> out = new ArrayList<>(c.size());
                for (Object o : c) out.add(value(o, secret, secrets));
                yield out;
            }
            default -> NOT_SHOWN;
        };
    }

    /** A secret inside a longer string (a URL with the key in it) is masked too. */
    private static String maskWithin(String s, Set<String> secrets) {
        for (String secret : secrets) if (s.contains(secret)) s = s.replace(secret, MASK);
        return s;
    }

    /**
     * A URL's credentials masked: its user info ({@code https://user:pass@host}) and the value of
     * every query parameter ({@code ?apikey=...}: which of them is a key cannot be told by its
     * name). Anything that is not an absolute URL comes back as it is.
     */
    static String maskUrl(String s) {
        int scheme = s.indexOf("://");
        if (scheme <= 0 || !s.substring(0, scheme).matches("[A-Za-z][A-Za-z0-9+.-]*")) return s;
        int authority = scheme + 3;
        int pathAt = authority;
        while (pathAt < s.length() && "/?#".indexOf(s.charAt(pathAt)) < 0) pathAt++;
        int at = s.lastIndexOf('@', pathAt - 1);
        StringBuilder b = new StringBuilder(s.length() + 16).append(s, 0, authority);
        if (at >= authority) b.append(MASK);
        b.append(s, at >= authority ? at : authority, pathAt);
        int query = s.indexOf('?', pathAt);
        if (query < 0) return b.append(s, pathAt, s.length()).toString();
        int fragment = s.indexOf('#', query);
        int end = fragment < 0 ? s.length() : fragment;
        b.append(s, pathAt, query + 1);
        String[] params = s.substring(query + 1, end).split("&", -1);
        for (int i = 0; i < params.length; i++) {
            if (i > 0) b.append('&');
            int eq = params[i].indexOf('=');
            b.append(eq < 0 ? params[i] : params[i].substring(0, eq + 1) + MASK);
        }
        return b.append(s, end, s.length()).toString();
    }

    private static Map<String, Object> record(Record r, Set<String> secrets) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (RecordComponent c : r.getClass().getRecordComponents()) {
            Object v;
            try {
                var accessor = c.getAccessor();
                accessor.setAccessible(true); // records of this module only
                v = accessor.invoke(r);
            } catch (ReflectiveOperationException | RuntimeException e) {
                v = NOT_SHOWN;
            }
            String name = snake(c.getName());
            if (v instanceof Duration && !name.endsWith("_ms")) name += "_ms";
            boolean headers = name.endsWith("headers");
            out.put(name, v instanceof Map<?, ?> m ? map(m, headers, secrets) : value(v, isSecretName(name), secrets));
        }
        return out;
    }

    private static Map<String, Object> map(Map<?, ?> m, boolean allSecret, Set<String> secrets) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            String key = String.valueOf(e.getKey());
            out.put(key, value(e.getValue(), allSecret || isSecretName(key), secrets));
        }
        return out;
    }

    /** {@code maxBodyBytes} → {@code max_body_bytes}. */
    static String snake(String camel) {
        StringBuilder b = new StringBuilder(camel.length() + 4);
        for (int i = 0; i < camel.length(); i++) {
            char c = camel.charAt(i);
            if (Character.isUpperCase(c)) b.append('_').append(Character.toLowerCase(c));
            else b.append(c);
        }
        return b.toString();
    }
}
