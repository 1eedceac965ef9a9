package tollgate.http;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import tollgate.config.ServerLimits;
import tollgate.error.ClientGoneException;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.memory.BudgetExceededException;
import tollgate.memory.MemoryBudget;

/**
 * The root handler: finds the endpoint for method and path, and is the one place where a
 * request's failures become responses ({@link Failures}) and where its access line is written
 * ({@link AccessLine}). Every exchange is registered in {@link InFlight} while it runs and holds a
 * {@link tollgate.memory.Reservation} of the memory budget, given back when it ends.
 *
 * <p>Every route is served under each of the seed APIs' path layouts ({@link #PREFIXES}): the
 * routing table is built once at start-up, so a request costs one hash lookup. A few routes name
 * a resource in their path ({@code /admin/keys/{id}}): {@link #template} routes, tried only when
 * no exact route has the path.
 */
public final class Router implements HttpHandler {
    /** The path layouts of the seed APIs (four APIs, three layouts): {@code /v1/...}, {@code /api/...}, {@code /api/gateway/...}. */
    public static final List<String> PREFIXES = List.of("/v1", "/api", "/api/gateway");
    /**
     * Routes of OpenAI's API also served at the root, for clients given the gateway's address
     * without {@code /v1} as their base URL (LiteLLM's habit). None clashes with a root route.
     */
    public static final List<String> ROOT_ALIASES = List.of("/chat/completions", "/completions", "/models", "/audio/speech",
            "/audio/transcriptions", "/audio/translations", "/images/generations");
    /** Bytes the JDK counts per header field besides its name and value (RFC 9113 §6.5.2's overhead). */
    static final int HEADER_FIELD_OVERHEAD_BYTES = 32;

    /** An endpoint of a {@link #template} route, given the path segments its placeholders matched. */
    @FunctionalInterface
    public interface Templated {
        void handle(HttpCall call, List<String> params) throws IOException;
    }

