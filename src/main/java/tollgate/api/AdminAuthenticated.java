package tollgate.api;

import java.security.MessageDigest;
import tollgate.account.ApiKeys;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.http.HttpCall;
import tollgate.http.Router;

/**
 * Wraps an admin endpoint so that it runs only for {@code Authorization: Bearer <admin token>}.
 * Only the token's SHA-256 is configured; what the caller sends is hashed and the two digests
 * compared in constant time ({@link MessageDigest#isEqual}), so neither the token nor how much of
 * it matched leaks through timing. Client keys are a different secret (the config refuses an
 * admin token equal to one), so a client key is an invalid admin token like any other string.
 * Without a configured token the admin API is off: every admin route answers 403 saying how to
 * turn it on.
 */
final class AdminAuthenticated {
    private AdminAuthenticated() { throw new AssertionError(); }

    /** What the access log shows as the caller of an admin route. */
    static final String CALLER = "admin";
    /** Longest Authorization header read, in chars: as for client keys. */
    static final int MAX_HEADER_CHARS = ApiKeys.MAX_KEY_CHARS;
    static final String BEARER = "Bearer ";
    /** What a caller is told while the admin API is off (the dashboard shows it too). */
    static final String OFF = "The admin API is off: set the TOLLGATE_ADMIN_TOKEN environment "
            + "variable (read by \"accounts\": {\"admin_token\": \"${TOLLGATE_ADMIN_TOKEN}\"} in the config), or "
            + "accounts.admin_token_sha256, and restart the gateway.";

    /**
     * @param tokenSha256 SHA-256 of the admin token, or null: the admin API is off
     */
    static Router.Templated require(byte[] tokenSha256, Router.Templated inner) {
        byte[] expected = tokenSha256 == null ? null : tokenSha256.clone();
        return (call, params) -> {
            // Responses carry key secrets (a new key) and balances: no cache along the way keeps them.
            call.setResponseHeader("Cache-Control", "no-store");
            check(expected, call.header("Authorization"));
            call.authenticatedAs(CALLER);
            call.log("key", CALLER);
            inner.handle(call, params);
        };
    }

    private static void check(byte[] expected, String authorization) {
        if (expected == null) {
            throw new GatewayException(ErrorKind.POLICY_FORBIDDEN, OFF);
        }
        if (authorization == null) {
            throw unauthenticated("Missing admin token: send it as \"Authorization: Bearer <admin token>\".");
        }
        if (authorization.length() <= BEARER.length() || authorization.length() > MAX_HEADER_CHARS
                || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            throw unauthenticated("Malformed Authorization header: expected \"Bearer <admin token>\".");
        }
        byte[] presented = ApiKeys.digest(authorization.substring(BEARER.length()).trim());
        if (!MessageDigest.isEqual(presented, expected)) throw unauthenticated("Invalid admin token.");
    }

    private static GatewayException unauthenticated(String message) {
        return new GatewayException(ErrorKind.CALLER_UNAUTHENTICATED, message);
    }
}
