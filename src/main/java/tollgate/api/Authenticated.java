package tollgate.api;

import tollgate.account.ApiKeys;
import tollgate.http.Endpoint;

/** Wraps an endpoint so that it runs only for a valid {@code Authorization: Bearer} key. */
final class Authenticated {
    private Authenticated() { throw new AssertionError(); }

    static Endpoint require(ApiKeys keys, Endpoint inner) {
        return call -> {
            String name = keys.authenticate(call.header("Authorization"));
            call.authenticatedAs(name);
            call.log("key", name);
            inner.handle(call);
        };
    }
}
