package tollgate.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tollgate.account.Accounts;
import tollgate.account.Charge;
import tollgate.call.Clock;
import tollgate.error.GatewayException;
import tollgate.http.HttpCall;
import tollgate.http.Router;
import tollgate.http.SseWriter;
import tollgate.log.Log;
import tollgate.route.ChatRequest;
import tollgate.route.Dispatched;
import tollgate.route.Dispatcher;

/**
 * OpenAI's Responses API (protocols-2.md §9) on every chat-capable model:
 * <ul>
 *   <li>{@code POST /responses}: the request ({@link ResponsesRequest}) becomes a chat request
 *       that the {@link Dispatcher} serves like any other (policies, groups, fallbacks, credits,
 *       limits), and its answer becomes a response object ({@link ResponsesOutput}) or, streamed,
 *       the Responses events ({@link ResponsesStream}); with {@code store} (the default) the
 *       response is kept ({@link ResponseStore}) before the client sees its end;</li>
 *   <li>{@code previous_response_id}: the stored conversation (its input and output) comes
 *       before this request's input; an unknown, expired or another key's id is OpenAI's 400
 *       {@code previous_response_not_found};</li>
 *   <li>{@code GET} and {@code DELETE /responses/{id}}: the key's own stored responses, a 404
 *       otherwise.</li>
 * </ul>
 */
final class ResponsesEndpoint {
    static final String PATH = "/responses";

    private final Dispatcher dispatcher;
    private final String extensionField;
    private final ResponseStore store;
    private final Clock clock;

    ResponsesEndpoint(Dispatcher dispatcher, String extensionField, ResponseStore store, Clock clock) {
        this.dispatcher = dispatcher;
        this.extensionField = extensionField;
        this.store = store;
        this.clock = clock;
    }

    static void register(Router routes, Accounts keys, ResponsesEndpoint r) {
        routes.api("POST", PATH, Authenticated.require(keys, r::create));
        for (String prefix : Router.PREFIXES) {
            String one = prefix + PATH + "/{id}";
            routes.template("GET", one, Authenticated.require(keys, (call, charge, p) -> r.get(call, charge, p.get(0))));
            routes.template("DELETE", one, Authenticated.require(keys, (call, charge, p) -> r.delete(call, charge, p.get(0))));
        }
    }

    private void create(HttpCall call, Charge charge) throws IOException {
        ResponsesRequest r = ResponsesRequest.validate(ChatCompletionsEndpoint.parse(call));
        call.log("model", r.model());
        call.log("stream", r.stream());
        String account = charge.account().id();
        List<Map<String, Object>> conversation = new ArrayList<>();
        if (r.previousResponseId() != null) {
            call.log("previous_response_id", r.previousResponseId());
            ResponseStore.Stored previous = stored(call, account, r.previousResponseId());
            if (previous == null) {
                previousNotFound(call, r.previousResponseId());
                return;
            }
            conversation.addAll(previous.input());
            if (previous.response().get("output") instanceof List<?> out) {
                for (Object item : out) conversation.add(Validation.cast(item));
            }
        }
        conversation.addAll(ResponsesInput.resolve(r.input(), conversation));
        if (conversation.isEmpty()) throw GatewayException.invalid("input", "Invalid value for 'input': expected at least one item.");
        ChatRequest chat = ChatRequestValidator.validate(r.chatBody(conversation));
        if (chat.agent()) {
            throw GatewayException.invalid("metadata." + ChatRequest.REQUIRES_APPROVAL, "Approvals are served on /chat/completions "
                    + "only; remove 'metadata." + ChatRequest.REQUIRES_APPROVAL + "' here.");
        }
        String id = ResponsesOutput.newId("resp_");
        call.log("response_id", id);
        long createdAt = clock.millis() / 1000;
        Map<String, Object> extension = Extension.start(call, chat);
        // The items this response answered, as stored: item references resolved, reasoning items dropped.
        List<Map<String, Object>> answered = new ArrayList<>(conversation.size());
        for (Map<String, Object> item : conversation) {
            if (!"reasoning".equals(item.get("type"))) answered.add(item);
        }
        if (!r.stream()) {
            Dispatched done = dispatcher.dispatch(Extension.caller(call, extension, charge), chat, null);
            Extension.log(call, done);
            Map<String, Object> response = ResponsesOutput.skeleton(id, createdAt, r.model(), r, "in_progress");
            ResponsesOutput.finish(response, done.completion(), done.usage());
            keep(call, account, id, response, answered, r.store());
            response.put(extensionField, Extension.finish(extension, done));
            call.setResponseHeader(Extension.ROUTE_HEADER, done.chosen().id());
            call.respondJson(200, response);
            return;
        }
        SseWriter sse = call.openSse();
        Map<String, Object> response = ResponsesOutput.skeleton(id, createdAt, r.model(), r, "in_progress");
        ResponsesStream events = new ResponsesStream(sse, response, call.memory());
        Dispatched done;
        try {
            done = dispatcher.dispatch(Extension.caller(call, extension, charge), chat, events);
        } catch (GatewayException e) {
            // Before response.created: a plain HTTP error, or (a ping opened the stream) OpenAI's error event.
            if (!events.begun()) throw e;
            call.log("error", e.kind().name().toLowerCase(Locale.ROOT));
            call.log("error_message", e.getMessage());
            events.fail(e.httpStatus() == 429 ? "rate_limit_exceeded" : "server_error", e.getMessage());
            call.log("events", events.events());
            return;
        }
        Extension.log(call, done);
        events.close(done.usage());
        keep(call, account, id, response, answered, r.store());
        response.put(extensionField, Extension.finish(extension, done));
        events.complete();
        call.log("events", events.events());
    }

