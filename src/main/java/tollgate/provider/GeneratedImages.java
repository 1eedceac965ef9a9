package tollgate.provider;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Images a provider generated.
 *
 * @param images the images, in the upstream's order (at least one)
 * @param answer the upstream's answer in OpenAI's shape ({@code created}, {@code data}, and what
 *               else it sent: {@code usage}, {@code output_format}, ...), for relaying to a client
 *               of that shape; its {@code data} holds the same strings as {@link #images}
 */
public record GeneratedImages(List<Image> images, Map<String, Object> answer) {

    /**
     * One image: a URL (OpenAI's are valid for 60 minutes) or its bytes in base64.
     *
     * @param url           where to fetch it (may be a {@code data:} URL), or null
     * @param b64Json       the image file in base64 (RFC 4648 §4), or null
     * @param revisedPrompt the prompt the upstream actually used (dall-e-3), or null
     */
    public record Image(String url, String b64Json, String revisedPrompt) { }

    /**
     * These images cut to the first {@code n}, in {@link #images} and in the answer's
     * {@code data} alike: an upstream that sent more than were asked for (and held, and paid
     * for) does not give the client the rest.
     */
    public GeneratedImages first(int n) {
        if (images.size() <= n) return this;
        Map<String, Object> cut = new LinkedHashMap<>(answer);
        if (answer.get("data") instanceof List<?> data) {
            List<Object> kept = new ArrayList<>(n);
            int seen = 0;
            for (Object entry : data) {
                if (seen == n) break;
                kept.add(entry);
                if (isImage(entry)) seen++;
            }
            cut.put("data", kept);
        }
        return new GeneratedImages(List.copyOf(images.subList(0, n)), cut);
    }

    /** Whether a {@code data[]} entry is an image: a non-empty {@code url} or {@code b64_json} (what {@link #images} holds). */
    private static boolean isImage(Object entry) {
        return entry instanceof Map<?, ?> m && (m.get("url") instanceof String u && !u.isEmpty()
                || m.get("b64_json") instanceof String b && !b.isEmpty());
    }

    /** The images' media type sniffed from the first bytes of base64 data, or null when not known. */
    public static String mediaType(String b64) {
        if (b64 == null) return null;
        // The base64 of each format's signature: PNG 89 50 4E 47 0D 0A 1A 0A, JPEG FF D8 FF,
        // WebP "RIFF....WEBP" (only RIFF is in the first 4 characters), GIF "GIF8".
        if (b64.startsWith("iVBORw0KGgo")) return "image/png";
        if (b64.startsWith("/9j/")) return "image/jpeg";
        if (b64.startsWith("UklGR")) return "image/webp";
        if (b64.startsWith("R0lGOD")) return "image/gif";
        return null;
    }
}