    /** A template's segments ({@code null} where a placeholder stands) and its endpoints by method. */
    private record Template(String[] segments, Map<String, Templated> byMethod) {
        /** The decoded segments the placeholders match in {@code rawPath}, or null when it does not match. */
        List<String> match(String rawPath) {
            String[] parts = rawPath.split("/", -1);
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

    private final Map<String, Map<String, Endpoint>> routes = new HashMap<>();
    /** By template text, in registration order: the first that matches serves. */
    private final Map<String, Template> templates = new LinkedHashMap<>();
    private final long maxBodyBytes;
    private final ServerLimits limits;
    private final MemoryBudget budget;
    private final InFlight inFlight;
    private final boolean accessLog;
    private final AtomicBoolean draining = new AtomicBoolean();
    private volatile Cors cors = Cors.OFF;
    /** Where finished requests go as spans (README, "Tracing"), or null when telemetry is off. */
    private volatile tollgate.telemetry.Tracer tracer;

    Router(long maxBodyBytes, ServerLimits limits, MemoryBudget budget, InFlight inFlight, boolean accessLog) {
        this.maxBodyBytes = maxBodyBytes;
        this.limits = limits;
        this.budget = budget;
        this.inFlight = inFlight;
        this.accessLog = accessLog;
    }

    /** Serves {@code suffix} (e.g. {@code /chat/completions}) under every prefix. */
    public Router api(String method, String suffix, Endpoint endpoint) {
        for (String prefix : PREFIXES) exact(method, prefix + suffix, endpoint);
        if (ROOT_ALIASES.contains(suffix)) exact(method, suffix, endpoint);
        return this;
    }

    /** Serves exactly this path (e.g. {@code /healthz}). */
    public Router exact(String method, String path, Endpoint endpoint) {
        routes.computeIfAbsent(path, p -> new TreeMap<>()).put(method, endpoint);
        return this;
    }

    /**
     * Serves the paths of {@code template}, whose segments in braces ({@code /admin/keys/{id}})
     * each match one non-empty segment, passed to the endpoint percent-decoded. Templates are
     * tried in registration order, and only for a path no exact route has, so they cost the
     * other requests nothing. A template without braces is an exact route.
     */
    public Router template(String method, String template, Templated endpoint) {
        String[] segments = template.split("/", -1);
        boolean placeholders = false;
        for (int i = 0; i < segments.length; i++) {
            if (segments[i].startsWith("{") && segments[i].endsWith("}")) {
                segments[i] = null;
                placeholders = true;
            }
        }
        if (!placeholders) return exact(method, template, call -> endpoint.handle(call, List.of()));
        templates.computeIfAbsent(template, t -> new Template(segments, new TreeMap<>())).byMethod().put(method, endpoint);
        return this;
    }

    /** Answers CORS preflights and marks responses for the origins of {@code config} from the next request on. */
    public void cors(tollgate.config.CorsConfig config) { cors = Cors.of(config); }
    /** From now on every finished request is also reported to {@code tracer} (null: none is). */
    public void trace(tollgate.telemetry.Tracer tracer) { this.tracer = tracer; }

    /** From now on, requests still arriving on open connections get a 503 and are closed. */
    void startDraining() { draining.set(true); }

    @Override
    public void handle(HttpExchange exchange) {
        long start = System.nanoTime();
        String requestId = RequestIds.fromClient(exchange.getRequestHeaders().getFirst("X-request-id"));
        exchange.getResponseHeaders().set("X-request-id", requestId);
        HttpCall call = new HttpCall(exchange, requestId, maxBodyBytes, budget.open());
        inFlight.add(call);
        try (exchange) {
            try {
                dispatch(call, exchange);
            } finally {
                // Before the exchange closes: a heartbeat must not write to a closing exchange.
                if (call.sse() != null) call.sse().abandon();
            }
        } finally {
            call.memory().close();
            // While the call is still in flight: a stop waits for it, then sends what is queued.
            tollgate.telemetry.Tracer t = tracer;
            if (t != null) t.request(call.method(), call.route(), call.status(), System.nanoTime() - start,
                    exchange.getRequestHeaders().getFirst("traceparent"), requestId, call.logFields());
            inFlight.remove(call);
            if (accessLog) AccessLine.write(call, exchange, start);
        }
    }

    private void dispatch(HttpCall call, HttpExchange exchange) {
        try {
            if (cors.handle(call, exchange)) return; // a preflight, answered before any route or key
            GatewayException tooLarge = overLimits(exchange);
            if (tooLarge != null) {
                exchange.getResponseHeaders().set("Connection", "close");
                throw tooLarge;
            }
            if (draining.get()) {
                exchange.getResponseHeaders().set("Connection", "close");
                throw Failures.shuttingDown();
            }
            Map<String, Endpoint> byMethod = routes.get(call.path());
            if (byMethod != null) {
                call.route(call.path());
                method(byMethod, call, exchange).handle(call);
                return;
            }
            for (Map.Entry<String, Template> e : templates.entrySet()) {
                Template t = e.getValue();
                List<String> params = t.match(call.path());
                if (params != null) {
                    call.route(e.getKey());
                    method(t.byMethod(), call, exchange).handle(call, params);
                    return;
                }
            }
            throw new GatewayException(ErrorKind.CALLER_NOT_FOUND,
                    PathHints.notFound(call.method(), call.path(), routes.keySet(), ServerUrl.of(exchange)));
        } catch (GatewayException e) {
            Failures.answer(call, e);
        } catch (BudgetExceededException e) {
            Failures.answer(call, e.toGatewayException());
        } catch (ClientGoneException | IOException e) {
            // Reading the request or writing the response failed, or the call was cut or aborted.
            if (call.aborted() != null) {
                Failures.answer(call, call.aborted());
            } else {
                call.log("client_gone", true);
                if (call.writes().cut()) call.log("write_timeout", true);
            }
        } catch (RuntimeException e) {
            Failures.internal(call, e);
        }
    }

    /** The endpoint of the call's method; otherwise a 405 naming those there are. */
    private static <E> E method(Map<String, E> byMethod, HttpCall call, HttpExchange exchange) {
        E endpoint = byMethod.get(call.method());
        if (endpoint == null) {
            exchange.getResponseHeaders().set("Allow", String.join(", ", byMethod.keySet()));
            throw new GatewayException(ErrorKind.CALLER_METHOD_NOT_ALLOWED,
                    "Method " + call.method() + " is not allowed on " + call.path() + "; use " + String.join(" or ", byMethod.keySet()) + ".");
        }
        return endpoint;
    }

    /**
     * A 414 for a request target over {@code max_url_bytes}, a 431 for a header section over
     * {@code max_headers} fields or {@code max_header_bytes} (RFC 6585 §5); else null. The JDK
     * server resets, before any handler runs (it has no hook to answer), connections whose
     * requests pass its own limits, set a margin above these ({@link Server#jdkProperties}: twice
     * the fields, a quarter more bytes), so between the two a client gets a clear answer.
     */
    private GatewayException overLimits(HttpExchange exchange) {
        URI uri = exchange.getRequestURI();
        int urlBytes = uri.toString().length(); // the request target as received (URI keeps its input)
        if (urlBytes > limits.maxUrlBytes()) {
            return new GatewayException(ErrorKind.CALLER_URI_TOO_LONG, "The request URL is " + urlBytes
                    + " bytes long; the gateway accepts at most " + limits.maxUrlBytes() + ".");
        }
        Headers headers = exchange.getRequestHeaders();
        int fields = 0;
        long bytes = 0;
        for (Map.Entry<String, List<String>> e : headers.entrySet()) {
            int name = e.getKey().length();
            for (String v : e.getValue()) {
                fields++;
                bytes += name + v.length() + HEADER_FIELD_OVERHEAD_BYTES;
            }
        }
        if (fields > limits.maxHeaders() || bytes > limits.maxHeaderBytes()) {
            return new GatewayException(ErrorKind.CALLER_HEADERS_TOO_LARGE, "The request has " + fields
                    + " header fields of " + bytes + " bytes; the gateway accepts at most " + limits.maxHeaders()
                    + " fields and " + limits.maxHeaderBytes() + " bytes.");
        }
        return null;
    }
}
