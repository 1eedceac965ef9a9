package tollgate.api;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;
import tollgate.http.HttpCall;
import tollgate.http.RequestIds;
import tollgate.json.JsonNumber;
import tollgate.provider.Usage;
import tollgate.route.Caller;
import tollgate.route.ChatRequest;
import tollgate.route.ChatSink;
import tollgate.route.Dispatched;

/**
 * The gateway's extension object on answers (seed 003's {@code kitemesh}: {@code execution_id},
 * {@code request_id}; ours adds {@code repairs}, {@code route}, {@code cost}, {@code savings}) and
 * the access-log fields of a dispatched request, shared by the wire surfaces.
 */
final class Extension {
    private Extension() { throw new AssertionError(); }

    /** Carries the chosen deployment on every routed answer. */
    static final String ROUTE_HEADER = "x-tollgate-route";

    /** The dispatcher's view of the call, with the execution id the extension object shows. */
    static Caller caller(HttpCall call, Map<String, Object> extension, tollgate.account.Charge charge) {
        return new Caller(call.keyName(), call.requestId(), (String) extension.get("execution_id"), call.cancellation(),
                call.memory(), charge);
    }

    /** The ids, known before any attempt. */
    static Map<String, Object> start(HttpCall call, ChatRequest request) {
        Map<String, Object> ext = new LinkedHashMap<>();
        ext.put("execution_id", RequestIds.newUuid());
        ext.put("request_id", request.metadataRequestId() != null ? request.metadataRequestId() : call.requestId());
        return ext;
    }

    /** What the answering attempt adds before the first chunk of a stream: repairs and the route. */
    static Map<String, Object> begin(Map<String, Object> ext, ChatSink.Begin begin) {
        if (begin.repairs().any()) ext.put("repairs", begin.repairs().toJson());
        if (begin.route() != null) ext.put("route", begin.route());
        return ext;
    }

    /** The whole object for a non-streamed answer. */
    static Map<String, Object> finish(Map<String, Object> ext, Dispatched done) {
        if (done.repairs().any()) ext.put("repairs", done.repairs().toJson());
        if (done.route() != null) ext.put("route", done.route());
        if (done.cost() != null) ext.put("cost", usd(done.cost()));
        if (done.savings() != null) ext.put("savings", usd(done.savings()));
        ext.put("credits_charged", done.credits());
        if (done.balance() != null) ext.put("balance", done.balance());
        return ext;
    }

    /** One access line's worth: where it went, what it used, what it cost. */
    static void log(HttpCall call, Dispatched done) {
        call.log("provider", done.chosen().model().provider());
        call.log("deployment", done.chosen().id());
        if (done.plan().policy() != null) {
            call.log("policy", done.plan().policy());
            call.log("task", done.plan().task().wire());
        }
        if (done.route() != null) call.log("tried", ((java.util.List<?>) done.route().get("tried")).size());
        if (done.repairs().any()) call.log("repairs", done.repairs().toJson());
        Usage usage = done.usage();
        if (!usage.known()) {
            call.log("usage", "unreported");
        } else {
            call.log("prompt_tokens", usage.promptTokens());
            call.log("completion_tokens", usage.completionTokens());
            call.log("total_tokens", usage.totalTokens());
        }
        if (done.cost() != null) call.log("cost", usd(done.cost()));
        if (done.savings() != null) call.log("savings", usd(done.savings()));
        if (done.credits() != 0) call.log("credits", done.credits());
    }

    /** USD as an exact JSON number ({@code 0.00012}, never {@code 1.2E-4}). */
    static JsonNumber usd(BigDecimal v) {
        return new JsonNumber(v.signum() == 0 ? "0" : v.toPlainString());
    }
}
