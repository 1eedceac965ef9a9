package tollgate.telemetry;

import java.util.Map;

/**
 * One request's span, as queued for export.
 *
 * @param traceId         32 lowercase hex digits
 * @param spanId          16 lowercase hex digits
 * @param parentSpanId    the caller's span (from {@code traceparent}), or null for a root span
 * @param name            {@code "<METHOD> <route>"}, or the method alone when no route matched
 * @param startUnixNanos  wall-clock start, nanoseconds since the epoch
 * @param endUnixNanos    wall-clock end, nanoseconds since the epoch
 * @param error           whether the answer was a server error (5xx): status code ERROR
 * @param attributes      name to value: a String, Long, Double or Boolean, in insertion order
 */
record Span(String traceId, String spanId, String parentSpanId, String name, long startUnixNanos, long endUnixNanos,
            boolean error, Map<String, Object> attributes) {
}
