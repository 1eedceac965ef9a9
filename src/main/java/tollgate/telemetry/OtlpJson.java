package tollgate.telemetry;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tollgate.json.Json;

/**
 * Spans as an OTLP/HTTP JSON {@code ExportTraceServiceRequest} (opentelemetry-proto,
 * docs/specification.md "JSON Protobuf Encoding", and
 * opentelemetry/proto/trace/v1/trace.proto): the proto3 JSON mapping with lowerCamelCase keys,
 * except that trace and span ids are hex strings (not base64) and enums are integers. 64-bit
 * integers ({@code fixed64} times, {@code int64} attribute values) are decimal strings, as the
 * proto3 JSON mapping writes them.
 */
final class OtlpJson {
    private OtlpJson() { throw new AssertionError(); }

    /** {@code Span.SpanKind.SPAN_KIND_SERVER}: the gateway answering a client's request. */
    static final int SPAN_KIND_SERVER = 2;
    /** {@code Status.StatusCode.STATUS_CODE_ERROR}; UNSET (0) otherwise, as the HTTP conventions ask for 1xx-4xx on a server span. */
    static final int STATUS_CODE_ERROR = 2;
    /** The instrumentation scope's name. */
    static final String SCOPE = "tollgate";

    /** One request body for {@code spans} (one resource, one scope). */
    static byte[] encode(List<Span> spans, String serviceName, String serviceVersion) {
        List<Object> out = new ArrayList<>(spans.size());
        for (Span s : spans) out.add(span(s));
        Map<String, Object> resource = Map.of("attributes", List.of(
                attribute("service.name", serviceName), attribute("service.version", serviceVersion)));
        Map<String, Object> scope = new LinkedHashMap<>();
        scope.put("name", SCOPE);
        scope.put("version", serviceVersion);
        Map<String, Object> scopeSpans = new LinkedHashMap<>();
        scopeSpans.put("scope", scope);
        scopeSpans.put("spans", out);
        Map<String, Object> resourceSpans = new LinkedHashMap<>();
        resourceSpans.put("resource", resource);
        resourceSpans.put("scopeSpans", List.of(scopeSpans));
        return Json.toBytes(Map.of("resourceSpans", List.of(resourceSpans)));
    }

    private static Map<String, Object> span(Span s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("traceId", s.traceId());
        m.put("spanId", s.spanId());
        if (s.parentSpanId() != null) m.put("parentSpanId", s.parentSpanId());
        m.put("name", s.name());
        m.put("kind", SPAN_KIND_SERVER);
        m.put("startTimeUnixNano", Long.toString(s.startUnixNanos()));
        m.put("endTimeUnixNano", Long.toString(s.endUnixNanos()));
        List<Object> attributes = new ArrayList<>(s.attributes().size());
        for (Map.Entry<String, Object> e : s.attributes().entrySet()) attributes.add(attribute(e.getKey(), e.getValue()));
        m.put("attributes", attributes);
        // An unset status is the empty message: proto3 JSON leaves default values out.
        m.put("status", s.error() ? Map.of("code", STATUS_CODE_ERROR) : Map.of());
        return m;
    }

    /** A {@code KeyValue}: the value as an {@code AnyValue} of its type. */
    static Map<String, Object> attribute(String key, Object value) {
        Map<String, Object> any = switch (value) {
            case Long l -> Map.of("intValue", Long.toString(l));
            case Integer i -> Map.of("intValue", Integer.toString(i));
            case Double d -> Map.of("doubleValue", d);
            case Boolean b -> Map.of("boolValue", b);
            default -> Map.of("stringValue", String.valueOf(value));
        };
        Map<String, Object> kv = new LinkedHashMap<>();
        kv.put("key", key);
        kv.put("value", any);
        return kv;
    }
}
