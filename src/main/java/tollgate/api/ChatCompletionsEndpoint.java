package tollgate.api;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import tollgate.conversation.Capabilities;
import tollgate.conversation.PromptEstimate;
import tollgate.conversation.ToolCallRepair;
import tollgate.error.GatewayException;
import tollgate.http.Endpoint;
import tollgate.http.HttpCall;
import tollgate.http.SseWriter;
import tollgate.json.Json;
import tollgate.json.JsonException;
import tollgate.provider.ChatCall;
import tollgate.provider.ChatResult;
import tollgate.provider.Usage;
import tollgate.route.ModelRouter;
import tollgate.route.Route;
import tollgate.http.RequestIds;

/**
 * {@code POST /chat/completions}: validate, route, call the provider, and answer in OpenAI's
 * wire format (protocols.md §2) with the model id the client asked for and the gateway's
 * extension object ({@code tollgate} by default; seed 003 calls it {@code kitemesh}).
 */
final class ChatCompletionsEndpoint implements Endpoint {
    private final ModelRouter router;
    private final String extensionField;

    ChatCompletionsEndpoint(ModelRouter router, String extensionField) {
        this.router = router;
        this.extensionField = extensionField;
    }

    @Override
    public void handle(HttpCall call) throws IOException {
        byte[] bytes = call.body();
        Object parsed;
        try {
            // The tree is charged to the call's memory as it is built (~15x the body for tiny values).
            parsed = Json.parse(bytes, 0, bytes.length, call.memory());
        } catch (JsonException e) {
            throw GatewayException.invalid(null, "The request body is not valid JSON: " + e.getMessage() + ".");
        } finally {
            call.memory().release(bytes.length); // the bytes are garbage once parsed
        }
        ChatRequest request = ChatRequestValidator.validate(parsed);
        call.log("model", request.model());
        Route route = router.resolve(request.model());
        call.log("provider", route.provider().id());
        call.log("stream", request.stream());

        // Before dispatch (seed 002): what the model cannot take, what cannot fit, and the
        // conversation repaired for this provider.
        Capabilities.check(route.model(), request.body());
        long promptTokens = PromptEstimate.tokens(request.body());
        PromptEstimate.check(route.model(), promptTokens);
        ToolCallRepair.Repaired repaired = ToolCallRepair.repair(request.body(), route.provider().toolIdRule());
        ClientToolIds toolIds = new ClientToolIds(repaired.upstreamToClientIds());

        Map<String, Object> extension = new LinkedHashMap<>();
        extension.put("execution_id", RequestIds.newUuid());
        extension.put("request_id", request.metadataRequestId() != null ? request.metadataRequestId() : call.requestId());
        if (repaired.repairs().any()) {
            extension.put("repairs", repaired.repairs().toJson());
            call.log("repairs", repaired.repairs().toJson());
        }

        ChatCall chat = new ChatCall(repaired.body(), route.model(), route.model().upstreamModel(),
                request.stream(), call.requestId(), call.cancellation(), promptTokens, call.memory());
        if (!request.stream()) {
            ChatResult result = route.provider().chat(chat);
            logUsage(call, result.usage());
            Map<String, Object> completion = result.completion();
            toolIds.restoreCompletion(completion);
            completion.put("model", request.model());
            completion.put(extensionField, extension);
            call.respondJson(200, completion);
            return;
        }
        SseWriter sse = call.openSse();
        StreamRelay relay = new StreamRelay(sse, request.model(), request.includeUsage(), extensionField, extension, toolIds);
        Usage usage = route.provider().stream(chat, relay);
        logUsage(call, usage);
        call.log("chunks", sse.events());
        sse.done();
    }

    private static void logUsage(HttpCall call, Usage usage) {
        if (!usage.known()) {
            call.log("usage", "unreported");
            return;
        }
        call.log("prompt_tokens", usage.promptTokens());
        call.log("completion_tokens", usage.completionTokens());
        call.log("total_tokens", usage.totalTokens());
    }
}
