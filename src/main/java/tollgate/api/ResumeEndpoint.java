package tollgate.api;

import java.io.IOException;
import java.util.Map;
import tollgate.account.Charge;
import tollgate.agent.AgentLoop;
import tollgate.agent.Execution;
import tollgate.agent.TaskHandoff;
import tollgate.error.GatewayException;
import tollgate.http.HttpCall;

/**
 * {@code POST /chat/resume} (seed 003): a human's decision on a paused execution.
 * <pre>
 *   {"approval_id": "...", "decision": "approve" | "reject", "stream"?: bool, "reason"?: "...",
 *    "stream_options"?: {"include_usage": bool}}
 * </pre>
 * ({@code "approved": true | false} in place of {@code decision}). The approval is claimed once
 * ({@code Approvals.claim}: 404 unknown or another key's, 410 expired, 409 already used; a claim
 * uses it, so a crash after it never resumes twice); the decision is applied; then a task's
 * execution goes back to its task (202 with what the task runner answers), and a chat
 * request's runs on and is answered as a chat completion would be, streamed or not as this
 * request asks, with the same {@code execution_id}.
 */
final class ResumeEndpoint implements Authenticated.Inner {
    /** Longest {@code reason}, in characters: it goes into the model's next prompt. */
    static final int MAX_REASON_CHARS = 4000;
    /** Longest {@code approval_id} looked at: ids are UUIDs. */
    static final int MAX_APPROVAL_ID_CHARS = 128;

    private final AgentLoop agent;
    private final String extensionField;

    ResumeEndpoint(AgentLoop agent, String extensionField) {
        this.agent = agent;
        this.extensionField = extensionField;
    }

    @Override
    public void handle(HttpCall call, Charge charge) throws IOException {
        Object parsed = ChatCompletionsEndpoint.parse(call);
        if (!(parsed instanceof Map<?, ?> raw)) {
            throw GatewayException.invalid(null, "The request body must be a JSON object, got " + Validation.typeName(parsed) + ".");
        }
        Map<String, Object> body = Validation.cast(raw);
        Object id = body.get("approval_id");
        if (id == null) throw Validation.missing("approval_id");
        if (!(id instanceof String approvalId) || approvalId.isEmpty() || approvalId.length() > MAX_APPROVAL_ID_CHARS) {
            throw Validation.invalidValue("approval_id", "the approval_id of a paused execution", id);
        }
        boolean approve = decision(body);
        boolean stream = body.get("stream") != null && Validation.bool("stream", body.get("stream"));
        Map<String, Object> streamOptions = body.get("stream_options") == null ? null
                : Validation.object("stream_options", body.get("stream_options"));
        if (streamOptions != null) {
            if (!stream) {
                throw GatewayException.invalid("stream_options", "The 'stream_options' parameter is only allowed when 'stream' is enabled.");
            }
            Validation.optionalBool(streamOptions, "include_usage", "stream_options.include_usage");
        }
        String reason = null;
        if (body.get("reason") != null) {
            reason = Validation.string("reason", body.get("reason"));
            if (Validation.longerThan(reason, MAX_REASON_CHARS)) {
                throw GatewayException.invalid("reason", "Invalid value for 'reason': expected at most " + MAX_REASON_CHARS
                        + " characters.");
            }
        }
        call.log("approval_id", approvalId);
        // A claim uses the approval for good: whatever could refuse the answer (the key's
        // max_streams) comes first, so that a 429 leaves it to be resumed again.
        if (stream) charge.holdStream();
        Execution ex = agent.approvals().claim(approvalId, charge.account().id());
        TaskHandoff.Decision decision = new TaskHandoff.Decision(approve, reason);
        agent.decide(ex, decision);
        call.log("decision", approve ? "approve" : "reject");
        if (ex.taskId() != null) {
            call.log("task_id", ex.taskId());
            call.respondJson(202, agent.handoff().resumed(ex, decision));
            return;
        }
        call.log("stream", stream);
        AgentAnswer.serve(call, agent, ex, charge, stream, stream && includeUsage(streamOptions, ex), extensionField);
    }

    /** {@code decision} or {@code approved}; both may be given if they agree. */
    private static boolean decision(Map<String, Object> body) {
        Object d = body.get("decision"), a = body.get("approved");
        Boolean approve = null;
        if (d != null) {
            if (!(d instanceof String s) || !(s.equals("approve") || s.equals("reject"))) {
                throw Validation.invalidValue("decision", "'approve' or 'reject'", d);
            }
            approve = s.equals("approve");
        }
        if (a != null) {
            boolean approved = Validation.bool("approved", a);
            if (approve != null && approve != approved) {
                throw GatewayException.invalid("decision", "Invalid value for 'decision': '" + d + "' contradicts 'approved': " + approved
                        + "; give one of them.");
            }
            approve = approved;
        }
        if (approve == null) {
            throw GatewayException.invalid("decision", "Missing required parameter: 'decision' ('approve' or 'reject'; or "
                    + "'approved': true or false).");
        }
        return approve;
    }

    /** The resume's {@code stream_options.include_usage}, else the paused request's own. */
    private static boolean includeUsage(Map<String, Object> resumeOptions, Execution ex) {
        if (resumeOptions != null && resumeOptions.get("include_usage") instanceof Boolean b) return b;
        return ex.body().get("stream_options") instanceof Map<?, ?> o && Boolean.TRUE.equals(o.get("include_usage"));
    }
}
