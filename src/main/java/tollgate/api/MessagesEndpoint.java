package tollgate.api;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import tollgate.account.Accounts;
import tollgate.conversation.PromptEstimate;
import tollgate.http.Endpoint;
import tollgate.http.HttpCall;
import tollgate.http.RequestIds;
import tollgate.http.Router;
import tollgate.http.SseWriter;
import tollgate.provider.NativeMessages;
import tollgate.route.ChatRequest;
import tollgate.route.Dispatched;
import tollgate.route.Dispatcher;

/**
 * {@code POST /messages} and {@code POST /messages/count_tokens}: Anthropic's Messages API as
 * an inbound surface (protocols-2.md §10), so that the Anthropic SDKs and Claude Code work with
 * only {@code ANTHROPIC_BASE_URL} changed. A request is checked ({@link MessagesRequest}),
 * translated into the chat request every provider is dispatched with ({@link MessagesToChat}),
 * carrying the client's own body for an Anthropic upstream ({@link NativeMessages}), and the
 * answer is given back in Anthropic's shape ({@link MessagesAnswer}, {@link MessagesRelay}).
 * Errors are Anthropic's ({@link MessagesErrors}); every answer has a {@code request-id} header.
 * The client's key comes as {@code x-api-key} or {@code Authorization: Bearer}
 * ({@link Authenticated#requireAnthropic}).
 */
final class MessagesEndpoint implements Authenticated.Inner {
    private final Dispatcher dispatcher;

    private MessagesEndpoint(Dispatcher dispatcher) { this.dispatcher = dispatcher; }

    /** Registers both paths under every API prefix ({@code /v1/messages}, {@code /api/...}); {@code ?beta=true} is a query, not a path. */
    static void register(Router routes, Accounts keys, Dispatcher dispatcher) {
        routes.api("POST", "/messages", surface(Authenticated.requireAnthropic(keys, new MessagesEndpoint(dispatcher))));
        routes.api("POST", "/messages/count_tokens", surface(Authenticated.requireAnthropic(keys, MessagesEndpoint::countTokens)));
    }

    /** Anthropic's error shape and {@code request-id} from the start (a 401 included), and the version check. */
    private static Endpoint surface(Endpoint inner) {
        return call -> {
            call.errorShape(MessagesErrors.SHAPE);
            call.setResponseHeader("request-id", call.requestId());
            MessagesRequest.version(call.header("anthropic-version"));
            inner.handle(call);
        };
    }

    @Override
    public void handle(HttpCall call, tollgate.account.Charge charge) throws IOException {
        Map<String, Object> body = MessagesRequest.check(ChatCompletionsEndpoint.parse(call), false);
        String model = (String) body.get("model");
        ChatRequest request = ChatRequestValidator.validate(MessagesToChat.translate(body))
                .withMessages(new NativeMessages(body, call.header("anthropic-version"), call.header("anthropic-beta")));
        call.log("model", model);
        call.log("stream", request.stream());
        call.log("surface", "messages");
        String id = "msg_" + RequestIds.newUuid().replace("-", "");
        Map<String, Object> extension = Extension.start(call, request);
        if (!request.stream()) {
            Dispatched done = dispatcher.dispatch(Extension.caller(call, extension, charge), request, null);
            Extension.log(call, done);
            call.setResponseHeader(Extension.ROUTE_HEADER, done.chosen().id());
            call.respondJson(200, MessagesAnswer.of(done.completion(), done.usage(), model, id));
            return;
        }
        SseWriter sse = call.openSse();
        sse.pingAs(MessagesRelay.PING);
        MessagesRelay relay = new MessagesRelay(sse, model, id, PromptEstimate.tokens(request.body()));
        Dispatched done = dispatcher.dispatch(Extension.caller(call, extension, charge), request, relay);
        Extension.log(call, done);
        relay.finish(done.usage());
        call.log("chunks", sse.events());
        sse.end(); // no [DONE]: message_stop is the end (protocols-2.md §10)
    }

    /**
     * {@code {"input_tokens": N}}: the gateway's estimate ({@link PromptEstimate}, the one it
     * checks context windows with) over the translated messages, system prompt and tools. No
     * upstream is called and nothing is charged.
     */
    private static void countTokens(HttpCall call, tollgate.account.Charge charge) throws IOException {
        Map<String, Object> body = MessagesRequest.check(ChatCompletionsEndpoint.parse(call), true);
        Map<String, Object> chat = MessagesToChat.translate(body);
        call.log("model", body.get("model"));
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("input_tokens", PromptEstimate.tokens(chat));
        call.respondJson(200, answer);
    }
}
