package tollgate.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import tollgate.error.ClientGoneException;
import tollgate.error.ErrorBody;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.log.Log;

/**
 * The root handler: finds the endpoint for method and path, and is the one place where a
 * request's failures become responses and where its access line is written.
 *
 * <p>Every route is served under each of the seed APIs' path layouts ({@link #PREFIXES}): the
 * routing table is built once at start-up, so a request costs one hash lookup.
 */
public final class Router implements HttpHandler {
    /** The path layouts of the seed APIs (four APIs, three layouts): {@code /v1/...}, {@code /api/...}, {@code /api/gateway/...}. */
    public static final List<String> PREFIXES = List.of("/v1", "/api", "/api/gateway");

    private final Map<String, Map<String, Endpoint>> routes = new HashMap<>();
    private final long maxBodyBytes;
    private final Heartbeats heartbeats;
    private final boolean accessLog;
    private final AtomicBoolean draining = new AtomicBoolean();

    Router(long maxBodyBytes, Heartbeats heartbeats, boolean accessLog) {
        this.maxBodyBytes = maxBodyBytes;
        this.heartbeats = heartbeats;
        this.accessLog = accessLog;
    }

    /** Serves {@code suffix} (e.g. {@code /chat/completions}) under every prefix. */
    public Router api(String method, String suffix, Endpoint endpoint) {
        for (String prefix : PREFIXES) exact(method, prefix + suffix, endpoint);
        return this;
    }

    /** Serves exactly this path (e.g. {@code /healthz}). */
    public Router exact(String method, String path, Endpoint endpoint) {
        routes.computeIfAbsent(path, p -> new TreeMap<>()).put(method, endpoint);
        return this;
    }

    /** From now on, requests still arriving on open connections get a 503 and are closed. */
    void startDraining() { draining.set(true); }

    @Override
    public void handle(HttpExchange exchange) {
        long start = System.nanoTime();
        String requestId = RequestIds.fromClient(exchange.getRequestHeaders().getFirst("X-request-id"));
        exchange.getResponseHeaders().set("X-request-id", requestId);
        HttpCall call = new HttpCall(exchange, requestId, maxBodyBytes, heartbeats);
        try (exchange) {
            try {
                dispatch(call, exchange);
            } finally {
                // Before the exchange closes: a heartbeat must not write to a closing exchange.
                if (call.sse() != null) call.sse().abandon();
            }
        } finally {
            if (accessLog) accessLine(call, exchange, start);
        }
    }

    private void dispatch(HttpCall call, HttpExchange exchange) {
        try {
            if (draining.get()) {
                exchange.getResponseHeaders().set("Connection", "close");
                throw new GatewayException(ErrorKind.GATEWAY_SHUTTING_DOWN, "The gateway is shutting down; retry on another instance.");
            }
            Map<String, Endpoint> byMethod = routes.get(call.path());
            if (byMethod == null) {
                throw new GatewayException(ErrorKind.CALLER_NOT_FOUND, "Unknown path " + call.method() + " " + call.path() + ".");
            }
            Endpoint endpoint = byMethod.get(call.method());
            if (endpoint == null) {
                exchange.getResponseHeaders().set("Allow", String.join(", ", byMethod.keySet()));
                throw new GatewayException(ErrorKind.CALLER_METHOD_NOT_ALLOWED,
                        "Method " + call.method() + " is not allowed on " + call.path() + "; use " + String.join(" or ", byMethod.keySet()) + ".");
            }
            endpoint.handle(call);
        } catch (GatewayException e) {
            fail(call, e);
        } catch (ClientGoneException e) {
            call.log("client_gone", true);
        } catch (IOException e) {
            // Reading the request or writing the response failed: the client went away.
            call.log("client_gone", true);
        } catch (RuntimeException e) {
            Log.error("internal_error", "request_id", call.requestId(), "exception", e.toString());
            fail(call, new GatewayException(ErrorKind.GATEWAY_INTERNAL, "Internal gateway error (request " + call.requestId() + ")."));
        }
    }

    private static void fail(HttpCall call, GatewayException e) {
        call.log("error", e.kind().name().toLowerCase());
        if (call.sse() != null && !call.sse().closeIfPending()) {
            call.sse().error(e);
            return;
        }
        if (call.responseStarted()) return;
        if (e.httpStatus() == 401) {
            // RFC 9110 §11.6.1: a 401 must say which authentication scheme to use.
            call.setResponseHeader("WWW-Authenticate", "Bearer");
        }
        byte[] body = ErrorBody.render(e);
        try {
            call.respond(e.httpStatus(), "application/json", body, body.length);
        } catch (IOException gone) {
            call.log("client_gone", true);
        }
    }

    private static void accessLine(HttpCall call, HttpExchange exchange, long start) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("ts", Instant.now().toString());
        line.put("level", "info");
        line.put("event", "access");
        line.put("request_id", call.requestId());
        line.put("method", call.method());
        line.put("path", call.path());
        line.put("status", call.status());
        line.put("duration_us", (System.nanoTime() - start) / 1000);
        line.put("bytes_in", call.bodyBytes());
        line.put("remote", exchange.getRemoteAddress().getAddress().getHostAddress());
        line.putAll(call.logFields());
        Log.write(line);
    }
}
