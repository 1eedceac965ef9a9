package tollgate.api;

import static tollgate.api.Validation.cast;
import static tollgate.api.Validation.integer;
import static tollgate.api.Validation.invalidType;
import static tollgate.api.Validation.typeName;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tollgate.config.AgentConfig;
import tollgate.error.GatewayException;
import tollgate.json.JsonNumber;
import tollgate.route.ChatRequest;
import tollgate.route.Router;
import tollgate.task.Tasks;

/**
 * A {@code POST /neo/tasks} body as a chat request: {@code goal} (a string) becomes one user
 * message, {@code policy} without a model becomes {@code neo-mode/<policy>}, neither model nor
 * policy is {@link Tasks#DEFAULT_MODEL}; {@code max_steps} and {@code webhook} are the task's;
 * everything else is the chat request's and is validated as one ({@link ChatRequestValidator}),
 * so that a task's errors are the chat errors, naming the same fields.
 */
final class TaskRequests {
    private TaskRequests() { throw new AssertionError(); }

    /** A validated task request. */
    record TaskRequest(ChatRequest chat, int maxSteps, String webhook, Map<String, Object> metadata) {}

    static TaskRequest read(Object parsed, AgentConfig config) {
        if (!(parsed instanceof Map<?, ?> raw)) {
            throw GatewayException.invalid(null, "The request body must be a JSON object, got " + typeName(parsed) + ".");
        }
        Map<String, Object> body = new LinkedHashMap<>(cast(raw));
        Object goal = body.remove("goal");
        Object maxStepsValue = body.remove("max_steps");
        Object webhookValue = body.remove("webhook");
        if (goal != null) {
            if (body.get("messages") != null) {
                throw GatewayException.invalid("goal", "Send 'messages' or 'goal', not both.");
            }
            if (!(goal instanceof String g) || g.isBlank()) throw Validation.invalidValue("goal", "a non-empty string", goal);
            List<Object> messages = new ArrayList<>(1);
            Map<String, Object> user = new LinkedHashMap<>();
            user.put("role", "user");
            user.put("content", g);
            messages.add(user);
            body.put("messages", messages);
        } else if (body.get("messages") == null) {
            throw GatewayException.invalid("messages", "Missing required parameter: 'messages' (or 'goal', the task in words).");
        }
        if (body.get("model") == null) {
            Object policy = body.remove("policy");
            body.put("model", policy == null ? Tasks.DEFAULT_MODEL : Router.NEO_MODE + "/" + ChatRequestValidator.policy(policy));
        }
        if (Boolean.TRUE.equals(body.get("stream"))) {
            throw GatewayException.invalid("stream", "A task does not stream; follow its events at GET /neo/tasks/{id}/events.");
        }
        body.remove("stream");
        gatewayToolsOnly(body.get("tools"));
        int maxSteps = config.taskMaxSteps();
        if (maxStepsValue != null) {
            integer("max_steps", maxStepsValue, 1, config.taskMaxSteps());
            maxSteps = (int) ((JsonNumber) maxStepsValue).longValue();
        }
        String webhook = null;
        if (webhookValue != null) {
            if (!(webhookValue instanceof String w)) throw invalidType("webhook", "a string", webhookValue);
            String refusal = Tasks.webhookRefusal(config, w);
            if (refusal != null) throw GatewayException.invalid("webhook", refusal);
            webhook = w;
        }
        ChatRequest chat = ChatRequestValidator.validate(body);
        Map<String, Object> metadata = body.get("metadata") instanceof Map<?, ?> m ? cast(m) : null;
        return new TaskRequest(chat, maxSteps, webhook, metadata);
    }

    /**
     * A task's tools are the gateway's: a call of a client function would wait for an answer no
     * one is there to give.
     */
    private static void gatewayToolsOnly(Object tools) {
        if (!(tools instanceof List<?> list)) return; // absent, or not an array: the chat validation says so
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) instanceof Map<?, ?> t && t.get("type") != null && !"gateway".equals(t.get("type"))) {
                throw GatewayException.invalid("tools[" + i + "].type", "A task runs gateway tools only ({\"type\": \"gateway\", "
                        + "\"name\": ...}): nobody would be there to answer a call of a function of the client's.");
            }
        }
    }

    /**
     * Whether a validated chat request may become a task ({@code Prefer: respond-async}): a
     * {@code neo-mode} request, not streamed, whose tools are all gateway tools (at least one).
     */
    static boolean taskable(ChatRequest request) {
        if (request.stream() || !(request.model().equals(Router.NEO_MODE) || request.model().startsWith(Router.NEO_MODE + "/"))) {
            return false;
        }
        if (!(request.body().get("tools") instanceof List<?> tools) || tools.isEmpty()) return false;
        for (Object t : tools) if (!(t instanceof Map<?, ?> m) || !"gateway".equals(m.get("type"))) return false;
        return true;
    }

    /** Whether a {@code Prefer} header value asks for {@code respond-async} (RFC 7240 §4.1). */
    static boolean prefersAsync(String prefer) {
        if (prefer == null) return false;
        for (String p : prefer.split(",")) {
            String token = p.strip();
            int end = token.length();
            for (int i = 0; i < token.length(); i++) {
                char c = token.charAt(i);
                if (c == '=' || c == ';' || c == ' ') {
                    end = i;
                    break;
                }
            }
            if (token.substring(0, end).equalsIgnoreCase("respond-async")) return true;
        }
        return false;
    }
}
