package tollgate.route;

import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.provider.Embeddings;
import tollgate.provider.EmbeddingsCall;
import tollgate.provider.EmbeddingsProvider;
import tollgate.provider.Usage;

/**
 * One embeddings call through the {@link ServiceDispatcher} (issue 14): the candidates are the
 * models with capability {@value #ENDPOINT} (a group's members that have it, in order); the key
 * is admitted with the gateway's estimate of the inputs' tokens, its credits are held for that
 * estimate at each candidate's {@code prompt} price, and it is charged for the prompt tokens the
 * upstream reports (or the estimate, when it reports none) at that price: embeddings have no
 * completion. One ledger record, endpoint {@value #ENDPOINT}.
 *
 * <p>A candidate that cannot take the request (token arrays on Mistral) refuses it before any
 * call, and the next one is tried; when none can, the client gets that 400.
 */
public final class Embedding {
    private Embedding() { throw new AssertionError(); }

    /** The capability every candidate must have, and the ledger's name for the call. */
    public static final String ENDPOINT = "embeddings";

    /**
     * Embeds {@code request}'s inputs on {@code model}.
     *
     * @param estimate          the gateway's estimate of the inputs' tokens (exact for token arrays)
     * @param metadataRequestId the client's own request id for the ledger, or null
     * @throws GatewayException                    as {@link ServiceDispatcher#dispatch} does
     * @throws tollgate.error.ClientGoneException  when the caller's cancellation fired
     */
    public static Served<Embeddings> embed(ServiceDispatcher services, Caller caller, String model, EmbeddingsCall.Request request,
                                           long estimate, String metadataRequestId) {
        Meter worst = Meter.tokens(estimate, 0);
        ServiceRequest r = new ServiceRequest(ENDPOINT, model, ENDPOINT, false, estimate, m -> worst, metadataRequestId, false);
        return services.dispatch(caller, r, (d, progress) -> {
            if (!(d.provider() instanceof EmbeddingsProvider provider)) {
                throw new GatewayException(ErrorKind.CALLER_INVALID_REQUEST, "Provider '" + d.provider().id() + "' (kind '"
                        + d.provider().kind() + "') does not serve embeddings.", "model").noRetry();
            }
            Embeddings e = provider.embed(new EmbeddingsCall(d.model().upstream(), request, caller.requestId(), caller.cancellation(),
                    caller.memory()));
            progress.meter(Meter.tokens(tokens(e.usage(), estimate), 0));
            return e;
        });
    }

    /** The prompt tokens the upstream reported (its total when it sent only that), else the estimate. */
    static long tokens(Usage usage, long estimate) {
        if (!usage.known()) return estimate;
        return usage.promptTokens() > 0 ? usage.promptTokens() : usage.totalTokens();
    }
}
