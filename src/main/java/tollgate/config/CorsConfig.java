package tollgate.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code server.cors}: which browser origins may call the API from their pages (the Fetch
 * standard's CORS protocol, fetch.spec.whatwg.org §3.2). Off by default: with no
 * {@code allow_origins} no response carries a CORS header and every preflight is refused.
 *
 * @param allowOrigins     the origins allowed, each serialised as browsers send it in {@code Origin}
 *                         ({@code https://app.example}, {@code http://localhost:5173}: lower case, no
 *                         default port, no path), compared exactly; or the one entry {@code "*"} for any
 *                         origin. Empty: CORS is off.
 * @param allowHeaders     the request headers a preflight allows, lower case; empty: the headers the
 *                         preflight asks for ({@code Access-Control-Request-Headers}), whatever they are
 *                         (the origin is the check; the OpenAI SDKs send a dozen {@code x-stainless-*})
 * @param maxAge           how long a browser may cache a preflight's answer
 *                         ({@code Access-Control-Max-Age}; Chromium caps it at 2 h, Firefox at 24 h)
 * @param allowCredentials whether pages may send cookies or TLS client certificates
 *                         ({@code Access-Control-Allow-Credentials: true}); the gateway's own keys travel
 *                         in {@code Authorization}, which needs no credentials mode. Never with {@code "*"}.
 */
public record CorsConfig(List<String> allowOrigins, List<String> allowHeaders, Duration maxAge, boolean allowCredentials) {
    /** {@code max_age_s} by default, in seconds: long enough to spare most preflights, short enough to pick up a change. */
    public static final long DEFAULT_MAX_AGE_S = 600;
    /** The largest {@code max_age_s}, in seconds (24 h, Firefox's own cap). */
    public static final long MAX_MAX_AGE_S = 86_400;
    /** The most entries in {@code allow_origins} or {@code allow_headers}: a list, not a database. */
    public static final int MAX_ENTRIES = 256;
    /** The value of {@code allow_origins} that allows every origin. */
    public static final String ANY_ORIGIN = "*";

    public static final CorsConfig DEFAULTS = new CorsConfig(List.of(), List.of(), Duration.ofSeconds(DEFAULT_MAX_AGE_S), false);

    static final List<String> KEYS = List.of("allow_origins", "allow_headers", "max_age_s", "allow_credentials");
    private static final String PATH = "server.cors";

    public CorsConfig {
        allowOrigins = List.copyOf(allowOrigins);
        allowHeaders = List.copyOf(allowHeaders);
    }

    /** Whether any origin is allowed: CORS is on. */
    public boolean enabled() { return !allowOrigins.isEmpty(); }

    /** Whether {@code allow_origins} is {@code ["*"]}. */
    public boolean anyOrigin() { return allowOrigins.equals(List.of(ANY_ORIGIN)); }

    static CorsConfig read(ConfigReader r, Map<String, Object> server) {
        Map<String, Object> c = r.object(server, "server", "cors", KEYS);
        if (c.isEmpty()) return DEFAULTS;
        List<String> origins = new ArrayList<>();
        List<Object> list = r.array(c, PATH, "allow_origins");
        if (list != null) {
            if (list.size() > MAX_ENTRIES) throw r.fail(PATH + ".allow_origins", "at most " + MAX_ENTRIES + " origins, got " + list.size());
            for (int i = 0; i < list.size(); i++) {
                String p = ConfigReader.index(PATH + ".allow_origins", i);
                String origin = origin(r, p, list.get(i));
                if (origin.equals(ANY_ORIGIN) && list.size() > 1) {
                    throw r.fail(p, "\"*\" allows every origin, so it must be the only entry");
                }
                if (!origins.contains(origin)) origins.add(origin);
            }
        }
        List<String> headers = new ArrayList<>();
        List<Object> hl = r.array(c, PATH, "allow_headers");
        if (hl != null) {
            if (hl.size() > MAX_ENTRIES) throw r.fail(PATH + ".allow_headers", "at most " + MAX_ENTRIES + " headers, got " + hl.size());
            for (int i = 0; i < hl.size(); i++) {
                String p = ConfigReader.index(PATH + ".allow_headers", i);
                String h = r.string(p, hl.get(i));
                if (h.equals(ANY_ORIGIN)) {
                    // Fetch §3.2.3: "*" in Access-Control-Allow-Headers never covers Authorization,
                    // which carries the gateway's keys: every API call from a page would fail its preflight.
                    throw r.fail(p, "\"*\" does not allow Authorization, which carries the keys; leave allow_headers out "
                            + "to allow the headers each preflight asks for, or list them");
                }
                if (!isToken(h)) throw r.expected(p, "a header name such as \"authorization\"", hl.get(i));
                h = h.toLowerCase(Locale.ROOT);
                if (!headers.contains(h)) headers.add(h);
            }
        }
        long maxAge = r.integer(c, PATH, "max_age_s", DEFAULT_MAX_AGE_S, 0, MAX_MAX_AGE_S);
        boolean credentials = r.bool(c, PATH, "allow_credentials", false);
        if (credentials && origins.equals(List.of(ANY_ORIGIN))) {
            // Fetch §3.2.5: a credentialed request never passes with "*"; reflecting any origin
            // instead would let every site act with the user's cookies.
            throw r.fail(PATH + ".allow_credentials", "cannot be true with allow_origins [\"*\"]; list the origins instead");
        }
        return new CorsConfig(origins, headers, Duration.ofSeconds(maxAge), credentials);
    }

    /**
     * An origin as the browser serialises it (HTML §7.1.1 "ASCII serialization of an origin"):
     * {@code scheme://host[:port]}, lower case, without the scheme's default port; or {@code "*"}.
     */
    private static String origin(ConfigReader r, String path, Object value) {
        String raw = r.string(path, value);
        if (raw.equals(ANY_ORIGIN)) return raw;
        String what = "an origin such as \"https://app.example\" or \"http://localhost:5173\" (scheme, host and port; no path)";
        String s = raw.toLowerCase(Locale.ROOT);
        int sep = s.indexOf("://");
        if (sep <= 0) throw r.expected(path, what, value);
        String scheme = s.substring(0, sep);
        if (!scheme.equals("http") && !scheme.equals("https")) throw r.expected(path, what, value);
        String authority = s.substring(sep + 3);
        if (authority.isEmpty() || authority.indexOf('/') >= 0 || authority.indexOf('?') >= 0 || authority.indexOf('#') >= 0
                || authority.indexOf('@') >= 0) {
            throw r.expected(path, what, value);
        }
        int colon = authority.startsWith("[") ? authority.indexOf(':', Math.max(0, authority.indexOf(']'))) : authority.lastIndexOf(':');
        String host = colon < 0 ? authority : authority.substring(0, colon);
        if (host.isEmpty() || !hostChars(host)) throw r.expected(path, what, value);
        if (colon < 0) return scheme + "://" + host;
        String port = authority.substring(colon + 1);
        if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(ch -> ch >= '0' && ch <= '9')
                || Integer.parseInt(port) > 65_535) {
            throw r.expected(path, what, value);
        }
        int n = Integer.parseInt(port);
        boolean defaultPort = scheme.equals("http") ? n == 80 : n == 443;
        return defaultPort ? scheme + "://" + host : scheme + "://" + host + ":" + n;
    }

    private static boolean hostChars(String host) {
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
                    || c == '[' || c == ']' || c == ':';
            if (!ok) return false;
        }
        return true;
    }

    /** An HTTP field name (RFC 9110 §5.1: a token). */
    static boolean isToken(String s) {
        if (s.isEmpty()) return false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) return false;
        }
        return true;
    }
}
