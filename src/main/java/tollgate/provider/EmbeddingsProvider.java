package tollgate.provider;

import tollgate.error.ClientGoneException;
import tollgate.error.GatewayException;

/**
 * Capability: embeddings of texts or token arrays (OpenAI's {@code POST /embeddings},
 * protocols-2.md §11), for the {@code /embeddings} endpoint (issue 14). Implemented by the HTTP
 * providers of the OpenAI-compatible kinds and of kind {@code mistral}, and by the offline echo
 * provider.
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #embed} runs on the caller's (virtual) thread and blocks it until the vectors are
 *       there or the call failed; it starts no threads of its own (the shared {@code HttpClient}
 *       aside).</li>
 *   <li>It sends {@link EmbeddingsCall#upstreamModel()} as the model and every field of the
 *       request the upstream takes, under the upstream's names; what it cannot carry (token arrays
 *       on Mistral) it refuses before any upstream call with a 400 marked
 *       {@link GatewayException#noRetry()} naming the field, so that the router may try another
 *       candidate. Nothing that changes the answer is dropped in silence.</li>
 *   <li>The answer holds exactly one vector per input, in input order, each already in the
 *       encoding the client asked for ({@link EmbeddingsCall.Request#base64()}); an upstream's
 *       vectors in the other encoding are converted (float32 values, little-endian for base64).
 *       An answer that is not that (missing or duplicate indexes, a value that is not a number,
 *       base64 that is not whole float32 values) is a {@code PROVIDER_ERROR}.</li>
 *   <li>The answer is read with a byte cap ({@link #MAX_ANSWER_BYTES}) and reserved in
 *       {@link EmbeddingsCall#memory()} as it arrives. The vectors may be spans of those bytes, so
 *       a successful call keeps its reservation until the request ends; a failed one gives it back.</li>
 *   <li>It fails with {@link ClientGoneException} soon after {@link EmbeddingsCall#cancellation()}
 *       fires. Failures are classified {@link GatewayException}s, scrubbed of the configured
 *       secrets.</li>
 * </ul>
 * Implementations are immutable and safe for any number of concurrent calls.
 */
public interface EmbeddingsProvider extends Provider {
    /**
     * Largest upstream answer read, in bytes: OpenAI's largest answer, 2048 inputs of 3072 floats
     * as its pretty-printed float text (about 22 bytes per value: one per line, indented), is
     * about 138 MB; the same in base64 is 34 MB.
     */
    int MAX_ANSWER_BYTES = 256 * 1024 * 1024;

    /** The vectors of every input, in the call's encoding, with the usage the upstream reported. */
    Embeddings embed(EmbeddingsCall call);
}