    /**
     * Stores a finished response when asked to; one that does not fit, or that the store could
     * not write (a full disk, a read-only data_dir), is answered with {@code store: false}: the
     * answer is made and charged by then, and an exception here would cut the client off with
     * no answer at all (the router takes an IOException for a client that left).
     */
    private void keep(HttpCall call, String account, String id, Map<String, Object> response, List<Map<String, Object>> input,
                      boolean wanted) {
        if (!wanted) return;
        boolean stored;
        try {
            stored = store.put(account, id, response, input, call.memory());
        } catch (tollgate.memory.BudgetExceededException e) {
            stored = false; // the gateway's memory is short: the answer stands, not stored
        } catch (IOException | UncheckedIOException e) {
            Log.error("responses_store_failed", "op", "written", "request_id", call.requestId(), "response_id", id,
                    "error", String.valueOf(e.getMessage()));
            stored = false;
        }
        if (!stored) {
            response.put("store", false);
            call.log("stored", false);
        }
    }

    /** The key's stored response {@code id}, or null; a store that cannot be read is a 500 that says so, not a dropped connection. */
    private ResponseStore.Stored stored(HttpCall call, String account, String id) {
        try {
            return store.get(account, id, call.memory());
        } catch (IOException | UncheckedIOException e) {
            throw storeFailed(call, id, "read", e);
        }
    }

    private static GatewayException storeFailed(HttpCall call, String id, String what, Exception e) {
        Log.error("responses_store_failed", "op", what, "request_id", call.requestId(), "response_id", id, "error", String.valueOf(e.getMessage()));
        return new GatewayException(tollgate.error.ErrorKind.GATEWAY_INTERNAL, "The stored response " + Validation.show(id)
                + " could not be " + what + " (request " + call.requestId() + ").");
    }

    private void get(HttpCall call, Charge charge, String id) throws IOException {
        call.log("response_id", id);
        ResponseStore.Stored s = stored(call, charge.account().id(), id);
        if (s == null) throw notFound(id);
        call.respondJson(200, s.response());
    }

    private void delete(HttpCall call, Charge charge, String id) throws IOException {
        call.log("response_id", id);
        boolean existed;
        try {
            existed = store.delete(charge.account().id(), id);
        } catch (IOException | UncheckedIOException e) {
            throw storeFailed(call, id, "deleted", e);
        }
        if (!existed) throw notFound(id);
        Map<String, Object> deleted = new LinkedHashMap<>();
        deleted.put("id", id);
        deleted.put("object", "response");
        deleted.put("deleted", true);
        call.respondJson(200, deleted);
    }

    private static GatewayException notFound(String id) {
        return new GatewayException(tollgate.error.ErrorKind.CALLER_NOT_FOUND, "Response with id " + Validation.show(id)
                + " not found.", "response_id");
    }

    /**
     * OpenAI's answer to an unknown {@code previous_response_id} (protocols-2.md §9: a 400 whose
     * {@code code} is {@code previous_response_not_found}, which clients match on, rather than the
     * gateway's numeric code).
     */
    private static void previousNotFound(HttpCall call, String id) throws IOException {
        String message = "Previous response with id " + Validation.show(id) + " not found.";
        call.log("error", "previous_response_not_found");
        call.log("error_message", message);
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("message", message);
        error.put("type", "invalid_request_error");
        error.put("param", "previous_response_id");
        error.put("code", "previous_response_not_found");
        call.setResponseHeader("x-should-retry", "false");
        call.respondJson(400, Map.of("error", error));
    }
}
