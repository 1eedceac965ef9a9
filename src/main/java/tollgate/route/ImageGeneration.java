package tollgate.route;

import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.provider.GeneratedImages;
import tollgate.provider.ImagesCall;
import tollgate.provider.ImagesProvider;

/**
 * One image generation through the {@link ServiceDispatcher} (issue 12), for the
 * {@code /images/generations} endpoint and the {@code image_generation} gateway tool alike: the
 * candidates are the models with capability {@code images}; the key's credits are held for
 * {@code n} images at each candidate's {@code image} price, and charged for the images returned
 * (an upstream that returns more than {@code n} has the rest dropped: never relayed unpaid); one
 * ledger record, endpoint {@value #ENDPOINT}, with the image count.
 *
 * <p>A model without an {@code image} price (an ad-hoc {@code <provider>/<upstream>} route, a
 * catalog entry priced per token only) is refused before any upstream call: images are charged
 * per image, and one on such a model would be free. The upstream's token usage (GPT image models
 * report one) is not charged.
 */
public final class ImageGeneration {
    private ImageGeneration() { throw new AssertionError(); }

    /** The capability every candidate must have, and the ledger's name for the call. */
    public static final String ENDPOINT = "images";

    /**
     * Generates {@code request}'s images on {@code model} (null: the gateway's first images model).
     *
     * @param metadataRequestId the client's own request id for the ledger, or null
     * @param deadlineNanos     {@code System.nanoTime()} by which each attempt must end, or 0 for none
     * @throws GatewayException                    as {@link ServiceDispatcher#dispatch} does
     * @throws tollgate.error.ClientGoneException  when the caller's cancellation fired
     */
    public static Served<GeneratedImages> generate(ServiceDispatcher services, Caller caller, String model, ImagesCall.Request request,
                                                   String metadataRequestId, long deadlineNanos) {
        int asked = request.count();
        ServiceRequest r = new ServiceRequest(ENDPOINT, model, ENDPOINT, false, 0, m -> Meter.images(asked), metadataRequestId, false);
        return services.dispatch(caller, r, (d, progress) -> {
            if (!(d.provider() instanceof ImagesProvider provider)) {
                throw new GatewayException(ErrorKind.CALLER_INVALID_REQUEST, "Provider '" + d.provider().id() + "' (kind '"
                        + d.provider().kind() + "') does not serve image generation.", "model").noRetry();
            }
            if (d.model().pricing().image() == null) {
                throw new GatewayException(ErrorKind.CALLER_INVALID_REQUEST, "The model '" + d.model().id() + "' has no image "
                        + "price, and images are charged per image; use a configured image model.", "model").noRetry();
            }
            GeneratedImages images = provider.generate(new ImagesCall(d.model().upstream(), request, caller.requestId(),
                    caller.cancellation(), caller.memory(), deadlineNanos)).first(asked);
            progress.meter(Meter.images(images.images().size()));
            return images;
        });
    }
}
