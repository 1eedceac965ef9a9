package tollgate.http;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One routing table: which endpoint serves which method and path. Filled while a config
 * generation is built (at start-up and on each reload, issue 13), then handed to the
 * {@link Router}, which serves it until the next one replaces it whole; it is never changed
 * once served, so requests read it without a lock. A request looks its endpoint up once, so one
 * that is running when the table is replaced finishes on the endpoint (and the config objects
 * it holds) it started with.
 */
final class Routes {
    /** A matching template's endpoints by method, and the segments its placeholders matched. */
    record Found(Map<String, Router.Templated> byMethod, List<String> params) {}

    /** A template's segments ({@code null} where a placeholder stands) and its endpoints by method. */
    private record Template(String[] segments, Map<String, Router.Templated> byMethod) {
        /** The decoded segments the placeholders match in a raw path split at '/', or null when it does not match. */
        List<String> match(String[] parts) {
            if (parts.length != segments.length) return null;
            List<String> params = new ArrayList<>(1);
            for (int i = 0; i < parts.length; i++) {
                if (segments[i] != null) {
                    if (!segments[i].equals(parts[i])) return null;
                } else {
                    if (parts[i].isEmpty()) return null;
                    try {
                        // A path segment, not a form field: '+' is itself, not a space.
                        params.add(URLDecoder.decode(parts[i].replace("+", "%2B"), StandardCharsets.UTF_8));
                    } catch (IllegalArgumentException badEscape) {
                        return null;
                    }
                }
            }
            return params;
        }
    }

    private final Map<String, Map<String, Endpoint>> exact = new HashMap<>();
    /** By template text, in registration order: the first that matches serves. */
    private final Map<String, Template> templates = new LinkedHashMap<>();
    /** The generation's CORS ({@code server.cors}), served with its routes; set while the table is built. */
    private Cors cors = Cors.OFF;

    void cors(Cors cors) {
        this.cors = cors;
    }

    Cors cors() {
        return cors;
    }

    void exact(String method, String path, Endpoint endpoint) {
        exact.computeIfAbsent(path, p -> new TreeMap<>()).put(method, endpoint);
    }

    /** Registers {@code template}; false when it has no placeholder (the caller registers it as an exact route). */
    boolean template(String method, String template, Router.Templated endpoint) {
        String[] segments = template.split("/", -1);
        boolean placeholders = false;
        for (int i = 0; i < segments.length; i++) {
            if (segments[i].startsWith("{") && segments[i].endsWith("}")) {
                segments[i] = null;
                placeholders = true;
            }
        }
        if (!placeholders) return false;
        templates.computeIfAbsent(template, t -> new Template(segments, new TreeMap<>())).byMethod().put(method, endpoint);
        return true;
    }

    /** The exact route's endpoints by method for {@code path}, or null. */
    Map<String, Endpoint> exact(String path) {
        return exact.get(path);
    }

    /** The first template matching {@code path} with the segments its placeholders matched, or null; tried only when no exact route has the path. */
    Found template(String path) {
        if (templates.isEmpty()) return null;
        String[] parts = path.split("/", -1); // once, not once per template tried
        for (Template t : templates.values()) {
            List<String> params = t.match(parts);
            if (params != null) return new Found(t.byMethod(), params);
        }
        return null;
    }

    /** Every exact route's path (for the 404's hints). */
    java.util.Set<String> paths() {
        return exact.keySet();
    }
}
