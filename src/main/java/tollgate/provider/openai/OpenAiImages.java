package tollgate.provider.openai;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tollgate.error.ClientGoneException;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.json.Json;
import tollgate.json.JsonBuffer;
import tollgate.json.JsonException;
import tollgate.provider.Exchange;
import tollgate.provider.GeneratedImages;
import tollgate.provider.CappedBody;
import tollgate.provider.ImagesCall;
import tollgate.provider.UpstreamErrors;

/**
 * OpenAI-compatible image generation: {@code POST {base_url}/images/generations} with a JSON
 * body ({@code model}, {@code prompt}, {@code n}, {@code size}, {@code quality},
 * {@code response_format} and the call's other fields as they are), the answer
 * {@code {"created", "data": [{"url"|"b64_json", "revised_prompt"?}], ...}} (protocols-2.md §14).
 *
 * <p>GPT image models ({@link #B64_ONLY_MODEL_PREFIXES}) "always return base64-encoded images"
 * and take no {@code response_format} (it is a dall-e parameter): it is not sent to them, and the
 * images come back as {@code b64_json} whatever was asked.
 *
 * <p>The answer is gathered whole ({@link CappedBody}: up to {@link #MAX_ANSWER_BYTES}, reserved
 * in the call's memory as it arrives), scrubbed of the configured secrets, parsed (the tree
 * reserved too), and its bytes given back. Time limits are the provider's (headers, idle body,
 * {@code deadline_ms} for the whole call), the last cut to the call's own deadline.
 */
public final class OpenAiImages {
    /** Path of the endpoint under {@code base_url}. */
    public static final String PATH = "/images/generations";
    /**
     * Largest answer read, in bytes: ten 1536x1024 PNGs in base64 (a third larger than the files)
     * fit with room to spare; OpenAI's are 2-4 MB each.
     */
    public static final int MAX_ANSWER_BYTES = 64 * 1024 * 1024;
    /** Upstream models, by name prefix, that answer base64 only and refuse {@code response_format}. */
    static final List<String> B64_ONLY_MODEL_PREFIXES = List.of("gpt-image");
    /** First size of the request body buffer, in bytes; it grows as needed (a prompt is up to 32,000 characters). */
    static final int INITIAL_BODY_BYTES = 1024;

    private final Exchange exchange;

    public OpenAiImages(Exchange exchange) {
        this.exchange = exchange;
    }

    public GeneratedImages generate(ImagesCall call) {
        if (call.cancellation().isCancelled()) throw new ClientGoneException(null);
        URI uri = exchange.endpoint(PATH);
        String where = "POST " + uri;
        Duration deadline = deadline(call, where);
        Exchange.Whole whole = exchange.postJson(uri, body(call), MAX_ANSWER_BYTES, call.requestId(), call.upstreamModel(), call.memory(),
                call.cancellation(), deadline);
        try {
            byte[] clean = whole.bytes();
            int status = whole.status();
            Map<String, Object> answer = parse(clean, call);
            if (answer == null) {
                throw new GatewayException(ErrorKind.PROVIDER_ERROR, "Provider '" + exchange.providerId()
                        + "' returned a response that is not an image generation", null, status, null)
                        .withDetail(where + " answered " + clean.length + " bytes that are not a JSON object");
            }
            if (answer.get("error") != null && !(answer.get("data") instanceof List)) {
                throw exchange.scrubbed(UpstreamErrors.fromErrorObject(exchange.providerId(), answer.get("error")));
            }
            List<GeneratedImages.Image> images = images(answer);
            if (images.isEmpty()) {
                throw new GatewayException(ErrorKind.PROVIDER_ERROR, "Provider '" + exchange.providerId()
                        + "' returned no image", null, status, null)
                        .withDetail(where + " answered " + clean.length + " bytes without data[].url or data[].b64_json");
            }
            return new GeneratedImages(images, answer);
        } finally {
            call.memory().release(whole.held()); // parsed (the tree is reserved on its own) or dropped now
        }
    }

    /** The provider's {@code deadline_ms}, cut to what is left of the call's own deadline. */
    private Duration deadline(ImagesCall call, String where) {
        Duration d = exchange.config().deadline();
        if (call.deadlineNanos() == 0) return d;
        long left = call.deadlineNanos() - System.nanoTime();
        if (left <= 0) {
            throw new GatewayException(ErrorKind.PROVIDER_TIMEOUT, "The image generation ran out of time before provider '"
                    + exchange.providerId() + "' was called").withDetail(where + ": no time left before the call");
        }
        return d == null || left < d.toNanos() ? Duration.ofNanos(left) : d;
    }

    /** The request body, in a buffer charged to the call's memory (released once sent). */
    static JsonBuffer body(ImagesCall call) {
        ImagesCall.Request r = call.request();
        Map<String, Object> up = new LinkedHashMap<>();
        up.put("model", call.upstreamModel());
        up.put("prompt", r.prompt());
        if (r.n() > 0) up.put("n", r.n());
        if (r.size() != null) up.put("size", r.size());
        if (r.quality() != null) up.put("quality", r.quality());
        if (r.responseFormat() != null && !b64Only(call.upstreamModel())) up.put("response_format", r.responseFormat());
        r.extra().forEach(up::putIfAbsent);
        JsonBuffer out = new JsonBuffer(INITIAL_BODY_BYTES, call.memory());
        Json.write(up, out);
        return out;
    }

    static boolean b64Only(String upstreamModel) {
        for (String p : B64_ONLY_MODEL_PREFIXES) if (upstreamModel.startsWith(p)) return true;
        return false;
    }

    /** {@code data[]}'s images: entries with a {@code url} or a {@code b64_json} string (others are skipped). */
    static List<GeneratedImages.Image> images(Map<String, Object> answer) {
        List<GeneratedImages.Image> out = new ArrayList<>();
        if (!(answer.get("data") instanceof List<?> data)) return out;
        for (Object o : data) {
            Map<String, Object> m = Json.asObject(o);
            if (m == null) continue;
            String url = m.get("url") instanceof String s && !s.isEmpty() ? s : null;
            String b64 = m.get("b64_json") instanceof String s && !s.isEmpty() ? s : null;
            if (url == null && b64 == null) continue;
            out.add(new GeneratedImages.Image(url, b64, m.get("revised_prompt") instanceof String s ? s : null));
        }
        return out;
    }

    private static Map<String, Object> parse(byte[] bytes, ImagesCall call) {
        try {
            return Json.asObject(Json.parse(bytes, 0, bytes.length, call.memory()));
        } catch (JsonException e) {
            return null;
        }
    }
}
