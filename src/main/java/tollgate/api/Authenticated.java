package tollgate.api;

import tollgate.account.ApiKeys;
import tollgate.http.Endpoint;

/** Wraps an endpoint so that it runs only for a valid {@code Authorization: Bearer} key. */
final class Authenticated {
    private Authenticated() { throw new AssertionError(); }

    static Endpoint require(ApiKeys keys, Endpoint inner) {
        return call -> {
            call.log("key", keys.authenticate(call.header("Authorization")));
            inner.handle(call);
        };
    }
}
