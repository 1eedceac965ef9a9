package tollgate.http;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.HashSet;
import java.util.Set;
import tollgate.config.CorsConfig;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;

/**
 * The CORS protocol (Fetch standard, fetch.spec.whatwg.org §3.2) for the origins of
 * {@code server.cors}: answers preflights before any route or key is looked at, and marks the
 * actual responses of an allowed origin, errors and streams included, so that a page can read
 * them. Immutable; one per config.
 *
 * <ul>
 *   <li>A preflight ({@code OPTIONS} with {@code Origin} and {@code Access-Control-Request-Method},
 *       §3.2.2) from an allowed origin: 204 with {@code Access-Control-Allow-Origin},
 *       {@code -Allow-Methods}, {@code -Allow-Headers}, {@code -Max-Age} and {@code Vary: Origin}.
 *       From any other origin, or with CORS off: a 403 without CORS headers, which the browser
 *       treats as a failed preflight (§4.8 "CORS-preflight fetch": the status must be ok and the
 *       origin allowed) and which says why in devtools.</li>
 *   <li>An actual request from an allowed origin: {@code Access-Control-Allow-Origin} (the origin,
 *       or {@code *}), {@code Access-Control-Expose-Headers} and {@code Vary: Origin}. From another
 *       origin: no CORS header, so the browser hides the response from the page (§4.9 "CORS check").
 *       {@code Vary: Origin} goes on every response while CORS is on with an origin list, so that a
 *       cache never serves one origin's answer to another (§3.2.5).</li>
 * </ul>
 */
final class Cors {
    /** CORS is off: no headers, every preflight refused. */
    static final Cors OFF = new Cors(CorsConfig.DEFAULTS);

    /**
     * What a preflight allows: every method the gateway routes (GET, HEAD and POST are
     * CORS-safelisted and need no listing, §3.2.3); a method a path lacks then meets that path's 405.
     */
    static final String ALLOW_METHODS = "GET, POST, PATCH, DELETE";
    /**
     * The response headers a page may read beyond the CORS-safelisted ones (§3.2.3): the request
     * id, the deployment that answered, what tells a client when to retry (as the OpenAI SDKs read
     * them), a created task's {@code Location} and Deepgram's request id.
     */
    static final String EXPOSE_HEADERS = "x-request-id, x-tollgate-route, retry-after, retry-after-ms, x-should-retry, "
            + "x-ratelimit-limit-requests, x-ratelimit-remaining-requests, x-ratelimit-reset-requests, "
            + "x-ratelimit-limit-tokens, x-ratelimit-remaining-tokens, x-ratelimit-reset-tokens, location, dg-request-id";

    /** Longest origin quoted back in an error message, in characters. */
    static final int MAX_QUOTED_ORIGIN_CHARS = 200;

    private final boolean enabled;
    private final boolean anyOrigin;
    private final boolean credentials;
    private final Set<String> origins;
    /** The configured {@code Access-Control-Allow-Headers}, or null to allow what the preflight asks for. */
    private final String allowHeaders;
    private final String maxAge;

    private Cors(CorsConfig config) {
        this.enabled = config.enabled();
        this.anyOrigin = config.anyOrigin();
        this.credentials = config.allowCredentials();
        this.origins = Set.copyOf(new HashSet<>(config.allowOrigins()));
        this.allowHeaders = config.allowHeaders().isEmpty() ? null : String.join(", ", config.allowHeaders());
        this.maxAge = Long.toString(config.maxAge().toSeconds());
    }

    static Cors of(CorsConfig config) {
        return config.enabled() ? new Cors(config) : OFF;
    }

    /**
     * Answers a preflight (true: the exchange is done, or a 403 is thrown); otherwise adds the
     * CORS headers of an actual response (false: route the request). Before anything else of the
     * request, so that every answer it gets carries them.
     *
     * @throws GatewayException a 403 for a preflight from an origin not allowed
     */
    boolean handle(HttpCall call, HttpExchange exchange) throws IOException {
        Headers request = exchange.getRequestHeaders();
        if (call.method().equals("OPTIONS") && request.getFirst("Origin") != null
                && request.getFirst("Access-Control-Request-Method") != null) {
            preflight(call, exchange.getResponseHeaders(), request.getFirst("Origin"), request.getFirst("Access-Control-Request-Headers"));
            return true;
        }
        if (!enabled) return false; // off: one comparison per request
        String origin = request.getFirst("Origin");
        Headers response = exchange.getResponseHeaders();
        if (!anyOrigin) response.add("Vary", "Origin");
        if (origin != null && allowed(origin)) {
            allowOrigin(response, origin);
            response.set("Access-Control-Expose-Headers", EXPOSE_HEADERS);
        }
        return false;
    }

    private void preflight(HttpCall call, Headers response, String origin, String requestedHeaders) throws IOException {
        if (!allowed(origin)) {
            throw new GatewayException(ErrorKind.POLICY_FORBIDDEN, enabled
                    ? "Cross-origin requests from " + printable(origin) + " are not allowed: the origin is not in server.cors.allow_origins."
                    : "Cross-origin requests are off on this gateway: server.cors.allow_origins lists the origins that may call it.");
        }
        allowOrigin(response, origin);
        if (!anyOrigin) response.add("Vary", "Origin");
        response.set("Access-Control-Allow-Methods", ALLOW_METHODS);
        String headers = allowHeaders != null ? allowHeaders : tokenList(requestedHeaders);
        if (headers != null) response.set("Access-Control-Allow-Headers", headers);
        response.set("Access-Control-Max-Age", maxAge);
        call.respondEmpty(204);
    }

    private boolean allowed(String origin) {
        return enabled && (anyOrigin || origins.contains(origin));
    }

    private void allowOrigin(Headers response, String origin) {
        // With credentials the value must be the origin itself (§3.2.5); CorsConfig refuses "*" with them.
        response.set("Access-Control-Allow-Origin", anyOrigin ? CorsConfig.ANY_ORIGIN : origin);
        if (credentials) response.set("Access-Control-Allow-Credentials", "true");
    }

    /**
     * {@code Access-Control-Request-Headers} as given, when it is a list of field names
     * (RFC 9110 §5.1 tokens, §5.6.1 lists); else null, and the browser fails the preflight.
     */
    static String tokenList(String value) {
        if (value == null) return null;
        String v = value.trim();
        if (v.isEmpty()) return null;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$%&'*+-.^_`|~, ".indexOf(c) >= 0;
            if (!ok) return null;
        }
        return v;
    }

    /** An origin quoted back in a message: visible ASCII only, bounded. */
    private static String printable(String origin) {
        StringBuilder b = new StringBuilder(Math.min(origin.length(), MAX_QUOTED_ORIGIN_CHARS));
        for (int i = 0; i < origin.length() && i < MAX_QUOTED_ORIGIN_CHARS; i++) {
            char c = origin.charAt(i);
            b.append(c > 0x20 && c < 0x7f ? c : '?');
        }
        return b.toString();
    }
}
