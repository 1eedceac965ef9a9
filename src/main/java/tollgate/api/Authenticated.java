package tollgate.api;

import java.io.IOException;
import java.util.List;
import tollgate.account.Account;
import tollgate.account.Accounts;
import tollgate.account.Charge;
import tollgate.http.Endpoint;
import tollgate.http.HttpCall;

/**
 * Wraps an endpoint so that it runs only for a valid {@code Authorization: Bearer} key (or, on
 * Anthropic's surface, {@code x-api-key}), with the
 * request's {@link Charge} on that key's account: closed when the endpoint returns or throws, so
 * that whatever the request held (credits, a stream slot) is given back whatever happened. A key
 * with per-minute limits gets OpenAI's {@code x-ratelimit-*} headers on every response, as they
 * stand before the request and, once it is admitted or refused, after it.
 */
final class Authenticated {
    private Authenticated() { throw new AssertionError(); }

    /** An endpoint for an authenticated key. */
    interface Inner {
        void handle(HttpCall call, Charge charge) throws IOException;
    }

    /** An endpoint of a {@link tollgate.http.Router#template} route for an authenticated key. */
    interface InnerTemplated {
        void handle(HttpCall call, Charge charge, List<String> params) throws IOException;
    }

    static tollgate.http.Router.Templated require(Accounts accounts, InnerTemplated inner) {
        return (call, params) -> require(accounts, (c, charge) -> inner.handle(c, charge, params)).handle(call);
    }

    static Endpoint require(Accounts accounts, Inner inner) {
        return require(accounts, inner, false);
    }

    /**
     * As {@link #require(Accounts, Inner)}, also taking the key as {@code x-api-key} when no
     * {@code Authorization} is sent: Anthropic's clients send one or the other (the SDK before
     * 1.0 and Claude Code's {@code ANTHROPIC_API_KEY}: {@code x-api-key}; from 1.0 and
     * {@code ANTHROPIC_AUTH_TOKEN}: {@code Authorization: Bearer}; protocols-2.md §10).
     */
    static Endpoint requireAnthropic(Accounts accounts, Inner inner) {
        return require(accounts, inner, true);
    }

    private static Account account(Accounts accounts, HttpCall call, boolean apiKeyHeader) {
        String authorization = call.header("Authorization");
        if (!apiKeyHeader || authorization != null) return accounts.authenticate(authorization);
        String key = call.header("x-api-key");
        if (key == null || key.isBlank()) {
            throw new tollgate.error.GatewayException(tollgate.error.ErrorKind.CALLER_UNAUTHENTICATED,
                    "Missing API key: send it as \"x-api-key: <key>\" or \"Authorization: Bearer <key>\".");
        }
        if (key.length() > tollgate.account.ApiKeys.MAX_KEY_CHARS) {
            throw new tollgate.error.GatewayException(tollgate.error.ErrorKind.CALLER_UNAUTHENTICATED, "Malformed x-api-key header.");
        }
        return accounts.authenticateKey(key.trim());
    }

    private static Endpoint require(Accounts accounts, Inner inner, boolean apiKeyHeader) {
        return call -> {
            Account account = account(accounts, call, apiKeyHeader);
            call.authenticatedAs(account.name());
            call.log("key", account.name());
            if (account.managed()) call.log("key_id", account.id());
            try (Charge charge = accounts.charge(account)) {
                if (account.limited()) {
                    headers(call, charge.rateHeaders());
                    charge.onLimits(pairs -> headers(call, pairs));
                }
                inner.handle(call, charge);
            }
        };
    }

    private static void headers(HttpCall call, List<String> pairs) {
        for (int i = 0; i + 1 < pairs.size(); i += 2) call.setResponseHeader(pairs.get(i), pairs.get(i + 1));
    }
}
