package tollgate.api;

import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tollgate.account.Account;
import tollgate.agent.AgentListener;
import tollgate.agent.AgentLoop;
import tollgate.agent.Execution;
import tollgate.agent.Outcome;
import tollgate.http.HttpCall;
import tollgate.http.RequestIds;
import tollgate.http.SseWriter;

/**
 * Runs an agent execution for an HTTP call and answers with what it came to, as a
 * {@code chat.completion} or one SSE stream ({@link AgentRelay}): the model as the client asked,
 * {@code usage} summed over the model calls of this run, the finish reason of the model's answer
 * ({@code tool_calls} when the client's tools or an approval are what it ends with), and the
 * extension object:
 * <pre>
 *   approval_id, execution_id, expires_at   (a pause: seed 003's three, first)
 *   execution_id, request_id, route (the last model call's), cost, credits_charged, balance,
 *   stopped ("max_steps" | "max_wall", when a limit made the model answer), steps (this run's)
 * </pre>
 * A run's totals are those of the steps this call made: a resume's answer counts its own, not
 * those the first request was already told about.
 */
final class AgentAnswer {
    private AgentAnswer() { throw new AssertionError(); }

    /** Seed 003's {@code expires_at}: {@code 2026-06-08T16:20:00.000Z}. */
    static final DateTimeFormatter EXPIRES_AT = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    /** What the execution stood at before this run, to tell this run's share. */
    private record Before(int steps, long prompt, long completion, long credits, BigDecimal cost) {
        static Before of(Execution ex) {
            return new Before(ex.steps().size(), ex.promptTokens(), ex.completionTokens(), ex.credits(), ex.cost());
        }
    }

    static void serve(HttpCall call, AgentLoop agent, Execution ex, Account account, boolean stream, boolean includeUsage,
                      String extensionField) throws IOException {
        Before before = Before.of(ex);
        call.log("execution_id", ex.id());
        if (!stream) {
            Outcome outcome;
            try {
                outcome = agent.run(ex, account, call.cancellation(), call.memory(), headers(call), null);
            } finally {
                log(call, ex, before);
            }
            Map<String, Object> completion = outcome.completion();
            completion.put("model", ex.model());
            completion.put("usage", usage(ex, before));
            completion.put(extensionField, summary(ex, before, outcome, account));
            String deployment = lastDeployment(ex, before);
            if (deployment != null) call.setResponseHeader(Extension.ROUTE_HEADER, deployment);
            call.log("outcome", kind(outcome));
            call.respondJson(200, completion);
            return;
        }
        SseWriter sse = call.openSse();
        Map<String, Object> ids = new LinkedHashMap<>();
        ids.put("execution_id", ex.id());
        ids.put("request_id", ex.requestId());
        AgentRelay relay = new AgentRelay(sse, "chatcmpl-" + RequestIds.newUuid().replace("-", ""), System.currentTimeMillis() / 1000,
                ex.model(), extensionField, ids);
        Outcome outcome;
        try {
            outcome = agent.run(ex, account, call.cancellation(), call.memory(), relay, relay);
        } finally {
            log(call, ex, before);
        }
        call.log("outcome", kind(outcome));
        Map<String, Object> approval = outcome instanceof Outcome.Paused p ? approvalIds(p.approval(), ex) : null;
        relay.finish(outcome, approval, includeUsage ? usage(ex, before) : null, summary(ex, before, outcome, account));
        call.log("chunks", sse.events());
        sse.done();
    }

    /** A non-streamed run's listener: each model call's rate-limit headers on the response (the last one's win). */
    private static AgentListener headers(HttpCall call) {
        return new AgentListener() {
            @Override
            public void rateLimits(List<String> pairs) {
                for (int i = 0; i + 1 < pairs.size(); i += 2) call.setResponseHeader(pairs.get(i), pairs.get(i + 1));
            }
        };
    }

    /** Seed 003's approval chunk extension: exactly these four. */
    private static Map<String, Object> approvalIds(Outcome.Approval a, Execution ex) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("approval_id", a.approvalId());
        m.put("execution_id", a.executionId());
        m.put("expires_at", EXPIRES_AT.format(Instant.ofEpochMilli(a.expiresAtMs())));
        m.put("request_id", ex.requestId());
        return m;
    }

    static Map<String, Object> usage(Execution ex, Before before) {
        long p = ex.promptTokens() - before.prompt(), c = ex.completionTokens() - before.completion();
        Map<String, Object> u = new LinkedHashMap<>();
        u.put("prompt_tokens", p);
        u.put("completion_tokens", c);
        u.put("total_tokens", p + c);
        return u;
    }

    private static Map<String, Object> summary(Execution ex, Before before, Outcome outcome, Account account) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (outcome instanceof Outcome.Paused p) {
            m.put("approval_id", p.approval().approvalId());
            m.put("execution_id", ex.id());
            m.put("expires_at", EXPIRES_AT.format(Instant.ofEpochMilli(p.approval().expiresAtMs())));
        } else {
            m.put("execution_id", ex.id());
        }
        m.put("request_id", ex.requestId());
        if (ex.route() != null) m.put("route", ex.route());
        m.put("cost", Extension.usd(ex.cost().subtract(before.cost())));
        m.put("credits_charged", ex.credits() - before.credits());
        Long balance = account == null ? null : account.balance();
        if (balance != null) m.put("balance", balance);
        if (outcome instanceof Outcome.Answered a && a.stopped() != null) m.put("stopped", a.stopped());
        m.put("steps", new ArrayList<>(ex.steps().subList(before.steps(), ex.steps().size())));
        return m;
    }

    private static String lastDeployment(Execution ex, Before before) {
        List<Map<String, Object>> steps = ex.steps();
        for (int i = steps.size() - 1; i >= before.steps(); i--) {
            if (steps.get(i).get("deployment") instanceof String d) return d;
        }
        return null;
    }

    private static String kind(Outcome o) {
        return switch (o) {
            case Outcome.Answered a -> "answered";
            case Outcome.ClientTools c -> "client_tools";
            case Outcome.Paused p -> "paused";
        };
    }

    /** The access line: the run's steps and what they were charged, however it ended. */
    private static void log(HttpCall call, Execution ex, Before before) {
        call.log("model", ex.model());
        call.log("steps", ex.steps().size() - before.steps());
        call.log("prompt_tokens", ex.promptTokens() - before.prompt());
        call.log("completion_tokens", ex.completionTokens() - before.completion());
        long credits = ex.credits() - before.credits();
        if (credits != 0) call.log("credits", credits);
    }
}
