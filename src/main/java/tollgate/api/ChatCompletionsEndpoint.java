package tollgate.api;

import java.io.IOException;
import java.util.Map;
import tollgate.agent.AgentLoop;
import tollgate.agent.Execution;
import tollgate.config.AgentConfig;
import tollgate.error.GatewayException;
import tollgate.http.Endpoint;
import tollgate.http.HttpCall;
import tollgate.http.SseWriter;
import tollgate.json.Json;
import tollgate.json.JsonException;
import tollgate.route.ChatRequest;
import tollgate.route.Dispatched;
import tollgate.route.Dispatcher;

/**
 * {@code POST /chat/completions}: the OpenAI wire surface (protocols.md §2) over the
 * {@link Dispatcher}. It parses and validates, hands the request over, and writes the answer
 * with the model id the client asked for and the gateway's extension object ({@code tollgate}
 * by default; seed 003 calls it {@code kitemesh}).
 */
final class ChatCompletionsEndpoint implements Authenticated.Inner {
    private final Dispatcher dispatcher;
    private final String extensionField;
    private final AgentLoop agent;
    /** Background tasks, for {@code Prefer: respond-async} ({@link TaskEndpoints#startFromChat}); null: none. */
    private final tollgate.task.Tasks tasks;

    /**
     * @param agent runs requests with gateway tools or approvals ({@link AgentLoop#involves}), or
     *              null where there is none (such requests then fail as a gateway fault)
     * @param tasks background tasks, or null
     */
    ChatCompletionsEndpoint(Dispatcher dispatcher, String extensionField, AgentLoop agent, tollgate.task.Tasks tasks) {
        this.dispatcher = dispatcher;
        this.extensionField = extensionField;
        this.agent = agent;
        this.tasks = tasks;
    }

    @Override
    public void handle(HttpCall call, tollgate.account.Charge charge) throws IOException {
        ChatRequest request = ChatRequestValidator.validate(parse(call));
        call.log("model", request.model());
        call.log("stream", request.stream());
        if (AgentLoop.involves(request)) {
            if (tasks != null && TaskEndpoints.startFromChat(tasks, call, charge, request, "/chat/completions")) return;
            agent(call, charge, request);
            return;
        }
        Map<String, Object> extension = Extension.start(call, request);
        if (!request.stream()) {
            Dispatched done = dispatcher.dispatch(Extension.caller(call, extension, charge), request, null);
            Extension.log(call, done);
            Map<String, Object> completion = done.completion();
            completion.put("model", request.model());
            completion.put(extensionField, Extension.finish(extension, done));
            call.setResponseHeader(Extension.ROUTE_HEADER, done.chosen().id());
            call.respondJson(200, completion);
            return;
        }
        SseWriter sse = call.openSse();
        StreamRelay relay = new StreamRelay(sse, request.model(), request.includeUsage(), extensionField, extension, dispatcher,
                charge);
        Dispatched done = dispatcher.dispatch(Extension.caller(call, extension, charge), request, relay);
        Extension.log(call, done);
        call.log("chunks", sse.events());
        sse.done();
    }

    /** Gateway tools or approvals (issue 12): the agent loop runs the request, each model call charged on its own. */
    private void agent(HttpCall call, tollgate.account.Charge charge, ChatRequest request) throws IOException {
        AgentConfig limits = agent.config();
        String requestId = request.metadataRequestId() != null ? request.metadataRequestId() : call.requestId();
        Execution ex = agent.start(request, charge.account(), requestId, null, limits.maxSteps(), limits.maxWall().toMillis());
        AgentAnswer.serve(call, agent, ex, charge.account(), request.stream(), request.includeUsage(), extensionField);
    }

    /** The body as JSON, its tree charged to the call's memory as it is built (~15x the body for tiny values). */
    static Object parse(HttpCall call) throws IOException {
        byte[] bytes = call.body();
        try {
            return Json.parse(bytes, 0, bytes.length, call.memory());
        } catch (JsonException e) {
            throw GatewayException.invalid(null, "The request body is not valid JSON: " + e.getMessage() + ".");
        } finally {
            call.memory().release(bytes.length); // the bytes are garbage once parsed
        }
    }
}
