package tollgate.tool;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.List;
import java.util.Map;
import tollgate.config.ToolConfig;
import tollgate.json.Json;
import tollgate.provider.Secrets;
import tollgate.provider.Upstream;
import tollgate.schema.SchemaValidator;

/**
 * A tool of type {@code http}: the gateway POSTs the call's arguments (a JSON object) to the
 * configured {@code url} with the configured headers, and gives the model the answer's body as
 * text (a JSON body as its text). A non-2xx answer is an error output with its status and the
 * start of its body. Arguments are first checked against the tool's {@code parameters} schema, so
 * that a model that got them wrong is told what to fix without a round trip.
 *
 * <p>What the model sees never holds a configured header's credential: an endpoint that echoes
 * the request's {@code Authorization} has it replaced by {@link Secrets#REDACTED}.
 */
final class HttpTool extends ConfiguredTool {

    /** The schema when none is configured: any JSON object. */
    static final Map<String, Object> ANY_OBJECT = Map.of("type", "object");
    /** Bytes of a non-2xx answer's body quoted to the model: enough for an error message. */
    static final int ERROR_EXCERPT_BYTES = 1024;
    /** Named in messages to the model instead of the URL (which may carry a credential). */
    static final String WHAT = "the tool's endpoint";

    private final Upstream upstream;
    private final URI uri;
    private final Secrets secrets;

    /** @param upstream the gateway's shared client (built on first use) */
    HttpTool(ToolConfig config, Upstream upstream) {
        super(config, "Calls " + config.name() + " (an HTTP service) with the arguments as a JSON object.", ANY_OBJECT);
        this.upstream = upstream;
        this.uri = URI.create(config.url());
        this.secrets = Secrets.ofHeaders(config.headers());
    }

    @Override
    public ToolOutput run(ToolInvocation call) {
        List<String> violations = SchemaValidator.validate(parameters(), call.arguments());
        if (!violations.isEmpty()) {
            return ToolOutput.error(capped("invalid arguments for " + name() + ": " + String.join("; ", violations)));
        }
        long deadline = deadline(call);
        HttpRequest.Builder b = upstream.request(uri)
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.toBytes(call.arguments())));
        config.headers().forEach(b::header);
        b.setHeader("content-type", "application/json");
        if (call.requestId() != null) b.setHeader("x-request-id", call.requestId());
        ToolHttp.Answer a;
        try {
            a = ToolHttp.exchange(upstream.client(), b.build(), config.maxOutputBytes(), call, deadline, WHAT);
        } catch (ToolHttp.Failed f) {
            return f.output();
        }
        if (!a.ok()) {
            String excerpt = ToolText.cap(secrets.forLog(a.text()), ERROR_EXCERPT_BYTES);
            return ToolOutput.error(capped(WHAT + " answered HTTP " + a.status() + (excerpt.isBlank() ? "" : ": " + excerpt)));
        }
        // A body read up to the cap is marked as cut even where its text would fit.
        return ToolOutput.ok(ToolText.cap(secrets.forLog(a.text()), config.maxOutputBytes(), a.cut()));
    }
}
