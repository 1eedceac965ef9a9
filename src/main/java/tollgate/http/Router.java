package tollgate.http;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Map;
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
 * routing table ({@link Routes}) is built once per config generation (at start-up and on each
 * reload) and replaced whole, so a request costs one hash lookup. A few routes name
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
            "/audio/transcriptions", "/audio/translations", "/images/generations", "/embeddings");
    /** Bytes the JDK counts per header field besides its name and value (RFC 9113 §6.5.2's overhead). */
    static final int HEADER_FIELD_OVERHEAD_BYTES = 32;

    /** An endpoint of a {@link #template} route, given the path segments its placeholders matched. */
    @FunctionalInterface
    public interface Templated {
        void handle(HttpCall call, List<String> params) throws IOException;
    }

    /** The table requests are served from; replaced whole by {@link #install} (a config reload). */
    private volatile Routes table = new Routes();
    /** The table {@link #api}, {@link #exact} and {@link #template} register into: a {@link #staging} router's own. */
    private final Routes building;
    private final long maxBodyBytes;
    private final ServerLimits limits;
    private final MemoryBudget budget;
    private final InFlight inFlight;
    private final boolean accessLog;
    private final AtomicBoolean draining;
    /** Where finished requests go as spans (README, "Tracing"), or null when telemetry is off. */
    private volatile tollgate.telemetry.Tracer tracer;
    /** Told of every call once it has ended (metrics); set before the server starts. */
    private volatile CallObserver observer = CallObserver.NONE;

    Router(long maxBodyBytes, ServerLimits limits, MemoryBudget budget, InFlight inFlight, boolean accessLog) {
        this(maxBodyBytes, limits, budget, inFlight, accessLog, new AtomicBoolean());
    }

    private Router(long maxBodyBytes, ServerLimits limits, MemoryBudget budget, InFlight inFlight, boolean accessLog,
                   AtomicBoolean draining) {
        this.maxBodyBytes = maxBodyBytes;
        this.limits = limits;
        this.budget = budget;
        this.inFlight = inFlight;
        this.accessLog = accessLog;
        this.draining = draining;
        this.building = table;
    }

    /**
     * A router to register a new generation's endpoints on (issue 13's reload): nothing it
     * registers is served until {@link #install} hands its table to this router, at once and
     * whole, so that no request sees half a table.
     */
    public Router staging() {
        return new Router(maxBodyBytes, limits, budget, inFlight, accessLog, draining);
    }

    /** Serves {@code staging}'s routes from now on; requests already running keep the endpoints they found. */
    public void install(Router staging) {
        table = staging.building;
    }

    /** Serves {@code suffix} (e.g. {@code /chat/completions}) under every prefix. */
    public Router api(String method, String suffix, Endpoint endpoint) {
        for (String prefix : PREFIXES) exact(method, prefix + suffix, endpoint);
        if (ROOT_ALIASES.contains(suffix)) exact(method, suffix, endpoint);
        return this;
    }

    /** Serves exactly this path (e.g. {@code /healthz}). */
    public Router exact(String method, String path, Endpoint endpoint) {
        building.exact(method, path, call -> {
            call.route(path); // the registered string: a bounded metrics label
            endpoint.handle(call);
        });
        return this;
    }

    /**
     * Serves the paths of {@code template}, whose segments in braces ({@code /admin/keys/{id}})
     * each match one non-empty segment, passed to the endpoint percent-decoded. Templates are
     * tried in registration order, and only for a path no exact route has, so they cost the
     * other requests nothing. A template without braces is an exact route.
     */
    public Router template(String method, String template, Templated endpoint) {
        Templated labelled = (call, params) -> {
            call.route(template); // the registered string: a bounded metrics label
            endpoint.handle(call, params);
        };
        if (!building.template(method, template, labelled)) exact(method, template, call -> endpoint.handle(call, List.of()));
        return this;
    }

    /** Answers CORS preflights and marks responses for the origins of {@code config}, with the routes registered here (served once installed). */
    public void cors(tollgate.config.CorsConfig config) { building.cors(Cors.of(config)); }
    /** From now on every finished request is also reported to {@code tracer} (null: none is). */
    public void trace(tollgate.telemetry.Tracer tracer) { this.tracer = tracer; }
    /** Sets who is told of every call once it has ended (before the server starts). */
    public void observe(CallObserver observer) { this.observer = observer; }

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
            observer.ended(call, start, System.nanoTime());
            if (accessLog) AccessLine.write(call, exchange, start);
        }
    }

    private void dispatch(HttpCall call, HttpExchange exchange) {
        // Once: a reload in the middle of this request changes neither its CORS nor its endpoint.
        Routes routes = table;
        try {
            if (routes.cors().handle(call, exchange)) return; // a preflight, answered before any route or key
            GatewayException tooLarge = overLimits(exchange);
            if (tooLarge != null) {
                exchange.getResponseHeaders().set("Connection", "close");
                throw tooLarge;
            }
            if (draining.get()) {
                exchange.getResponseHeaders().set("Connection", "close");
                throw Failures.shuttingDown();
            }
            Map<String, Endpoint> byMethod = routes.exact(call.path());
            if (byMethod != null) {
                method(byMethod, call, exchange).handle(call);
                return;
            }
            Routes.Found t = routes.template(call.path());
            if (t != null) {
                method(t.byMethod(), call, exchange).handle(call, t.params());
                return;
            }
            throw new GatewayException(ErrorKind.CALLER_NOT_FOUND,
                    PathHints.notFound(call.method(), call.path(), routes.paths(), ServerUrl.of(exchange)));
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
