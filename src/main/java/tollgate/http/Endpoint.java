package tollgate.http;

import java.io.IOException;

/**
 * One route's behaviour. Called once per request on that request's own virtual thread.
 *
 * <p>Contract: the endpoint either answers through {@link HttpCall} (a JSON body or an SSE
 * stream) or throws. A {@link tollgate.error.GatewayException} thrown before anything was sent
 * becomes that error's response; thrown after a stream started it becomes an SSE error event.
 * Any other runtime exception is a gateway bug: logged once and answered with a 500. The
 * endpoint does not close the exchange; the {@link Router} does.
 */
@FunctionalInterface
public interface Endpoint {
    void handle(HttpCall call) throws IOException;
}
