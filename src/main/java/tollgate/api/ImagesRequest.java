package tollgate.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tollgate.config.ToolsConfig;
import tollgate.error.GatewayException;
import tollgate.json.JsonNumber;
import tollgate.provider.ImagesCall;

/**
 * Reads and checks OpenAI's {@code POST /images/generations} body (protocols-2.md §14) into an
 * {@link ImagesCall.Request}: every field the API documents is checked for its type and values,
 * an unknown one is refused naming it (as OpenAI does), and what the gateway cannot carry
 * ({@code stream}, {@code partial_images}: image streams are not relayed) is refused rather than
 * dropped. Which values a model takes (dall-e-3's single image, GPT image models' sizes) is the
 * upstream's to judge.
 *
 * @param model  the model the client named, or null for the gateway's first images model
 * @param images what to generate
 */
record ImagesRequest(String model, ImagesCall.Request images) {
    /** Longest prompt, in characters: OpenAI's limit for GPT image models (dall-e-3 takes 4,000, dall-e-2 1,000). */
    static final int MAX_PROMPT_CHARS = 32_000;
    /** Most images one request may ask for (OpenAI's {@code n}: 1-10). */
    static final int MAX_IMAGES = 10;
    /** Longest {@code model} or {@code user}, in characters. */
    static final int MAX_NAME_CHARS = 256;

    static final List<String> QUALITIES = List.of("auto", "high", "medium", "low", "hd", "standard");
    static final List<String> RESPONSE_FORMATS = List.of("url", "b64_json");
    /** Fields passed upstream as they are, with the values each may take (null: any string). */
    private static final Map<String, List<String>> PASSED = Map.of("style", List.of("vivid", "natural"),
            "background", List.of("transparent", "opaque", "auto"), "output_format", List.of("png", "jpeg", "webp"),
            "moderation", List.of("low", "auto"));

    static ImagesRequest validate(Object parsed) {
        if (!(parsed instanceof Map<?, ?> m)) throw GatewayException.invalid(null, "The request body must be a JSON object.");
        Map<String, Object> body = Validation.cast(m);
        for (String k : body.keySet()) {
            if (!KNOWN.contains(k)) throw GatewayException.invalid(k, "Unrecognized request argument supplied: '" + k + "'.");
        }
        String prompt = Validation.requiredString(body, "prompt", "prompt");
        if (prompt.isBlank()) throw Validation.invalidValue("prompt", "a description of the image", prompt);
        if (Validation.longerThan(prompt, MAX_PROMPT_CHARS)) {
            throw GatewayException.invalid("prompt", "Invalid value for 'prompt': expected at most " + MAX_PROMPT_CHARS
                    + " characters, got " + prompt.codePointCount(0, prompt.length()) + ".");
        }
        String model = name(body, "model");
        int n = 0;
        if (body.get("n") != null) {
            Validation.integer("n", body.get("n"), 1, MAX_IMAGES);
            n = (int) ((JsonNumber) body.get("n")).longValue();
        }
        String size = optional(body, "size");
        if (size != null && !ToolsConfig.IMAGE_SIZE.matcher(size).matches()) {
            throw Validation.invalidValue("size", "'auto' or WIDTHxHEIGHT such as '1024x1024'", size);
        }
        String quality = oneOf(body, "quality", QUALITIES);
        String format = oneOf(body, "response_format", RESPONSE_FORMATS);
        if (Boolean.TRUE.equals(body.get("stream"))) {
            throw GatewayException.invalid("stream", "Streamed image generation is not supported by this gateway; leave out "
                    + "'stream' (or set it to false) to get the images in one answer.");
        }
        if (body.get("stream") != null) Validation.bool("stream", body.get("stream"));
        if (body.get("partial_images") != null) {
            throw GatewayException.invalid("partial_images", "'partial_images' needs a streamed answer, which this gateway does not "
                    + "support for image generation.");
        }
        Map<String, Object> extra = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> e : PASSED.entrySet()) {
            String v = oneOf(body, e.getKey(), e.getValue());
            if (v != null) extra.put(e.getKey(), v);
        }
        if (body.get("output_compression") != null) {
            Validation.integer("output_compression", body.get("output_compression"), 0, 100);
            extra.put("output_compression", body.get("output_compression"));
        }
        String user = name(body, "user");
        if (user != null) extra.put("user", user);
        return new ImagesRequest(model, new ImagesCall.Request(prompt, n, size, quality, format,
                java.util.Collections.unmodifiableMap(extra)));
    }

    private static final List<String> KNOWN = List.of("prompt", "model", "n", "size", "quality", "response_format", "stream",
            "partial_images", "style", "background", "output_format", "output_compression", "moderation", "user");

    private static String optional(Map<String, Object> body, String key) {
        Object v = body.get(key);
        return v == null ? null : Validation.string(key, v);
    }

    private static String oneOf(Map<String, Object> body, String key, List<String> values) {
        String v = optional(body, key);
        if (v != null && !values.contains(v)) {
            StringBuilder b = new StringBuilder("one of ");
            for (int i = 0; i < values.size(); i++) b.append(i == 0 ? "" : ", ").append('\'').append(values.get(i)).append('\'');
            throw Validation.invalidValue(key, b.toString(), v);
        }
        return v;
    }

    /** A model id or user name: 1 to {@link #MAX_NAME_CHARS} characters, or null when absent. */
    private static String name(Map<String, Object> body, String key) {
        String v = optional(body, key);
        if (v != null && (v.isEmpty() || v.length() > MAX_NAME_CHARS)) {
            throw Validation.invalidValue(key, "1 to " + MAX_NAME_CHARS + " characters", v);
        }
        return v;
    }
}
