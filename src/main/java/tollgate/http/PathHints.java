package tollgate.http;

import java.util.Collection;
import java.util.Locale;
import java.util.TreeSet;
import tollgate.route.Levenshtein;

/**
 * The message of a 404 for a path no route serves: which base URL to give an SDK, and the path
 * the client probably meant when one is close (a doubled or extra prefix such as
 * {@code /openai/v1/chat/completions}, a trailing slash, capitals, a letter or two off). Built
 * only when a request has missed every route, so it costs the routed requests nothing.
 */
final class PathHints {
    private PathHints() { throw new AssertionError(); }

    /** The base path the OpenAI SDKs are given ({@code base_url}); the other layouts are in the README. */
    static final String OPENAI_BASE = "/v1";
    /** Most edits (Levenshtein: a letter inserted, deleted or replaced) between a path and a suggestion. */
    static final int MAX_EDITS = 2;
    /** Leading segments tried away, at most ({@code /openai/v1/...} is one, {@code /proxy/openai/v1/...} two). */
    static final int MAX_STRIPPED_SEGMENTS = 4;
    /** Paths longer than this (in characters) are not compared letter by letter: the work stays bounded. */
    static final int MAX_COMPARED_CHARS = 128;
    /**
     * Longest path quoted back in a 404, in chars: the rest is elided, so that a client sending
     * {@code server.max_url_bytes} of path does not get as much back in every answer.
     */
    static final int MAX_QUOTED_PATH_CHARS = 256;

    /**
     * @param known     the paths routes serve (exact routes)
     * @param serverUrl {@code http(s)://host:port} as the client reached the gateway ({@link ServerUrl})
     */
    static String notFound(String method, String path, Collection<String> known, String serverUrl) {
        String quoted = path.length() <= MAX_QUOTED_PATH_CHARS ? path : path.substring(0, MAX_QUOTED_PATH_CHARS) + "…";
        StringBuilder m = new StringBuilder("Unknown path ").append(method).append(' ').append(quoted).append('.');
        String guess = suggestion(path, known);
        if (guess != null) m.append(" Did you mean ").append(guess).append('?');
        if (!path.startsWith("/admin/") && (guess == null || !guess.startsWith("/admin/"))) {
            m.append(" Tollgate serves the OpenAI API under ").append(serverUrl).append(OPENAI_BASE)
                    .append(" (e.g. POST ").append(OPENAI_BASE).append("/chat/completions); GET ")
                    .append(OPENAI_BASE).append("/models lists the models.");
        }
        return m.toString();
    }

    /** The known path the client most likely meant, in its {@code /v1} form where there is one; or null. */
    static String suggestion(String path, Collection<String> known) {
        String p = path.toLowerCase(Locale.ROOT);
        int end = p.length();
        while (end > 1 && p.charAt(end - 1) == '/') end--;
        p = p.substring(0, end);
        if (!p.equals(path) && known.contains(p)) return canonical(p, known);
        // The base URL left out: /chat (seed 000's legacy chat), /neo/tasks, /usage.
        if (known.contains(OPENAI_BASE + p)) return OPENAI_BASE + p;
        // An extra prefix: /openai/v1/chat/completions, /v1/v1/models, /v1/admin/keys.
        int stripped = 0;
        for (int slash = p.indexOf('/', 1); slash > 0 && stripped++ < MAX_STRIPPED_SEGMENTS; slash = p.indexOf('/', slash + 1)) {
            String rest = p.substring(slash);
            if (known.contains(OPENAI_BASE + rest) && !(OPENAI_BASE + rest).equals(path)) return OPENAI_BASE + rest;
            if (known.contains(rest)) return canonical(rest, known);
        }
        if (p.length() > MAX_COMPARED_CHARS) return null;
        String best = null;
        int bestEdits = MAX_EDITS + 1;
        for (String k : new TreeSet<>(known)) { // sorted: the same answer every time
            if (Math.abs(k.length() - p.length()) > MAX_EDITS) continue;
            int d = Levenshtein.distance(p, k, bestEdits - 1); // bestEdits when it is no better
            if (d < bestEdits) {
                best = k;
                bestEdits = d;
            }
        }
        return best == null ? null : canonical(best, known);
    }

    /** A root alias ({@code /chat/completions}) as its {@code /v1} path, the one the README teaches. */
    private static String canonical(String path, Collection<String> known) {
        return !path.startsWith(OPENAI_BASE + "/") && known.contains(OPENAI_BASE + path) ? OPENAI_BASE + path : path;
    }
}
