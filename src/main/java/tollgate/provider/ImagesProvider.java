package tollgate.provider;

import tollgate.error.ClientGoneException;
import tollgate.error.GatewayException;

/**
 * Capability: image generation from a text prompt (OpenAI's {@code POST /images/generations},
 * protocols-2.md §14), for the {@code /images/generations} endpoint and the
 * {@code image_generation} gateway tool (issue 12).
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #generate} runs on the caller's (virtual) thread and blocks it until the images
 *       are there or the call failed; it starts no threads of its own (the shared
 *       {@code HttpClient} aside).</li>
 *   <li>It sends {@link ImagesCall#upstreamModel()} as the model and every field of
 *       {@link ImagesCall#request()} the upstream takes; what it cannot carry it refuses before any
 *       upstream call with a 400 marked {@link GatewayException#noRetry()} naming the field, so
 *       that the router may try another candidate.</li>
 *   <li>The answer is read with a byte cap (base64 images are large) and reserved in
 *       {@link ImagesCall#memory()} as it arrives; an answer without a single image is a
 *       {@code PROVIDER_ERROR}.</li>
 *   <li>It returns by {@link ImagesCall#deadlineNanos()} when one is set (a gateway tool's
 *       timeout), failing with {@code PROVIDER_TIMEOUT}, and soon after
 *       {@link ImagesCall#cancellation()} fires, with {@link ClientGoneException}.</li>
 *   <li>Failures are thrown as classified {@link GatewayException}s, and every answer and error is
 *       scrubbed of the configured secrets before anything reads it.</li>
 * </ul>
 * Implementations are immutable and safe for any number of concurrent calls.
 */
public interface ImagesProvider extends Provider {

    /** The generated images, with the upstream's answer kept for relaying in OpenAI's shape. */
    GeneratedImages generate(ImagesCall call);
}
