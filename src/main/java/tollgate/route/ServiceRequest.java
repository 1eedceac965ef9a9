package tollgate.route;

import java.util.function.Function;
import tollgate.catalog.Model;

/**
 * A call that is not chat, as a wire surface hands it to {@link ServiceDispatcher}.
 *
 * @param endpoint          what is called, as the ledger records it: {@code fim}, {@code completions},
 *                          {@code stt}, {@code tts}
 * @param model             the model as the client named it (a catalog id, {@code <provider>/<upstream>},
 *                          {@code group:<name>}), or null for the gateway's default model with the capability
 * @param capability        what every candidate must have: {@code fim}, {@code completions} (a model
 *                          with that capability, or any chat model, which the surface wraps as chat),
 *                          {@code stt}, {@code tts}
 * @param stream            whether the answer is streamed (takes one of the key's stream slots)
 * @param admitTokens       tokens taken from the key's tokens-per-minute limit at admission (prompt
 *                          estimate plus the completion allowed; 0 for audio)
 * @param worstCase         the most one attempt on a model may use: credits are held for it, priced at
 *                          that model's prices, before the attempt
 * @param metadataRequestId the client's own request id from the body, or null (the ledger keeps it)
 * @param ownKey            the client sent its own provider key (bring-your-own-key): the call is
 *                          recorded, but no credits are held or charged for it
 */
public record ServiceRequest(String endpoint, String model, String capability, boolean stream, long admitTokens,
                             Function<Model, Meter> worstCase, String metadataRequestId, boolean ownKey) {
}
